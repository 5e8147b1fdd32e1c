//! Journeys in a real browser: Debian's Chromium, headless, through chromedriver.

use app::rules::accounts::Role;
use app::rules::lifecycle::AssessmentStatus;
use app::rules::organisations::CareSetting;
use app::rules::review_assignment::AssignmentStatus;
use app::rules::reviewers::ReviewerProfile;
use app::store::{AccountId, AssessmentId, CycleId};
use e2e::browser::{
    checked, click, click_button, fill, open, sign_in_as, start_browser, start_chromedriver,
    submit, text_of, wait_for_banner, wait_for_heading, wait_for_hydration, wait_for_text,
};
use e2e::fixtures::{acute_domains, AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::{link_in, start_server};
use fantoccini::Locator;
use std::time::Duration;

fn lead() -> AccountBuilder {
    AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
}

fn admin() -> AccountBuilder {
    AccountBuilder::new("admin@england.nhs.uk").role(Role::Admin)
}

#[tokio::test]
async fn directory_filters_as_you_type_once_hydrated() {
    let server = start_server().await;
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, true).await;
    open(&client, &format!("{}/organisations", server.base_url), true).await;

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
    let summary = text_of(&client, "#search-results-summary").await;
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
    let (client, _profile) = start_browser(&driver, false).await;
    open(
        &client,
        &format!("{}/organisations", server.base_url),
        false,
    )
    .await;

    let search = client
        .find(Locator::Id("search-organisations"))
        .await
        .unwrap();
    search.send_keys("RY6").await.unwrap();
    click(&client, "button[type='submit']").await;
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

/// An administrator invites a trust lead; the invitation email's link lets them set a password;
/// they sign in and see their account.
async fn invitation_journey(javascript: bool) {
    let server = start_server().await;
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, javascript).await;
    let base = &server.base_url;

    sign_in_as(&client, &server, &admin(), javascript).await;

    open(&client, &format!("{base}/invite"), javascript).await;
    fill(&client, "display-name", "Priya Shah").await;
    fill(&client, "email", "priya.shah@rr8.nhs.uk").await;
    fill(&client, "org-ods-code", "RR8").await;
    click(&client, "#role-trust_lead").await;
    submit(&client).await;
    wait_for_heading(&client, "People").await;
    let banner = text_of(&client, ".nhsuk-notification-banner").await;
    assert!(
        banner.contains("We have emailed an invitation to priya.shah@rr8.nhs.uk"),
        "{banner}"
    );

    click(&client, "button.app-link-button").await;
    wait_for_heading(&client, "Sign in").await;

    let mail = server.wait_for_mail_to("priya.shah@rr8.nhs.uk").await;
    open(&client, &link_in(&mail), javascript).await;
    wait_for_heading(&client, "Set your password").await;
    fill(&client, "password", "short").await;
    fill(&client, "confirm-password", "short").await;
    submit(&client).await;
    wait_for_text(&client, ".nhsuk-error-summary", "at least 12 characters").await;

    let password = "harbour violet ginger compass";
    fill(&client, "password", password).await;
    fill(&client, "confirm-password", password).await;
    submit(&client).await;
    wait_for_heading(&client, "Sign in").await;

    fill(&client, "email", "priya.shah@rr8.nhs.uk").await;
    fill(&client, "password", password).await;
    submit(&client).await;
    wait_for_heading(&client, "What needs you now").await;
    assert!(text_of(&client, "main")
        .await
        .contains("Your trust's assessments"));
    open(&client, &format!("{}/account", server.base_url), javascript).await;
    wait_for_heading(&client, "Your account").await;
    let details = text_of(&client, ".nhsuk-summary-list").await;
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

/// Without JavaScript: a lead answers a domain with "save and continue", checks their answers,
/// is stopped by the missing declaration, then submits.
#[tokio::test]
async fn a_lead_answers_and_submits_with_javascript_off() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    // Every domain but the first answered straight into the store; the test answers the first.
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .answer_domains(1..)
        .build(&server)
        .await;
    let domains = acute_domains(&server).await;
    let domain = &domains[0];
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    sign_in_as(&client, &server, &lead(), false).await;

    open(&client, &format!("{}/assessments", server.base_url), false).await;
    click(&client, &format!("a[href='/assessments/{assessment}']")).await;
    wait_for_heading(&client, "Your self-assessment").await;
    assert!(text_of(&client, "main")
        .await
        .contains(&format!("You have completed {} of", domains.len() - 1)));
    click(
        &client,
        &format!("a[href='/assessments/{assessment}/domains/{}']", domain.key),
    )
    .await;
    wait_for_heading(&client, &domain.name).await;
    for level in &domain.levels {
        for criterion in &level.criteria {
            let choice = if level.level <= 3 { "yes" } else { "no" };
            click(
                &client,
                &format!("label[for='met-{}-{choice}']", criterion.key),
            )
            .await;
            if level.level <= 3 {
                fill(
                    &client,
                    &format!("evidence-{}", criterion.key),
                    "Approved strategy, board minutes of May 2026",
                )
                .await;
            }
        }
    }
    submit(&client).await;
    wait_for_heading(&client, "Your self-assessment").await;
    assert!(text_of(&client, ".nhsuk-notification-banner")
        .await
        .contains(&format!("{} saved.", domain.name)));
    assert_eq!(
        text_of(&client, &format!("#{}-status", domain.key)).await,
        "Completed – level 3"
    );

    click(
        &client,
        &format!("a[href='/assessments/{assessment}/check']"),
    )
    .await;
    wait_for_heading(&client, "Check your answers").await;
    submit(&client).await;
    wait_for_text(
        &client,
        ".nhsuk-error-summary",
        "Confirm that the answers are accurate",
    )
    .await;
    click(&client, "label[for='declaration-confirmed']").await;
    submit(&client).await;
    wait_for_text(&client, ".nhsuk-panel__title", "Assessment submitted").await;
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Submitted
    );
    client.close().await.unwrap();
}

