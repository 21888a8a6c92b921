//! The meeting in a real browser (headless chromium over WebDriver): review one
//! alert and one group, see them kept after a reload, drive it by keys, open a task,
//! search and open an alert page, follow a date link; with no console error and no
//! request to another host on any page.

use crate::serve::TestApp;
use crate::web::{app_with_hostile_alert, MEETING};
use crate::webdriver::Driver;

/// Console errors (a CSP violation is one) and requests that left the server.
async fn check_page(driver: &Driver, base: &str) {
    let errors: Vec<_> = driver
        .logs()
        .await
        .into_iter()
        .filter(|l| l["level"] == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    let requests = driver
        .script("return performance.getEntriesByType('resource').map(e => e.name)")
        .await;
    for r in requests.as_array().unwrap() {
        let url = r.as_str().unwrap();
        assert!(url.starts_with(base), "a request to another host: {url}");
    }
}

/// Runs `script` until it returns `want`; panics with what it returned after 30 s.
async fn wait_script(driver: &Driver, script: &str, want: serde_json::Value) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let got = driver.script(script).await;
        if got == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{script}: {got}, not {want}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

const CURRENT: &str = "return document.querySelector('li.item[aria-current=true]').dataset.key";

#[tokio::test]
async fn a_meeting_runs_by_keyboard_from_the_first_item_to_the_follow_up() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let (app, github) = app_with_hostile_alert().await;
    // Two recoveries of one monitor on two hosts of one service: one item, two hosts.
    app.mackerel.update(|w| {
        for (id, host) in [("aRecA", "hMulti"), ("aRecB", "hMaint")] {
            let a = crate::helpers::alert(
                id,
                "host",
                "mCpu",
                Some(host),
                "WARNING",
                crate::helpers::NOW - 3500,
            );
            w.alerts
                .push(crate::helpers::closed(a, crate::helpers::NOW - 3400, None));
        }
    });
    app.wait_for("/api/alerts", |v| {
        v.as_array()
            .is_some_and(|a| a.iter().any(|x| x["id"] == "aRecB"))
    })
    .await;
    let digest = format!("{}/digests/{MEETING}", app.base);
    driver.goto(&digest).await;
    check_page(&driver, &app.base).await;
    driver.screenshot("meeting-1280").await;

    decide_by_keys(&driver, &app).await;
    note_by_keys(&driver, &app).await;
    task_for_one_host_by_keys(&driver, &app).await;
    unreviewed_only_and_presenter(&driver).await;
    check_page(&driver, &app.base).await;
    driver.window_width(390).await;
    driver.screenshot("meeting-phone").await;
    driver.window_width(1280).await;

    search_and_open_the_alert(&driver, &app.base).await;
    check_page(&driver, &app.base).await;
    // A date link leads to the previous meeting.
    driver.goto(&digest).await;
    driver.click_css("#previous").await;
    driver.wait_url("/digests/2025-11-24").await;
    check_page(&driver, &app.base).await;
    // The monitor report as a page: which monitors waste the team's mornings.
    driver.goto(&format!("{}/monitors", app.base)).await;
    check_page(&driver, &app.base).await;
    assert!(
        !driver.find_all("table.results tbody tr").await.is_empty(),
        "monitors are listed"
    );
    assert_eq!(
        github.received_requests().await.unwrap().len(),
        1,
        "one issue"
    );
    driver.quit().await;
    app.stop().await;
}

