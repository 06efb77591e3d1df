//! End to end, the patient side everyone can use: a way out ("Salir"), a
//! one-tap start from the attract screen's faces, a progress line that never
//! jumps, the large-text / high-contrast switch, the privacy notice, and
//! where to complain after a bad experience. The release app under Xvfb,
//! driven through WebDriver; its SQLite file read back.

mod support;

use serde_json::json;
use support::{query, KioskApp};

const SIZE: &str = "1280x800";

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn salir_after_one_confirm_stores_the_partial_answers_as_abandoned() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.tap("start").await;
    app.answer("trato", "2").await;
    app.answer("saludo", "no").await;
    app.wait_question("escucha").await;
    // "No, seguir" keeps the patient where they were.
    app.tap("exit").await;
    app.tap("exit-cancel").await;
    assert!(!app.visible("exit-confirm").await);
    assert_eq!(app.question().await, "escucha");
    app.tap("exit").await;
    app.tap("exit-confirm").await;
    app.wait_screen("attract").await;

    assert_eq!(
        query(&app.db_path(), "SELECT status FROM responses"),
        vec![vec![json!("abandoned")]]
    );
    assert_eq!(
        query(
            &app.db_path(),
            "SELECT question_id, option_code FROM answers ORDER BY rowid"
        ),
        vec![
            vec![json!("trato"), json!("2")],
            vec![json!("saludo"), json!("no")]
        ]
    );
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn salir_discards_the_answers_when_the_kiosk_is_set_to() {
    let app = KioskApp::launch(SIZE, |kiosk| {
        kiosk
            .update_settings(&[("survey.abandoned", "discard")])
            .unwrap();
    })
    .await;
    app.tap("start").await;
    app.answer("trato", "4").await;
    app.tap("exit").await;
    app.tap("exit-confirm").await;
    app.wait_screen("attract").await;
    assert_eq!(
        query(&app.db_path(), "SELECT COUNT(*) FROM responses"),
        vec![vec![json!(0)]]
    );
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn a_face_tapped_on_the_attract_screen_is_stored_as_the_first_answer() {
    let app = KioskApp::launch(SIZE, |kiosk| {
        kiosk
            .update_settings(&[
                ("survey.idle_seconds", "15"),
                ("survey.idle_prompt_seconds", "5"),
                ("survey.min_interval_seconds", "120"),
            ])
            .unwrap();
    })
    .await;
    // The faces carry the headline question's own words.
    assert_eq!(app.text_of("attract-face-2").await, "Mal");
    app.tap("attract-face-2").await;
    // The survey opens on the next question: the face was the first answer.
    app.wait_question("saludo").await;
    app.tap("back").await;
    app.wait_question("trato").await;
    assert_eq!(
        app.js("return document.querySelector(\"[data-testid='answer-trato-2']\").getAttribute('aria-pressed')")
            .await,
        json!("true")
    );
    app.tap("next").await;
    app.wait_question("saludo").await;
    // The patient walks away: the idle reset keeps the tapped face as abandoned.
    app.wait_until("the idle prompt", async || app.visible("idle-prompt").await)
        .await;
    app.wait_screen("attract").await;
    assert_eq!(
        query(
            &app.db_path(),
            "SELECT r.status, a.question_id, a.option_code FROM responses r JOIN answers a ON a.response_id = r.id"
        ),
        vec![vec![json!("abandoned"), json!("trato"), json!("2")]]
    );

    // Another face straight away (within the anti-stuffing interval, checked
    // in Rust) starts the survey with nothing answered.
    app.tap("attract-face-1").await;
    app.wait_question("trato").await;
    assert_eq!(
        app.js("return document.querySelectorAll(\"[aria-pressed='true'][data-testid^='answer-trato']\").length")
            .await,
        json!(0)
    );
    app.quit().await;
}

/// Answers the default survey with `respeto` and `trato` as given, leaves
/// the comment blank and taps Enviar.
async fn submit_with(app: &KioskApp, trato: &str, respeto: &str) {
    app.tap("start").await;
    app.answer_all(&[
        ("trato", trato),
        ("saludo", "si"),
        ("escucha", "si"),
        ("respuesta", "si"),
        ("respeto", respeto),
        ("espera", "menos_30"),
    ])
    .await;
    if matches!(trato, "1" | "2") {
        app.wait_question("mejorar").await;
        app.tap("next").await;
    }
    app.wait_question("comentario").await;
    app.tap("submit").await;
}

/// The complaints screen shows exactly when the answers meet an alert rule
/// of the survey (Rust says so in the submit result); "Entendido" leads to
/// the thanks. Without a configured text it names the unit's Trato Digno
/// module, in large type.
#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn the_complaints_screen_appears_exactly_when_an_alert_rule_is_met() {
    let app = KioskApp::launch(SIZE, |kiosk| {
        kiosk
            .update_settings(&[("survey.min_interval_seconds", "0")])
            .unwrap();
    })
    .await;
    // No rule met (a regular rating, respect): straight to the thanks.
    app.record_screens().await;
    submit_with(&app, "3", "si").await;
    app.wait_screen("thanks").await;
    assert!(
        !app.screens_seen().await.contains(&"complaints".to_owned()),
        "{:?}",
        app.screens_seen().await
    );
    app.wait_screen("attract").await;

    // Disrespect or discrimination: where to complain first.
    for (trato, respeto) in [("4", "no"), ("1", "si")] {
        submit_with(&app, trato, respeto).await;
        app.wait_screen("complaints").await;
        let text = app.text_of("complaints").await;
        assert!(
            text.contains("Módulo de Trato Digno de HGZ 1 (prueba)"),
            "{text}"
        );
        assert!(app.visible("complaints-ok").await);
        assert_eq!(app.text_of("complaints-ok").await, "Entendido");
        let size = app
            .js("return parseFloat(getComputedStyle(document.querySelector('.complaints-text')).fontSize)")
            .await
            .as_f64()
            .unwrap();
        assert!(size >= 32.0, "large type: {size}px");
        app.tap("complaints-ok").await;
        app.wait_screen("thanks").await;
        app.wait_screen("attract").await;
    }
    app.wait_rows(
        "SELECT status, COUNT(*) FROM responses GROUP BY status",
        vec![vec![json!("complete"), json!(3)]],
    )
    .await;
    app.quit().await;
}

