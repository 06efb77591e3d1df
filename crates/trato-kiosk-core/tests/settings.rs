//! Unit configuration rules: every key's good and bad values, batches that
//! change all or nothing, TOML import and export, and secret redaction.

use trato_kiosk_core::settings::{self, KioskSettings, KEYS};
use trato_kiosk_core::{Kiosk, SettingsError};

fn with(pairs: &[(&str, &str)]) -> Result<KioskSettings, SettingsError> {
    KioskSettings::defaults().with_changes(pairs)
}

/// The error for a bad value names the key (and so does its message).
fn assert_invalid(key: &str, value: &str) {
    match with(&[(key, value)]) {
        Err(SettingsError::Invalid { key: k, rule }) => {
            assert_eq!(k, key, "{value:?}");
            assert!(!rule.is_empty());
        }
        other => panic!("{key} = {value:?} should be refused, got {other:?}"),
    }
    let message = with(&[(key, value)]).unwrap_err().to_string();
    assert!(message.contains(key), "{message}");
}

#[test]
fn clues_codes_are_validated_and_uppercased() {
    for good in ["DFIMS000020", "NLIMS000315", "JCIMS000301", "VZIMS001112"] {
        assert_eq!(with(&[("unit.clues", good)]).unwrap().unit_clues, good);
    }
    // Lowercase and surrounding spaces are accepted and normalised.
    assert_eq!(
        with(&[("unit.clues", " dfims000020 ")]).unwrap().unit_clues,
        "DFIMS000020"
    );
    for bad in [
        "",             // required once set by a person
        "DFIMS00002",   // 10 characters
        "DFIMS0000200", // 12 characters
        "DF1MS000020",  // a digit in the letters part
        "DFIMS00002O",  // a letter in the digits part
        "DF-IMS-0020",  // punctuation
        "DFÍMS000020",  // non-ASCII letter
    ] {
        assert_invalid("unit.clues", bad);
    }
    let rule = with(&[("unit.clues", "DFIMS00002")])
        .unwrap_err()
        .to_string();
    assert!(
        rule.contains("11 characters") && rule.contains("DFIMS000020"),
        "{rule}"
    );
}

