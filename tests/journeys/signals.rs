//! Gaming signals where people see them, over HTTP: a moderator sees why an assessment looks
//! under-scored and can order the queue by risk with a recorded audit seed; a reviewer sees how
//! the trust's own levels compare with its final scores last time; NHS England's insights page.

use app::api::moderation::ModerationQueue;
use app::api::signals::{GetAssessmentSignals, GetInsights, GetReviewSignals};
use app::rules::accounts::Role;
use app::rules::lifecycle::AssessmentStatus;
use app::store::AssessmentId;
use e2e::fixtures::{AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::requests::{page, post};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;

async fn reviewer(server: &TestServer, email: &str) -> String {
    AccountBuilder::new(email)
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(server)
        .await
}

/// RR8's assessment in moderation: the trust's own answers reach level 1 in every domain, and
/// both reviewers (from another ICS) found level 3.
async fn under_scored_in_moderation(server: &TestServer) -> String {
    let cycle = CycleBuilder::new()
        .regions(&["Y63"])
        .in_peer_review(server)
        .await;
    let first = reviewer(server, "first@r0a.nhs.uk").await;
    let second = reviewer(server, "second@r0a.nhs.uk").await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::Replied)
        .answer_domains(..)
        .self_level(1)
        .reviewers_find(3)
        .reviewer(&first)
        .reviewer(&second)
        .build(server)
        .await;
    CycleBuilder::into_moderation(server, &cycle).await;
    assessment
}

#[tokio::test]
async fn a_moderator_sees_why_an_assessment_looks_under_scored_and_orders_the_queue_by_risk() {
    let server = start_server().await;
    let assessment = under_scored_in_moderation(&server).await;
    let moderator = AccountBuilder::new("moderator@england.nhs.uk")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;

    let answer = post(
        &moderator,
        &server,
        GetAssessmentSignals::PATH,
        &[("assessment_id", &assessment)],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.contains("Reviewers scored higher"),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains("Possible sign of gaming"),
        "{}",
        answer.body
    );
    let (status, moderation_page) =
        page(&moderator, &server, &format!("/moderation/{assessment}")).await;
    assert_eq!(status, 200);
    assert!(moderation_page.contains("Reviewers scored higher"));
    assert!(moderation_page.contains("They never change a score"));

    let by_risk = post(
        &moderator,
        &server,
        ModerationQueue::PATH,
        &[("order", "risk")],
    )
    .await;
    assert_eq!(by_risk.status, 200, "{}", by_risk.body);
    assert!(by_risk.body.contains("High risk"), "{}", by_risk.body);
    assert!(by_risk.body.contains("drawn with seed"), "{}", by_risk.body);
    let again = post(
        &moderator,
        &server,
        ModerationQueue::PATH,
        &[("order", "risk")],
    )
    .await;
    assert_eq!(
        by_risk.body, again.body,
        "the recorded seed draws the same sample"
    );
    let draws = app::store::audit::recent(&server.state.db.pool, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|record| record.action == "draw audit sample seed")
        .count();
    assert_eq!(draws, 1, "the seed is drawn once and audited");
    let plain = post(&moderator, &server, ModerationQueue::PATH, &[("order", "")]).await;
    assert!(!plain.body.contains("High risk"), "{}", plain.body);

    let (status, queue_page) = page(&moderator, &server, "/moderation?order=risk").await;
    assert_eq!(status, 200);
    assert!(queue_page.contains("Part of the queue"));
}