/// With JavaScript: answers save as they are given, without pressing a button, and the score
/// on the page follows them.
#[tokio::test]
async fn a_domain_saves_as_you_go_with_javascript_on() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let domain = &acute_domains(&server).await[0];
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, true).await;
    sign_in_as(&client, &server, &lead(), true).await;
    open(
        &client,
        &format!(
            "{}/assessments/{assessment}/domains/{}",
            server.base_url, domain.key
        ),
        true,
    )
    .await;
    wait_for_heading(&client, &domain.name).await;
    assert_eq!(
        text_of(&client, "#domain-score").await,
        "These answers give this section level 1 of 5."
    );

    let level_two = &domain
        .levels
        .iter()
        .find(|level| level.level == 2)
        .unwrap()
        .criteria;
    for criterion in level_two {
        fill(
            &client,
            &format!("evidence-{}", criterion.key),
            "Draft strategy, March 2026",
        )
        .await;
        click(&client, &format!("label[for='met-{}-yes']", criterion.key)).await;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let saved = app::store::assessments::domain(
            &server.state.db,
            &AssessmentId::from(&assessment),
            &domain.key,
        )
        .await
        .unwrap();
        let all_met = level_two.iter().all(|criterion| {
            saved.answers.get(&criterion.key).is_some_and(|answer| {
                answer.is_met() && answer.evidence == "Draft strategy, March 2026"
            })
        });
        if all_met && text_of(&client, "#autosave-status").await == "All changes saved." {
            break;
        }
        if std::time::Instant::now() > deadline {
            let page = text_of(&client, "main").await;
            panic!("the answers were not saved as they were given: {saved:?}\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        text_of(&client, "#domain-score").await,
        "These answers give this section level 2 of 5."
    );

    // The saved answers are there when the page is opened again.
    client.refresh().await.unwrap();
    wait_for_hydration(&client).await;
    let ticked = checked(&client, &format!("met-{}-yes", level_two[0].key)).await;
    assert_eq!(ticked.as_deref(), Some("true"));
    client.close().await.unwrap();
}

/// Without JavaScript: a peer reviewer ticks the care settings they can review and saves them,
/// is told when a trust code is wrong, then declares a conflict of interest and sees it listed.
#[tokio::test]
async fn a_reviewer_records_expertise_and_a_conflict_with_javascript_off() {
    let server = start_server().await;
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    let reviewer = AccountBuilder::new("reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer);
    let reviewer = sign_in_as(&client, &server, &reviewer, false).await;
    open(&client, &format!("{}/account", server.base_url), false).await;

    click(&client, "label[for='expertise-acute']").await;
    click(&client, "label[for='expertise-mental_health']").await;
    fill(&client, "capacity", "3").await;
    click(&client, "#save-expertise").await;
    wait_for_banner(&client, "Care settings and capacity saved.").await;
    let saved = app::store::reviewers::profile(&server.state.db, &AccountId::from(&reviewer))
        .await
        .unwrap()
        .expect("the profile is saved");
    assert_eq!(
        saved.expertise,
        [CareSetting::Acute, CareSetting::MentalHealth]
    );
    assert_eq!(saved.capacity, Some(3));
    let ticked = checked(&client, "expertise-mental_health").await;
    assert_eq!(
        ticked.as_deref(),
        Some("true"),
        "the page shows what was saved"
    );

    fill(&client, "trust-ods-code", "ZZZ99").await;
    fill(&client, "conflict-reason", "I worked there until 2025").await;
    click(&client, "#declare-conflict").await;
    wait_for_text(
        &client,
        ".nhsuk-error-summary",
        "There is no trust with the ODS code ZZZ99",
    )
    .await;

    fill(&client, "trust-ods-code", "RR8").await;
    fill(&client, "conflict-reason", "I worked there until 2025").await;
    click(&client, "#declare-conflict").await;
    let row = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#conflict-RR8"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        row.contains("Leeds Teaching Hospitals NHS Trust (RR8)")
            && row.contains("I worked there until 2025")
            && row.contains("Test Peer reviewer"),
        "{row}"
    );
    assert!(text_of(&client, ".nhsuk-notification-banner")
        .await
        .contains("Conflict of interest declared."));
    let body = client.source().await.unwrap();
    assert!(!body.contains("data-hydrated"), "no script ran");
    client.close().await.unwrap();
}

/// Without JavaScript: an administrator proposes reviewers and confirms them; a reviewer sees
/// their list and declines one with a reason.
#[tokio::test]
async fn reviewers_are_assigned_and_one_declines_with_javascript_off() {
    let server = start_server().await;
    let db = &server.state.db;
    let cycle = CycleBuilder::new().open(&server).await;
    for trust in ["RR8", "R1K"] {
        AssessmentBuilder::new(&cycle, trust)
            .status(AssessmentStatus::Submitted)
            .build(&server)
            .await;
    }
    // Reviewers at the Manchester, Birmingham and Kent ICBs.
    for (email, icb) in [
        ("gm@qop.nhs.uk", "QOP"),
        ("bsol@qhl.nhs.uk", "QHL"),
        ("kent@qkl.nhs.uk", "QKS"),
    ] {
        let id = AccountBuilder::new(email)
            .org(icb)
            .role(Role::PeerReviewer)
            .create(&server)
            .await;
        let profile = ReviewerProfile {
            expertise: vec![CareSetting::Acute],
            capacity: None,
        };
        app::store::reviewers::save_profile(db, "tests", &AccountId::from(&id), &profile)
            .await
            .unwrap();
    }
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    sign_in_as(&client, &server, &admin(), false).await;
    open(
        &client,
        &format!("{}/admin/cycles/{cycle}/assignment", server.base_url),
        false,
    )
    .await;
    wait_for_heading(&client, "Reviewer assignment").await;
    click_button(&client, "Propose assignment").await;
    wait_for_banner(&client, "Assignment proposed").await;
    let page = text_of(&client, "main").await;
    assert!(
        page.contains("Acute expertise"),
        "each reviewer says why they fit: {page}"
    );
    click_button(&client, "Confirm and email reviewers").await;
    wait_for_banner(&client, "Assignment confirmed").await;

    let mail = server.wait_for_mail_to("kent@qkl.nhs.uk").await;
    let (reviewer_client, _reviewer_profile) = start_browser(&driver, false).await;
    let kent = AccountBuilder::new("kent@qkl.nhs.uk")
        .org("QKS")
        .role(Role::PeerReviewer);
    sign_in_as(&reviewer_client, &server, &kent, false).await;
    open(
        &reviewer_client,
        &format!("{}/reviews", server.base_url),
        false,
    )
    .await;
    wait_for_heading(&reviewer_client, "Assessments to review").await;
    let first_title = text_of(&reviewer_client, ".nhsuk-card__heading").await;
    assert!(
        mail.contains(&first_title),
        "the email lists {first_title}: {mail}"
    );
    click(&reviewer_client, ".nhsuk-details__summary").await;
    let reason = reviewer_client
        .find(Locator::Css("textarea[name='reason']"))
        .await
        .unwrap();
    reason
        .send_keys("I was the interim CIO there until last year")
        .await
        .unwrap();
    click_button(&reviewer_client, "Decline this review").await;
    wait_for_banner(&reviewer_client, "You have declined the review").await;
    let data = app::store::assignments::cycle_data(db, &CycleId::from(&cycle))
        .await
        .unwrap();
    let declined: Vec<_> = data
        .slots
        .iter()
        .filter(|slot| slot.status == AssignmentStatus::Declined)
        .collect();
    assert_eq!(declined.len(), 1);
    assert_eq!(
        declined[0].decline_reason.as_deref(),
        Some("I was the interim CIO there until last year")
    );
    reviewer_client.close().await.unwrap();
    client.close().await.unwrap();
}

/// The value of a form field found by id, as the browser holds it now.
async fn value_of(client: &fantoccini::Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("a field #{id}"))
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn is_checked(client: &fantoccini::Client, id: &str) -> bool {
    checked(client, id).await.as_deref() == Some("true")
}

/// With JavaScript: evidence typed into a box, without choosing anything or leaving the box, is
/// saved once the typing pauses, the page says so only then, and it is there after a reload.
#[tokio::test]
async fn typed_evidence_is_saved_when_typing_pauses_with_javascript_on() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let domain = &acute_domains(&server).await[0];
    let criterion = domain.criteria().next().unwrap().key.clone();
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, true).await;
    sign_in_as(&client, &server, &lead(), true).await;
    let url = format!(
        "{}/assessments/{assessment}/domains/{}",
        server.base_url, domain.key
    );
    open(&client, &url, true).await;
    wait_for_heading(&client, &domain.name).await;
    let typed = "Digital strategy approved by the board, minutes of 12 May 2026";
    client
        .find(Locator::Id(&format!("evidence-{criterion}")))
        .await
        .unwrap()
        .send_keys(typed)
        .await
        .unwrap();
    wait_for_text(&client, "#autosave-status", "All changes saved.").await;
    let saved = app::store::assessments::domain(
        &server.state.db,
        &AssessmentId::from(&assessment),
        &domain.key,
    )
    .await
    .unwrap();
    assert_eq!(saved.answers[&criterion].evidence, typed);
    assert_eq!(saved.answers[&criterion].met, None, "no choice was made");

    open(&client, &url, true).await;
    wait_for_heading(&client, &domain.name).await;
    assert_eq!(
        value_of(&client, &format!("evidence-{criterion}")).await,
        typed
    );
    client.close().await.unwrap();
}

