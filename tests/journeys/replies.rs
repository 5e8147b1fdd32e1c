//! The trust's reply over HTTP: the reviews as the trust sees them (numbered, never named), an
//! answer for each adjusted section, submission with a declaration, the reply closing itself
//! with "no reply received" after the deadline, and the administrator's reply deadline.

use app::api::cycles::SetReplyDeadline;
use app::api::replies::*;
use app::rules::accounts::Role;
use app::rules::lifecycle::AssessmentStatus;
use app::rules::reply::{ReplyOutcome, Response, COMMENT_MAX_CHARS};
use app::store;
use app::store::AssessmentId;
use e2e::fixtures::{acute_domains, AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::requests::{page, post, Answer};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;

fn lead() -> AccountBuilder {
    AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
}

/// RR8's acute assessment, reviewed by two reviewers from other systems in a cycle in peer
/// review: the first adjusted the first domain. Returns the cycle and the assessment.
async fn reviewed(server: &TestServer) -> (String, String) {
    let cycle = CycleBuilder::new().in_peer_review(server).await;
    let mut builder = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::Reviewed)
        .answer_domains(..);
    for (email, org) in [("first@r0a.nhs.uk", "R0A"), ("second@r1k.nhs.uk", "R1K")] {
        let id = AccountBuilder::new(email)
            .org(org)
            .role(Role::PeerReviewer)
            .create(server)
            .await;
        builder = builder.reviewer(&id);
    }
    (cycle.clone(), builder.build(server).await)
}

async fn save(
    client: &reqwest::Client,
    server: &TestServer,
    assessment: &str,
    domain: &str,
    version: &str,
    fields: &[(&str, &str)],
) -> Answer {
    let mut all = vec![
        ("assessment_id", assessment),
        ("domain_key", domain),
        ("version", version),
    ];
    all.extend_from_slice(fields);
    post(client, server, SaveDomainReply::PATH, &all).await
}

#[tokio::test]
async fn a_lead_reads_the_numbered_reviews_answers_each_adjustment_and_submits() {
    let server = start_server().await;
    let (_, assessment) = reviewed(&server).await;
    let client = lead().signed_in(&server).await;
    let domains = acute_domains(&server).await;
    let (adjusted, untouched) = (&domains[0], &domains[1]);

    let (status, body) = page(&client, &server, &format!("/assessments/{assessment}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("The peer review is complete."), "{body}");
    for path in [
        format!("/assessments/{assessment}/reply"),
        format!("/assessments/{assessment}/reply/domains/{}", adjusted.key),
    ] {
        let (status, body) = page(&client, &server, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            body.contains("Reviewer 1") && body.contains("Reviewer 2"),
            "{body}"
        );
        for name in ["Test Peer reviewer", "r0a.nhs.uk", "R0A", "r1k.nhs.uk"] {
            assert!(
                !body.contains(name),
                "{path} names a reviewer ({name}): {body}"
            );
        }
    }
    let (_, body) = page(
        &client,
        &server,
        &format!("/assessments/{assessment}/reply/domains/{}", adjusted.key),
    )
    .await;
    assert!(
        body.contains("The strategy shown is a draft"),
        "the reason is shown: {body}"
    );
    assert!(body.contains("Reviewer 1: level 1"), "{body}");

    // Contesting needs a comment within its limit; a section nobody adjusted needs no reply.
    let Answer { body, .. } = save(
        &client,
        &server,
        &assessment,
        &adjusted.key,
        "0",
        &[("response", "contest")],
    )
    .await;
    assert!(
        body.contains("\"comment\"") && body.contains("Say why you contest"),
        "{body}"
    );
    let long = "x".repeat(COMMENT_MAX_CHARS + 1);
    let Answer { body, .. } = save(
        &client,
        &server,
        &assessment,
        &adjusted.key,
        "0",
        &[("response", "contest"), ("comment", &long)],
    )
    .await;
    assert!(body.contains("1500 characters or fewer"), "{body}");
    let Answer { body, .. } = save(
        &client,
        &server,
        &assessment,
        &untouched.key,
        "0",
        &[("response", "accept")],
    )
    .await;
    assert!(body.contains("nothing to reply to"), "{body}");
    assert!(
        store::replies::all_replies(&server.state.db, &AssessmentId::from(&assessment))
            .await
            .unwrap()
            .is_empty(),
        "nothing saved"
    );

    let Answer { body, .. } = post(
        &client,
        &server,
        SubmitReply::PATH,
        &[("assessment_id", &assessment), ("declaration", "confirmed")],
    )
    .await;
    assert!(body.contains("Not yet answered"), "{body}");
    save(
        &client,
        &server,
        &assessment,
        &adjusted.key,
        "0",
        &[
            ("response", "contest"),
            ("comment", "The board approved the strategy in May"),
            ("evidence", "Board minutes, 12 May 2026"),
        ],
    )
    .await;
    let saved = store::replies::domain_reply(
        &server.state.db,
        &AssessmentId::from(&assessment),
        &adjusted.key,
    )
    .await
    .unwrap();
    assert_eq!(saved.version, 1);
    assert_eq!(saved.reply.unwrap().response, Response::Contest);
    let Answer { body, .. } = save(
        &client,
        &server,
        &assessment,
        &adjusted.key,
        "0",
        &[("response", "accept")],
    )
    .await;
    assert!(
        body.contains("after you opened it"),
        "a second tab's older version: {body}"
    );

    let Answer { body, .. } = post(
        &client,
        &server,
        SubmitReply::PATH,
        &[("assessment_id", &assessment)],
    )
    .await;
    assert!(body.contains("\"declaration\""), "{body}");
    post(
        &client,
        &server,
        SubmitReply::PATH,
        &[("assessment_id", &assessment), ("declaration", "confirmed")],
    )
    .await;
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Replied
    );
    let ended = store::replies::finished(&server.state.db, &AssessmentId::from(&assessment))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended.outcome, ReplyOutcome::Submitted);
    let mail = server.wait_for_mail_to("lead@rr8.nhs.uk").await;
    assert!(
        mail.contains("0 adjusted sections accepted, 1 contested"),
        "{mail}"
    );

    let Answer { body, .. } = save(
        &client,
        &server,
        &assessment,
        &adjusted.key,
        "1",
        &[("response", "accept")],
    )
    .await;
    assert!(
        body.contains("You cannot reply to its reviews now") || body.contains("is replied"),
        "locked after submission: {body}"
    );
}

