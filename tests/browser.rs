//! Journeys in a real browser: Debian's Chromium, headless, through chromedriver.

use app::rules::accounts::Role;
use e2e::{browser, link_in, start_chromedriver, start_server, wait_for_hydration};
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test]
async fn directory_filters_as_you_type_once_hydrated() {
    let server = start_server().await;
    let driver = start_chromedriver().await;
    let (client, _profile) = browser(&driver, true).await;
    client
        .goto(&format!("{}/organisations", server.base_url))
        .await
        .unwrap();
    wait_for_hydration(&client).await;

    let search = client
        .find(Locator::Id("search-organisations"))
        .await
        .unwrap();
    search.send_keys("Leeds Teach").await.unwrap();
    let hit = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("a[href='/organisations/trusts/RR8']"))
        .await
        .expect("results appear without submitting the form");
    assert_eq!(
        hit.text().await.unwrap(),
        "Leeds Teaching Hospitals NHS Trust"
    );
    let summary = client
        .find(Locator::Id("search-results-summary"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(summary, "1 organisation matches “Leeds Teach”");
    assert!(client
        .current_url()
        .await
        .unwrap()
        .as_str()
        .ends_with("/organisations?q=Leeds%20Teach"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn directory_search_works_with_javascript_off() {
    let server = start_server().await;
    let driver = start_chromedriver().await;
    let (client, _profile) = browser(&driver, false).await;
    client
        .goto(&format!("{}/organisations", server.base_url))
        .await
        .unwrap();

    let search = client
        .find(Locator::Id("search-organisations"))
        .await
        .unwrap();
    search.send_keys("RY6").await.unwrap();
    client
        .find(Locator::Css("button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let hit = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("a[href='/organisations/trusts/RY6']"))
        .await
        .expect("the GET form returns the results page");
    assert_eq!(
        hit.text().await.unwrap(),
        "Leeds Community Healthcare NHS Trust"
    );
    assert!(client
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("q=RY6"));

    hit.click().await.unwrap();
    let heading = client.wait().for_element(Locator::Css("h1")).await.unwrap();
    assert_eq!(
        heading.text().await.unwrap(),
        "Leeds Community Healthcare NHS Trust"
    );
    let body = client.source().await.unwrap();
    assert!(!body.contains("data-hydrated"), "no script ran");
    client.close().await.unwrap();
}

/// Fills a text input found by id.
async fn fill(client: &fantoccini::Client, id: &str, text: &str) {
    let input = client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("an input #{id}"));
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

async fn submit(client: &fantoccini::Client) {
    client
        .find(Locator::Css("main button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn wait_for_heading(client: &fantoccini::Client, text: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(heading) = client.find(Locator::Css("h1")).await {
            if heading.text().await.unwrap_or_default() == text {
                return;
            }
        }
        if std::time::Instant::now() > deadline {
            let url = client.current_url().await.unwrap();
            panic!("no heading {text:?} within 15 s (at {url})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn open(client: &fantoccini::Client, url: &str, javascript: bool) {
    client.goto(url).await.unwrap();
    if javascript {
        wait_for_hydration(client).await;
    }
}

/// An administrator invites a trust lead; the invitation email's link lets them set a password;
/// they sign in and see their account.
async fn invitation_journey(javascript: bool) {
    let server = start_server().await;
    let admin_password = "coffee lantern meadow bicycle";
    server
        .create_account("admin@england.nhs.uk", None, &[Role::Admin], admin_password)
        .await;
    let driver = start_chromedriver().await;
    let (client, _profile) = browser(&driver, javascript).await;
    let base = &server.base_url;

    open(&client, &format!("{base}/sign-in"), javascript).await;
    fill(&client, "email", "admin@england.nhs.uk").await;
    fill(&client, "password", admin_password).await;
    submit(&client).await;
    wait_for_heading(&client, "Your account").await;

    open(&client, &format!("{base}/invite"), javascript).await;
    fill(&client, "display-name", "Priya Shah").await;
    fill(&client, "email", "priya.shah@rr8.nhs.uk").await;
    fill(&client, "org-ods-code", "RR8").await;
    client
        .find(Locator::Id("role-trust_lead"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&client).await;
    wait_for_heading(&client, "People").await;
    let banner = client
        .find(Locator::Css(".nhsuk-notification-banner"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        banner.contains("We have emailed an invitation to priya.shah@rr8.nhs.uk"),
        "{banner}"
    );

    client
        .find(Locator::Css("button.app-link-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, "Sign in").await;

    let mail = server.wait_for_mail_to("priya.shah@rr8.nhs.uk").await;
    open(&client, &link_in(&mail), javascript).await;
    wait_for_heading(&client, "Set your password").await;
    fill(&client, "password", "short").await;
    fill(&client, "confirm-password", "short").await;
    submit(&client).await;
    let error = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".nhsuk-error-summary"))
        .await
        .unwrap();
    assert!(error
        .text()
        .await
        .unwrap()
        .contains("at least 12 characters"));

    let password = "harbour violet ginger compass";
    fill(&client, "password", password).await;
    fill(&client, "confirm-password", password).await;
    submit(&client).await;
    wait_for_heading(&client, "Sign in").await;

    fill(&client, "email", "priya.shah@rr8.nhs.uk").await;
    fill(&client, "password", password).await;
    submit(&client).await;
    wait_for_heading(&client, "Your account").await;
    let details = client
        .find(Locator::Css(".nhsuk-summary-list"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        details.contains("Priya Shah") && details.contains("Trust lead") && details.contains("RR8"),
        "{details}"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn invitation_to_signed_in_account_with_javascript() {
    invitation_journey(true).await;
}

#[tokio::test]
async fn invitation_to_signed_in_account_without_javascript() {
    invitation_journey(false).await;
}
