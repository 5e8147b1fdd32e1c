//! What follows a trust's submission, in a real browser: a whole peer review with JavaScript off,
//! a domain's judgements saved as you go with JavaScript on, and the trust's reply and NHS
//! England's moderation with JavaScript off.

use app::rules::accounts::Role;
use app::rules::framework::Domain;
use app::rules::lifecycle::AssessmentStatus;
use app::rules::review::DomainReview;
use app::store::{AssessmentId, ReviewSlotId};
use e2e::browser::{
    checked, click, click_button, fill, open, sign_in_as, start_browser, start_chromedriver,
    text_of, wait_for_banner, wait_for_heading, wait_for_text,
};
use e2e::fixtures::{acute_domains, AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::{start_server, TestServer};
use fantoccini::Locator;

fn reviewer() -> AccountBuilder {
    AccountBuilder::new("reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
}

/// RR8's acute assessment, every domain answered met up to level 2, in review by `reviewer_id`
/// in a cycle in peer review; returns the review's id and the domains.
async fn review_for(server: &TestServer, reviewer_id: &str) -> (String, Vec<Domain>) {
    let cycle = CycleBuilder::new().in_peer_review(server).await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::InReview)
        .answer_domains(..)
        .reviewer(reviewer_id)
        .build(server)
        .await;
    let slot = app::store::reviews::slots_of(&server.state.db, &AssessmentId::from(&assessment))
        .await
        .unwrap()
        .remove(0)
        .id;
    (slot, acute_domains(server).await)
}

/// Without JavaScript: from the list of reviews, the reviewer judges a criterion differently,
/// is asked for the reason without losing their choice, confirms the domain, gives a verdict on
/// the check page and submits.
#[tokio::test]
async fn a_reviewer_completes_a_review_with_javascript_off() {
    let server = start_server().await;
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    let reviewer_id = sign_in_as(&client, &server, &reviewer(), false).await;
    let (slot, domains) = review_for(&server, &reviewer_id).await;
    // Every domain but the first is already confirmed, as agreeing with the trust.
    for domain in &domains[1..] {
        let confirmed = DomainReview {
            confirmed: true,
            ..Default::default()
        };
        app::store::reviews::save_domain_review(
            &server.state.db,
            &reviewer_id,
            &ReviewSlotId::from(&slot),
            &domain.key,
            0,
            &confirmed,
            "set up by the test".into(),
        )
        .await
        .unwrap();
    }
    let domain = &domains[0];
    let criterion = domain.levels[0].criteria[0].key.clone();

    open(&client, &format!("{}/reviews", server.base_url), false).await;
    wait_for_heading(&client, "Assessments to review").await;
    click(&client, ".nhsuk-card__heading a").await;
    wait_for_heading(&client, "Peer review").await;
    client
        .find(Locator::LinkText(&domain.name))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, &format!("Review: {}", domain.name)).await;
    click(&client, &format!("label[for='judgement-{criterion}-no']")).await;
    click_button(&client, "Confirm and continue").await;
    wait_for_text(&client, ".nhsuk-error-summary", "Give your reason").await;
    assert_eq!(
        checked(&client, &format!("judgement-{criterion}-no"))
            .await
            .as_deref(),
        Some("true"),
        "the choice is kept"
    );
    fill(
        &client,
        &format!("reason-{criterion}"),
        "Only a draft was shown",
    )
    .await;
    click_button(&client, "Confirm and continue").await;
    wait_for_banner(&client, &format!("{} saved.", domain.name)).await;
    let page = text_of(&client, "main").await;
    assert!(page.contains("Reviewed – trust level 2, yours 1"), "{page}");

    click(&client, "a.nhsuk-button").await;
    wait_for_heading(&client, "Check your review").await;
    click(&client, "label[for='verdict-significantly_over_scored']").await;
    click_button(&client, "Submit review").await;
    wait_for_text(&client, ".nhsuk-error-summary", "Summarise why").await;
    fill(&client, "summary", "The strategy is still a draft.").await;
    click(&client, "label[for='verdict-significantly_over_scored']").await;
    click_button(&client, "Submit review").await;
    wait_for_heading(&client, "Review submitted").await;
    let submitted = app::store::reviews::slot(&server.state.db, &ReviewSlotId::from(&slot))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        submitted.summary.as_deref(),
        Some("The strategy is still a draft.")
    );
    client.close().await.unwrap();
}