/// Without JavaScript: "Save and continue" with a problem shows the error with every choice and
/// every word typed still in place.
#[tokio::test]
async fn save_and_continue_with_a_problem_keeps_everything_typed_without_javascript() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().open(&server).await;
    let assessment = server.acute_assessment(&cycle, "RR8").await;
    let domain = &acute_domains(&server).await[0];
    let keys: Vec<String> = domain.criteria().map(|c| c.key.clone()).collect();
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    sign_in_as(&client, &server, &lead(), false).await;
    open(
        &client,
        &format!(
            "{}/assessments/{assessment}/domains/{}",
            server.base_url, domain.key
        ),
        false,
    )
    .await;
    wait_for_heading(&client, &domain.name).await;
    click(&client, &format!("label[for='met-{}-yes']", keys[0])).await;
    fill(
        &client,
        &format!("evidence-{}", keys[0]),
        "Board minutes, May 2026",
    )
    .await;
    click(&client, &format!("label[for='met-{}-yes']", keys[1])).await;
    fill(
        &client,
        &format!("evidence-{}", keys[2]),
        "A note before choosing",
    )
    .await;
    submit(&client).await;
    wait_for_text(&client, ".nhsuk-error-summary", "Describe the evidence").await;
    assert!(is_checked(&client, &format!("met-{}-yes", keys[0])).await);
    assert_eq!(
        value_of(&client, &format!("evidence-{}", keys[0])).await,
        "Board minutes, May 2026"
    );
    assert!(is_checked(&client, &format!("met-{}-yes", keys[1])).await);
    assert_eq!(
        value_of(&client, &format!("evidence-{}", keys[2])).await,
        "A note before choosing"
    );
    client.close().await.unwrap();
}

