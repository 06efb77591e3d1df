//! The documents kiosks are built against stay in step with the server.

use std::path::Path;

use trato_central::error::ErrorCode;

fn doc(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn every_error_code_is_documented() {
    let (openapi, prose) = (doc("openapi.yaml"), doc("protocol.md"));
    for c in ErrorCode::ALL.iter().map(|c| c.as_str()) {
        assert!(
            openapi.contains(&format!("- {c}\n")),
            "{c} missing in openapi.yaml"
        );
        assert!(
            prose.contains(&format!("`{c}`")),
            "{c} missing in protocol.md"
        );
    }
}

#[test]
fn paths_and_header_are_documented() {
    use trato_domain::wire::*;
    let openapi = doc("openapi.yaml");
    for p in [BATCHES_PATH, ACTIVE_SURVEY_PATH, HEALTH_PATH] {
        assert!(openapi.contains(&format!("  {p}:\n")), "{p}");
    }
    assert!(openapi.contains(SERVER_TIME_HEADER));
    assert!(doc("protocol.md").contains(SERVER_TIME_HEADER));
    assert!(openapi.contains(&format!("maxItems: {MAX_BATCH_RESPONSES}")));
}