#[test]
fn every_setting_accepts_good_values_and_refuses_bad_ones() {
    let long = |n: usize| "x".repeat(n);
    let cases: Vec<(&str, Vec<String>, Vec<String>)> = vec![
        (
            "unit.name",
            vec!["HGZ 1 «Carlos Mac Gregor»".into(), String::new(), long(120)],
            vec![long(121), "a\nb".into()],
        ),
        (
            "unit.ooad",
            vec![
                "OOAD Ciudad de México Sur".into(),
                "UMAE HE CMN Siglo XXI".into(),
            ],
            vec![long(121), "\u{7}".into()],
        ),
        (
            "service.areas",
            vec!["Urgencias".into(), "Consulta externa, Urgencias".into()],
            vec![String::new(), "Cafetería".into()],
        ),
        (
            "service.default",
            vec!["Consulta externa".into(), "consulta EXTERNA".into()],
            vec!["Cafetería".into(), String::new()],
        ),
        (
            "kiosk.label",
            vec!["Planta baja, junto a Admisión".into(), String::new()],
            vec![long(61)],
        ),
        (
            "kiosk.demo",
            vec!["true".into(), "false".into()],
            vec!["yes".into(), "1".into()],
        ),
        (
            "sync.endpoint",
            vec!["https://central.imss.example/trato".into(), String::new()],
            vec!["http://central.imss.example".into(), "nope".into()],
        ),
        (
            "sync.token",
            vec![long(16), long(256), String::new()],
            vec![long(15), long(257), "sixteen chars ok".into()],
        ),
        (
            "sync.ca_file",
            vec![String::new(), "/etc/trato-kiosk/ca.pem".into()],
            vec![
                "ca.pem".into(),
                format!("/{}", "a".repeat(400)),
                "/etc/ca\u{7}.pem".into(),
            ],
        ),
        (
            "sync.retention_days",
            vec!["1".into(), "90".into(), "3650".into()],
            vec!["0".into(), "3651".into(), "-1".into(), "x".into()],
        ),
        (
            "staff.session_minutes",
            vec!["1".into(), "30".into()],
            vec!["0".into(), "31".into(), "2.5".into()],
        ),
        (
            "survey.idle_seconds",
            vec!["15".into(), "600".into()],
            vec!["14".into(), "601".into()],
        ),
        (
            "survey.idle_prompt_seconds",
            vec!["5".into(), "120".into()],
            vec!["4".into(), "121".into()],
        ),
        (
            "survey.thanks_seconds",
            vec!["2".into(), "60".into()],
            vec!["1".into(), "61".into()],
        ),
        (
            "survey.min_interval_seconds",
            vec!["0".into(), "600".into()],
            vec!["601".into(), "".into()],
        ),
        (
            "survey.abandoned",
            vec!["keep".into(), "discard".into()],
            vec!["maybe".into(), "KEEP!".into()],
        ),
        (
            "survey.active_id",
            vec!["trato-digno".into()],
            vec![String::new(), long(65)],
        ),
        (
            "survey.active_version",
            vec!["1".into(), "7".into()],
            vec!["0".into(), "v2".into()],
        ),
        (
            "unit.complaints_text",
            vec![
                "".into(),
                "Acuda al Módulo de Trato Digno, planta baja, junto a Admisión.".into(),
                "x".repeat(400),
            ],
            vec!["x".repeat(401), "dos\nlíneas".into()],
        ),
        (
            "privacy.notice",
            vec!["".into(), "El IMSS es responsable de sus datos.".into()],
            vec!["x".repeat(1501), "dos\nlíneas".into()],
        ),
        (
            "privacy.url",
            vec!["https://www.imss.gob.mx/privacidad".into()],
            vec![
                "".into(),
                "http://imss.gob.mx".into(),
                "https://".into(),
                "https://a b".into(),
                format!("https://{}", "a".repeat(300)),
            ],
        ),
        (
            "audio.volume",
            vec!["0".into(), "55".into(), "100".into()],
            vec!["101".into(), "-1".into(), "".into(), "alto".into()],
        ),
    ];
    let covered: Vec<&str> = cases.iter().map(|(k, _, _)| *k).collect();
    for key in KEYS {
        assert!(
            covered.contains(key) || ["unit.clues", "kiosk.id"].contains(key),
            "{key} has no test case"
        );
    }
    for (key, good, bad) in &cases {
        for value in good {
            with(&[(key, value)]).unwrap_or_else(|e| panic!("{key} = {value:?}: {e}"));
        }
        for value in bad {
            assert_invalid(key, value);
        }
    }
    // The kiosk id is generated once: never set by a person or a file.
    assert_invalid("kiosk.id", "kiosk-7");
    assert!(
        matches!(with(&[("unit.colour", "red")]), Err(SettingsError::UnknownKey(k)) if k == "unit.colour")
    );
}

#[test]
fn service_areas_use_the_catalogue_and_hold_the_default() {
    let s = with(&[("service.areas", "urgencias, HOSPITALIZACION ,farmacia")]).unwrap();
    assert_eq!(
        s.service_areas,
        ["Urgencias", "Hospitalización", "Farmacia"]
    );
    // The old default is not offered any more, none was named: the first area.
    assert_eq!(s.service_default, "Urgencias");
    assert_eq!(
        s.get("service.areas").unwrap(),
        "Urgencias,Hospitalización,Farmacia"
    );

    let s = with(&[
        ("service.areas", "Urgencias,Farmacia"),
        ("service.default", "farmacia"),
    ])
    .unwrap();
    assert_eq!(s.service_default, "Farmacia");

    // A default named explicitly must be one of the areas.
    let e = with(&[
        ("service.areas", "Urgencias"),
        ("service.default", "Farmacia"),
    ])
    .unwrap_err();
    assert!(
        matches!(&e, SettingsError::Invalid { key, .. } if key == "service.default"),
        "{e}"
    );
    let e = with(&[("service.default", "Urgencias")]).unwrap_err();
    assert!(e.to_string().contains("service.areas"), "{e}");

    assert_invalid("service.areas", "Urgencias,urgencias");
    let thirteen = settings::SERVICE_AREAS[..13].join(",");
    assert_invalid("service.areas", &thirteen);
    let twelve = settings::SERVICE_AREAS[..12].join(",");
    assert_eq!(
        with(&[("service.areas", &twelve)])
            .unwrap()
            .service_areas
            .len(),
        12
    );
}