#[tokio::test]
async fn nobody_sees_signals_about_their_own_organisation() {
    let server = start_server().await;
    let assessment = under_scored_in_moderation(&server).await;
    for account in [
        AccountBuilder::new("lead@rr8.nhs.uk")
            .org("RR8")
            .role(Role::TrustLead),
        AccountBuilder::new("moderator@rr8.nhs.uk")
            .org("RR8")
            .role(Role::Moderator),
    ] {
        let client = account.signed_in(&server).await;
        let answer = post(
            &client,
            &server,
            GetAssessmentSignals::PATH,
            &[("assessment_id", &assessment)],
        )
        .await;
        assert!(answer.body.contains("Forbidden"), "{}", answer.body);
        assert!(!answer.body.contains("Reviewers scored higher"));
    }
    // The trust's own moderator finds it last in the risk-ordered queue, its signals not shown.
    let own_moderator = AccountBuilder::new("moderator@rr8.nhs.uk")
        .org("RR8")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;
    let by_risk = post(
        &own_moderator,
        &server,
        ModerationQueue::PATH,
        &[("order", "risk")],
    )
    .await;
    assert_eq!(by_risk.status, 200, "{}", by_risk.body);
    let queue: serde_json::Value = serde_json::from_str(&by_risk.body).unwrap();
    let line = &queue["lines"][0];
    assert_eq!(line["assessment_id"], assessment.as_str());
    assert_eq!(line["risk"]["part"], "Not shown");
    assert_eq!(
        line["risk"]["reasons"][0],
        "Signals about your own organisation are not shown to you."
    );
    assert_eq!(
        line["may_open"], false,
        "its moderation is not theirs to open"
    );
    let (_, queue_page) = page(&own_moderator, &server, "/moderation").await;
    assert!(
        queue_page.contains("Your own organisation: a colleague moderates it")
            && !queue_page.contains(&format!("href=\"/moderation/{assessment}\"")),
        "{queue_page}"
    );
}

#[tokio::test]
async fn a_reviewer_sees_a_fall_from_last_time_but_not_the_other_reviews_signals() {
    let server = start_server().await;
    server::demo_results::seed_demo_published_results(&server.state.db)
        .await
        .unwrap();
    let cycle = CycleBuilder::new()
        .regions(&["Y63"])
        .in_peer_review(&server)
        .await;
    let (client, reviewer_id) = AccountBuilder::new("reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .signed_in_with_id(&server)
        .await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::InReview)
        .answer_domains(..)
        .self_level(1)
        .reviewer(&reviewer_id)
        .build(&server)
        .await;
    let slot = app::store::reviews::slots_of(&server.state.db, &AssessmentId::from(&assessment))
        .await
        .unwrap()
        .remove(0)
        .id;
    let answer = post(
        &client,
        &server,
        GetReviewSignals::PATH,
        &[("slot_id", &slot)],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.contains("A fall from last time"),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains("DMA 2024/25 (demo results)"),
        "{}",
        answer.body
    );
    assert!(!answer.body.contains("Reviewers scored higher"));
    let (status, review_page) = page(&client, &server, &format!("/reviews/{slot}")).await;
    assert_eq!(status, 200);
    assert!(review_page.contains("A fall from last time"));
}

/// A cycle in peer review in which Leeds (RR8) scored itself 1 everywhere, its reviewer from R0A
/// found 3, and it has been moderated: a pattern the gaming index and insights pick up.
async fn moderated_rr8_under_scored(server: &TestServer) {
    let cycle = CycleBuilder::new()
        .regions(&["Y63"])
        .in_peer_review(server)
        .await;
    let first = reviewer(server, "first@r0a.nhs.uk").await;
    AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::Moderated)
        .answer_domains(..)
        .self_level(1)
        .reviewers_find(3)
        .reviewer(&first)
        .build(server)
        .await;
}

