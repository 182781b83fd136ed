//! The ops console in a real browser: Debian's headless Chromium driven
//! through chromedriver against the real fleet and the provider sandbox.
//! Every page it visits is saved as a screenshot under docs/console/.
//!
//! Needs the `chromium` and `chromium-driver` packages (`scripts/infra`
//! installs them); without them the test fails saying so.
//! Run: `cargo build --bins && cargo test -p ponte-e2e --test console`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use calamine::{Reader, Xlsx, open_workbook_from_rs};
use ponte_e2e::{ADMIN_TOKEN, Options, Pair, Svc, TestFleet};
use serde_json::{Value, json};
use thirtyfour::prelude::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const INTEGRATION: &str = "console";
/// Where the console sends trace ids (nothing needs to answer there).
const TRACING_UI: &str = "http://127.0.0.1:16686";

/// chromedriver plus one headless Chromium session.
struct Browser {
    driver: WebDriver,
    _chromedriver: Child,
    base: String,
    shots: PathBuf,
    downloads: PathBuf,
}

fn binary(env: &str, default: &str) -> PathBuf {
    let path = PathBuf::from(std::env::var(env).unwrap_or_else(|_| default.to_string()));
    assert!(
        path.exists(),
        "{} not found: install Debian's `chromium` and `chromium-driver` packages (scripts/infra does), \
         or point {env} at the binary. The console test never skips.",
        path.display()
    );
    path
}

/// Reads chromedriver's "started successfully on port N." line.
async fn driver_port(child: &mut Child) -> u16 {
    let stdout = child
        .stdout
        .take()
        .unwrap_or_else(|| panic!("chromedriver's stdout is not piped"));
    let mut lines = BufReader::new(stdout).lines();
    let read = async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.split("on port ").nth(1)
                && line.contains("started successfully")
                && let Ok(port) = rest.trim_end_matches('.').trim().parse()
            {
                return Some(port);
            }
        }
        None
    };
    let port = tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("chromedriver did not say which port it listens on"));
    // Keep draining its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    port
}