#[test]
fn the_sync_endpoint_needs_https_except_on_this_machine() {
    for good in [
        "https://central.example.org",
        "https://central.example.org:8443/api/",
        "http://127.0.0.1:8080",
        "http://localhost:3000/trato",
        "http://[::1]:9000",
        "",
    ] {
        assert_eq!(
            with(&[("sync.endpoint", good)]).unwrap().sync_endpoint,
            good
        );
    }
    for bad in [
        "http://central.example.org",
        "http://localhost.evil.example",
        "http://10.0.0.5",
        "ftp://central.example.org",
        "https://user:secret@central.example.org",
        "https://central.example.org/?token=abc",
        "central.example.org",
        "https://",
    ] {
        assert_invalid("sync.endpoint", bad);
    }
}

#[test]
fn the_token_is_never_shown_in_full() {
    let token = "abcdSECRETSECRETSECRETSECRETSECRETSECRETSECRET12";
    assert_eq!(token.len(), 48);
    let s = with(&[("sync.token", token)]).unwrap();
    let shown: Vec<(String, String)> = s.redacted_pairs();
    let value = &shown.iter().find(|(k, _)| k == "sync.token").unwrap().1;
    assert_eq!(value, "abcd…(48 chars)");
    for text in [
        format!("{shown:?}"),
        format!("{s:?}"),
        serde_json::to_string(&s).unwrap(),
        s.to_toml(false),
    ] {
        assert!(!text.contains("SECRET"), "{text}");
    }
    assert!(s.to_toml(true).contains(token));
    // Other values are shown as they are.
    assert!(shown.contains(&("survey.idle_seconds".into(), "45".into())));
}

#[test]
fn a_toml_file_imports_with_the_same_rules() {
    let text = r#"
        # deployment for HGZ 1
        [unit]
        clues = "dfims000020"
        name = "Hospital General de Zona 1"
        ooad = "OOAD Ciudad de México Norte"

        [service]
        areas = ["Urgencias", "Consulta externa"]
        default = "Urgencias"

        [sync]
        endpoint = "https://central.example.org"
        token = "0123456789abcdef0123"
        retention_days = 30

        [survey]
        idle_seconds = 60
        abandoned = "discard"

        [kiosk]
        demo = false
        label = "Planta baja"
    "#;
    let pairs = KioskSettings::parse_toml(text).unwrap();
    assert!(pairs.contains(&("unit.clues".into(), "dfims000020".into())));
    assert!(pairs.contains(&("service.areas".into(), "Urgencias,Consulta externa".into())));
    assert!(pairs.contains(&("survey.idle_seconds".into(), "60".into())));
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let s = with(&borrowed).unwrap();
    assert_eq!(s.unit_clues, "DFIMS000020");
    assert_eq!(s.service_default, "Urgencias");
    assert_eq!(s.retention_days, 30);

    // Dotted keys at the top level are the same keys.
    let mut dotted =
        KioskSettings::parse_toml("unit.clues = \"NLIMS000315\"\nstaff.session_minutes = 5")
            .unwrap();
    dotted.sort();
    assert_eq!(
        dotted,
        [
            ("staff.session_minutes".to_owned(), "5".to_owned()),
            ("unit.clues".to_owned(), "NLIMS000315".to_owned())
        ]
    );
}

#[test]
fn a_bad_toml_file_is_refused_naming_the_problem() {
    let unknown =
        KioskSettings::parse_toml("[unit]\nclues = \"DFIMS000020\"\ncolour = \"red\"").unwrap_err();
    assert!(
        matches!(&unknown, SettingsError::UnknownKey(k) if k == "unit.colour"),
        "{unknown}"
    );
    let unknown_table = KioskSettings::parse_toml("[printer]\nname = \"x\"").unwrap_err();
    assert!(
        matches!(&unknown_table, SettingsError::UnknownKey(k) if k == "printer.name"),
        "{unknown_table}"
    );
    let bad_value = KioskSettings::parse_toml("[unit]\nclues = \"DF-20\"").unwrap_err();
    assert!(
        matches!(&bad_value, SettingsError::Invalid { key, .. } if key == "unit.clues"),
        "{bad_value}"
    );
    let bad_type = KioskSettings::parse_toml("[survey]\nidle_seconds = 4.5").unwrap_err();
    assert!(
        matches!(&bad_type, SettingsError::Invalid { key, .. } if key == "survey.idle_seconds"),
        "{bad_type}"
    );
    let read_only = KioskSettings::parse_toml("[kiosk]\nid = \"copied-from-another\"").unwrap_err();
    assert!(
        matches!(&read_only, SettingsError::Invalid { key, .. } if key == "kiosk.id"),
        "{read_only}"
    );
    let syntax = KioskSettings::parse_toml("[unit\nclues = ").unwrap_err();
    assert!(matches!(syntax, SettingsError::Toml(_)));
    assert!(KioskSettings::parse_toml("").unwrap().is_empty());
}