#[tokio::test]
async fn nhs_england_sees_the_gaming_index_and_the_cross_ics_pattern() {
    let server = start_server().await;
    moderated_rr8_under_scored(&server).await;
    let approver = AccountBuilder::new("approver@england.nhs.uk")
        .role(Role::Approver)
        .signed_in(&server)
        .await;
    let answer = post(&approver, &server, GetInsights::PATH, &[("cycle_id", "")]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let insights: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(insights["cycle_name"], "DMA 2026/27");
    let (status, insights_page) = page(&approver, &server, "/insights").await;
    assert_eq!(status, 200);
    for text in [
        "Gaming index",
        "Reviewer reliability",
        "Reviewers from one ICS on another",
        "<svg",
        // The reviewer found level 3 where moderation kept the trust's level 1: 2 levels above,
        // on too few reviews to call them lenient.
        "DMA 2026/27: +2.00 (1 review)",
        "Too few reviews to say",
    ] {
        assert!(insights_page.contains(text), "{text}");
    }
    assert_eq!(insights["reviewers"][0]["reviews"], 1);
    let indexed = |insights: &serde_json::Value| {
        insights["organisation_index"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(indexed(&insights).len(), 1, "{insights}");
    let own_approver = AccountBuilder::new("approver@rr8.nhs.uk")
        .org("RR8")
        .role(Role::Approver)
        .signed_in(&server)
        .await;
    let own = post(
        &own_approver,
        &server,
        GetInsights::PATH,
        &[("cycle_id", "")],
    )
    .await;
    let own: serde_json::Value = serde_json::from_str(&own.body).unwrap();
    assert_eq!(
        indexed(&own),
        Vec::<String>::new(),
        "nobody sees their own organisation's gaming index"
    );
    let unknown = post(
        &approver,
        &server,
        GetInsights::PATH,
        &[("cycle_id", "no-such-cycle")],
    )
    .await;
    assert!(
        unknown.body.contains("There is no such cycle"),
        "{}",
        unknown.body
    );
}

#[tokio::test]
async fn a_moderator_orders_the_queue_by_risk_in_a_browser_without_javascript() {
    use e2e::browser::{
        open, sign_in_as, start_browser, start_chromedriver, submit, text_of, wait_for_text,
    };
    use fantoccini::Locator;
    let server = start_server().await;
    under_scored_in_moderation(&server).await;
    let driver = start_chromedriver().await;
    let (client, _profile) = start_browser(&driver, false).await;
    let moderator = AccountBuilder::new("moderator@england.nhs.uk").role(Role::Moderator);
    sign_in_as(&client, &server, &moderator, false).await;
    open(&client, &format!("{}/moderation", server.base_url), false).await;
    client
        .find(Locator::Id("order"))
        .await
        .unwrap()
        .select_by_value("risk")
        .await
        .unwrap();
    submit(&client).await;
    wait_for_text(&client, "main", "Part of the queue").await;
    let queue = text_of(&client, "main table").await;
    assert!(queue.contains("High risk"), "{queue}");
    assert!(queue.contains("Reviewers scored higher"), "{queue}");
    assert!(text_of(&client, "main").await.contains("drawn with seed"));
    client.close().await.unwrap();
}

/// NHS England staff whose account is of a trust see no insights about their own ICS nor about
/// their own trust's reviewers, as the risk queue shows them no signals about their own trust.
#[tokio::test]
async fn nhs_england_staff_see_no_insights_about_their_own_ics_or_their_own_trusts_reviewers() {
    let server = start_server().await;
    moderated_rr8_under_scored(&server).await;
    // `(ICSs in the index, reviewers in reliability)` as an approver of `org` sees them.
    let seen_by = |org: Option<&'static str>| {
        let server = &server;
        async move {
            let email = format!("approver@{}.nhs.uk", org.unwrap_or("england"));
            let approver = AccountBuilder::new(&email).role(Role::Approver);
            let approver = match org {
                Some(org) => approver.org(org),
                None => approver,
            };
            let client = approver.signed_in(server).await;
            let answer = post(&client, server, GetInsights::PATH, &[("cycle_id", "")]).await;
            assert_eq!(answer.status, 200, "{}", answer.body);
            let insights: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
            let count = |list: &str| insights[list].as_array().unwrap().len();
            (count("ics_index"), count("reviewers"))
        }
    };
    assert_eq!(seen_by(None).await, (1, 1), "NHS England sees both");
    assert_eq!(
        seen_by(Some("RR8")).await,
        (0, 1),
        "RR8's staff see nothing about RR8's ICS, West Yorkshire"
    );
    assert_eq!(
        seen_by(Some("R0A")).await,
        (1, 0),
        "R0A's staff see nothing about R0A's reviewer"
    );
}
