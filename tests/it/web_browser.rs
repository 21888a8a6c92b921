//! The meeting in a real browser (headless chromium over WebDriver): review one
//! alert and one group, see them kept after a reload, drive it by keys, open a task,
//! search and open an alert page, follow a date link; with no console error and no
//! request to another host on any page.

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

#[tokio::test]
async fn a_meeting_runs_in_the_browser_from_the_first_alert_to_the_follow_up() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let (app, github) = app_with_hostile_alert().await;
    let base = &app.base;
    let digest = format!("{base}/digests/{MEETING}");
    driver.goto(&digest).await;
    check_page(&driver, base).await;

    // One alert: outcome and note, posted in place by the script.
    let form = "#alert-aMulti form.review";
    driver
        .click(&driver.find(&format!("{form} option[value=fixed]")).await)
        .await;
    let note = driver.find(&format!("{form} input[name=note]")).await;
    driver.type_text(&note, "rebooted <app01>").await;
    driver
        .click(&driver.find(&format!("{form} button")).await)
        .await;
    driver
        .wait_attribute("#alert-aMulti .outcome", "data-outcome", "fixed")
        .await;
    driver.wait_text("#alert-aMulti .outcome", "Fixed").await;
    driver.wait_text("#reviewed", "1").await;

    // One monitor group: every alert of it at once.
    let group = "details.group[data-ids*=aMaint] .group-forms form.review";
    driver
        .click(
            &driver
                .find(&format!("{group} option[value=expected]"))
                .await,
        )
        .await;
    driver
        .click(&driver.find(&format!("{group} button")).await)
        .await;
    driver
        .wait_attribute("#alert-aMaint .outcome", "data-outcome", "expected")
        .await;
    let size = driver
        .find_all("details.group[data-ids*=aMaint] li.alert")
        .await
        .len();
    let progress = "details.group[data-ids*=aMaint] .group-progress";
    driver.wait_text(progress, &format!("{size}/{size}")).await;

    // Kept across a reload: the server has them, not just the page.
    driver.goto(&digest).await;
    driver
        .wait_attribute("#alert-aMulti .outcome", "data-outcome", "fixed")
        .await;
    driver
        .wait_attribute("#alert-aMaint .outcome", "data-outcome", "expected")
        .await;
    let kept = driver
        .property(
            &driver.find(&format!("{form} input[name=note]")).await,
            "value",
        )
        .await;
    assert_eq!(kept, "rebooted <app01>");
    check_page(&driver, base).await;

    driver.screenshot("digest-1280").await;
    driver.window_width(400).await;
    driver.screenshot("digest-phone").await;
    driver.window_width(1280).await;

    // Keys: j selects the first alert, 4 marks it noise.
    driver.press("j4").await;
    driver
        .wait_attribute("li.alert.current .outcome", "data-outcome", "noise")
        .await;

    // A follow-up task, through the plain form (POST, 303 back to the digest).
    driver
        .click(&driver.find("#alert-aHostile form.task button").await)
        .await;
    app.wait_for("/api/tasks", |v| v.as_array().is_some_and(|t| t.len() == 1))
        .await;
    driver.goto(&format!("{base}/tasks")).await;
    let task = driver.text(&driver.find("li.task").await).await;
    assert!(task.contains("aHostile"), "{task}");
    // GitHub is configured, so the form asked for an issue: the stand-in got one.
    assert_eq!(github.received_requests().await.unwrap().len(), 1);
    driver.find("li.task a[href^='https://github.com/']").await;
    check_page(&driver, base).await;

    // Search, then the alert page: the hostile message is text on screen.
    driver.goto(&format!("{base}/alerts")).await;
    let search = driver.find("form.search input[name=search]").await;
    driver.type_text(&search, "onerror").await;
    driver.click(&driver.find("form.search button").await).await;
    driver.wait_url("search=onerror").await;
    let rows = driver.find_all("tr.alert").await;
    assert_eq!(rows.len(), 1, "one alert has that text");
    driver.click(&driver.find("tr.alert a").await).await;
    driver.wait_url("/alerts/aHostile").await;
    driver.screenshot("alert").await;
    let text = driver.text(&driver.find("p.text").await).await;
    assert!(text.starts_with("<script>alert('x')</script>"), "{text}");
    check_page(&driver, base).await;

    // A date link leads to the previous meeting.
    driver.goto(&digest).await;
    driver.click(&driver.find("#previous").await).await;
    driver.wait_url("/digests/2025-11-24").await;
    check_page(&driver, base).await;

    driver.quit().await;
    app.stop().await;
}