/// Without JavaScript: a new-cycle form with a mistake comes back with the mistake explained and
/// everything entered still in place.
#[tokio::test]
async fn a_new_cycle_form_with_a_mistake_keeps_what_was_entered_without_javascript() {
    let server = start_server().await;
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    sign_in_as(&client, &server, &admin(), false).await;
    open(
        &client,
        &format!("{}/admin/cycles/new", server.base_url),
        false,
    )
    .await;
    wait_for_heading(&client, "Create a cycle").await;
    fill(&client, "name", "DMA 2027/28").await;
    for (id, date) in [
        ("opens-on", "2027-05-01"),
        ("submission-deadline", "2027-04-01"),
        ("review-deadline", "2027-07-01"),
        ("moderation-deadline", "2027-08-01"),
        ("publication-on", "2027-09-01"),
    ] {
        // A date input takes typing in the browser's locale order; set its value directly.
        client
            .execute(
                "document.getElementById(arguments[0]).value = arguments[1];",
                vec![id.into(), date.into()],
            )
            .await
            .unwrap();
    }
    click(&client, "label[for='setting-ambulance']").await;
    fill(&client, "regions", "Y63").await;
    submit(&client).await;
    wait_for_text(&client, ".nhsuk-error-summary", "deadline").await;
    assert_eq!(value_of(&client, "name").await, "DMA 2027/28");
    assert_eq!(value_of(&client, "opens-on").await, "2027-05-01");
    assert_eq!(value_of(&client, "submission-deadline").await, "2027-04-01");
    assert_eq!(value_of(&client, "regions").await, "Y63");
    assert!(
        !is_checked(&client, "setting-ambulance").await,
        "the box the admin cleared stays clear"
    );
    assert!(is_checked(&client, "setting-acute").await);
    client.close().await.unwrap();
}
