//! Saves a PNG of every patient screen from the real app, so anyone can look
//! at what a patient sees. Run with `.ci/screenshots` (every size), or:
//! `TRATO_SCREENSHOT_SIZE=1080x1920 xvfb-run -a -s "-screen 0 1080x1920x24"
//!  cargo test --release --test screenshots -- --ignored`.
//! Output: `target/screenshots/<size>/NN-<screen>.png`.

mod support;

use std::path::PathBuf;

use support::KioskApp;

/// Where a size's pictures go.
fn out_dir(size: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/screenshots")
        .join(size)
}

/// Saves the screen as `name` and fails if anything in `within` (a CSS
/// selector) is cut or the screen scrolls.
async fn save(app: &KioskApp, size: &str, name: &str, within: &str) {
    // Let the screen finish painting and its transition settle.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    app.screenshot(&out_dir(size).join(format!("{name}.png")))
        .await;
    // Nothing cut and nothing to scroll, at every size a hospital uses.
    let outside = app
        .js(
            &format!("const out = [...document.querySelectorAll({within:?})].filter((e) => {{
               const r = e.getBoundingClientRect();
               return r.width > 0 && r.height > 0 && e.checkVisibility()
                 && (r.top < -1 || r.left < -1 || r.bottom > innerHeight + 1 || r.right > innerWidth + 1);
             }}).map((e) => e.dataset.testid || e.className || e.tagName);
             // Nothing covers the keyboard: the text box above it ends where it begins.
             const box = document.querySelector('.text-wrap'), kb = document.querySelector('.keyboard');
             if (box && kb && box.getBoundingClientRect().bottom > kb.getBoundingClientRect().top + 1) out.push('text box over keyboard');
             const s = document.querySelector('.screen');
             if (s && (s.scrollHeight > s.clientHeight + 1 || s.scrollWidth > s.clientWidth + 1)) out.push('scrolls');
             return out.slice(0, 8);"),
        )
        .await;
    assert_eq!(
        outside,
        serde_json::json!([]),
        "{size} {name}: outside the screen"
    );
}

/// A survey in four languages: the language button and its list, and a
/// question in a language whose UI words fall back to Spanish.
#[tokio::test]
#[ignore = "produces screenshots for people to look at: run by .ci/screenshots"]
async fn screenshots_of_the_language_list() {
    let size = std::env::var("TRATO_SCREENSHOT_SIZE").unwrap_or_else(|_| "1280x800".into());
    let app = KioskApp::launch(&size, |kiosk| {
        kiosk
            .admin_cli()
            .install_survey(&support::survey_in_languages(&[
                "es", "en", "nah", "yua", "tzh",
            ]))
            .unwrap();
    })
    .await;
    // The list is an overlay: it is checked too.
    let shot = async |name: &str| save(&app, &size, name, "#app *, #overlay *").await;
    shot("20-attract-languages").await;
    app.tap("lang-menu").await;
    shot("21-language-list").await;
    app.tap("lang-nah").await;
    app.tap("start").await;
    app.wait_question("trato").await;
    shot("22-faces-nah").await;
    app.tap("access").await;
    app.tap("lang-menu").await;
    shot("23-language-list-large").await;
    app.quit().await;
}

