//! The dashboard in headless Chromium (Debian `chromium` + `chromium-driver`,
//! driven through chromedriver by fantoccini): log in, see the figures,
//! receive a live update after a batch is posted, mark an alert attended.
//! Saves `target/test-artifacts/dashboard.png`.
//!
//! Skipped (with a message) when chromium or chromedriver is not installed;
//! `.ci/setup` installs both.

mod common;
mod dashboard_support;

use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::Backend;
use dashboard_support::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use trato_central::dashboard::report::bimester;
use trato_central::dashboard::today;

fn find_bin(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The text of the element `css` selects. The page redraws its parts on
/// every refresh, so an element found may be replaced before its text is
/// read: look it up again, a bounded number of times.
async fn text(c: &Client, css: &str) -> String {
    let mut last = None;
    for _ in 0..20 {
        match c.find(Locator::Css(css)).await {
            Ok(e) => match e.text().await {
                Ok(t) => return t,
                Err(err) => last = Some(err),
            },
            Err(err) => last = Some(err),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no text for {css}: {last:?}")
}

/// Polls `f` until it returns true or `wait` passes.
async fn until<F, Fut>(wait: Duration, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn loads(c: &Client) -> i64 {
    c.execute("return Number(document.body.dataset.loaded || 0)", vec![])
        .await
        .ok()
        .and_then(|v| v.as_i64())
        .unwrap_or(0)
}

fn digits(s: &str) -> i64 {
    s.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(-1)
}

fn artifacts() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&p).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_see_figures_live_update_and_attend_an_alert() {
    let Some((c, _driver, _profile)) = browser(1500).await else {
        return;
    };
    let d = start(Backend::Sqlite).await;
    let mut rng = Rng(0xc0ff_ee00_1234_5678);
    let mut kiosks = Vec::new();
    for (u, n) in [
        ("DFIMS000020", 420),
        ("DFIMS000032", 260),
        ("NLIMS000315", 380),
        ("JCIMS000301", 300),
        ("VZIMS001112", 150),
        ("MCIMS000454", 220),
    ] {
        let k = d.kiosk(u).await;
        let rs = generate(&mut rng, &k, n, 60);
        d.post_batch(&k, rs).await;
        kiosks.push(k);
    }

    // Log in.
    c.goto(&d.url("/tablero")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/login"));
    sign_in(&c, &d, "nacional").await;
    assert!(
        until(Duration::from_secs(5), || async {
            text(&c, "#live").await == "En vivo"
        })
        .await,
        "live stream open"
    );

    // The figures are the API's.
    // The page opens on this bimester (to date).
    let nat = d.login("nacional").await;
    let (bim_from, _) = bimester(today());
    let api = d
        .get_json(
            &nat,
            &format!("/api/v1/dashboard/summary?from={bim_from}&to={}", today()),
        )
        .await;
    let shown = digits(&text(&c, "#kpi-responses").await);
    assert_eq!(shown, api["totals"]["responses"].as_i64().unwrap());
    let pos = text(&c, "#kpi-positive").await;
    // Mexican format: a decimal point, then a (no-break) space and the
    // sign; WebDriver's text turns the no-break space into a plain one.
    let want = format!("{:.1} %", api["totals"]["pct_positive"].as_f64().unwrap());
    assert_eq!(pos, want);
    let rows = c
        .find_all(Locator::Css("#units tbody tr[data-clues]"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 10, "every catalogue unit is listed");
    assert!(c
        .find(Locator::Css("#chart svg path.line.pos"))
        .await
        .is_ok());

    // Live update: a batch of 5 (one alert) shows up without reload.
    let before_loads = loads(&c).await;
    c.execute("window.unreloaded = true", vec![]).await.unwrap();
    let k = &kiosks[0];
    let mut rs: Vec<_> = (0..4)
        .map(|_| response(k, Utc::now(), "urgencias", "5", ["si", "si", "si", "si"]))
        .collect();
    let alert = response(
        k,
        Utc::now(),
        "urgencias",
        "1",
        ["no", "no", "en_parte", "no"],
    );
    let alert_id = alert.id.to_string();
    rs.push(alert);
    let t = Instant::now();
    d.post_batch(k, rs).await;
    // The 2 s promise is held by the stream (dashboard_live checks the push);
    // here the browser only has to show it without a reload, and a loaded CI
    // machine gets room. The time is printed for docs/PERFORMANCE.md.
    let updated = until(Duration::from_secs(10), || async {
        digits(&text(&c, "#kpi-responses").await) == shown + 5
    })
    .await;
    let took = t.elapsed();
    assert!(
        updated,
        "no live update (data refreshes: {})",
        loads(&c).await - before_loads
    );
    // A marker left in the page before the POST survives only if the page
    // was updated in place, not reloaded.
    assert_eq!(
        c.execute("return window.unreloaded === true", vec![])
            .await
            .unwrap(),
        json!(true),
        "the figures came by reloading the page"
    );
    println!("live update shown {took:?} after the POST");

    // The new alert is listed; mark it attended with a note.
    let sel = format!("#alerts li[data-id='{alert_id}']");
    assert!(
        until(Duration::from_secs(3), || async {
            c.find(Locator::Css(&sel)).await.is_ok()
        })
        .await
    );

    // A clear picture of the page for people: this bimester.
    snap(&c, "dashboard.png").await;

    let li = c.find(Locator::Css(&sel)).await.unwrap();
    li.find(Locator::Css("details summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let note = c
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css(&format!("{sel} form.attend textarea")))
        .await
        .unwrap();
    note.send_keys("Se llamó a la jefa de turno; se ofreció disculpa")
        .await
        .unwrap();
    li.find(Locator::Css("form.attend button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        until(Duration::from_secs(5), || async {
            c.find(Locator::Css(&sel)).await.is_err()
        })
        .await,
        "the attended alert leaves the open list"
    );
    let attended = d
        .get_json(&nat, "/api/v1/dashboard/alerts?status=attended")
        .await;
    assert_eq!(attended["alerts"][0]["id"], alert_id.as_str());
    assert_eq!(attended["alerts"][0]["attended_by"], "nacional");

    // The printable report opens.
    c.goto(&d.url("/informe?unit=DFIMS000020")).await.unwrap();
    assert!(text(&c, "h1").await.contains("Informe bimestral"));
    snap(&c, "informe.png").await;

    c.close().await.unwrap();
    d.stop().await;
}

/// chromedriver and a headless Chromium session 1366 px wide and `height`
/// tall, or `None` (with a message) when they are not installed and not
/// required (CI installs them with `.ci/setup --tests` and sets
/// TRATO_REQUIRE_BROWSER, so there a missing browser fails).
async fn browser(height: u32) -> Option<(Client, Driver, tempfile::TempDir)> {
    let (Some(chromium), Some(chromedriver)) = (
        find_bin(&["chromium", "chromium-browser", "google-chrome"]),
        find_bin(&["chromedriver"]),
    ) else {
        assert!(
            std::env::var_os("TRATO_REQUIRE_BROWSER").is_none(),
            "chromium and chromedriver are required (apt-get install chromium chromium-driver)"
        );
        eprintln!("SKIPPED: chromium and chromedriver are needed");
        return None;
    };
    let port = free_port();
    let driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", &format!("--window-size=1366,{height}"), "--lang=es-MX",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let c = ClientBuilder::rustls()
        .expect("rustls")
        .capabilities(caps.as_object().unwrap().clone())
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromedriver session");
    Some((c, driver, profile))
}

async fn sign_in(c: &Client, d: &Dash, name: &str) {
    c.goto(&d.url("/login")).await.unwrap();
    c.find(Locator::Css("#name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    click(c, "form button[type=submit]").await;
    if !until(Duration::from_secs(10), || async { loads(c).await >= 1 }).await {
        let url = c.current_url().await.unwrap();
        let src = c.source().await.unwrap_or_default();
        snap(c, "dashboard-failed.png").await;
        panic!("page did not load: {url}\n{}", &src[..src.len().min(3000)]);
    }
}

/// Saves a screenshot as `target/test-artifacts/NAME`.
async fn snap(c: &Client, name: &str) {
    let path = artifacts().join(name);
    std::fs::write(&path, c.screenshot().await.unwrap()).unwrap();
    println!("screenshot: {}", path.display());
}

/// Scrolls the element `css` finds into view (for a screenshot).
async fn scroll_to(c: &Client, css: &str) {
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView()",
        vec![json!(css)],
    )
    .await
    .unwrap();
}

/// Clicks the element `css` finds.
async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Whether, within `wait`, an element `css` appears whose text contains `want`.
async fn shows(c: &Client, css: &str, want: &str, wait: Duration) -> bool {
    until(wait, || async {
        c.find(Locator::Css(css)).await.is_ok() && text(c, css).await.contains(want)
    })
    .await
}

/// The ids of the alerts the page lists.
async fn listed(c: &Client) -> Vec<String> {
    let v = c
        .execute(
            "return [...document.querySelectorAll('#alerts li.alert')].map(l => l.dataset.id)",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// Waits for the next data refresh after `f` ran.
async fn after_refresh<F, Fut>(c: &Client, f: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let n = loads(c).await;
    f().await;
    assert!(
        until(Duration::from_secs(10), || async { loads(c).await > n }).await,
        "the page refreshed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_view_filters_assigns_attends_in_bulk_and_comments_view_searches() {
    let Some((c, _driver, _profile)) = browser(1000).await else {
        return;
    };
    let d = start(Backend::Sqlite).await;
    let now = Utc::now();
    let k20 = d.kiosk("DFIMS000020").await;
    let k315 = d.kiosk("NLIMS000315").await;
    let mut rs = Vec::new();
    for i in 0..24 {
        // Disrespect 30 h ago (overdue), a low rating 30 h ago (not yet),
        // and fine responses with comments.
        let ago = chrono::Duration::hours(30) + chrono::Duration::minutes(i);
        rs.push(response(
            &k20,
            now - ago,
            "urgencias",
            "4",
            ["si", "si", "si", "no"],
        ));
        rs.push(response(
            &k20,
            now - ago,
            "consulta externa",
            "2",
            ["si", "no", "si", "si"],
        ));
        let mut fine = response(
            &k20,
            now - chrono::Duration::minutes(i),
            "urgencias",
            "5",
            ["si", "si", "si", "si"],
        );
        fine.answers.push(trato_domain::Answer {
            question: "comentario".into(),
            codes: vec![],
            text: Some(if i % 3 == 0 {
                format!("La espera en urgencias fue de {} horas", i + 1)
            } else {
                format!("Muy buena atención del personal, gracias ({i})")
            }),
        });
        rs.push(fine);
    }
    d.post_batch(&k20, rs).await;
    let other: Vec<_> = (0..5)
        .map(|i| {
            response(
                &k315,
                now - chrono::Duration::hours(i),
                "urgencias",
                "1",
                ["si", "si", "si", "si"],
            )
        })
        .collect();
    d.post_batch(&k315, other).await;
    let nat = d.login("nacional").await;
    let period = format!(
        "from={}&to={}",
        trato_central::dashboard::today() - chrono::Duration::days(6),
        trato_central::dashboard::today()
    );

    sign_in(&c, &d, "nacional").await;
    // From the unit's row to its alerts in one click.
    after_refresh(&c, || async {
        click(&c, "#units button.link-button[data-unit='DFIMS000020']").await;
    })
    .await;
    let scope = c
        .execute("return document.getElementById('scope').value", vec![])
        .await
        .unwrap();
    assert_eq!(scope, json!("unit:DFIMS000020"));
    let api = d
        .get_json(
            &nat,
            &format!("/api/v1/dashboard/alerts?{period}&scope=unit:DFIMS000020&limit=500"),
        )
        .await;
    let want: Vec<String> = api["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .take(50)
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed(&c).await, want, "the unit's alerts, newest first");
    // Times in the unit's local time (its kiosk reports UTC-6), as the API
    // gives them; the browser runs in UTC and never converts.
    let a0 = &api["alerts"][0];
    let meta = text(&c, &format!("#alerts li[data-id={}]", a0["id"])).await;
    let utc_shown = |v: &serde_json::Value| {
        v.as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap()
            .format("%d/%m/%Y %H:%M")
            .to_string()
    };
    for (local, utc) in [("finished_at", "finished_at"), ("due_at", "due_at")] {
        let want = a0["local"][local].as_str().unwrap();
        assert!(meta.contains(want), "{want} in {meta}");
        assert!(!meta.contains(&utc_shown(&a0[utc])), "UTC in {meta}");
    }
    assert!(
        text(&c, "#alerts-total").await.contains("de 48"),
        "{}",
        text(&c, "#alerts-total").await
    );
    // Overdue ones stand out; counted per reason and per unit.
    let late = c
        .find_all(Locator::Css("#alerts li.alert.overdue .badge.late"))
        .await
        .unwrap();
    assert_eq!(late.len(), 24);
    assert!(text(&c, "#alert-reasons")
        .await
        .contains("Falta de respeto"));
    assert!(text(&c, "#alert-units").await.contains("24"));

    // Filter: overdue only.
    c.find(Locator::Css("#alert-status"))
        .await
        .unwrap()
        .select_by_value("overdue")
        .await
        .unwrap();
    assert!(
        until(Duration::from_secs(5), || async {
            listed(&c).await.len() == 24
        })
        .await
    );
    scroll_to(&c, "#alerts-card").await;
    snap(&c, "dashboard-alerts.png").await;

    // Assign one to the unit's account; its history says so.
    let ids = listed(&c).await;
    let first = format!("#alerts li[data-id='{}']", ids[0]);
    click(&c, &format!("{first} details summary")).await;
    let sel = c
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css(&format!("{first} form.assign select")))
        .await
        .unwrap();
    sel.select_by_value("unidad.020").await.unwrap();
    click(&c, &format!("{first} form.assign button")).await;
    assert!(
        shows(
            &c,
            &format!("{first} .a-meta"),
            "Responsable: unidad.020",
            Duration::from_secs(5)
        )
        .await,
        "the assignment shows"
    );
    click(&c, &format!("{first} details summary")).await;
    assert!(
        shows(
            &c,
            &format!("{first} ol.history"),
            "asignó a unidad.020",
            Duration::from_secs(5)
        )
        .await,
        "the history lists the assignment"
    );
    let detail = d
        .get_json(&nat, &format!("/api/v1/dashboard/alerts/{}", ids[0]))
        .await;
    let history = text(&c, &format!("{first} ol.history")).await;
    assert!(
        history.contains(detail["history"][0]["at_local"].as_str().unwrap()),
        "{history}"
    );
    snap(&c, "dashboard-alert-history.png").await;

    // Attend three at once with one note.
    for id in &ids[1..4] {
        click(&c, &format!("#alerts li[data-id='{id}'] input.pick")).await;
    }
    assert_eq!(text(&c, "#bulk-count").await, "3 alertas seleccionadas");
    c.find(Locator::Css("#bulk-note"))
        .await
        .unwrap()
        .send_keys("Se habló con el turno de urgencias")
        .await
        .unwrap();
    after_refresh(&c, || async {
        click(&c, "#bulk button[type=submit]").await;
    })
    .await;
    assert!(
        until(Duration::from_secs(5), || async {
            listed(&c).await.len() == 21
        })
        .await
    );
    for id in &ids[1..4] {
        let a = d
            .get_json(&nat, &format!("/api/v1/dashboard/alerts/{id}"))
            .await;
        assert_eq!(a["note"], "Se habló con el turno de urgencias");
        assert_eq!(a["history"][0]["by"], "nacional");
    }

    // Comments: newest first, searched, with their answers.
    scroll_to(&c, "#comments-card").await;
    let all = d
        .get_json(
            &nat,
            &format!("/api/v1/dashboard/comments?{period}&scope=unit:DFIMS000020"),
        )
        .await;
    assert!(text(&c, "#comments-total")
        .await
        .contains(&format!("de {}", all["total"])));
    c.find(Locator::Css("#comment-q"))
        .await
        .unwrap()
        .send_keys("espera")
        .await
        .unwrap();
    assert!(
        until(Duration::from_secs(5), || async {
            c.find_all(Locator::Css("#comments li.comment"))
                .await
                .unwrap()
                .len()
                == 8
        })
        .await,
        "8 comments mention the wait"
    );
    let first_comment = text(&c, "#comments li.comment blockquote").await;
    assert_eq!(first_comment, "La espera en urgencias fue de 1 horas");
    let newest = &all["comments"][0];
    assert!(text(&c, "#comments li.comment")
        .await
        .contains(newest["local_time"].as_str().unwrap()));
    snap(&c, "dashboard-comments.png").await;

    // The printed report lists the period's comments, newest first.
    c.goto(&d.url(&format!("/informe?unit=DFIMS000020&{period}")))
        .await
        .unwrap();
    let listed_comments = c
        .find_all(Locator::Css("[data-testid=report-comments] li"))
        .await
        .unwrap();
    assert_eq!(listed_comments.len(), 24);
    let first = text(&c, "[data-testid=report-comments] li").await;
    assert!(first.contains(newest["text"].as_str().unwrap()), "{first}");
    assert!(
        first.contains(newest["local_time"].as_str().unwrap()),
        "{first}"
    );
    assert!(text(&c, "[data-testid=report-comments-count]")
        .await
        .contains("24 comentarios"));
    scroll_to(&c, "[data-testid=report-comments]").await;
    snap(&c, "informe-comentarios.png").await;

    c.close().await.unwrap();
    d.stop().await;
}

struct TestClock(std::sync::Mutex<chrono::DateTime<Utc>>);

impl trato_central::clock::Clock for TestClock {
    fn now(&self) -> chrono::DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kioscos_view_shows_silent_kiosks() {
    let Some((c, _driver, _profile)) = browser(1000).await else {
        return;
    };
    let start = Utc::now();
    let clock = std::sync::Arc::new(TestClock(std::sync::Mutex::new(start)));
    let d = start_at(Backend::Sqlite, clock.clone()).await;
    let mut rng = Rng(0x5eed);
    let silent = d.kiosk("DFIMS000020").await;
    let rs = generate(&mut rng, &silent, 20, 3);
    d.post_report(&silent, rs, start, Some(0), Some(("trato-digno", 1)))
        .await;
    // 49 hours later (at least 26 of them within 07:00-20:00).
    let later = start + chrono::Duration::hours(49);
    *clock.0.lock().unwrap() = later;
    let busy = d.kiosk("NLIMS000315").await;
    let rs = generate(&mut rng, &busy, 10, 1);
    d.post_report(&busy, rs, later, Some(12), Some(("trato-digno", 1)))
        .await;
    let skewed = d.kiosk("JCIMS000301").await;
    let rs = generate(&mut rng, &skewed, 5, 1);
    d.post_report(
        &skewed,
        rs,
        later - chrono::Duration::minutes(7),
        Some(0),
        Some(("trato-digno", 1)),
    )
    .await;
    d.kiosk("VZIMS001112").await;

    sign_in(&c, &d, "nacional").await;
    let nat = d.login("nacional").await;
    let api = d.get_json(&nat, "/api/v1/dashboard/kiosks").await;
    assert_eq!(api["counts"]["silent"], 1, "{api}");
    assert_eq!(text(&c, "#kpi-silent").await, "1");
    assert!(text(&c, "#kpi-silent-note")
        .await
        .contains("1 nunca conectado"));
    let rows = c.find_all(Locator::Css("#kioscos tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 4);
    // Most silent first.
    let first = text(&c, "#kioscos tbody tr:first-child").await;
    assert!(first.contains("sin contacto desde hace 49 h"), "{first}");
    assert!(first.contains("HGZ No. 1 Ciudad de México"), "{first}");
    // Its last contact in the unit's local time, as the API gives it.
    let k = api["kiosks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["unit_clues"] == "DFIMS000020")
        .unwrap();
    assert!(
        first.contains(k["last_contact_local"].as_str().unwrap()),
        "{first}"
    );
    let skew_cell = text(
        &c,
        &format!("#kioscos tr[data-kiosk='{}'] td.skewed", skewed.id),
    )
    .await;
    assert_eq!(skew_cell, "+7 min");
    let never = text(&c, "#kioscos tr[data-state='nunca_conectado']").await;
    assert!(never.contains("nunca conectado"), "{never}");
    // Units with no kiosk: the other six of the catalogue.
    let without = c.find_all(Locator::Css("#sin-quiosco li")).await.unwrap();
    assert_eq!(without.len(), 6);
    // Sort by backlog, largest first (second click).
    let by_backlog = c
        .find(Locator::Css("#kioscos button[data-sort='backlog']"))
        .await
        .unwrap();
    by_backlog.click().await.unwrap();
    by_backlog.click().await.unwrap();
    let first = text(&c, "#kioscos tbody tr:first-child").await;
    assert!(
        first.contains("HGZ No. 33 Monterrey") && first.contains("12"),
        "{first}"
    );
    let th = c
        .execute(
            "return document.querySelector(\"#kioscos button[data-sort='backlog']\").closest('th').getAttribute('aria-sort')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(th, json!("descending"));
    // Back to the state order for the picture.
    let by_state = c
        .find(Locator::Css("#kioscos button[data-sort='state']"))
        .await
        .unwrap();
    by_state.click().await.unwrap();
    c.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    snap(&c, "dashboard-kioscos-headline.png").await;
    scroll_to(&c, "#kioscos-card").await;
    snap(&c, "dashboard-kioscos.png").await;
    c.close().await.unwrap();
    d.stop().await;
}