/// The unit's own words (`unit.complaints_text`), in the patient's language's
/// screen; left alone, the complaints screen goes back to the start by itself.
#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn the_complaints_screen_shows_the_units_text_and_times_out_to_the_start() {
    let words =
        "Acuda a la oficina de Trato Digno, planta baja, junto a Admisión (extensión 1234).";
    let app = KioskApp::launch(SIZE, |kiosk| {
        kiosk
            .update_settings(&[
                ("unit.complaints_text", words),
                ("survey.idle_seconds", "15"),
                ("survey.idle_prompt_seconds", "5"),
            ])
            .unwrap();
    })
    .await;
    app.tap("lang-en").await;
    submit_with(&app, "5", "no").await;
    app.wait_screen("complaints").await;
    let text = app.text_of("complaints").await;
    assert!(text.contains(words), "{text}");
    assert!(
        text.contains("file a complaint"),
        "the title in English: {text}"
    );
    assert_eq!(app.text_of("complaints-ok").await, "Understood");
    // Nobody taps "Understood": after its own timeout (idle + prompt, 20 s)
    // the start screen returns, in Spanish.
    app.record_screens().await;
    support::wait_for(
        "the complaints screen's own timeout",
        std::time::Duration::from_secs(40),
        async || app.screen().await,
        |screen| screen == "attract",
    )
    .await;
    assert_eq!(app.screens_seen().await, ["attract"]);
    assert_eq!(
        app.js("return document.documentElement.lang").await,
        json!("es-MX")
    );
    app.quit().await;
}

