//! Release, a query and publication in a real browser with JavaScript off: the administrator
//! releases and publishes with plain forms, the trust queries a score, and the public filters
//! the results with a GET form.

use app::rules::accounts::Role;
use app::rules::lifecycle::AssessmentStatus;
use app::store;
use app::store::AssessmentId;
use e2e::browser::{
    click, click_button, fill, open, sign_in_as, start_browser, start_chromedriver, text_of,
    wait_for_banner, wait_for_heading,
};
use e2e::fixtures::{acute_domains, signed_off, AccountBuilder};
use e2e::start_server;
use fantoccini::Locator;

#[tokio::test]
async fn results_are_released_queried_and_published_with_javascript_off() {
    let server = start_server().await;
    let (cycle, assessment) = signed_off(&server, true).await;
    let driver = start_chromedriver().await;
    let domain = acute_domains(&server).await.remove(0);

    // The administrator releases the results provisionally.
    let (admin, _admin_profile) = start_browser(&driver, false).await;
    let administrator = AccountBuilder::new("admin@england.nhs.uk").role(Role::Admin);
    sign_in_as(&admin, &server, &administrator, false).await;
    let release_page = format!("{}/admin/cycles/{cycle}/results", server.base_url);
    open(&admin, &release_page, false).await;
    wait_for_heading(&admin, "Release and publication").await;
    click_button(&admin, "Release provisionally").await;
    wait_for_banner(&admin, "released provisionally").await;
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::ProvisionallyReleased
    );

    // The trust reads why its first section scores 1, and queries it.
    let (lead, _lead_profile) = start_browser(&driver, false).await;
    let trust_lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead);
    sign_in_as(&lead, &server, &trust_lead, false).await;
    open(
        &lead,
        &format!("{}/assessments/{assessment}/results", server.base_url),
        false,
    )
    .await;
    wait_for_heading(&lead, "Final scores").await;
    let section = text_of(&lead, &format!("#{}", domain.key)).await;
    assert!(
        section.contains("Set level 1 where the trust had 2."),
        "{section}"
    );
    click(&lead, &format!("#{} summary", domain.key)).await;
    let question = format!("question-{}", domain.key);
    click(&lead, &format!("#{} button[type='submit']", domain.key)).await;
    wait_for_text_in_summary(&lead, "Enter your query").await;
    click(&lead, &format!("#{} summary", domain.key)).await;
    fill(
        &lead,
        &question,
        "The board approved the strategy in March.",
    )
    .await;
    click(&lead, &format!("#{} button[type='submit']", domain.key)).await;
    wait_for_banner(&lead, "Your query has been sent").await;
    let section = text_of(&lead, &format!("#{}", domain.key)).await;
    assert!(section.contains("Not answered yet"), "{section}");

    // Answered and closed, the administrator publishes.
    let db = &server.state.db;
    let query = store::results::queries_for(db, &AssessmentId::from(&assessment))
        .await
        .unwrap()
        .remove(0);
    store::results::answer_query(
        db,
        "tests",
        &query,
        "The minutes show a discussion only.",
        None,
    )
    .await
    .unwrap();
    sqlx::query("UPDATE provisional_releases SET queries_close_on = $1 WHERE cycle_id = $2")
        .bind(store::date_in_days(-1))
        .bind(&cycle)
        .execute(&db.pool)
        .await
        .unwrap();
    open(&admin, &release_page, false).await;
    click_button(&admin, "Publish the results").await;
    wait_for_banner(&admin, "The results are published").await;
    admin.close().await.unwrap();
    lead.close().await.unwrap();

    // The public filters the results without JavaScript.
    let (public, _public_profile) = start_browser(&driver, false).await;
    open(
        &public,
        &format!("{}/results/{cycle}", server.base_url),
        false,
    )
    .await;
    let league = text_of(&public, "#ics-league").await;
    assert!(league.contains("West Yorkshire"), "{league}");
    public
        .find(Locator::Css("#region option:nth-child(2)"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    public
        .find(Locator::Css("#sort option[value='name']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click_button(&public, "Show results").await;
    // The form is a plain GET: the browser goes to the address with the choices in it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let url = loop {
        let url = public.current_url().await.unwrap();
        if url.as_str().contains("sort=name") || std::time::Instant::now() > deadline {
            break url;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(
        url.as_str().contains("sort=name") && url.as_str().contains("region="),
        "{url}"
    );
    let league = text_of(&public, "#ics-league").await;
    assert!(league.contains("West Yorkshire"), "{league}");
    public.close().await.unwrap();
}

/// Waits for the error summary to say `text`.
async fn wait_for_text_in_summary(client: &fantoccini::Client, text: &str) {
    e2e::browser::wait_for_text(client, ".nhsuk-error-summary", text).await;
}
