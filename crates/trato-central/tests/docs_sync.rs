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

/// Every route the dashboard's router declares (read from its source, so a
/// new route cannot be added without this test seeing it) is in openapi.yaml,
/// but for `/` (a redirect) and the page's own stylesheet and script.
#[test]
fn every_dashboard_route_is_documented() {
    let openapi = doc("openapi.yaml");
    let router = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/dashboard/web.rs");
    let source = std::fs::read_to_string(router).unwrap();
    let routes: Vec<&str> = source
        .split(".route(\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|r| *r != "/" && !r.starts_with("/static/"))
        .collect();
    assert!(routes.len() >= 10, "routes found: {routes:?}");
    for r in routes {
        assert!(
            openapi.contains(&format!("\n  {r}:\n")),
            "{r} missing in openapi.yaml"
        );
    }
}