/// With JavaScript: a judgement is saved the moment it is made and its reason when the typing
/// pauses; the reviewer's level follows at once, and both are there after a reload.
#[tokio::test]
async fn a_domains_judgements_save_as_you_go_with_javascript_on() {
    let server = start_server().await;
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, true).await;
    let reviewer_id = sign_in_as(&client, &server, &reviewer(), true).await;
    let (slot, domains) = review_for(&server, &reviewer_id).await;
    let domain = &domains[0];
    let criterion = domain.levels[0].criteria[0].key.clone();
    let url = format!("{}/reviews/{slot}/domains/{}", server.base_url, domain.key);
    open(&client, &url, true).await;
    wait_for_heading(&client, &format!("Review: {}", domain.name)).await;

    click(&client, &format!("label[for='judgement-{criterion}-no']")).await;
    wait_for_text(&client, "#autosave-status", "All changes saved.").await;
    assert_eq!(
        text_of(&client, "#reviewer-score").await,
        "Your judgements give level 1 of 5."
    );
    client
        .find(Locator::Id(&format!("reason-{criterion}")))
        .await
        .unwrap()
        .send_keys("Only a draft was shown")
        .await
        .unwrap();
    wait_for_text(&client, "#autosave-status", "All changes saved.").await;
    let saved = app::store::reviews::domain_review(
        &server.state.db,
        &ReviewSlotId::from(&slot),
        &domain.key,
    )
    .await
    .unwrap();
    assert_eq!(
        saved.review.judgements[&criterion].reason,
        "Only a draft was shown"
    );
    assert!(!saved.review.judgements[&criterion].met);
    assert!(!saved.review.confirmed, "saving as you go does not confirm");

    open(&client, &url, true).await;
    wait_for_heading(&client, &format!("Review: {}", domain.name)).await;
    assert_eq!(
        checked(&client, &format!("judgement-{criterion}-no"))
            .await
            .as_deref(),
        Some("true")
    );
    let reason = client
        .find(Locator::Id(&format!("reason-{criterion}")))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(reason.as_deref(), Some("Only a draft was shown"));
    client.close().await.unwrap();
}

/// Without JavaScript: the trust lead goes from the task list to the reply, contests the
/// adjusted section (asked for the comment without losing the choice), checks and submits.
#[tokio::test]
async fn a_lead_replies_to_the_reviews_with_javascript_off() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().in_peer_review(&server).await;
    let mut builder = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::Reviewed)
        .answer_domains(..);
    for (email, org) in [("first@r0a.nhs.uk", "R0A"), ("second@r1k.nhs.uk", "R1K")] {
        let id = AccountBuilder::new(email)
            .org(org)
            .role(Role::PeerReviewer)
            .create(&server)
            .await;
        builder = builder.reviewer(&id);
    }
    let assessment = builder.build(&server).await;
    let domain = acute_domains(&server).await.remove(0);
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    let lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead);
    sign_in_as(&client, &server, &lead, false).await;

    open(
        &client,
        &format!("{}/assessments/{assessment}", server.base_url),
        false,
    )
    .await;
    wait_for_heading(&client, "Your self-assessment").await;
    client
        .find(Locator::LinkText("Read the peer review and your reply"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, "Reply to the peer review").await;
    client
        .find(Locator::LinkText(&domain.name))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, &domain.name).await;
    click(&client, "label[for='response-contest']").await;
    fill(&client, "evidence", "Board minutes, 12 May 2026").await;
    click_button(&client, "Save and continue").await;
    wait_for_text(&client, ".nhsuk-error-summary", "Say why you contest").await;
    assert_eq!(
        checked(&client, "response-contest").await.as_deref(),
        Some("true"),
        "the choice is kept"
    );
    let evidence = client
        .find(Locator::Id("evidence"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        evidence.as_deref(),
        Some("Board minutes, 12 May 2026"),
        "what was typed is kept"
    );
    fill(&client, "comment", "The board approved the strategy in May").await;
    click_button(&client, "Save and continue").await;
    wait_for_banner(&client, &format!("Your reply on {} is saved.", domain.name)).await;
    click(&client, "a.nhsuk-button").await;
    wait_for_heading(&client, "Check your reply").await;
    click(&client, "label[for='declaration-confirmed']").await;
    click_button(&client, "Submit reply").await;
    wait_for_heading(&client, "Reply submitted").await;
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Replied
    );
    client.close().await.unwrap();
}

