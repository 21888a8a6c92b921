//! The meeting in a real browser (headless chromium over WebDriver): review one
//! alert and one group, see them kept after a reload, drive it by keys, open a task,
//! search and open an alert page, follow a date link; with no console error and no
//! request to another host on any page.

use wiremock::MockServer;

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

#[tokio::test]
async fn a_meeting_runs_in_the_browser_from_the_first_alert_to_the_follow_up() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let (app, github) = app_with_hostile_alert().await;
    let digest = format!("{}/digests/{MEETING}", app.base);
    driver.goto(&digest).await;
    check_page(&driver, &app.base).await;

    review_one_alert(&driver).await;
    review_one_group(&driver).await;
    see_them_kept_after_a_reload(&driver, &digest).await;
    check_page(&driver, &app.base).await;
    driver.screenshot("digest-1280").await;
    driver.window_width(400).await;
    driver.screenshot("digest-phone").await;
    driver.window_width(1280).await;

    // Keys: j selects the first alert, 4 marks it noise.
    driver.press("j4").await;
    driver
        .wait_attribute("li.alert.current .outcome", "data-outcome", "noise")
        .await;

    open_a_task(&driver, &app, &github).await;
    check_page(&driver, &app.base).await;
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

    driver.quit().await;
    app.stop().await;
}

const ONE: &str = "#alert-aMulti form.review";

/// An outcome and a note on one alert, posted in place by the script.
async fn review_one_alert(driver: &Driver) {
    driver
        .click_css(&format!("{ONE} option[value=fixed]"))
        .await;
    let note = driver.find(&format!("{ONE} input[name=note]")).await;
    driver.type_text(&note, "rebooted <app01>").await;
    driver.click_css(&format!("{ONE} button")).await;
    driver
        .wait_attribute("#alert-aMulti .outcome", "data-outcome", "fixed")
        .await;
    driver.wait_text("#alert-aMulti .outcome", "Fixed").await;
    driver.wait_text("#reviewed", "1").await;
}

/// One outcome for every alert of a monitor group.
async fn review_one_group(driver: &Driver) {
    let group = "details.group[data-ids*=aMaint]";
    let form = format!("{group} .group-forms form.review");
    driver
        .click_css(&format!("{form} option[value=expected]"))
        .await;
    driver.click_css(&format!("{form} button")).await;
    driver
        .wait_attribute("#alert-aMaint .outcome", "data-outcome", "expected")
        .await;
    let size = driver.find_all(&format!("{group} li.alert")).await.len();
    let progress = format!("{group} .group-progress");
    driver.wait_text(&progress, &format!("{size}/{size}")).await;
}

/// Kept across a reload: the server has them, not just the page.
async fn see_them_kept_after_a_reload(driver: &Driver, digest: &str) {
    driver.goto(digest).await;
    driver
        .wait_attribute("#alert-aMulti .outcome", "data-outcome", "fixed")
        .await;
    driver
        .wait_attribute("#alert-aMaint .outcome", "data-outcome", "expected")
        .await;
    let note = driver.find(&format!("{ONE} input[name=note]")).await;
    assert_eq!(driver.property(&note, "value").await, "rebooted <app01>");
}

/// A follow-up task through the plain form (POST, 303 back), with a GitHub issue.
async fn open_a_task(driver: &Driver, app: &TestApp, github: &MockServer) {
    driver.click_css("#alert-aHostile form.task button").await;
    app.wait_for("/api/tasks", |v| v.as_array().is_some_and(|t| t.len() == 1))
        .await;
    driver.goto(&format!("{}/tasks", app.base)).await;
    let task = driver.text(&driver.find("li.task").await).await;
    assert!(task.contains("aHostile"), "{task}");
    // GitHub is configured and ticked by default: the stand-in got one issue.
    assert_eq!(github.received_requests().await.unwrap().len(), 1);
    driver.find("li.task a[href^='https://github.com/']").await;
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