#[test]
fn an_exported_configuration_imports_back_to_the_same_settings() {
    let original = with(&[
        ("unit.clues", "JCIMS000301"),
        ("unit.name", "UMAE \"Hospital\" de Especialidades"),
        ("service.areas", "Urgencias,Farmacia"),
        ("sync.endpoint", "https://central.example.org"),
        ("sync.token", "tok_0123456789abcdef"),
        ("kiosk.demo", "true"),
    ])
    .unwrap();
    let text = original.to_toml(true);
    let pairs = KioskSettings::parse_toml(&text).unwrap();
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let other_kiosk = KioskSettings::defaults();
    let imported = other_kiosk.with_changes(&borrowed).unwrap();
    // Everything but the kiosk's own id travels.
    assert_eq!(imported.kiosk_id, other_kiosk.kiosk_id);
    assert_eq!(
        KioskSettings {
            kiosk_id: original.kiosk_id.clone(),
            ..imported
        },
        original
    );

    // Without secrets the token stays behind (a comment), so an import keeps
    // the target kiosk's own token.
    let redacted = KioskSettings::parse_toml(&original.to_toml(false)).unwrap();
    assert!(!redacted.iter().any(|(k, _)| k == "sync.token"));
}

#[test]
fn a_bad_batch_on_a_kiosk_changes_nothing_in_memory_or_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::open(dir.path()).unwrap();
    let before = kiosk.settings().clone();
    let stored_before = kiosk.store().settings().unwrap();
    let error = kiosk
        .update_settings(&[
            ("unit.clues", "DFIMS000020"),
            ("sync.retention_days", "30"),
            ("sync.endpoint", "http://central.example.org"),
        ])
        .unwrap_err();
    assert_eq!(error.code(), "invalid_setting");
    assert!(error.to_string().contains("sync.endpoint"), "{error}");
    assert_eq!(kiosk.settings(), &before);
    assert_eq!(kiosk.store().settings().unwrap(), stored_before);
    // A survey that is not installed is refused before anything is stored.
    let error = kiosk
        .update_settings(&[("survey.active_version", "9")])
        .unwrap_err();
    assert_eq!(error.code(), "storage", "{error}");
    assert_eq!(kiosk.settings(), &before);
}

#[test]
fn every_key_is_stored_explicitly_with_its_default() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = Kiosk::open(dir.path()).unwrap();
    let stored = kiosk.store().settings().unwrap();
    for key in KEYS {
        assert!(stored.iter().any(|(k, _)| k == key), "{key} not stored");
    }
    let s = kiosk.settings();
    assert_eq!((s.retention_days, s.staff_session_minutes), (90, 3));
    assert_eq!(s.service_areas, std::slice::from_ref(&s.service_default));
}

#[test]
fn a_kiosk_from_before_the_catalogue_keeps_its_free_text_service() {
    let dir = tempfile::tempdir().unwrap();
    let path = trato_kiosk_core::data_dir::database_path(dir.path());
    {
        let (mut store, _) = trato_kiosk_core::Store::open(&path).unwrap();
        store
            .put_settings(&[("service.default".into(), "Módulo planta baja".into())])
            .unwrap();
    }
    let mut kiosk = Kiosk::open(dir.path()).unwrap();
    assert_eq!(kiosk.settings().service_default, "Módulo planta baja");
    assert_eq!(kiosk.settings().service_areas, ["Módulo planta baja"]);
    // IT then picks from the catalogue, and the default follows.
    kiosk
        .update_settings(&[("service.areas", "Urgencias")])
        .unwrap();
    assert_eq!(kiosk.settings().service_default, "Urgencias");
}