/// The progress text and bar width on the current question.
async fn progress(app: &KioskApp) -> (String, f64) {
    let v = app
        .js(
            "const p = document.querySelector(\"[data-testid='progress']\"); \
             return [p.querySelector('.progress-text').textContent, \
                     p.querySelector('.bar-fill').getBoundingClientRect().width]",
        )
        .await;
    (v[0].as_str().unwrap().to_owned(), v[1].as_f64().unwrap())
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn the_progress_line_never_jumps_when_an_answer_shows_another_question() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.tap("start").await;
    let mut seen = Vec::new();
    // A low rating shows "¿Qué podemos mejorar?" later on: the count must not change.
    for (question, code) in [
        ("trato", "1"),
        ("saludo", "no"),
        ("escucha", "no"),
        ("respuesta", "no"),
        ("respeto", "no"),
        ("espera", "mas_2_horas"),
    ] {
        app.wait_question(question).await;
        seen.push(progress(&app).await);
        app.answer(question, code).await;
    }
    app.wait_question("mejorar").await;
    seen.push(progress(&app).await);
    let texts: Vec<&str> = seen.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Pregunta 1",
            "Pregunta 2",
            "Pregunta 3",
            "Pregunta 4",
            "Pregunta 5",
            "Pregunta 6",
            "Pregunta 7"
        ]
    );
    assert!(
        seen.windows(2).all(|w| w[1].1 > w[0].1),
        "the bar must only grow: {seen:?}"
    );
    app.quit().await;
}

/// In-page helpers: WCAG contrast of computed colours, and what a screen cuts.
const CHECKS_JS: &str = r#"
const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
  .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const bgOf = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
  if (c.length === 3 || c[3] > 0.99) return c.slice(0, 3); } return [255, 255, 255]; };
window.__checks = {
  /** Lowest text contrast among visible texts on the screen, with the worst element. */
  text() { let worst = [99, ''];
    for (const el of document.querySelectorAll('#app *, #overlay *')) {
      if (!el.checkVisibility() || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
      const r = ratio(rgb(getComputedStyle(el).color), bgOf(el));
      if (r < worst[0]) worst = [r, `${el.className || el.tagName}: ${el.textContent.trim().slice(0, 30)}`]; }
    return worst; },
  /** Lowest contrast of answer borders against what surrounds the button. */
  borders() { let worst = [99, ''];
    for (const el of document.querySelectorAll('.option')) {
      const r = ratio(rgb(getComputedStyle(el).borderTopColor), bgOf(el.parentElement));
      if (r < worst[0]) worst = [r, el.dataset.testid]; }
    return worst; },
  /** Elements cut by the screen's edge or by their own box. */
  cut() { const out = [];
    for (const el of document.querySelectorAll('#app button, #app h1, #app p, #overlay button, #overlay p')) {
      if (!el.checkVisibility()) continue;
      const r = el.getBoundingClientRect();
      if (r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1
        || el.scrollWidth > el.clientWidth + 2 || el.scrollHeight > el.clientHeight + 2) out.push(el.dataset.testid || el.className || el.tagName); }
    return out; },
  /** Touch targets under 64 px. */
  small() { return [...document.querySelectorAll('#app button, #overlay button')].filter((el) => el.checkVisibility())
    .filter((el) => { const r = el.getBoundingClientRect(); return r.width < 63.5 || r.height < 63.5; })
    .map((el) => el.dataset.testid || el.className); },
};
return true;
"#;

async fn check(app: &KioskApp, what: &str) -> serde_json::Value {
    app.js(CHECKS_JS).await;
    app.js(&format!("return window.__checks.{what}()")).await
}

/// Runs axe-core (tests/axe, installed by `.ci/setup --tests`) on the page:
/// its serious and critical violations, one line each. `meta-viewport` is
/// off: pinch zoom is disabled on purpose on a public kiosk (a zoomed screen
/// would strand the next patient); the large-text mode is the way to enlarge.
async fn axe(app: &KioskApp) -> Vec<String> {
    let installed = app
        .js("return typeof window.axe === 'object'")
        .await
        .as_bool()
        .unwrap_or(false);
    if !installed {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/axe/node_modules/axe-core/axe.min.js"
        );
        let source = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path}: {e} (run `bash .ci/setup --tests`)"));
        app.js(&format!("{source}\n;return true")).await;
    }
    let found = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, { resultTypes: ['violations'], rules: { 'meta-viewport': { enabled: false } } }) \
               .then((r) => done(r.violations \
               .filter((v) => v.impact === 'serious' || v.impact === 'critical') \
               .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)), \
               (e) => done([`axe failed: ${e}`]));",
            vec![],
        )
        .await
        .expect("axe.run");
    serde_json::from_value(found).unwrap()
}

