//! A small W3C WebDriver client over reqwest: starts Debian's chromedriver on a free
//! port with headless chromium, and offers what the page tests need (navigate,
//! find, click, type, read, keys, script, browser logs). Missing browser: the test
//! skips, unless ASAKAI_REQUIRE_BROWSER is set (CI), where it fails.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long a wait lasts: generous, for two shared cores running the whole suite.
const WAIT: Duration = Duration::from_secs(30);

/// W3C's key for an element reference in answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    child: Child,
    url: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

fn installed() -> bool {
    let have = |p: &str| Path::new(p).exists();
    let found = have("/usr/bin/chromedriver") && have("/usr/bin/chromium");
    if !found {
        assert!(
            std::env::var("ASAKAI_REQUIRE_BROWSER").is_err(),
            "chromium and chromium-driver are required here but not installed"
        );
        eprintln!("skipping: no chromium/chromedriver on this machine (CI installs them)");
    }
    found
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

impl Driver {
    /// chromedriver and a headless session, or `None` where there is no browser.
    pub async fn start() -> Option<Driver> {
        Driver::start_with(&[]).await
    }

    /// As [`Driver::start`], with more chromium arguments (such as a colour scheme).
    pub async fn start_with(extra_args: &[&str]) -> Option<Driver> {
        if !installed() {
            return None;
        }
        let port = free_port();
        let child = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver never answered");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
        ]
        .iter()
        .chain(extra_args)
        .map(|a| a.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args},
        }}});
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"));
        Some(Driver {
            child,
            url: format!("{base}/session/{id}"),
            http,
            _profile: profile,
        })
    }

    /// One command; panics with the driver's error when it failed.
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let ok = r.status().is_success();
        let v: Value = r.json().await.unwrap();
        assert!(ok, "webdriver {path}: {v}");
        v["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.cmd(reqwest::Method::GET, path, None).await
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url})).await;
    }

    pub async fn current_url(&self) -> String {
        self.get("/url").await.as_str().unwrap().to_owned()
    }

    /// The first element that `css` selects; panics when none does.
    pub async fn find(&self, css: &str) -> String {
        let v = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("{css}: {v}"))
            .to_owned()
    }

    pub async fn find_all(&self, css: &str) -> Vec<String> {
        let v = self
            .post("/elements", json!({"using": "css selector", "value": css}))
            .await;
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e[ELEMENT].as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn click(&self, el: &str) {
        self.post(&format!("/element/{el}/click"), json!({})).await;
    }

    /// Clicks the first element `css` selects.
    pub async fn click_css(&self, css: &str) {
        self.click(&self.find(css).await).await;
    }

    pub async fn type_text(&self, el: &str, text: &str) {
        self.post(&format!("/element/{el}/clear"), json!({})).await;
        self.post(&format!("/element/{el}/value"), json!({"text": text}))
            .await;
    }

    pub async fn text(&self, el: &str) -> String {
        self.get(&format!("/element/{el}/text"))
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn attribute(&self, el: &str, name: &str) -> Value {
        self.get(&format!("/element/{el}/attribute/{name}")).await
    }

    /// Waits until `css`'s attribute `name` is `want`; panics with what it was after [`WAIT`].
    pub async fn wait_attribute(&self, css: &str, name: &str, want: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let got = self.attribute(&self.find(css).await, name).await;
            if got == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css} {name}: {got}, not {want:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn property(&self, el: &str, name: &str) -> Value {
        self.get(&format!("/element/{el}/property/{name}")).await
    }

    /// Presses each key of `keys` on whatever has the focus.
    pub async fn press(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                [
                    json!({"type": "keyDown", "value": c.to_string()}),
                    json!({"type": "keyUp", "value": c.to_string()}),
                ]
            })
            .collect();
        self.post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .await;
    }

    pub async fn script(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": []}))
            .await
    }

    /// The browser console since the last call (chromedriver's log endpoint).
    pub async fn logs(&self) -> Vec<Value> {
        let v = self.post("/se/log", json!({"type": "browser"})).await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// Waits until `css`'s text is `want`; panics with what it was after [`WAIT`].
    pub async fn wait_text(&self, css: &str, want: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let got = self.text(&self.find(css).await).await;
            if got == want {
                return;
            }
            assert!(Instant::now() < deadline, "{css}: {got:?}, not {want:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's address contains `part` (a click's navigation).
    pub async fn wait_url(&self, part: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = self.current_url().await;
            if url.contains(part) {
                return;
            }
            assert!(Instant::now() < deadline, "still at {url}, not {part}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a PNG of the page when `ASAKAI_SCREENSHOTS` names a folder, for a person
    /// to look at the pages (light/dark, 1280 px or a phone's width).
    pub async fn screenshot(&self, name: &str) {
        let Ok(dir) = std::env::var("ASAKAI_SCREENSHOTS") else {
            return;
        };
        use base64::Engine;
        let png = self.get("/screenshot").await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), bytes).unwrap();
    }

    pub async fn window_width(&self, width: u32) {
        self.window_size(width, 900).await;
    }

    pub async fn window_size(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({"width": width, "height": height}))
            .await;
    }

    /// Ends the session (chromedriver closes chromium), then chromedriver.
    pub async fn quit(self) {
        let _ = self.http.delete(self.url.clone()).send().await;
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver runs in a process group of its own, with the chromium it
        // started: ending the group leaves no browser behind, even after a panic.
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{}", self.child.id()))
            .status();
        let _ = self.child.wait();
    }
}
