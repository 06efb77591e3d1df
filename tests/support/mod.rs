//! Drives the real release app through WebDriver: `tauri-driver` in front of
//! WebKitWebDriver, the app started by the driver with its own data directory.
//! Needs a display (the suite runs under `xvfb-run`) and `tauri-driver` on PATH.

#![allow(dead_code)] // each test binary uses its own part of the harness

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use trato_kiosk_core::Kiosk;

pub const APP: &str = env!("CARGO_BIN_EXE_trato-kiosk");
/// The PINs every test kiosk is set up with.
pub const STAFF_PIN: &str = "582930";
pub const IT_PIN: &str = "731904";
/// How long a test waits for a screen, a window or a button: what a person
/// in front of the kiosk would wait for before calling it broken.
pub const WAIT: Duration = Duration::from_secs(15);
/// How long a test waits for what the kiosk stores (the database, an export)
/// after the screen has moved on: storing may finish after the screen changes
/// (an abandoned survey is wiped from the screen first, stored after).
pub const STORED_WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// Reads `read` until `done` holds for what it returned, and returns that.
/// Panics after `limit` with what was last read and how long it waited.
/// Every wait in these tests is this poll: no fixed sleeps.
pub async fn wait_for<T: std::fmt::Debug>(
    what: &str,
    limit: Duration,
    mut read: impl AsyncFnMut() -> T,
    mut done: impl FnMut(&T) -> bool,
) -> T {
    let start = Instant::now();
    loop {
        let value = read().await;
        if done(&value) {
            return value;
        }
        if start.elapsed() >= limit {
            panic!(
                "waited {:.1?} (limit {limit:?}) for {what}; last read: {value:?}",
                start.elapsed()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The default survey given in `languages` (`es` first): texts in a
/// language other than Spanish and English are test texts, the Spanish one
/// marked with the code (`[nah] ¿Cómo le trataron hoy?`); version 30, so it
/// is installed beside the defaults.
pub fn survey_in_languages(languages: &[&str]) -> trato_domain::SurveyDefinition {
    fn add(v: &mut Value, languages: &[&str]) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(es)) = o.get("es").cloned() {
                    let en = o.get("en").cloned();
                    o.retain(|k, _| k != "en");
                    for l in languages.iter().filter(|l| **l != "es") {
                        let text = match (*l, &en) {
                            ("en", Some(en)) => en.clone(),
                            _ => json!(format!("[{l}] {es}")),
                        };
                        o.insert((*l).to_owned(), text);
                    }
                } else {
                    o.values_mut().for_each(|c| add(c, languages));
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|c| add(c, languages)),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(trato_domain::DEFAULT_SURVEY_JSON).unwrap();
    v["version"] = json!(30);
    v["languages"] = json!(languages);
    add(&mut v, languages);
    trato_domain::SurveyDefinition::from_json(&v.to_string()).unwrap()
}

/// Waits until `sql` reads `expected` from the app's database.
pub async fn wait_rows(db: &Path, sql: &str, expected: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    wait_for(
        &format!("`{sql}` to read {expected:?}"),
        STORED_WAIT,
        async || query(db, sql),
        |rows| *rows == expected,
    )
    .await
}

/// Waits until the rows `sql` reads satisfy `check`, and returns them.
pub async fn wait_rows_where(
    db: &Path,
    what: &str,
    sql: &str,
    check: impl FnMut(&Vec<Vec<Value>>) -> bool,
) -> Vec<Vec<Value>> {
    wait_for(what, STORED_WAIT, async || query(db, sql), check).await
}

/// A fresh data directory with a kiosk set up for the test unit, after
/// `prepare` (settings, data, the command line run on the directory).
pub fn configured_data_dir(prepare: impl FnOnce(&Path, &mut Kiosk)) -> tempfile::TempDir {
    let data_dir = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::open(data_dir.path()).unwrap();
    kiosk
        .complete_setup(
            &[
                ("unit.clues", "DFIMS000020"),
                ("unit.name", "HGZ 1 (prueba)"),
            ],
            STAFF_PIN,
            IT_PIN,
        )
        .unwrap();
    prepare(data_dir.path(), &mut kiosk);
    data_dir
}

pub struct KioskApp {
    pub client: Client,
    /// WebKitWebDriver's native clicks work in the survey window but crash
    /// it in a second window (the staff window): there taps are dispatched
    /// in the page instead.
    native_taps: std::cell::Cell<bool>,
    driver: Child,
    pub data_dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl KioskApp {
    /// Starts the app at `size` (WxH) on a fresh data directory, after
    /// `prepare` has set up that directory's kiosk (settings, data).
    pub async fn launch(size: &str, prepare: impl FnOnce(&mut Kiosk)) -> KioskApp {
        Self::launch_in_dir(size, |_, kiosk| prepare(kiosk)).await
    }

    /// [`Self::launch`], with `prepare` also given the data directory (to
    /// run the `trato-kiosk` command line on it before the app starts).
    pub async fn launch_in_dir(size: &str, prepare: impl FnOnce(&Path, &mut Kiosk)) -> KioskApp {
        let app = Self::start(size, configured_data_dir(prepare)).await;
        app.wait_screen("attract").await;
        app
    }

    /// Starts the app on a data directory no one has set up: it opens on the
    /// first-run setup, where WebDriver is left.
    pub async fn launch_unconfigured(size: &str) -> KioskApp {
        let app = Self::start(size, tempfile::tempdir().unwrap()).await;
        app.wait_until("the first-run setup", async || {
            for window in app.client.windows().await.unwrap_or_default() {
                if app.client.switch_to_window(window).await.is_ok()
                    && app.screen().await == "setup"
                {
                    return true;
                }
            }
            false
        })
        .await;
        app.native_taps.set(false);
        app
    }

    /// The release app under tauri-driver on `data_dir`, a WebDriver session
    /// on its first window.
    async fn start(size: &str, data_dir: tempfile::TempDir) -> KioskApp {
        let (port, native_port) = (free_port(), free_port());
        let driver = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("tauri-driver on PATH (cargo install tauri-driver --locked)");
        // tauri-driver passes requests on to WebKitWebDriver, which it starts
        // beside itself: a request before that one listens is dropped.
        for (what, port) in [("tauri-driver", port), ("WebKitWebDriver", native_port)] {
            wait_for(
                &format!("{what} to listen"),
                WAIT,
                async || TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok(),
                |up| *up,
            )
            .await;
        }
        let caps = json!({
            "tauri:options": {
                "application": APP,
                "args": ["--data-dir", data_dir.path(), "run", "--window-size", size],
            }
        });
        let client = ClientBuilder::rustls()
            .expect("rustls client")
            .capabilities(caps.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session on the kiosk app");
        KioskApp {
            client,
            native_taps: std::cell::Cell::new(true),
            driver,
            data_dir,
        }
    }

    /// The kiosk app's process (tauri-driver's grandchild), found by its
    /// data directory on the command line.
    #[cfg(target_os = "linux")]
    pub fn app_pid(&self) -> Option<u32> {
        let wanted = self.data_dir.path().to_string_lossy().into_owned();
        processes().into_iter().find_map(|(pid, _, cmdline)| {
            (cmdline.first().is_some_and(|a| a.ends_with("trato-kiosk"))
                && cmdline.contains(&wanted))
            .then_some(pid)
        })
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.path().join("kiosk.db")
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.expect(script)
    }

    pub async fn screen(&self) -> String {
        self.js("return document.body.dataset.screen || ''")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn question(&self) -> String {
        self.js("return document.body.dataset.question || ''")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Polls until `check` holds; panics with `what` after the wait limit.
    pub async fn wait_until(&self, what: &str, check: impl AsyncFnMut() -> bool) {
        wait_for(what, WAIT, check, |held| *held).await;
    }

    /// Waits until `sql` reads `expected` from the app's database.
    pub async fn wait_rows(&self, sql: &str, expected: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
        wait_rows(&self.db_path(), sql, expected).await
    }

    /// Starts recording every screen the survey window shows from now on,
    /// so a test can tell what a patient saw, however briefly.
    pub async fn record_screens(&self) {
        self.js("window.__screens = []; \
             new MutationObserver(() => window.__screens.push(document.body.dataset.screen)) \
               .observe(document.body, { attributes: true, attributeFilter: ['data-screen'] }); \
             return true")
            .await;
    }

    /// The screens shown since [`Self::record_screens`], in order (a
    /// screen drawn again appears again).
    pub async fn screens_seen(&self) -> Vec<String> {
        serde_json::from_value(self.js("return window.__screens || []").await).unwrap()
    }

    pub async fn wait_screen(&self, screen: &str) {
        self.wait_until(&format!("screen {screen}"), async || {
            self.screen().await == screen
        })
        .await;
    }

    pub async fn wait_question(&self, id: &str) {
        self.wait_until(&format!("question {id}"), async || {
            self.screen().await == "question" && self.question().await == id
        })
        .await;
    }

    pub async fn tap(&self, testid: &str) {
        if !self.native_taps.get() {
            return self.tap_in_page(testid).await;
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let element = self
                .client
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css(&format!("[data-testid='{testid}']")))
                .await
                .unwrap_or_else(|e| panic!("no element {testid}: {e}"));
            match element.click().await {
                Ok(()) => return,
                // Redrawn between finding and tapping: tap the one now on screen.
                Err(CmdError::Standard(e))
                    if e.error == ErrorStatus::StaleElementReference
                        && Instant::now() < deadline =>
                {
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => panic!("cannot tap {testid}: {e}"),
            }
        }
    }

    /// Taps by dispatching the click inside the page, once the element is
    /// there and enabled. The click runs after the script has answered, so a
    /// tap that closes the window (leaving kiosk mode) still reports back.
    pub async fn tap_in_page(&self, testid: &str) {
        let selector = format!("[data-testid='{testid}']");
        let script = format!(
            "const el = document.querySelector(\"{selector}\"); \
             if (!el || el.disabled || !el.checkVisibility()) return false; \
             setTimeout(() => el.click(), 0); return true;"
        );
        let deadline = Instant::now() + WAIT;
        loop {
            match self.client.execute(&script, vec![]).await {
                Ok(tapped) if tapped.as_bool() == Some(true) => return,
                // The tap closed the window before WebDriver heard back (as
                // leaving kiosk mode does): nothing is left to tap, and the
                // caller checks what the tap did.
                Err(e) if window_gone(&e) => return,
                _ => {}
            }
            if Instant::now() > deadline {
                let state = self
                    .js(&format!(
                        "const el = document.querySelector(\"{selector}\"); return JSON.stringify({{ \
                         exists: !!el, disabled: el && el.disabled, visible: el && el.checkVisibility(), \
                         screen: document.body.dataset.screen, url: location.href }})"
                    ))
                    .await;
                panic!("timed out waiting for {testid} to be tappable: {state}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Taps an element as fast as WebDriver allows, `times` times, ignoring
    /// taps that land after it is gone (as a child's fingers would).
    pub async fn tap_repeatedly(&self, testid: &str, times: usize) {
        let selector = format!("[data-testid='{testid}']");
        if let Ok(element) = self.client.find(Locator::Css(&selector)).await {
            for _ in 0..times {
                let _ = element.click().await;
            }
        }
        // And a burst inside one task, faster than any finger.
        let script = format!(
            "const el = document.querySelector(\"{selector}\"); if (el) {{ for (let i = 0; i < {times}; i++) el.click(); }}"
        );
        let _ = self.client.execute(&script, vec![]).await;
    }

    /// Answers a single-answer question and waits for the survey to move on.
    pub async fn answer(&self, question: &str, code: &str) {
        self.wait_question(question).await;
        self.tap(&format!("answer-{question}-{code}")).await;
        self.wait_until(&format!("leaving {question}"), async || {
            self.question().await != question
        })
        .await;
    }

    /// Answers single-answer questions in order, each as [`Self::answer`].
    pub async fn answer_all(&self, answers: &[(&str, &str)]) {
        for (question, code) in answers {
            self.answer(question, code).await;
        }
    }

    /// Types on the on-screen keyboard; a space is `kb-space`.
    pub async fn type_on_screen(&self, text: &str) {
        for c in text.chars() {
            let key = if c == ' ' {
                "space".to_owned()
            } else {
                c.to_string()
            };
            self.tap(&format!("kb-{key}")).await;
        }
    }

    pub async fn value_of(&self, testid: &str) -> String {
        self.js(&format!(
            "return document.querySelector(\"[data-testid='{testid}']\").value"
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Holds the hidden corner for 3 s, then moves WebDriver to the staff
    /// window's PIN pad; returns the survey window to come back to.
    pub async fn open_staff(&self) -> fantoccini::wd::WindowHandle {
        let survey = self.client.window().await.unwrap();
        self.long_press("staff-corner", Duration::from_millis(3300))
            .await;
        self.switch_to_other_window(&survey).await;
        self.wait_screen("pin").await;
        survey
    }

    /// Presses and holds for `hold`, as a finger would on the hidden corner.
    pub async fn long_press(&self, testid: &str, hold: Duration) {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
        let element = self
            .client
            .find(Locator::Css(&format!("[data-testid='{testid}']")))
            .await
            .unwrap_or_else(|e| panic!("no element {testid}: {e}"));
        let press = MouseActions::new("finger".into())
            .then(PointerAction::MoveToElement {
                element,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Pause { duration: hold })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client
            .perform_actions(press)
            .await
            .expect("the long press");
    }

    /// Switches WebDriver to the window that is not `current` (the staff
    /// window above the survey), waiting for it to open.
    pub async fn switch_to_other_window(&self, current: &fantoccini::wd::WindowHandle) {
        self.wait_until("a second window", async || {
            self.client
                .windows()
                .await
                .map(|w| w.len() > 1)
                .unwrap_or(false)
        })
        .await;
        let other = self
            .client
            .windows()
            .await
            .unwrap()
            .into_iter()
            .find(|w| w != current)
            .unwrap();
        self.client.switch_to_window(other).await.unwrap();
        self.native_taps.set(false);
    }

    /// Back to the survey window after the staff window closed.
    pub async fn switch_to_survey(&self, survey: fantoccini::wd::WindowHandle) {
        self.client.switch_to_window(survey).await.unwrap();
        self.native_taps.set(true);
    }

    /// Enters a PIN on the staff window's pad.
    pub async fn enter_pin(&self, pin: &str) {
        for digit in pin.chars() {
            self.tap(&format!("pin-{digit}")).await;
        }
        self.tap("pin-enter").await;
    }

    pub async fn text_of(&self, testid: &str) -> String {
        self.js(&format!(
            "const el = document.querySelector(\"[data-testid='{testid}']\"); return el ? el.textContent : ''"
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    pub async fn visible(&self, testid: &str) -> bool {
        self.js(&format!(
            "return !!document.querySelector(\"[data-testid='{testid}']\")?.checkVisibility()"
        ))
        .await
        .as_bool()
        .unwrap_or(false)
    }

    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    pub async fn quit(self) {
        let _ = self.client.clone().close().await;
        // Dropping stops the driver.
    }
}

impl Drop for KioskApp {
    /// Stops tauri-driver with SIGTERM, on which it also stops
    /// WebKitWebDriver and the app; a SIGKILL would orphan them. Runs when a
    /// test panics too.
    fn drop(&mut self) {
        let _ = signal(self.driver.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.driver.try_wait() {
                return;
            }
            std::thread::sleep(POLL);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Reads the app's database from outside, as an auditor would.
pub fn query(db: &Path, sql: &str) -> Vec<Vec<Value>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |row| {
        (0..n)
            .map(|i| {
                Ok(match row.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => Value::Null,
                    rusqlite::types::ValueRef::Integer(v) => json!(v),
                    rusqlite::types::ValueRef::Real(v) => json!(v),
                    rusqlite::types::ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                    rusqlite::types::ValueRef::Blob(_) => Value::Null,
                })
            })
            .collect()
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Changes the app's database from outside (for example a trigger that makes
/// the next insert fail, as a full disk would).
pub fn execute(db: &Path, sql: &str) {
    rusqlite::Connection::open(db)
        .unwrap()
        .execute_batch(sql)
        .unwrap();
}

/// Sends the signal named (`"TERM"`, `"KILL"`, `"STOP"`) to a process.
pub fn signal(pid: u32, name: &str) -> std::io::Result<std::process::ExitStatus> {
    Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
}

/// Every process as (pid, parent pid, command line), from /proc.
#[cfg(target_os = "linux")]
pub fn processes() -> Vec<(u32, u32, Vec<String>)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // The parent pid follows the command name, which may hold spaces.
            let ppid = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let args = cmdline
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            Some((pid, ppid, args))
        })
        .collect()
}

/// Whether WebDriver's session or window has gone (the app exited).
fn window_gone(e: &fantoccini::error::CmdError) -> bool {
    use fantoccini::error::{CmdError, ErrorStatus};
    matches!(e, CmdError::Standard(w)
        if matches!(w.error, ErrorStatus::InvalidSessionId | ErrorStatus::NoSuchWindow))
}