/// What an audit of the current screen found wrong: axe's serious and
/// critical violations and targets under 64 px.
async fn audit(app: &KioskApp, screen: &str) -> Vec<String> {
    let mut found: Vec<String> = axe(app).await;
    let small = check(app, "small").await;
    if small.as_array().is_some_and(|s| !s.is_empty()) {
        found.push(format!("targets under 64 px: {small}"));
    }
    found
        .into_iter()
        .map(|f| format!("{screen}: {f}"))
        .collect()
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn answer_borders_reach_3_to_1_in_the_usual_mode() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.tap("start").await;
    for (question, code) in [("trato", "3"), ("saludo", "si")] {
        app.wait_question(question).await;
        let worst = check(&app, "borders").await;
        assert!(worst[0].as_f64().unwrap() >= 3.0, "{question}: {worst}");
        app.answer(question, code).await;
    }
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn the_access_switch_changes_the_palette_and_resets_after_the_patient() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    let usual_size = app
        .js("return parseFloat(getComputedStyle(document.querySelector('.welcome')).fontSize)")
        .await
        .as_f64()
        .unwrap();
    app.tap("access").await;
    app.wait_until("the large-text mode", async || {
        app.js("return document.body.dataset.access").await == json!("on")
    })
    .await;
    assert_eq!(
        app.js("return document.querySelector(\"[data-testid='access']\").getAttribute('aria-pressed')")
            .await,
        json!("true")
    );
    let large_size = app
        .js("return parseFloat(getComputedStyle(document.querySelector('.welcome')).fontSize)")
        .await
        .as_f64()
        .unwrap();
    assert!(large_size > usual_size, "{large_size} vs {usual_size}");
    let mut problems = Vec::new();
    app.tap("start").await;
    // Every question of a low-rating path, in the mode: 7:1 text, 3:1 borders, nothing cut.
    for (question, code) in [
        ("trato", "1"),
        ("saludo", "no"),
        ("escucha", "en_parte"),
        ("respuesta", "no"),
        ("respeto", "no"),
        ("espera", "mas_2_horas"),
    ] {
        app.wait_question(question).await;
        let text = check(&app, "text").await;
        if text[0].as_f64().unwrap() < 7.0 {
            problems.push(format!("{question}: text contrast {text}"));
        }
        let borders = check(&app, "borders").await;
        if borders[0].as_f64().unwrap() < 3.0 {
            problems.push(format!("{question}: border contrast {borders}"));
        }
        let cut = check(&app, "cut").await;
        if cut.as_array().is_some_and(|c| !c.is_empty()) {
            problems.push(format!("{question}: cut {cut}"));
        }
        app.answer(question, code).await;
    }
    app.wait_question("mejorar").await;
    let cut = check(&app, "cut").await;
    if cut.as_array().is_some_and(|c| !c.is_empty()) {
        problems.push(format!("mejorar: cut {cut}"));
    }
    assert!(problems.is_empty(), "{problems:#?}");
    app.tap("answer-mejorar-limpieza").await;
    app.tap("next").await;
    app.wait_question("comentario").await;
    assert_eq!(
        app.js("return document.body.dataset.access").await,
        json!("on")
    );
    app.tap("submit").await;
    // "Muy mal" and disrespect: the complaints screen, in the mode too.
    app.wait_screen("complaints").await;
    let text = check(&app, "text").await;
    assert!(
        text[0].as_f64().unwrap() >= 7.0,
        "complaints: text contrast {text}"
    );
    let cut = check(&app, "cut").await;
    assert!(
        cut.as_array().is_some_and(|c| c.is_empty()),
        "complaints: cut {cut}"
    );
    app.tap("complaints-ok").await;
    app.wait_screen("thanks").await;
    // The next patient starts in the usual mode.
    app.wait_screen("attract").await;
    assert_eq!(
        app.js("return document.body.dataset.access").await,
        json!("off")
    );

    // And after "Salir", too.
    app.tap("start").await;
    app.wait_question("trato").await;
    app.tap("access").await;
    app.tap("exit").await;
    app.tap("exit-confirm").await;
    app.wait_screen("attract").await;
    assert_eq!(
        app.js("return document.body.dataset.access").await,
        json!("off")
    );
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn axe_finds_no_serious_violation_on_any_patient_screen_in_either_mode() {
    let mut found = Vec::new();
    // Landscape desks and portrait totems: the Xvfb screen of `.ci/test`
    // holds either window.
    for size in [SIZE, "1080x1920"] {
        found.extend(audit_patient_screens(size).await);
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// Every patient screen in both modes at `size`, audited.
async fn audit_patient_screens(size: &str) -> Vec<String> {
    let app = KioskApp::launch(size, |kiosk| {
        kiosk
            .update_settings(&[("survey.min_interval_seconds", "0")])
            .unwrap();
    })
    .await;
    let mut found = Vec::new();
    for access in [false, true] {
        let mode = if access { "large" } else { "usual" };
        app.wait_screen("attract").await;
        if access {
            app.tap("access").await;
        }
        found.extend(audit(&app, &format!("{mode} attract")).await);
        app.tap("privacy").await;
        app.wait_until("the privacy notice", async || {
            app.visible("privacy-close").await
        })
        .await;
        found.extend(audit(&app, &format!("{mode} privacy")).await);
        app.tap("privacy-close").await;
        app.tap("start").await;
        for (question, code) in [
            ("trato", "2"),
            ("saludo", "si"),
            ("escucha", "si"),
            ("respuesta", "si"),
            ("respeto", "si"),
            ("espera", "menos_30"),
        ] {
            app.wait_question(question).await;
            found.extend(audit(&app, &format!("{mode} {question}")).await);
            app.answer(question, code).await;
        }
        app.wait_question("mejorar").await;
        found.extend(audit(&app, &format!("{mode} mejorar")).await);
        app.tap("answer-mejorar-limpieza").await;
        app.tap("next").await;
        app.wait_question("comentario").await;
        found.extend(audit(&app, &format!("{mode} comentario")).await);
        app.tap("exit").await;
        app.wait_until("the exit confirm", async || {
            app.visible("exit-confirm").await
        })
        .await;
        found.extend(audit(&app, &format!("{mode} exit")).await);
        app.tap("exit-cancel").await;
        app.tap("submit").await;
        // "Mal" meets an alert rule: where to complain, then the thanks.
        app.wait_screen("complaints").await;
        found.extend(audit(&app, &format!("{mode} complaints")).await);
        app.tap("complaints-ok").await;
        app.wait_screen("thanks").await;
        found.extend(audit(&app, &format!("{mode} thanks")).await);
    }
    app.quit().await;
    found.into_iter().map(|f| format!("{size} {f}")).collect()
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn axe_finds_no_serious_violation_on_the_staff_and_setup_screens() {
    let mut found = Vec::new();
    let setup = KioskApp::launch_unconfigured(SIZE).await;
    found.extend(audit(&setup, "setup").await);
    setup.quit().await;

    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.open_staff().await;
    found.extend(audit(&app, "pin").await);
    app.enter_pin(support::IT_PIN).await;
    app.wait_screen("staff").await;
    found.extend(audit(&app, "staff home").await);
    for (tab, screen) in [
        ("export-open", "export"),
        ("settings-open", "settings"),
        ("audit-open", "audit"),
    ] {
        app.tap(tab).await;
        app.wait_screen(screen).await;
        found.extend(audit(&app, screen).await);
    }
    app.quit().await;
    assert!(found.is_empty(), "{found:#?}");
}
