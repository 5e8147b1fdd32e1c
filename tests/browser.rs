//! Journeys in a real browser: Debian's Chromium, headless, through chromedriver.

use e2e::{browser, start_chromedriver, start_server, wait_for_hydration};
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