impl Browser {
    async fn start(base: &str, ns: &str) -> Browser {
        let chromium = binary("PONTE_CHROMIUM", CHROMIUM);
        let chromedriver = binary("PONTE_CHROMEDRIVER", CHROMEDRIVER);
        // Port 0: chromedriver picks a free port and says which, so no
        // other test can take it between a probe and the start.
        let mut child = Command::new(chromedriver)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start chromedriver: {e}"));
        let port = driver_port(&mut child).await;
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let downloads = root.join("target").join("console-downloads").join(ns);
        std::fs::create_dir_all(&downloads).unwrap_or_else(|e| panic!("{e}"));
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(&chromium.display().to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
            "--lang=en-US",
        ] {
            caps.add_arg(arg).unwrap_or_else(|e| panic!("{e}"));
        }
        caps.add_experimental_option(
            "prefs",
            json!({
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false,
                "intl.accept_languages": "en-US,en",
            }),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let url = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        let driver = loop {
            match WebDriver::new(url.clone(), caps.clone()).await {
                Ok(d) => break d,
                Err(e) if start.elapsed() > Duration::from_secs(20) => {
                    panic!("chromedriver did not start a Chromium session: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        // Headless Chromium saves downloads only where it is told to.
        driver
            .cdp()
            .send_raw(
                "Browser.setDownloadBehavior",
                json!({"behavior": "allow", "downloadPath": downloads.display().to_string()}),
            )
            .await
            .unwrap_or_else(|e| panic!("cannot allow downloads: {e}"));
        Browser {
            driver,
            _chromedriver: child,
            base: base.to_string(),
            shots: root.join("docs").join("console"),
            downloads,
        }
    }

    async fn open(&self, path: &str) {
        self.driver
            .goto(format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("goto {path}: {e}"));
    }

    /// The page's visible text; empty while a navigation replaces it.
    async fn text(&self) -> String {
        match self.driver.find(By::Tag("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    async fn path(&self) -> String {
        self.driver
            .current_url()
            .await
            .map(|u| u.path().to_string())
            .unwrap_or_default()
    }

    /// Waits until the page shows `what`.
    async fn wait_for(&self, what: &str) -> String {
        self.wait_for_long(what, Duration::from_secs(15)).await
    }

    async fn wait_for_long(&self, what: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let text = self.text().await;
            if text.contains(what) {
                return text;
            }
            assert!(
                start.elapsed() < limit,
                "the page never showed {what:?}; it shows:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn el(&self, by: By) -> WebElement {
        self.driver
            .find(by.clone())
            .await
            .unwrap_or_else(|e| panic!("no element {by:?}: {e}"))
    }

    async fn fill(&self, id: &str, value: &str) {
        let e = self.el(By::Id(id)).await;
        e.clear().await.unwrap_or_else(|e| panic!("{e}"));
        e.send_keys(value).await.unwrap_or_else(|e| panic!("{e}"));
    }

    async fn click(&self, by: By) {
        self.el(by)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Saves the page as docs/console/`name`.png after checking that every
    /// control can be reached by Tab and has a name for screen readers.
    async fn shot(&self, name: &str) {
        self.accessible(name).await;
        let path = self.shots.join(format!("{name}.png"));
        self.driver
            .screenshot(&path)
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
    }

    async fn accessible(&self, page: &str) {
        let script = r#"
            const out = [];
            for (const el of document.querySelectorAll('a[href],button,input:not([type=hidden]),select,textarea,summary')) {
                if (el.closest('[hidden]') || el.disabled) continue;
                let name = el.getAttribute('aria-label') || '';
                if (!name && el.labels && el.labels.length) name = el.labels[0].textContent;
                if (!name) name = el.textContent;
                if (!name.trim()) out.push('unnamed: ' + el.outerHTML.slice(0, 160));
                if (el.tabIndex < 0) out.push('not reachable by Tab: ' + el.outerHTML.slice(0, 160));
            }
            return out;
        "#;
        let problems: Vec<String> = self
            .driver
            .execute(script, vec![])
            .await
            .and_then(|r| r.convert())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(problems.is_empty(), "{page}: {problems:#?}");
    }
}

/// What a browser would send to sign in.
async fn sign_in(b: &Browser, token: &str) {
    b.open("/signin").await;
    b.fill("token", token).await;
    b.click(By::Css("form[action='/signin'] button[type=submit]"))
        .await;
}

async fn fill_integration(b: &Browser, t: &TestFleet, pair: &Pair, source_url: &str) {
    let api = t.sandbox.movidesk_api();
    for (id, value) in [
        ("name", "Console Movidesk pair"),
        ("generator-agent", "gen-b"),
        ("source-agent", "ponte-a"),
        ("reconcile-every-secs", "0"),
        ("source-base-url", source_url),
        ("source-cred-name-0", "token"),
        ("source-cred-value-0", &pair.token_a()),
        ("source-inbound-secret", &pair.secret_a),
        ("target-base-url", &api),
        ("target-cred-name-0", "token"),
        ("target-cred-value-0", &pair.token_b()),
        ("target-inbound-secret", &pair.secret_b),
    ] {
        b.fill(id, value).await;
    }
}

#[tokio::test]
async fn the_console_runs_the_integration_center_in_a_browser() {
    let t = TestFleet::start(Options {
        env: vec![(
            "PONTE_CONSOLE_TRACE_URL".into(),
            format!("{TRACING_UI}/trace/{{trace_id}}"),
        )],
        ..Options::default()
    })
    .await;
    let admin = t.url(Svc::Admin);
    let b = Browser::start(&admin, &t.ns).await;

    // Signed out, every page leads to the sign-in.
    b.open("/").await;
    assert_eq!(b.path().await, "/signin");
    b.shot("signin").await;

    // A wrong token is refused and said so next to the field.
    sign_in(&b, "not-the-admin-token-at-all").await;
    let text = b.wait_for("does not match").await;
    assert!(text.contains("Admin token"), "{text}");
    assert_eq!(b.path().await, "/signin");

    sign_in(&b, ADMIN_TOKEN).await;
    b.wait_for("No integration yet").await;
    let cookie = b
        .driver
        .get_named_cookie("ponte_session")
        .await
        .unwrap_or_else(|e| panic!("no session cookie: {e}"));
    assert_eq!(
        cookie.http_only,
        Some(true),
        "the session cookie is HttpOnly"
    );
    assert_eq!(cookie.same_site, Some(SameSite::Strict));

    // Create a Movidesk <-> Movidesk integration through the form; first
    // with a wrong base URL, refused next to the field.
    let pair = t.movidesk_domains(INTEGRATION, json!({})).await;
    b.click(By::LinkText("New integration")).await;
    b.wait_for("New integration").await;
    b.fill("id", INTEGRATION).await;
    fill_integration(&b, &t, &pair, "ftp://sandbox.invalid/api").await;
    b.click(By::Css(
        "form[action='/integrations/new'] button[type=submit]",
    ))
    .await;
    b.wait_for("was not saved").await;
    let error = b
        .el(By::Id("source-base-url-error"))
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(error.contains("http:// or https://"), "{error}");
    let page = b.driver.source().await.unwrap_or_default();
    assert!(
        !page.contains(&pair.token_a()) && !page.contains(&pair.secret_a),
        "a refused form does not send secrets back"
    );
    b.shot("integration-form-error").await;
    assert!(
        t.admin
            .get(&format!("/integrations/{INTEGRATION}"))
            .await
            .is_err(),
        "nothing was stored"
    );

    fill_integration(&b, &t, &pair, &t.sandbox.movidesk_api()).await;
    b.click(By::Css(
        "form[action='/integrations/new'] button[type=submit]",
    ))
    .await;
    let list = b.wait_for("Integration console saved").await;
    assert!(
        list.contains("movidesk ↔ movidesk") && list.contains("enabled"),
        "{list}"
    );

    // A ticket opened in the sandbox: its link and history in the console.
    let a1 = t.open_ticket(&pair, "Printer on fire").await;
    let b1 = t.counterpart_id(&pair, &a1).await;
    b.open(&format!("/links?ticket={a1}")).await;
    b.wait_for(&format!("#{b1}")).await;
    b.shot("links").await;
    b.click(By::Css(format!("a[href='/links/{INTEGRATION}%3A{a1}']")))
        .await;
    b.wait_for("Counterpart created").await;
    let start = Instant::now();
    let link_page = loop {
        let text = b.text().await;
        if !text.contains("not read by Ponte yet") || start.elapsed() > Duration::from_secs(20) {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        b.driver.refresh().await.unwrap_or_else(|e| panic!("{e}"));
    };
    assert!(link_page.contains(&format!("#{b1}")), "{link_page}");
    assert!(
        !link_page.contains("not read by Ponte yet"),
        "the counterpart's status is shown: {link_page}"
    );
    let trace = b
        .el(By::Css(format!(
            "ol.timeline a[href^='{TRACING_UI}/trace/']"
        )))
        .await
        .text()
        .await
        .unwrap_or_default();
    assert_eq!(
        trace.len(),
        32,
        "the history's trace id links to the tracing UI: {trace}"
    );
    b.shot("link").await;
    b.open("/").await;
    let list = b.wait_for("Last webhook").await;
    assert!(
        !list.contains("never"),
        "the last webhook time is shown: {list}"
    );
    b.shot("integrations").await;

    // Break the target: the command is parked; repair, replay, and the
    // counterpart appears.
    t.sandbox
        .fault(
            &pair.b,
            &json!({"error_rate": 1.0, "error_status": 400, "methods": ["POST"]}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let a2 = t.open_ticket(&pair, "Parked until repaired").await;
    let start = Instant::now();
    loop {
        b.open(&format!("/dead-letters?integration={INTEGRATION}"))
            .await;
        if b.text().await.contains("400") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no parked message shown"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let parked = b.text().await;
    assert!(parked.contains("Replay all 1 shown"), "{parked}");
    b.shot("dead-letters").await;
    t.sandbox
        .clear_fault(&pair.b)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    b.click(By::Css("button[value^='replay-one:']")).await;
    b.wait_for("Replayed 1 message(s).").await;
    t.counterpart_id(&pair, &a2).await;
    b.wait_for("No parked message").await;

    // Export: the XLSX arrives, with the integration and without secrets.
    b.open("/").await;
    b.click(By::LinkText("Export XLSX")).await;
    // The browser starts the download under the export's file name...
    let start = Instant::now();
    loop {
        let started = std::fs::read_dir(&b.downloads).ok().is_some_and(|d| {
            d.flatten().any(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                name.starts_with("ponte-integrations-") && name.contains(".xlsx")
            })
        });
        if started {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no XLSX download started"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // ...and the same link, fetched by the page with its session, is the
    // file (headless Chromium may hold a download back from the disk).
    let fetched: Vec<String> = b
        .driver
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const href = document.querySelector("a[href='/export?format=xlsx']").getAttribute('href');
               fetch(href).then(async r => {
                   const bytes = new Uint8Array(await r.arrayBuffer());
                   let bin = '';
                   for (const x of bytes) bin += String.fromCharCode(x);
                   done([String(r.status), r.headers.get('content-type') || '', btoa(bin)]);
               }).catch(e => done(['0', String(e), '']));"#,
            vec![],
        )
        .await
        .and_then(|r| r.convert())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fetched[0], "200", "{fetched:?}");
    assert!(fetched[1].contains("spreadsheetml"), "{fetched:?}");
    let bytes = base64_decode(&fetched[2]);
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes.clone()))
        .unwrap_or_else(|e| panic!("not an XLSX file: {e}"));
    let sheet = book
        .worksheet_range("Integrations")
        .unwrap_or_else(|e| panic!("{e}"));
    let cells: Vec<String> = sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(cells.iter().any(|c| c == INTEGRATION), "{cells:?}");
    let raw = String::from_utf8_lossy(&bytes);
    for secret in [
        pair.token_a(),
        pair.secret_a.clone(),
        pair.token_b(),
        pair.secret_b.clone(),
    ] {
        assert!(
            !cells.iter().any(|c| c.contains(&secret)) && !raw.contains(&secret),
            "secret in export"
        );
    }

    // The other pages.
    b.open(&format!("/integrations/{INTEGRATION}")).await;
    let edit = b.driver.source().await.unwrap_or_default();
    assert!(
        edit.contains(&format!("/hooks/movidesk/{INTEGRATION}")),
        "webhook URL shown"
    );
    for secret in [
        pair.token_a(),
        pair.secret_a.clone(),
        pair.token_b(),
        pair.secret_b.clone(),
    ] {
        assert!(!edit.contains(&secret), "a secret reached the edit page");
    }
    b.shot("integration-form").await;
    b.open("/manual").await;
    b.wait_for("No manual-mode integration").await;
    b.open("/calls").await;
    b.shot("calls").await;
    b.open("/fleet").await;
    let fleet = b.wait_for("ingress").await;
    assert!(
        fleet.contains("router") && fleet.contains("worker-movidesk"),
        "{fleet}"
    );
    assert!(!fleet.contains("down"), "every service is up: {fleet}");
    // The panel refreshes itself (htmx) and turns counters into rates.
    let refreshed = b.wait_for_long("/s", Duration::from_secs(20)).await;
    assert!(refreshed.contains("Webhooks"), "{refreshed}");
    b.shot("fleet").await;

    // Clone, then delete the clone with a typed confirmation.
    b.open("/").await;
    b.fill_clone().await;
    b.wait_for("Copy console-copy created").await;
    b.open("/integrations/console-copy/delete").await;
    b.shot("delete").await;
    b.fill("confirm", "console-copy").await;
    b.click(By::Id("delete-button")).await;
    b.wait_for("Integration console-copy deleted").await;

    // Disable: its webhooks are refused.
    b.click(By::Css(format!(
        "form[action='/integrations/{INTEGRATION}/disable'] button"
    )))
    .await;
    b.wait_for("disabled: its webhooks are refused").await;
    // The ingress learns of the change within CHANGE_REACHES_INGRESS.
    let refused_by = Instant::now() + ponte_e2e::CHANGE_REACHES_INGRESS;
    let hook = loop {
        let hook = t
            .http
            .post(format!(
                "{}/hooks/movidesk/{INTEGRATION}?token={}",
                t.url(Svc::Ingress),
                pair.secret_a
            ))
            .json(&json!({"Id": a1}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if hook.status() == 401 || Instant::now() > refused_by {
            break hook;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        hook.status(),
        401,
        "a disabled integration's webhook is refused, like a wrong secret"
    );
    let body: Value = hook.json().await.unwrap_or_default();
    assert_eq!(body["error"]["code"], "unauthorized");

    // A state-changing request without the CSRF token is refused, even
    // with the session cookie.
    let session = format!("ponte_session={}", cookie.value);
    for form in ["", "csrf=forged"] {
        let r = t
            .http
            .post(format!("{admin}/integrations/{INTEGRATION}/enable"))
            .header("Cookie", &session)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), 403, "form {form:?}");
    }
    let stored: Value = t
        .admin
        .get(&format!("/integrations/{INTEGRATION}"))
        .await
        .unwrap_or_default();
    assert_eq!(stored["enabled"], false, "the forged form changed nothing");

    // Labels in Portuguese, switched from the page.
    b.click(By::Css("a[hreflang='pt-BR']")).await;
    b.wait_for("Integrações").await;
    b.shot("integrations-pt-br").await;

    // Sign out: the session is over.
    b.click(By::Css("form[action='/signout'] button")).await;
    b.wait_for("Token de administração").await;
    b.open("/").await;
    assert_eq!(b.path().await, "/signin");

    // Sign-in attempts are limited: after five wrong tokens from one
    // address, even the right one waits.
    for attempt in 1..=6 {
        let token = if attempt == 6 {
            ADMIN_TOKEN
        } else {
            "wrong-token-0123456789"
        };
        let status = raw_sign_in(&t, &admin, token).await;
        let expected = if attempt == 6 { 429 } else { 401 };
        assert_eq!(status, expected, "attempt {attempt}");
    }

    let _ = b.driver.clone().quit().await;
    let _ = std::fs::remove_dir_all(&b.downloads);
    t.teardown().await;
}

/// Signs in as a plain HTTP client would after loading the form: its
/// cookie and hidden field, then the token. Returns the status.
async fn raw_sign_in(t: &TestFleet, admin: &str, token: &str) -> u16 {
    let form = t
        .http
        .get(format!("{admin}/signin"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cookie = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ponte_signin="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_string();
    let html = form.text().await.unwrap_or_default();
    let nonce = html
        .split("name=\"signin\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_string();
    assert_eq!(nonce.len(), 64, "the sign-in form carries its token");
    t.http
        .post(format!("{admin}/signin"))
        .header("Cookie", cookie)
        .header("Content-Type", "application/x-www-form-urlencoded")
        // Both values are letters, digits and dashes: nothing to escape.
        .body(format!("signin={nonce}&token={token}"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or_else(|e| panic!("{e}"))
}

impl Browser {
    async fn fill_clone(&self) {
        let form = self
            .el(By::Css(format!(
                "form[action='/integrations/{INTEGRATION}/clone']"
            )))
            .await;
        let input = form
            .find(By::Name("new_id"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        input
            .send_keys("console-copy")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        form.find(By::Tag("button"))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Standard base64 (what `btoa` gives) to bytes.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            _ => 63,
        }
    };
    let clean: Vec<u8> = text.bytes().filter(|c| *c != b'=').collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[tokio::test]
async fn manual_mode_previews_then_creates_and_associates_in_the_browser() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t
        .movidesk_pair_with("manual", json!({"mode": "manual"}), json!({}))
        .await;
    let first = t.open_ticket(&pair, "Needs a counterpart").await;
    let second = t.open_ticket(&pair, "Already known in B").await;
    let b = Browser::start(&t.url(Svc::Admin), &t.ns).await;
    sign_in(&b, ADMIN_TOKEN).await;
    b.wait_for("Integrations").await;

    // Both tickets wait in the queue; nothing was created by itself.
    let start = Instant::now();
    loop {
        b.open("/manual?integration=manual").await;
        let text = b.text().await;
        if text.contains(&format!("#{first}")) && text.contains(&format!("#{second}")) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the tickets never became eligible: {text}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    b.shot("manual").await;
    assert!(
        t.sandbox
            .movidesk_tickets(&pair.b)
            .await
            .unwrap_or_default()
            .is_empty()
    );

    // Preview what will be sent, then create.
    b.click(By::Css(format!(
        "a[href='/manual/preview?integration=manual&ticket={first}']"
    )))
    .await;
    let preview = b
        .wait_for("Needs a counterpart: details from the customer")
        .await;
    assert!(
        preview.contains("public") && preview.contains("Ana Souza"),
        "{preview}"
    );
    b.shot("manual-preview").await;
    b.click(By::Css("form[action='/manual/create'] button[type=submit]"))
        .await;
    b.wait_for("Queued").await;
    let created = t.counterpart_id(&pair, &first).await;

    // Associate the second with a ticket B already has.
    let existing = t
        .sandbox
        .movidesk_ui_ticket(&pair.b, &json!({
            "type": 2, "subject": "Opened in B", "createdBy": {"id": "agent-b"}, "clients": [{"id": "ana-b"}],
            "actions": [{"type": 2, "description": "opened in B", "createdBy": {"id": "ana-b"}}]
        }))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let existing = ponte_e2e::id_of(&existing["id"]);
    b.open("/manual?integration=manual").await;
    let mut chosen = None;
    for form in b
        .driver
        .find_all(By::Css("form[action='/manual/associate']"))
        .await
        .unwrap_or_default()
    {
        let ticket = form
            .find(By::Css("input[name=ticket]"))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .attr("value")
            .await
            .unwrap_or_default();
        if ticket.as_deref() == Some(second.as_str()) {
            chosen = Some(form);
        }
    }
    let form = chosen.unwrap_or_else(|| panic!("no associate form for #{second}"));
    form.find(By::Css("input[name=target]"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .send_keys(existing.as_str())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    form.find(By::Tag("button"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    b.wait_for("Queued").await;
    let link = t
        .eventually("the associated link", Duration::from_secs(30), || async {
            t.admin.get(&format!("/links/manual:{second}")).await.ok()
        })
        .await;
    assert_eq!(ponte_e2e::id_of(&link["target_ticket"]), existing);
    b.open(&format!("/links?integration=manual&ticket={created}"))
        .await;
    b.wait_for(&format!("#{first}")).await;

    // A ticket whose webhook was lost: typed by number, read from the desk
    // while the page waits, then previewed.
    t.sandbox
        .drop_webhooks(&pair.a, 1)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let unseen = t.open_ticket(&pair, "Never reached Ponte").await;
    b.open("/manual?integration=manual").await;
    b.driver
        .find(By::Id("by-number"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .send_keys(unseen.as_str())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    b.click(By::Css(
        "form[action='/manual/preview'] button[type=submit]",
    ))
    .await;
    b.wait_for("Never reached Ponte: details from the customer")
        .await;
    assert!(
        b.driver
            .find(By::Css("form[action='/manual/create'] button[type=submit]"))
            .await
            .is_ok(),
        "the preview of an unread ticket offers the create"
    );

    let _ = b.driver.clone().quit().await;
    let _ = std::fs::remove_dir_all(&b.downloads);
    t.teardown().await;
}
