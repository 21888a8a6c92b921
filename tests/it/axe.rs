//! axe-core on every page, in light and dark (prefers-color-scheme), at a desktop's
//! 1280×800 and a phone's 390×844: no violation of impact serious or critical
//! (design §10 "Every page"). axe-core's `axe.min.js` comes from npm (`.ci/run`
//! installs a pinned version and exports ASAKAI_AXE_JS); without it, or without a
//! browser, the test skips, unless ASAKAI_REQUIRE_BROWSER is set (CI), where it fails.

use serde_json::Value;

use crate::web_words::app_for_pages;
use crate::webdriver::Driver;

/// Every page axe checks, after the fixture of `app_for_pages`. One list, so that a
/// page added to the product is one line here.
const PAGES: &[&str] = &[
    "/",
    "/digests/2025-11-25",
    "/digests/2025-11-25?lang=ja",
    "/digests/2025-11-26?lang=ja",
    "/digests/2025-11-25?item=item-aRec1",
    "/?date=garbage",
    "/alerts",
    "/alerts?lang=ja",
    "/alerts?from=7d&severity=CRITICAL",
    "/alerts?from=someday",
    "/alerts/aHostile",
    "/alerts/aHostile?lang=ja",
    "/alerts/aDeleted",
    "/tasks",
    "/tasks?lang=ja",
    "/monitors",
    "/monitors?lang=ja",
    "/alerts/nope",
    "/alerts/nope?lang=ja",
];

/// Desktop, and a phone held upright.
const SIZES: [(u32, u32); 2] = [(1280, 800), (390, 844)];

/// A colour scheme, as chromium's blink setting chooses it for `prefers-color-scheme`.
#[derive(Clone, Copy, Debug)]
enum Scheme {
    Light,
    Dark,
}

impl Scheme {
    /// Blink's `PreferredColorScheme`: 0 is dark, 1 is light.
    fn arg(self) -> &'static str {
        match self {
            Scheme::Light => "--blink-settings=preferredColorScheme=1",
            Scheme::Dark => "--blink-settings=preferredColorScheme=0",
        }
    }

    fn is_dark(self) -> bool {
        matches!(self, Scheme::Dark)
    }
}

/// axe-core's script, or `None` (skip) where it is not installed and not required.
fn axe_script() -> Option<String> {
    let Ok(path) = std::env::var("ASAKAI_AXE_JS") else {
        assert!(
            std::env::var("ASAKAI_REQUIRE_BROWSER").is_err(),
            "ASAKAI_AXE_JS must name axe-core's axe.min.js here (.ci/run installs it)"
        );
        eprintln!("skipping: ASAKAI_AXE_JS is not set (.ci/run installs axe-core and sets it)");
        return None;
    };
    let script =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("ASAKAI_AXE_JS={path}: {e}"));
    Some(script)
}

/// The serious and critical violations on the page the driver shows, one line each.
const RUN: &str = "return axe.run(document, {resultTypes: ['violations']}).then(r => \
    r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => \
    `${v.id} (${v.impact}): ${v.help}\\n${v.nodes.map(n => `    ${n.target.join(' ')}: \
    ${(n.failureSummary || '').replace(/\\s+/g, ' ')}`).join('\\n')}`))";

/// Sizes the window so that the page's viewport is `width`×`height`: the window
/// rect includes the browser's own frame.
async fn viewport(driver: &Driver, width: u32, height: u32) {
    let inner = || async {
        let v = driver.script("return [innerWidth, innerHeight]").await;
        (v[0].as_u64().unwrap() as u32, v[1].as_u64().unwrap() as u32)
    };
    driver.window_size(width, height).await;
    let (w, h) = inner().await;
    driver
        .window_size(2 * width - w.min(width), 2 * height - h.min(height))
        .await;
    assert_eq!(inner().await, (width, height), "the viewport");
}

async fn check(driver: &Driver, axe: &str, url: &str, scheme: Scheme) -> Vec<String> {
    driver.goto(url).await;
    let dark = driver
        .script("return matchMedia('(prefers-color-scheme: dark)').matches")
        .await;
    assert_eq!(
        dark,
        Value::Bool(scheme.is_dark()),
        "{url}: not in {scheme:?}"
    );
    driver.script(axe).await;
    let found = driver.script(RUN).await;
    found
        .as_array()
        .unwrap_or_else(|| panic!("axe answered {found}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn axe_finds_nothing_serious_on_any_page_light_or_dark_desktop_or_phone() {
    let Some(axe) = axe_script() else { return };
    let (app, _github) = app_for_pages().await;
    let mut failures = Vec::new();
    for scheme in [Scheme::Light, Scheme::Dark] {
        let Some(driver) = Driver::start_with(&[scheme.arg()]).await else {
            return;
        };
        for (width, height) in SIZES {
            viewport(&driver, width, height).await;
            for page in PAGES {
                let url = format!("{}{page}", app.base);
                for v in check(&driver, &axe, &url, scheme).await {
                    failures.push(format!("{page} {scheme:?} {width}×{height}: {v}"));
                }
                let name = page
                    .trim_start_matches('/')
                    .replace(['/', '?', '&', '='], "_");
                driver
                    .screenshot(&format!("{name}-{scheme:?}-{width}"))
                    .await;
            }
        }
        driver.quit().await;
    }
    app.stop().await;
    assert!(
        failures.is_empty(),
        "axe-core found:\n{}",
        failures.join("\n")
    );
}