/// j moves to the next item and shows its detail; 1 decides it (every alert of it
/// is fixed, the counter moves) and moves on to the next unreviewed.
async fn decide_by_keys(driver: &Driver, app: &TestApp) {
    let first = driver.script(CURRENT).await;
    driver.press("j").await;
    wait_script(
        driver,
        "const k = document.querySelector('li.item[aria-current=true]').dataset.key; \
         const f = document.querySelector('#detail form.decide'); return f !== null && f.dataset.key === k && k",
        driver.script(CURRENT).await,
    )
    .await;
    let second = driver.script(CURRENT).await;
    assert_ne!(first, second, "j moved");
    let ids = driver
        .script("return document.querySelector('li.item[aria-current=true]').dataset.alertIds")
        .await;
    driver.press("1").await;
    let chip = format!("li.item[data-key={}] .chip", second.as_str().unwrap());
    driver.wait_attribute(&chip, "data-outcome", "fixed").await;
    for id in ids.as_str().unwrap().split(' ') {
        let a: serde_json::Value = app
            .get(&format!("/api/alerts/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(a["review"]["outcome"], "fixed", "{id}");
    }
    let n = ids.as_str().unwrap().split(' ').count();
    let total = driver
        .script("return document.getElementById('progress').dataset.total")
        .await;
    let total = total.as_str().unwrap();
    driver
        .wait_text("#progress", &format!("{n} of {total} reviewed"))
        .await;
    wait_script(
        driver,
        "return document.querySelector('li.item[aria-current=true]').dataset.done",
        serde_json::json!("0"),
    )
    .await;
}

/// k back to the decided item; n, a note, Enter: saved and shown without a reload.
async fn note_by_keys(driver: &Driver, app: &TestApp) {
    driver.script("window.notReloaded = true").await;
    driver.press("k").await;
    wait_script(
        driver,
        "const f = document.querySelector('#detail form.decide .save-note'); return f !== null",
        serde_json::json!(true),
    )
    .await;
    driver.press("n").await;
    let note = driver.find("#note").await;
    driver.type_text(&note, "rebooted <app01>").await;
    assert_eq!(driver.property(&note, "value").await, "rebooted <app01>");
    driver.press("\u{E007}").await;
    driver.wait_text("#saved-note", "✎ rebooted <app01>").await;
    assert_eq!(
        driver.script("return window.notReloaded === true").await,
        true
    );
    let ids = driver
        .script("return document.querySelector('li.item[aria-current=true]').dataset.alertIds")
        .await;
    let id = ids.as_str().unwrap().split(' ').next().unwrap().to_owned();
    let a: serde_json::Value = app
        .get(&format!("/api/alerts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["review"]["note"], "rebooted <app01>");
}

/// t on an item across two hosts asks for the host; Enter opens that host's task,
/// and the page comes back at the same item.
async fn task_for_one_host_by_keys(driver: &Driver, app: &TestApp) {
    driver
        .click_css("li.item[data-alert-ids='aRecA aRecB'] a.row")
        .await;
    wait_script(
        driver,
        "return document.querySelectorAll('#detail form.task').length",
        serde_json::json!(2),
    )
    .await;
    driver.press("t").await;
    wait_script(
        driver,
        "return document.activeElement.closest('form.task').elements.ids.value",
        serde_json::json!("aRecA"),
    )
    .await;
    driver.press("\u{E007}").await;
    app.wait_for("/api/tasks", |v| v.as_array().is_some_and(|t| t.len() == 1))
        .await;
    let tasks: serde_json::Value = app.get("/api/tasks").await.json().await.unwrap();
    assert_eq!(tasks[0]["alert_ids"], serde_json::json!(["aRecA"]));
    driver.wait_url("item=item-aRecA").await;
    wait_script(driver, CURRENT, serde_json::json!("item-aRecA")).await;
}

/// u hides what is decided; p makes the text large for a projector, and stays.
async fn unreviewed_only_and_presenter(driver: &Driver) {
    driver.press("u").await;
    wait_script(
        driver,
        "return Array.from(document.querySelectorAll('li.item[data-done=\"1\"]')).filter(e => e.offsetParent !== null && e.getAttribute('aria-current') !== 'true').length",
        serde_json::json!(0),
    )
    .await;
    driver.press("u").await;
    driver.press("p").await;
    wait_script(
        driver,
        "return document.body.classList.contains('presenter')",
        serde_json::json!(true),
    )
    .await;
    driver.screenshot("meeting-presenter").await;
    driver.press("p").await;
    driver.press("?").await;
    wait_script(
        driver,
        "return document.getElementById('keys').open",
        serde_json::json!(true),
    )
    .await;
    driver.press("\u{E00C}").await;
    wait_script(
        driver,
        "return document.getElementById('keys').open",
        serde_json::json!(false),
    )
    .await;
}

/// Search, then the alert page: the hostile message is text on screen.
async fn search_and_open_the_alert(driver: &Driver, base: &str) {
    driver.goto(&format!("{base}/alerts")).await;
    let search = driver.find("form.search input[name=search]").await;
    driver.type_text(&search, "onerror").await;
    driver.click_css("form.search button").await;
    driver.wait_url("search=onerror").await;
    assert_eq!(
        driver.find_all("tr.alert").await.len(),
        1,
        "one alert has that text"
    );
    driver.click_css("tr.alert a").await;
    driver.wait_url("/alerts/aHostile").await;
    driver.screenshot("alert").await;
    let text = driver.text(&driver.find("p.text").await).await;
    assert!(text.starts_with("<script>alert('x')</script>"), "{text}");
}
