//! Peer review over HTTP: the reviewer's journey from an assigned assessment to a submitted
//! review, what completes an assessment's peer review, NHS England's part (more time, reopening,
//! closing), and every refusal.

use app::api::assignments::DeclineReview;
use app::api::reviews::*;
use app::rules::accounts::Role;
use app::rules::framework::Domain;
use app::rules::lifecycle::AssessmentStatus;
use app::rules::review::REASON_MAX_CHARS;
use app::store;
use app::store::{AssessmentId, ReviewSlotId};
use e2e::fixtures::{acute_domains, AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::requests::{page, pairs, post, Answer};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;

/// An acute assessment of RR8, every domain answered (met up to level 2), in review by two
/// reviewers from other systems.
struct InReview {
    assessment: String,
    /// Each reviewer's signed-in client and review id.
    reviewers: Vec<(reqwest::Client, String)>,
    domains: Vec<Domain>,
}

async fn in_review(server: &TestServer, cycle: CycleBuilder) -> InReview {
    let cycle = cycle.in_peer_review(server).await;
    let mut reviewers = Vec::new();
    for (email, org) in [("first@r0a.nhs.uk", "R0A"), ("second@r1k.nhs.uk", "R1K")] {
        reviewers.push(
            AccountBuilder::new(email)
                .org(org)
                .role(Role::PeerReviewer)
                .signed_in_with_id(server)
                .await,
        );
    }
    let mut builder = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::InReview)
        .answer_domains(..);
    for (_, id) in &reviewers {
        builder = builder.reviewer(id);
    }
    let assessment = builder.build(server).await;
    let slots = store::reviews::slots_of(&server.state.db, &AssessmentId::from(&assessment))
        .await
        .unwrap();
    let reviewers = reviewers
        .into_iter()
        .map(|(client, id)| {
            let slot = slots.iter().find(|slot| slot.reviewer_id == id).unwrap();
            (client, slot.id.clone())
        })
        .collect();
    InReview {
        assessment,
        reviewers,
        domains: acute_domains(server).await,
    }
}

/// The first criterion of a domain's level 2: met in the trust's answers.
fn level_two_criterion(domain: &Domain) -> String {
    domain.levels[0].criteria[0].key.clone()
}

fn domain_fields(
    slot: &str,
    domain: &Domain,
    version: i64,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut fields = vec![
        ("slot_id".to_string(), slot.to_string()),
        ("domain_key".to_string(), domain.key.clone()),
        ("version".to_string(), version.to_string()),
    ];
    fields.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    fields
}

async fn saved_version(server: &TestServer, slot: &str, domain: &Domain) -> i64 {
    store::reviews::domain_review(&server.state.db, &ReviewSlotId::from(slot), &domain.key)
        .await
        .unwrap()
        .version
}

/// Confirms every domain of the review, agreeing with the trust throughout.
async fn confirm_all(
    server: &TestServer,
    client: &reqwest::Client,
    slot: &str,
    domains: &[Domain],
) {
    for domain in domains {
        let version = saved_version(server, slot, domain).await;
        let fields = domain_fields(slot, domain, version, &[("then", "continue")]);
        let answer = post(client, server, SaveDomainReview::PATH, &pairs(&fields)).await;
        assert!(!answer.body.contains("Invalid"), "{}", answer.body);
    }
}

async fn submit(
    client: &reqwest::Client,
    server: &TestServer,
    slot: &str,
    verdict: &str,
    summary: &str,
) -> Answer {
    post(
        client,
        server,
        SubmitReview::PATH,
        &[
            ("slot_id", slot),
            ("verdict", verdict),
            ("summary", summary),
        ],
    )
    .await
}