#[tokio::test]
#[ignore = "produces screenshots for people to look at: run by .ci/screenshots"]
async fn screenshots_of_every_patient_screen() {
    let size = std::env::var("TRATO_SCREENSHOT_SIZE").unwrap_or_else(|_| "1280x800".into());
    let out = out_dir(&size);
    let app = KioskApp::launch(&size, |kiosk| {
        kiosk
            .update_settings(&[
                ("survey.idle_seconds", "15"),
                ("survey.idle_prompt_seconds", "10"),
                ("survey.min_interval_seconds", "0"),
            ])
            .unwrap();
    })
    .await;
    let shot = async |name: &str| save(&app, &size, name, "#app *").await;

    shot("01-attract").await;
    app.tap("lang-en").await;
    shot("02-attract-en").await;
    app.tap("lang-es").await;
    app.tap("start").await;
    app.wait_question("trato").await;
    // "Escuchar" shows once the kiosk has made the survey's audio; on a busy
    // machine that outlasts the idle timeout, so answer "¿Sigue ahí?" as a
    // patient who is still there would.
    app.wait_until("Escuchar", async || {
        if app.visible("idle-continue").await {
            app.tap("idle-continue").await;
        }
        app.visible("listen").await
    })
    .await;
    shot("03-faces").await;
    app.tap("listen").await;
    app.wait_until("an option read aloud", async || {
        app.js("return !!document.querySelector('.option.is-reading')")
            .await
            .as_bool()
            .unwrap_or(false)
    })
    .await;
    shot("03b-faces-listening").await;
    app.tap("listen").await;
    app.tap("answer-trato-2").await;
    app.wait_question("saludo").await;
    shot("04-yes-no").await;
    app.tap("answer-saludo-no").await;
    app.wait_question("escucha").await;
    shot("05-yes-no-partly").await;
    app.answer("escucha", "en_parte").await;
    app.answer("respuesta", "no").await;
    app.answer("respeto", "si").await;
    app.wait_question("espera").await;
    shot("06-single-choice").await;
    app.answer("espera", "1_a_2_horas").await;
    app.wait_question("mejorar").await;
    app.tap("answer-mejorar-tiempo_espera").await;
    shot("07-multiple-choice").await;
    app.tap("next").await;
    app.wait_question("comentario").await;
    app.tap("text-comentario").await;
    app.type_on_screen("gracias").await;
    shot("08-comment-keyboard").await;
    app.wait_until("the idle prompt", async || {
        app.js(
            "return !!document.querySelector(\"[data-testid='idle-prompt']\")?.checkVisibility()",
        )
        .await
        .as_bool()
        .unwrap_or(false)
    })
    .await;
    shot("09-idle-prompt").await;
    app.tap("idle-continue").await;
    app.tap("submit").await;
    // "Mal" on the headline meets an alert rule: where to complain first.
    app.wait_screen("complaints").await;
    shot("10a-complaints").await;
    app.tap("complaints-ok").await;
    app.wait_screen("thanks").await;
    shot("10b-thanks").await;
    app.wait_screen("attract").await;

    // A storage failure, made real with a trigger that refuses the insert.
    support::execute(
        &app.db_path(),
        "CREATE TRIGGER screenshot_fail BEFORE INSERT ON responses BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    app.tap("start").await;
    app.answer("trato", "5").await;
    app.answer("saludo", "si").await;
    app.answer("escucha", "si").await;
    app.answer("respuesta", "si").await;
    app.answer("respeto", "si").await;
    app.answer("espera", "menos_30").await;
    app.wait_question("comentario").await;
    app.tap("submit").await;
    app.wait_screen("error").await;
    shot("11-error").await;

    // The large-text / high-contrast mode, the privacy notice and "Salir".
    support::execute(&app.db_path(), "DROP TRIGGER screenshot_fail");
    app.tap("error-home").await;
    app.wait_screen("attract").await;
    app.tap("privacy").await;
    shot("12-privacy").await;
    app.tap("privacy-close").await;
    app.tap("access").await;
    shot("13-attract-large").await;
    app.tap("start").await;
    app.wait_question("trato").await;
    shot("14-faces-large").await;
    app.answer("trato", "4").await;
    shot("15-yes-no-large").await;
    app.answer("saludo", "si").await;
    app.answer("escucha", "si").await;
    app.answer("respuesta", "si").await;
    app.answer("respeto", "si").await;
    app.wait_question("espera").await;
    shot("16-single-choice-large").await;
    app.answer("espera", "menos_30").await;
    app.wait_question("comentario").await;
    app.tap("text-comentario").await;
    shot("17-comment-large").await;
    app.tap("exit").await;
    shot("18-exit-confirm").await;
    app.tap("exit-confirm").await;
    app.wait_screen("attract").await;
    // The complaints screen in large type.
    app.tap("access").await;
    app.tap("start").await;
    app.answer_all(&[
        ("trato", "4"),
        ("saludo", "si"),
        ("escucha", "si"),
        ("respuesta", "si"),
        ("respeto", "no"),
        ("espera", "menos_30"),
    ])
    .await;
    app.wait_question("comentario").await;
    app.tap("submit").await;
    app.wait_screen("complaints").await;
    shot("19-complaints-large").await;
    app.tap("complaints-ok").await;
    app.wait_screen("thanks").await;
    app.quit().await;
    eprintln!("screenshots in {}", out.display());
}

/// The whole X screen as a PNG, read with `xwd` (x11-apps): WebKitWebDriver
/// cannot take a screenshot in a Tauri app's second window.
fn capture_screen(path: &std::path::Path) {
    let out = std::process::Command::new("xwd")
        .args(["-root", "-silent"])
        .output()
        .expect("xwd (x11-apps, installed by .ci/setup --tests)");
    assert!(out.status.success(), "xwd failed");
    let xwd = out.stdout;
    let field = |i: usize| u32::from_be_bytes(xwd[i * 4..i * 4 + 4].try_into().unwrap()) as usize;
    let (header, width, height) = (field(0), field(4), field(5));
    let (byte_order, bits_per_pixel, bytes_per_line, colours) =
        (field(7), field(11), field(12), field(19));
    assert_eq!(
        bits_per_pixel, 32,
        "a 24-bit Xvfb screen keeps 32 bits a pixel"
    );
    let pixels = &xwd[header + colours * 12..];
    let mut rgb = Vec::with_capacity(width * height * 3);
    for row in pixels.chunks(bytes_per_line).take(height) {
        for p in row.chunks(4).take(width) {
            // LSB first stores blue, green, red, unused.
            let [b, g, r] = if byte_order == 0 {
                [p[0], p[1], p[2]]
            } else {
                [p[3], p[2], p[1]]
            };
            rgb.extend([r, g, b]);
        }
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut png = png::Encoder::new(file, width as u32, height as u32);
    png.set_color(png::ColorType::Rgb);
    png.write_header().unwrap().write_image_data(&rgb).unwrap();
}

/// The staff and IT screens: PIN pad, home with today's comments, export,
/// settings and the audit log.
#[tokio::test]
#[ignore = "produces screenshots for people to look at: run by .ci/screenshots"]
async fn screenshots_of_the_staff_screens() {
    let size = std::env::var("TRATO_SCREENSHOT_SIZE").unwrap_or_else(|_| "1280x800".into());
    let app = KioskApp::launch(&size, |kiosk| {
        kiosk
            .update_settings(&[("survey.min_interval_seconds", "0")])
            .unwrap();
    })
    .await;
    // Two patients' comments for today's list.
    for comment in ["la doctora fue muy amable", "esperé mucho en la fila"] {
        app.tap("start").await;
        app.answer_all(&[
            ("trato", "4"),
            ("saludo", "si"),
            ("escucha", "si"),
            ("respuesta", "si"),
            ("respeto", "si"),
            ("espera", "menos_30"),
        ])
        .await;
        app.wait_question("comentario").await;
        app.tap("text-comentario").await;
        app.type_on_screen(comment).await;
        app.tap("submit").await;
        app.wait_screen("thanks").await;
        app.wait_screen("attract").await;
    }
    // The X screen shows a WebKit window's new content a moment after the
    // page has it: wait longer than for a WebDriver screenshot.
    let shot = async |name: &str| {
        tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
        capture_screen(&out_dir(&size).join(format!("{name}.png")));
    };
    app.open_staff().await;
    shot("30-staff-pin").await;
    app.enter_pin(support::IT_PIN).await;
    app.wait_screen("staff").await;
    app.wait_until("today's comments", async || {
        app.visible("comments-today").await
    })
    .await;
    shot("31-staff-home").await;
    app.tap("export-open").await;
    app.wait_screen("export").await;
    shot("32-staff-export").await;
    app.tap("settings-open").await;
    app.wait_screen("settings").await;
    shot("33-staff-settings").await;
    app.tap("audit-open").await;
    app.wait_screen("audit").await;
    shot("34-staff-audit").await;
    app.quit().await;
}
