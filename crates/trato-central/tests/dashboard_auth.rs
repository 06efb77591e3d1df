//! Who sees what: each role against each scope on every read endpoint,
//! forged ids in URLs and bodies, CSRF, cookies and login rate limiting.

mod common;
mod dashboard_support;

use chrono::Utc;
use common::backends;
use dashboard_support::*;

const SCOPES: [&str; 7] = [
    "institute",
    "parent:OOAD Ciudad de México Sur",
    "parent:OOAD Nuevo León",
    "parent:UMAE Hospital de Especialidades CMN Siglo XXI",
    "unit:DFIMS000020",
    "unit:NLIMS000315",
    "unit:DFIMS000113",
];

/// Whether `account` may see `scope` (the table the server must follow).
fn allowed(account: &str, scope: &str) -> bool {
    match account {
        "nacional" => true,
        "ooad.cdmx" => matches!(
            scope,
            "parent:OOAD Ciudad de México Sur" | "unit:DFIMS000020" | "unit:DFIMS000032"
        ),
        "umae.sxxi" => matches!(
            scope,
            "parent:UMAE Hospital de Especialidades CMN Siglo XXI" | "unit:DFIMS000113"
        ),
        "unidad.020" => scope == "unit:DFIMS000020",
        "unidad.315" => scope == "unit:NLIMS000315",
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_against_each_scope() {
    for b in backends() {
        let d = start(b).await;
        // One alert in each of three units.
        let mut alert_ids = std::collections::HashMap::new();
        for u in ["DFIMS000020", "NLIMS000315", "DFIMS000113"] {
            let k = d.kiosk(u).await;
            let r = response(&k, Utc::now(), "urgencias", "1", ["no", "no", "no", "no"]);
            alert_ids.insert(u, r.id.to_string());
            d.post_batch(&k, vec![r]).await;
        }
        let mut sessions = Vec::new();
        for (name, _, _) in ACCOUNTS {
            sessions.push((name, d.login(name).await));
        }
        for (name, s) in &sessions {
            for scope in SCOPES {
                let want = if allowed(name, scope) { 200 } else { 403 };
                let q = format!("scope={}", urlenc(scope));
                for path in [
                    format!("/api/v1/dashboard/summary?{q}"),
                    format!("/api/v1/dashboard/alerts?{q}"),
                    format!("/api/v1/dashboard/alerts?{q}&format=csv"),
                ] {
                    let st = d.get(s, &path).await.status().as_u16();
                    assert_eq!(st, want, "{b:?} {name} {path}");
                }
                if let Some(unit) = scope.strip_prefix("unit:") {
                    for path in [
                        format!("/api/v1/dashboard/report.xlsx?unit={unit}"),
                        format!("/informe?unit={unit}"),
                    ] {
                        let st = d.get(s, &path).await.status().as_u16();
                        assert_eq!(st, want, "{b:?} {name} {path}");
                    }
                }
            }
            // The default scope is the account's own: the lists it gets name
            // every unit with an alert inside it and nothing outside it.
            let mut alert_units: Vec<&str> = alert_ids
                .keys()
                .copied()
                .filter(|u| allowed(name, &format!("unit:{u}")))
                .collect();
            alert_units.sort();
            assert!(!alert_units.is_empty(), "{name} is allowed no alert unit");
            let clues = |list: &serde_json::Value, key: &str| -> Vec<String> {
                let mut c: Vec<String> = list
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u[key].as_str().unwrap().to_owned())
                    .collect();
                c.sort();
                c
            };
            let me = d.get_json(s, "/api/v1/dashboard/me").await;
            let summary = d.get_json(s, "/api/v1/dashboard/summary").await;
            for (list, listed) in [
                ("me", clues(&me["units"], "clues")),
                ("summary", clues(&summary["units"], "clues")),
            ] {
                for u in &alert_units {
                    assert!(
                        listed.iter().any(|c| c == u),
                        "{b:?} {name} {list} lacks {u}: {listed:?}"
                    );
                }
                for c in &listed {
                    assert!(
                        allowed(name, &format!("unit:{c}")),
                        "{b:?} {name} {list} lists {c}"
                    );
                }
            }
            // All alerts, open or attended (an account before this one may
            // have attended some).
            let alerts = d
                .get_json(s, "/api/v1/dashboard/alerts?status=all&limit=500")
                .await;
            assert!(alerts["next_cursor"].is_null(), "one page holds them");
            let mut listed = clues(&alerts["alerts"], "unit_clues");
            listed.dedup();
            assert_eq!(listed, alert_units, "{b:?} {name} alerts");
            // Forged alert ids (URL): outside the scope is "not found",
            // and nothing changes.
            for (unit, id) in &alert_ids {
                let r = d.attend(s, id, Some(&s.csrf), "forjada").await;
                let st = r.status().as_u16();
                if allowed(name, &format!("unit:{unit}")) {
                    assert!(st == 200 || st == 409, "{name} {unit}: {st}");
                } else {
                    assert_eq!(st, 404, "{b:?} {name} attends {unit}");
                }
            }
        }
        // Garbage scopes and ids.
        let (_, nat) = &sessions[0];
        for path in [
            "/api/v1/dashboard/summary?scope=unit:DROP%20TABLE",
            "/api/v1/dashboard/summary?scope=everything",
            "/api/v1/dashboard/summary?from=2026-13-01",
            "/api/v1/dashboard/summary?from=2026-03-10&to=2026-03-01",
        ] {
            assert_eq!(d.get(nat, path).await.status(), 400, "{path}");
        }
        assert_eq!(
            d.attend(nat, "not-a-uuid", Some(&nat.csrf), "x")
                .await
                .status(),
            404
        );
        d.stop().await;
    }
}

#[tokio::test]
async fn sessions_csrf_and_login_limits() {
    let d = start(common::Backend::Sqlite).await;
    let k = d.kiosk("DFIMS000020").await;
    let r = response(&k, Utc::now(), "urgencias", "5", ["si", "si", "si", "no"]);
    let id = r.id.to_string();
    d.post_batch(&k, vec![r]).await;

    // No session: 401 on the API, redirect on pages.
    for p in [
        "/api/v1/dashboard/summary",
        "/api/v1/dashboard/me",
        "/api/v1/dashboard/alerts",
        "/api/v1/dashboard/events",
        "/api/v1/dashboard/report.xlsx?unit=DFIMS000020",
    ] {
        let r = d.client.get(d.url(p)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{p}");
    }
    let forged = Session {
        cookie: "trato_sesion=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
        csrf: "x".into(),
    };
    assert_eq!(d.get(&forged, "/api/v1/dashboard/me").await.status(), 401);
    for p in ["/tablero", "/informe?unit=DFIMS000020"] {
        let r = d.client.get(d.url(p)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{p}");
        assert_eq!(r.headers()["location"], "/login");
    }

    // Cookie flags and page headers.
    let r = d.login_raw("unidad.020", PASSWORD).await;
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "plain http in tests");
    let r = d
        .client
        .post(d.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .body(format!("name=unidad.020&password={}", urlenc(PASSWORD)))
        .send()
        .await
        .unwrap();
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("; Secure"));
    let s = d.login("unidad.020").await;
    let page = d.get(&s, "/tablero").await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
    assert!(
        !page.text().await.unwrap().contains("<script>"),
        "no inline script"
    );

    // CSRF: missing, wrong, another session's, cross-origin.
    let other = d.login("nacional").await;
    assert_eq!(d.attend(&s, &id, None, "nota").await.status(), 403);
    assert_eq!(d.attend(&s, &id, Some("wrong"), "nota").await.status(), 403);
    assert_eq!(
        d.attend(&s, &id, Some(&other.csrf), "nota").await.status(),
        403
    );
    let r = d
        .client
        .post(d.url(&format!("/api/v1/dashboard/alerts/{id}/attend")))
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .header("origin", "http://evil.example")
        .json(&serde_json::json!({"note": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Empty note refused; then the real thing.
    assert_eq!(d.attend(&s, &id, Some(&s.csrf), "  ").await.status(), 422);
    assert_eq!(
        d.attend(&s, &id, Some(&s.csrf), "Se habló con el paciente")
            .await
            .status(),
        200
    );

    // Logout needs the CSRF token and ends the session.
    let r = d
        .client
        .post(d.url("/logout"))
        .header("cookie", &s.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(d.get(&s, "/api/v1/dashboard/me").await.status(), 200);
    let r = d
        .client
        .post(d.url("/logout"))
        .header("cookie", &s.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={}", urlenc(&s.csrf)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(d.get(&s, "/api/v1/dashboard/me").await.status(), 401);

    // Wrong passwords: the same answer for unknown names; then limited,
    // even with the right password.
    let unknown = d.login_raw("nadie", PASSWORD).await.text().await.unwrap();
    assert!(unknown.contains("incorrectos"));
    for _ in 0..5 {
        let t = d
            .login_raw("ooad.cdmx", "equivocada-123")
            .await
            .text()
            .await
            .unwrap();
        assert!(t.contains("incorrectos"), "{t}");
    }
    let r = d.login_raw("ooad.cdmx", PASSWORD).await;
    assert_eq!(r.status(), 200, "no session while limited");
    assert!(r.text().await.unwrap().contains("Demasiados intentos"));
    // Another account is not affected.
    assert_eq!(d.login_raw("umae.sxxi", PASSWORD).await.status(), 303);
    d.stop().await;
}
