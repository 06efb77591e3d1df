//! End to end for staff and IT: the hidden gesture, the PIN pad and its
//! lockout, changing the unit, an export to a folder, leaving staff mode;
//! the real release app under Xvfb through WebDriver.

mod support;

use serde_json::json;
use support::{query, KioskApp, IT_PIN, STAFF_PIN};

const SIZE: &str = "1280x800";

/// Waits until the audit log holds `action` (it is written as the staff
/// window moves on) and returns every action logged, in order.
async fn wait_audited(app: &KioskApp, action: &str) -> Vec<String> {
    support::wait_rows_where(
        &app.db_path(),
        &format!("`{action}` in the audit log"),
        "SELECT action FROM audit_log ORDER BY id",
        |rows| rows.iter().any(|row| row[0] == json!(action)),
    )
    .await
    .into_iter()
    .map(|row| row[0].as_str().unwrap().to_owned())
    .collect()
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn staff_open_the_hidden_pad_log_in_see_counts_and_leave() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    // A short tap on the corner does nothing; the survey stays.
    app.tap("staff-corner").await;
    assert_eq!(app.client.windows().await.unwrap().len(), 1);

    let survey = app.open_staff().await;
    app.enter_pin(STAFF_PIN).await;
    app.wait_screen("staff").await;
    app.wait_until("today's count", async || {
        app.text_of("count-today").await.trim() == "0"
    })
    .await;
    // Staff do not see the IT tools.
    assert!(!app.visible("settings-open").await);

    app.tap("staff-close").await;
    app.wait_until("the staff window to close", async || {
        app.client
            .windows()
            .await
            .map(|w| w.len() == 1)
            .unwrap_or(false)
    })
    .await;
    app.switch_to_survey(survey).await;
    app.wait_screen("attract").await;
    wait_audited(&app, "login").await;
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn five_wrong_pins_lock_the_pad_even_against_the_right_pin() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.open_staff().await;
    for attempt in 1..=5 {
        app.enter_pin("999999").await;
        if attempt < 5 {
            // The pad is off while Rust checks the PIN: wait for the answer
            // and the pad drawn again before the next try.
            app.wait_until(&format!("wrong PIN {attempt} answered"), async || {
                app.text_of("pin-error")
                    .await
                    .contains(&format!("restantes: {}", 5 - attempt))
                    && app
                        .js("return !document.querySelector(\"[data-testid='pin-1']\").disabled")
                        .await
                        == json!(true)
            })
            .await;
        }
    }
    app.wait_until("the lockout message", async || {
        app.visible("pin-locked").await
    })
    .await;
    let db = app.db_path();
    let lockout_row = async || {
        support::wait_rows(
            &db,
            "SELECT lockouts, locked_until IS NOT NULL FROM pin_lockout",
            vec![vec![json!(1), json!(1)]],
        )
        .await
    };
    lockout_row().await;
    // The pad's keys are off while locked.
    let digit_keys_off = "return [...document.querySelectorAll('button[data-testid]')] \
         .filter(b => /^pin-[0-9]$/.test(b.dataset.testid)).every(b => b.disabled)";
    assert_eq!(app.js(digit_keys_off).await, json!(true));

    // Someone who switches the keys back on and types the right PIN gets
    // no digit onto the pad...
    app.js(
        "document.querySelectorAll('button[data-testid^=\"pin-\"]').forEach(b => b.disabled = false); \
         return true",
    )
    .await;
    for digit in STAFF_PIN.chars() {
        app.tap_in_page(&format!("pin-{digit}")).await;
    }
    // (read after the taps' queued clicks have run)
    let typed = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             setTimeout(() => done(document.querySelector(\"[data-testid='pin-dots']\").dataset.length), 0);",
            vec![],
        )
        .await
        .expect("the pad's length");
    assert_eq!(typed, json!("0"), "digits typed on a locked pad");
    // ...and Rust refuses the right PIN itself, asked directly as the page
    // would ask it.
    let refused = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI__.core.invoke('staff_login', { pin: arguments[0] }) \
               .then(ok => done({ ok }), err => done({ err }));",
            vec![json!(STAFF_PIN)],
        )
        .await
        .expect("staff_login answered");
    assert_eq!(refused["err"]["code"], json!("locked"), "{refused}");
    assert!(refused.get("ok").is_none(), "{refused}");
    assert_eq!(
        app.screen().await,
        "pin",
        "a locked pad must not let anyone in"
    );
    // Nobody logged in, and the lockout stands.
    let actions = wait_audited(&app, "lockout").await;
    assert!(!actions.iter().any(|a| a == "login"), "{actions:?}");
    lockout_row().await;
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn it_changes_the_unit_on_screen_and_new_responses_carry_it() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    let survey = app.open_staff().await;
    app.enter_pin(IT_PIN).await;
    app.wait_screen("staff").await;
    app.tap("settings-open").await;
    app.wait_screen("settings").await;
    app.tap("setting-unit.clues").await;
    // The field's first key replaces its value.
    app.type_on_screen("nlims000315").await;
    app.tap("setting-save").await;
    app.wait_until("the unit saved", async || {
        query(
            &app.db_path(),
            "SELECT value FROM settings WHERE key = 'unit.clues'",
        ) == vec![vec![json!("NLIMS000315")]]
    })
    .await;
    // The form is redrawn from the saved values before it takes taps again.
    app.wait_until("the saved message", async || {
        app.text_of("setting-status").await.starts_with("Guardado")
    })
    .await;
    app.wait_rows(
        "SELECT role, detail FROM audit_log WHERE action = 'unit_change'",
        vec![vec![
            json!("it"),
            json!("unit.clues: DFIMS000020 -> NLIMS000315"),
        ]],
    )
    .await;

    // A bad CLUES is refused next to the field and changes nothing.
    app.tap("setting-unit.clues").await;
    // One letter replaces the whole value: "A" is no CLUES.
    app.type_on_screen("a").await;
    app.wait_until("the field to read A", async || {
        app.js(
            "return document.querySelector(\"[data-testid='setting-unit.clues']\").dataset.value",
        )
        .await
            == json!("A")
    })
    .await;
    app.tap("setting-save").await;
    app.wait_until("the error", async || app.visible("setting-error").await)
        .await;
    let error = app.text_of("setting-error").await;
    assert!(error.contains("CLUES") || error.contains("11"), "{error}");
    app.wait_rows(
        "SELECT value FROM settings WHERE key = 'unit.clues'",
        vec![vec![json!("NLIMS000315")]],
    )
    .await;

    app.tap("staff-close").await;
    app.switch_to_survey(survey).await;
    app.wait_screen("attract").await;
    app.tap("start").await;
    app.answer_all(&[
        ("trato", "5"),
        ("saludo", "si"),
        ("escucha", "si"),
        ("respuesta", "si"),
        ("respeto", "si"),
        ("espera", "menos_30"),
    ])
    .await;
    app.wait_question("comentario").await;
    app.tap("submit").await;
    app.wait_screen("thanks").await;
    app.wait_rows(
        "SELECT unit_clues FROM responses",
        vec![vec![json!("NLIMS000315")]],
    )
    .await;
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn staff_export_today_to_the_kiosk_folder() {
    let app = KioskApp::launch(SIZE, |kiosk| {
        kiosk
            .update_settings(&[("survey.min_interval_seconds", "0")])
            .unwrap();
    })
    .await;
    // One response answered today.
    app.tap("start").await;
    app.answer_all(&[
        ("trato", "2"),
        ("saludo", "no"),
        ("escucha", "no"),
        ("respuesta", "si"),
        ("respeto", "si"),
        ("espera", "mas_2_horas"),
    ])
    .await;
    app.wait_question("mejorar").await;
    app.tap("answer-mejorar-limpieza").await;
    app.tap("next").await;
    app.wait_question("comentario").await;
    app.tap("submit").await;
    // "Mal" meets an alert rule: the complaints screen comes first.
    app.wait_screen("complaints").await;
    app.tap("complaints-ok").await;
    app.wait_screen("thanks").await;

    app.open_staff().await;
    app.enter_pin(STAFF_PIN).await;
    app.wait_screen("staff").await;
    app.wait_until("today's count", async || {
        app.text_of("count-today").await.trim() == "1"
    })
    .await;
    app.tap("export-open").await;
    app.wait_screen("export").await;
    app.tap("export-range-today").await;
    app.tap("export-format-csv").await;
    // The kiosk's own folder is the last destination when no USB drive is in;
    // the list is there once the drives have been looked for.
    app.wait_until("the destinations", async || {
        app.visible("export-dest-0").await
    })
    .await;
    let last = app
        .js("return document.querySelectorAll(\"[data-testid^='export-dest-']:not([data-testid='export-dest-refresh'])\").length - 1")
        .await
        .as_i64()
        .unwrap();
    app.tap(&format!("export-dest-{last}")).await;
    app.tap("export-start").await;
    app.wait_until("the export to finish", async || {
        app.visible("export-done").await
    })
    .await;
    let done = app.text_of("export-done").await;
    assert!(done.contains(".csv"), "{done}");

    let folder = app.data_dir.path().join("exportaciones");
    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let mut reader = csv::Reader::from_path(&files[0]).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].iter().any(|cell| cell == "Mal"), "{:?}", rows[0]);
    wait_audited(&app, "export").await;
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn it_leaves_kiosk_mode_and_the_app_closes() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.open_staff().await;
    app.enter_pin(IT_PIN).await;
    app.wait_screen("staff").await;
    app.tap("settings-open").await;
    app.wait_screen("settings").await;
    app.tap("leave-kiosk").await;
    app.tap("leave-kiosk-confirm").await;
    app.wait_until("the app to exit", async || {
        app.client
            .windows()
            .await
            .map(|w| w.is_empty())
            .unwrap_or(true)
    })
    .await;
    app.wait_rows(
        "SELECT role FROM audit_log WHERE action = 'exit'",
        vec![vec![json!("it")]],
    )
    .await;
    app.quit().await;
}