#[tokio::test]
async fn the_reply_waits_for_the_reviews_and_is_only_for_the_trusts_own_leads() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().in_peer_review(&server).await;
    let reviewer = AccountBuilder::new("first@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(&server)
        .await;
    let in_review = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::InReview)
        .reviewer(&reviewer)
        .build(&server)
        .await;
    let client = lead().signed_in(&server).await;
    let Answer { body, .. } = post(
        &client,
        &server,
        GetReply::PATH,
        &[("assessment_id", &in_review)],
    )
    .await;
    assert!(body.contains("not complete yet"), "{body}");

    let other_lead = AccountBuilder::new("lead@r1k.nhs.uk")
        .org("R1K")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;
    let Answer { body, .. } = post(
        &other_lead,
        &server,
        GetReply::PATH,
        &[("assessment_id", &in_review)],
    )
    .await;
    assert!(body.contains("Forbidden"), "{body}");
}

#[tokio::test]
async fn after_the_reply_deadline_a_missing_reply_is_recorded_as_no_reply_not_agreement() {
    let server = start_server().await;
    let (cycle, assessment) = reviewed(&server).await;
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let db = &server.state.db;

    // The administrator's reply deadline must fall between the review and moderation deadlines.
    let Answer { body, .. } = post(
        &admin,
        &server,
        SetReplyDeadline::PATH,
        &[
            ("cycle_id", &cycle),
            ("reply_deadline", &store::date_in_days(1)),
        ],
    )
    .await;
    assert!(
        body.contains("reply-deadline") && body.contains("after the review deadline"),
        "{body}"
    );
    let later = store::date_in_days(70);
    post(
        &admin,
        &server,
        SetReplyDeadline::PATH,
        &[("cycle_id", &cycle), ("reply_deadline", &later)],
    )
    .await;
    let header = store::assessments::header(db, &AssessmentId::from(&assessment))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(header.reply_deadline, later);
    assert_eq!(
        app::api::replies::record_missing_replies(db, &store::today())
            .await
            .unwrap(),
        0,
        "nothing before the deadline"
    );

    // On the day after the deadline the service closes the reply.
    let day_after = store::date_in_days(71);
    assert_eq!(
        app::api::replies::record_missing_replies(db, &day_after)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        server.assessment_status(&assessment).await,
        AssessmentStatus::Replied
    );
    let ended = store::replies::finished(db, &AssessmentId::from(&assessment))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((ended.outcome, ended.by), (ReplyOutcome::NoReply, None));
    let client = lead().signed_in(&server).await;
    let (_, body) = page(
        &client,
        &server,
        &format!("/assessments/{assessment}/reply"),
    )
    .await;
    assert!(
        body.contains("No reply was received by the deadline"),
        "{body}"
    );
    assert_eq!(
        app::api::replies::record_missing_replies(db, &day_after)
            .await
            .unwrap(),
        0,
        "once"
    );
}