async fn slot(server: &TestServer, slot: &str) -> store::reviews::ReviewSlot {
    store::reviews::slot(&server.state.db, &ReviewSlotId::from(slot))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_reviewer_judges_confirms_and_submits_and_the_last_review_completes_the_assessment() {
    let server = start_server().await;
    let review = in_review(&server, CycleBuilder::new()).await;
    // Created after the cycle opened, so the only email the lead gets is about the reviews.
    AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .create(&server)
        .await;
    let (first, first_slot) = &review.reviewers[0];
    let domain = &review.domains[0];

    let (status, body) = page(first, &server, &format!("/reviews/{first_slot}")).await;
    assert_eq!(status, 200);
    assert!(
        body.contains(&format!("0 of {} sections reviewed.", review.domains.len())),
        "{body}"
    );
    let (status, body) = page(
        first,
        &server,
        &format!("/reviews/{first_slot}/domains/{}", domain.key),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("The trust said: met. Evidence:"), "{body}");
    assert!(
        body.contains("The trust's answers give level 2 of 5."),
        "{body}"
    );

    // Judging a met criterion not met needs a reason before the domain can be confirmed.
    let criterion = level_two_criterion(domain);
    let met_field = format!("judgements[{criterion}][met]");
    let reason_field = format!("judgements[{criterion}][reason]");
    let without_reason = domain_fields(
        first_slot,
        domain,
        0,
        &[(&met_field, "not-met"), ("then", "continue")],
    );
    let Answer { body, .. } = post(
        first,
        &server,
        SaveDomainReview::PATH,
        &pairs(&without_reason),
    )
    .await;
    assert!(
        body.contains(&format!("reason-{criterion}")) && body.contains("Give your reason"),
        "{body}"
    );
    assert_eq!(
        saved_version(&server, first_slot, domain).await,
        0,
        "nothing saved"
    );

    let with_reason = domain_fields(
        first_slot,
        domain,
        0,
        &[
            (&met_field, "not-met"),
            (&reason_field, "The strategy shown is a draft"),
            ("confidence", "high"),
            ("then", "continue"),
        ],
    );
    post(first, &server, SaveDomainReview::PATH, &pairs(&with_reason)).await;
    let saved = store::reviews::domain_review(
        &server.state.db,
        &ReviewSlotId::from(first_slot),
        &domain.key,
    )
    .await
    .unwrap();
    assert_eq!(saved.version, 1);
    assert!(saved.review.confirmed);
    assert!(!saved.review.judgements[&criterion].met);
    assert_eq!(
        saved.review.judgements[&criterion].reason,
        "The strategy shown is a draft"
    );

    // The task list and check page explain the adjustment by the criterion.
    let (_, body) = page(first, &server, &format!("/reviews/{first_slot}")).await;
    assert!(body.contains("Reviewed – trust level 2, yours 1"), "{body}");
    assert!(body.contains("Flags: Over-scored"), "{body}");
    let (_, body) = page(first, &server, &format!("/reviews/{first_slot}/check")).await;
    assert!(
        body.contains("The strategy shown is a draft")
            && body.contains("the trust said met; the reviewer judged it not met"),
        "{body}"
    );

    // Submitting needs every domain confirmed, then a verdict, and a summary unless accurate.
    let Answer { body, .. } = submit(first, &server, first_slot, "accurate", "").await;
    assert!(
        body.contains("Confirm every section before you submit"),
        "{body}"
    );
    confirm_all(&server, first, first_slot, &review.domains[1..]).await;
    let Answer { body, .. } = submit(first, &server, first_slot, "", "").await;
    assert!(body.contains("\"verdict\""), "{body}");
    let Answer { body, .. } =
        submit(first, &server, first_slot, "significantly_over_scored", " ").await;
    assert!(
        body.contains("\"summary\"") && body.contains("Summarise why"),
        "{body}"
    );
    assert!(slot(&server, first_slot).await.submitted_at.is_none());
    submit(
        first,
        &server,
        first_slot,
        "significantly_over_scored",
        "The strategy is a draft.",
    )
    .await;
    let submitted = slot(&server, first_slot).await;
    assert!(submitted.is_submitted());
    assert_eq!(
        submitted.verdict.as_deref(),
        Some("significantly_over_scored")
    );
    assert_eq!(
        server.assessment_status(&review.assessment).await,
        AssessmentStatus::InReview,
        "one review is still outstanding"
    );

    // A submitted review is locked.
    let again = domain_fields(first_slot, domain, 1, &[("then", "continue")]);
    let Answer { body, .. } = post(first, &server, SaveDomainReview::PATH, &pairs(&again)).await;
    assert!(
        body.contains("has been submitted, so it cannot be changed"),
        "{body}"
    );

    // The second and last review completes the assessment, and the trust's leads hear of it
    // without learning who reviewed.
    let (second, second_slot) = &review.reviewers[1];
    confirm_all(&server, second, second_slot, &review.domains).await;
    submit(second, &server, second_slot, "accurate", "").await;
    assert_eq!(
        server.assessment_status(&review.assessment).await,
        AssessmentStatus::Reviewed
    );
    let mail = server.wait_for_mail_to("lead@rr8.nhs.uk").await;
    assert!(mail.contains("Peer review complete"), "{mail}");
    for reviewer_trace in ["Peer reviewer", "r0a.nhs.uk", "r1k.nhs.uk"] {
        assert!(
            !mail.contains(reviewer_trace),
            "the email names a reviewer: {mail}"
        );
    }
    let trail = store::audit::recent(&server.state.db.pool, 1000)
        .await
        .unwrap();
    assert!(
        trail
            .iter()
            .any(|record| record.entity_id == review.assessment
                && record.action == "complete peer review"),
        "{trail:?}"
    );
}

#[tokio::test]
async fn only_the_assigned_reviewer_and_nhs_england_read_a_review() {
    let server = start_server().await;
    let review = in_review(&server, CycleBuilder::new()).await;
    let (first, first_slot) = &review.reviewers[0];
    let (second, second_slot) = &review.reviewers[1];
    let stranger = AccountBuilder::new("stranger@r1k.nhs.uk")
        .org("R1K")
        .role(Role::PeerReviewer)
        .signed_in(&server)
        .await;
    let lead = AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;
    let moderator = AccountBuilder::new("moderator@england.nhs.uk")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;

    let read = |client: &reqwest::Client, slot: &str| {
        let (client, slot) = (client.clone(), slot.to_string());
        let server = &server;
        async move {
            post(&client, server, GetReview::PATH, &[("slot_id", &slot)])
                .await
                .body
        }
    };
    assert!(read(first, first_slot).await.contains("\"header\""));
    for (who, body) in [
        ("an unassigned reviewer", read(&stranger, first_slot).await),
        (
            "another of the assessment's reviewers",
            read(second, first_slot).await,
        ),
        (
            "the trust's own lead, before the review is complete",
            read(&lead, first_slot).await,
        ),
    ] {
        assert!(body.contains("You do not have access"), "{who}: {body}");
    }
    let body = read(&moderator, first_slot).await;
    assert!(
        body.contains("Test Peer reviewer (R0A)"),
        "NHS England sees who reviewed: {body}"
    );

    // Declining ends a reviewer's access.
    post(
        second,
        &server,
        DeclineReview::PATH,
        &[("slot_id", second_slot), ("reason", "Conflict of interest")],
    )
    .await;
    assert!(read(second, second_slot)
        .await
        .contains("You do not have access"));
    let (status, body) = page(second, &server, &format!("/reviews/{second_slot}")).await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn bad_input_gets_a_clear_message_and_changes_nothing() {
    let server = start_server().await;
    let review = in_review(&server, CycleBuilder::new()).await;
    let (first, slot) = &review.reviewers[0];
    let domain = &review.domains[0];
    let criterion = level_two_criterion(domain);
    let long = "x".repeat(REASON_MAX_CHARS + 1);
    let other_domain_criterion = level_two_criterion(&review.domains[1]);
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (
            domain_fields(
                slot,
                domain,
                0,
                &[(&format!("judgements[{other_domain_criterion}][met]"), "met")],
            ),
            "does not belong to this section",
        ),
        (
            domain_fields(
                slot,
                domain,
                0,
                &[(&format!("judgements[{criterion}][met]"), "perhaps")],
            ),
            "Select met or not met",
        ),
        (
            domain_fields(
                slot,
                domain,
                0,
                &[
                    (&format!("judgements[{criterion}][met]"), "not-met"),
                    (&format!("judgements[{criterion}][reason]"), &long),
                ],
            ),
            "characters or fewer",
        ),
        (
            domain_fields(
                slot,
                domain,
                0,
                &[
                    (&format!("judgements[{criterion}][met]"), "not-met"),
                    (&format!("judgements[{criterion}][reason]"), "Draft only"),
                    ("score", "4"),
                ],
            ),
            "give this section level 1, not level 4",
        ),
        (
            domain_fields(slot, domain, 0, &[("confidence", "certain")]),
            "Select low, medium or high",
        ),
    ];
    for (fields, message) in cases {
        let Answer { body, .. } =
            post(first, &server, SaveDomainReview::PATH, &pairs(&fields)).await;
        assert!(body.contains(message), "expected {message:?}: {body}");
        assert_eq!(
            saved_version(&server, slot, domain).await,
            0,
            "nothing saved for {message:?}"
        );
    }
    let (status, _) = page(
        first,
        &server,
        &format!("/reviews/{slot}/domains/no-such-domain"),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_save_from_an_older_version_is_refused_with_what_differs() {
    let server = start_server().await;
    let review = in_review(&server, CycleBuilder::new()).await;
    let (first, slot) = &review.reviewers[0];
    let domain = &review.domains[0];
    let criterion = level_two_criterion(domain);
    let first_tab = domain_fields(
        slot,
        domain,
        0,
        &[
            (&format!("judgements[{criterion}][met]"), "not-met"),
            (&format!("judgements[{criterion}][reason]"), "First tab"),
        ],
    );
    let second_tab = domain_fields(slot, domain, 0, &[("comment", "Second tab")]);
    post(first, &server, SaveDomainReview::PATH, &pairs(&first_tab)).await;
    let Answer { body, .. } =
        post(first, &server, SaveDomainReview::PATH, &pairs(&second_tab)).await;
    assert!(
        body.contains("Conflict") && body.contains("First tab"),
        "{body}"
    );
    let saved =
        store::reviews::domain_review(&server.state.db, &ReviewSlotId::from(slot), &domain.key)
            .await
            .unwrap();
    assert_eq!((saved.version, saved.review.comment.as_str()), (1, ""));
}

#[tokio::test]
async fn past_the_deadline_a_review_is_read_only_until_nhs_england_gives_more_time() {
    let server = start_server().await;
    // The review deadline was ten days ago.
    let review = in_review(
        &server,
        CycleBuilder::new()
            .opens_in_days(-60)
            .deadlines_from_days(-40),
    )
    .await;
    let (first, slot) = &review.reviewers[0];
    let domain = &review.domains[0];
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let save = domain_fields(slot, domain, 0, &[("comment", "Late")]);
    let Answer { body, .. } = post(first, &server, SaveDomainReview::PATH, &pairs(&save)).await;
    assert!(body.contains("The review deadline was"), "{body}");
    assert_eq!(saved_version(&server, slot, domain).await, 0);

    let in_a_week = store::date_in_days(7);
    let Answer { body, .. } = post(
        &admin,
        &server,
        ExtendReviewDeadline::PATH,
        &[("slot_id", slot), ("deadline", &in_a_week), ("reason", "")],
    )
    .await;
    assert!(
        body.contains("Enter the reason for the extension"),
        "{body}"
    );
    let yesterday = store::date_in_days(-1);
    let Answer { body, .. } = post(
        &admin,
        &server,
        ExtendReviewDeadline::PATH,
        &[
            ("slot_id", slot),
            ("deadline", &yesterday),
            ("reason", "Illness"),
        ],
    )
    .await;
    assert!(body.contains("not in the past"), "{body}");
    post(
        &admin,
        &server,
        ExtendReviewDeadline::PATH,
        &[
            ("slot_id", slot),
            ("deadline", &in_a_week),
            ("reason", "Illness"),
        ],
    )
    .await;
    assert_eq!(
        slot_deadline(&server, slot).await.as_deref(),
        Some(in_a_week.as_str())
    );
    let mail = server.wait_for_mail_to("first@r0a.nhs.uk").await;
    assert!(mail.contains("More time for your review"), "{mail}");

    post(first, &server, SaveDomainReview::PATH, &pairs(&save)).await;
    assert_eq!(
        saved_version(&server, slot, domain).await,
        1,
        "the reviewer can work again"
    );
    // The other reviewer's deadline has not moved.
    let (second, second_slot) = &review.reviewers[1];
    let other = domain_fields(second_slot, domain, 0, &[("comment", "Late")]);
    let Answer { body, .. } = post(second, &server, SaveDomainReview::PATH, &pairs(&other)).await;
    assert!(body.contains("The review deadline was"), "{body}");
}

async fn slot_deadline(server: &TestServer, id: &str) -> Option<String> {
    slot(server, id).await.extended_deadline
}

#[tokio::test]
async fn nhs_england_closes_a_review_with_the_reviews_received_and_reopens_a_submitted_one() {
    let server = start_server().await;
    let review = in_review(&server, CycleBuilder::new()).await;
    let (first, first_slot) = &review.reviewers[0];
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let moderator = AccountBuilder::new("moderator@england.nhs.uk")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;

    let close = |client: &reqwest::Client, reason: &str| {
        let (client, reason) = (client.clone(), reason.to_string());
        let server = &server;
        let slot = first_slot.clone();
        async move {
            post(
                &client,
                server,
                CloseReview::PATH,
                &[("slot_id", &slot), ("reason", &reason)],
            )
            .await
            .body
        }
    };
    let body = close(&admin, "The second reviewer is unreachable").await;
    assert!(
        body.contains("No review of this assessment has been submitted yet"),
        "{body}"
    );

    confirm_all(&server, first, first_slot, &review.domains).await;
    submit(first, &server, first_slot, "accurate", "").await;
    assert!(close(&moderator, "Unreachable").await.contains("Forbidden"));
    assert!(close(&admin, " ").await.contains("close-reason"));
    assert_eq!(
        server.assessment_status(&review.assessment).await,
        AssessmentStatus::InReview
    );
    close(&admin, "The second reviewer is unreachable").await;
    assert_eq!(
        server.assessment_status(&review.assessment).await,
        AssessmentStatus::Reviewed
    );
    // The review not submitted can no longer be changed.
    let (second, second_slot) = &review.reviewers[1];
    let late = domain_fields(second_slot, &review.domains[0], 0, &[("comment", "Late")]);
    let Answer { body, .. } = post(second, &server, SaveDomainReview::PATH, &pairs(&late)).await;
    assert!(body.contains("the assessment is reviewed"), "{body}");

    // Reopening the submitted review puts the assessment back into review.
    let Answer { body, .. } = post(
        &admin,
        &server,
        ReopenReview::PATH,
        &[("slot_id", first_slot), ("reason", "")],
    )
    .await;
    assert!(body.contains("reopen-reason"), "{body}");
    post(
        &admin,
        &server,
        ReopenReview::PATH,
        &[
            ("slot_id", first_slot),
            ("reason", "Domain 3 needs another look"),
        ],
    )
    .await;
    assert_eq!(
        server.assessment_status(&review.assessment).await,
        AssessmentStatus::InReview
    );
    assert!(!slot(&server, first_slot).await.is_submitted());
    let mail = server.wait_for_mail_to("first@r0a.nhs.uk").await;
    assert!(mail.contains("Domain 3 needs another look"), "{mail}");
    let version = saved_version(&server, first_slot, &review.domains[0]).await;
    let change = domain_fields(
        first_slot,
        &review.domains[0],
        version,
        &[("comment", "Looked again")],
    );
    post(first, &server, SaveDomainReview::PATH, &pairs(&change)).await;
    assert_eq!(
        saved_version(&server, first_slot, &review.domains[0]).await,
        version + 1
    );
    let trail = store::audit::recent(&server.state.db.pool, 1000)
        .await
        .unwrap();
    let actions: Vec<&str> = trail
        .iter()
        .filter(|record| record.entity_id == *first_slot)
        .map(|record| record.action.as_str())
        .collect();
    assert!(
        actions.contains(&"submit review") && actions.contains(&"reopen review"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_reviewer_past_their_deadline_is_replaced_by_one_with_a_deadline_of_their_own() {
    use app::api::assignments::{GetAssignment, ReplaceReviewer};
    let server = start_server().await;
    // The review deadline was ten days ago.
    let review = in_review(
        &server,
        CycleBuilder::new()
            .opens_in_days(-60)
            .deadlines_from_days(-40),
    )
    .await;
    let (first, first_slot) = &review.reviewers[0];
    let (newcomer, _) = AccountBuilder::new("newcomer@qop.nhs.uk")
        .org("QOP")
        .role(Role::PeerReviewer)
        .signed_in_with_id(&server)
        .await;
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let cycle =
        store::assessments::header(&server.state.db, &AssessmentId::from(&review.assessment))
            .await
            .unwrap()
            .unwrap()
            .cycle_id;

    let body = post(
        &admin,
        &server,
        GetAssignment::PATH,
        &[("cycle_id", &cycle)],
    )
    .await
    .body;
    let view: serde_json::Value = serde_json::from_str(&body).unwrap();
    let overdue = view["assessments"][0]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|slot| slot["slot"]["id"] == **first_slot)
        .unwrap()
        .clone();
    assert_eq!(overdue["overdue"], true, "{overdue}");
    assert!(
        overdue["progress"].as_str().unwrap().starts_with("Overdue"),
        "{overdue}"
    );
    let replacement = overdue["replacement"]["reviewer_id"]
        .as_str()
        .expect("a replacement is offered")
        .to_string();

    let replace = |deadline: &str, reason: &str| {
        let fields = [
            ("slot_id", first_slot.as_str()),
            ("reviewer_id", replacement.as_str()),
            ("deadline", deadline),
            ("reason", reason),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let (admin, server) = (admin.clone(), &server);
        async move {
            post(&admin, server, ReplaceReviewer::PATH, &pairs(&fields))
                .await
                .body
        }
    };
    let in_a_fortnight = store::date_in_days(14);
    let body = replace("", "Not answering emails").await;
    assert!(
        body.contains(&format!("replace-deadline-{first_slot}")),
        "{body}"
    );
    let body = replace(&in_a_fortnight, "").await;
    assert!(
        body.contains(&format!("replace-reason-{first_slot}")),
        "{body}"
    );
    assert!(
        slot(&server, first_slot).await.is_assigned(),
        "nothing changed"
    );
    replace(&in_a_fortnight, "Not answering emails").await;

    assert!(!slot(&server, first_slot).await.is_assigned());
    let read = post(first, &server, GetReview::PATH, &[("slot_id", first_slot)])
        .await
        .body;
    assert!(read.contains("You do not have access"), "{read}");
    let mail = server.wait_for_mail_to("first@r0a.nhs.uk").await;
    assert!(mail.contains("no longer need to review"), "{mail}");
    let mail = server.wait_for_mail_to("newcomer@qop.nhs.uk").await;
    assert!(
        mail.contains(&app::rules::cycles::readable_date(&in_a_fortnight)),
        "their own deadline: {mail}"
    );

    let slots = store::reviews::slots_of(&server.state.db, &AssessmentId::from(&review.assessment))
        .await
        .unwrap();
    let new_slot = slots
        .iter()
        .find(|slot| slot.reviewer_id == replacement)
        .expect("the newcomer's review");
    assert_eq!(
        new_slot.extended_deadline.as_deref(),
        Some(in_a_fortnight.as_str())
    );
    let save = domain_fields(
        &new_slot.id,
        &review.domains[0],
        0,
        &[("comment", "Starting")],
    );
    post(&newcomer, &server, SaveDomainReview::PATH, &pairs(&save)).await;
    assert_eq!(
        saved_version(&server, &new_slot.id, &review.domains[0]).await,
        1,
        "the newcomer can review"
    );
    // A second click on the replaced review changes nothing.
    let body = replace(&in_a_fortnight, "Again").await;
    assert!(body.contains("already been replaced"), "{body}");
}