/// Without JavaScript: a moderator finds the assessment in the queue, gives a section a level
/// other than the trust's (asked for the criteria it rests on), and submits the moderation.
#[tokio::test]
async fn a_moderator_moderates_with_javascript_off() {
    use app::rules::moderation::DomainModeration;
    let server = start_server().await;
    let (assessment, domains) = replied_in_moderation(&server).await;
    // Every section but the first is already moderated at the trust's own level.
    let moderate = rules::fixtures::allowed(
        app::rules::lifecycle::Event::ModerationSubmitted,
        AssessmentStatus::Replied,
    );
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    let moderator = AccountBuilder::new("moderator@england.nhs.uk").role(Role::Moderator);
    let moderator_id = sign_in_as(&client, &server, &moderator, false).await;
    for domain in &domains[1..] {
        let level = DomainModeration {
            score: 2,
            criteria: Vec::new(),
            rationale: String::new(),
        };
        app::store::moderation::save_domain_moderation(
            &server.state.db,
            &moderator_id,
            &AssessmentId::from(&assessment),
            moderate,
            &domain.key,
            0,
            &level,
        )
        .await
        .unwrap();
    }
    let domain = &domains[0];
    let criterion = domain.levels[0].criteria[0].key.clone();

    open(&client, &format!("{}/moderation", server.base_url), false).await;
    wait_for_heading(&client, "Moderation").await;
    client
        .find(Locator::LinkText(
            "Leeds Teaching Hospitals NHS Trust – Acute",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "h1", "Moderation").await;
    client
        .find(Locator::LinkText(&domain.name))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_heading(&client, &domain.name).await;
    click(&client, "label[for='score-1']").await;
    fill(
        &client,
        "rationale",
        "The strategy is a draft, as the reviewer found",
    )
    .await;
    click_button(&client, "Save and continue").await;
    wait_for_text(&client, ".nhsuk-error-summary", "Select the criteria").await;
    assert_eq!(
        checked(&client, "score-1").await.as_deref(),
        Some("true"),
        "the level is kept"
    );
    click(&client, &format!("label[for='criterion-{criterion}']")).await;
    click_button(&client, "Save and continue").await;
    wait_for_banner(
        &client,
        &format!("Moderated level for {} saved.", domain.name),
    )
    .await;
    click_button(&client, "Submit moderation").await;
    wait_for_banner(&client, "Moderation submitted").await;
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Moderated
    );
    client.close().await.unwrap();
}

/// RR8's acute assessment, reviewed and replied to, in a cycle in moderation; and its domains.
async fn replied_in_moderation(server: &TestServer) -> (String, Vec<Domain>) {
    let cycle = CycleBuilder::new().in_peer_review(server).await;
    let reviewer = AccountBuilder::new("first@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(server)
        .await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::Replied)
        .answer_domains(..)
        .reviewer(&reviewer)
        .build(server)
        .await;
    CycleBuilder::into_moderation(server, &cycle).await;
    (assessment, acute_domains(server).await)
}

/// With JavaScript: a moderated level is saved as a draft the moment it is chosen, and the
/// rationale when the typing pauses; the draft is not finished until its criteria are named.
#[tokio::test]
async fn a_moderated_level_saves_as_you_go_with_javascript_on() {
    let server = start_server().await;
    let (assessment, domains) = replied_in_moderation(&server).await;
    let domain = &domains[0];
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, true).await;
    let moderator = AccountBuilder::new("moderator@england.nhs.uk").role(Role::Moderator);
    sign_in_as(&client, &server, &moderator, true).await;
    let url = format!(
        "{}/moderation/{assessment}/domains/{}",
        server.base_url, domain.key
    );
    open(&client, &url, true).await;
    wait_for_heading(&client, &domain.name).await;
    click(&client, "label[for='score-1']").await;
    wait_for_text(&client, "#autosave-status", "All changes saved.").await;
    client
        .find(Locator::Id("rationale"))
        .await
        .unwrap()
        .send_keys("Only a draft strategy was shown")
        .await
        .unwrap();
    wait_for_text(&client, "#autosave-status", "All changes saved.").await;
    let saved = app::store::moderation::domain_moderation(
        &server.state.db,
        &AssessmentId::from(&assessment),
        &domain.key,
    )
    .await
    .unwrap()
    .moderation
    .expect("a draft is saved");
    assert_eq!(saved.score, 1);
    assert_eq!(saved.rationale, "Only a draft strategy was shown");
    assert!(
        !app::rules::moderation::is_finished(domain, 2, &saved),
        "no criteria named yet"
    );
    client.close().await.unwrap();
}

/// With JavaScript: the reply's comment counts the characters left as they are typed.
#[tokio::test]
async fn the_reply_comment_counts_characters_with_javascript_on() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().in_peer_review(&server).await;
    let reviewer = AccountBuilder::new("first@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(&server)
        .await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::Reviewed)
        .answer_domains(..)
        .reviewer(&reviewer)
        .build(&server)
        .await;
    let domain = acute_domains(&server).await.remove(0);
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, true).await;
    let lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead);
    sign_in_as(&client, &server, &lead, true).await;
    let url = format!(
        "{}/assessments/{assessment}/reply/domains/{}",
        server.base_url, domain.key
    );
    open(&client, &url, true).await;
    wait_for_heading(&client, &domain.name).await;
    wait_for_text(
        &client,
        "#comment-count",
        "You have 1500 characters remaining",
    )
    .await;
    client
        .find(Locator::Id("comment"))
        .await
        .unwrap()
        .send_keys("Minutes")
        .await
        .unwrap();
    wait_for_text(
        &client,
        "#comment-count",
        "You have 1493 characters remaining",
    )
    .await;
    client.close().await.unwrap();
}
