//! Dashboards over HTTP: each role sees what is waiting for it, every line a link to the page or
//! list behind it; an administrator sends again an email the service gave up on.

use app::api::dashboard::{FailedEmails, MyDashboard, RetryEmail};
use app::rules::accounts::Role;
use app::rules::lifecycle::AssessmentStatus;
use e2e::fixtures::{AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::requests::{page, post, NO_FIELDS};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;
use serde_json::Value;

async fn dashboard(client: &reqwest::Client, server: &TestServer) -> Value {
    let answer = post(client, server, MyDashboard::PATH, NO_FIELDS).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    serde_json::from_str(&answer.body).unwrap()
}

/// The lines of the section headed `heading`, as (text, href, detail).
fn lines(dashboard: &Value, heading: &str) -> Vec<(String, String, String)> {
    let section = dashboard
        .as_array()
        .unwrap()
        .iter()
        .find(|section| section["heading"] == heading)
        .unwrap_or_else(|| panic!("a section {heading:?} in {dashboard}"));
    section["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            let text = |name: &str| line[name].as_str().unwrap().to_string();
            (text("text"), text("href"), text("detail"))
        })
        .collect()
}

#[tokio::test]
async fn each_role_sees_what_is_waiting_for_it_with_a_link_to_it() {
    let server = start_server().await;
    let cycle = CycleBuilder::new()
        .regions(&["Y63"])
        .in_peer_review(&server)
        .await;
    let (reviewer, reviewer_id) = AccountBuilder::new("reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .signed_in_with_id(&server)
        .await;
    let in_review = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::InReview)
        .reviewer(&reviewer_id)
        .build(&server)
        .await;
    let in_progress = AssessmentBuilder::new(&cycle, "RCB")
        .status(AssessmentStatus::InProgress)
        .build(&server)
        .await;

    let lead = AccountBuilder::new("lead@rcb.nhs.uk")
        .org("RCB")
        .role(Role::TrustLead)
        .signed_in(&server)
        .await;
    let lead_lines = lines(&dashboard(&lead, &server).await, "Your trust's assessments");
    let (_, href, detail) = lead_lines
        .iter()
        .find(|(_, href, _)| href == &format!("/assessments/{in_progress}"))
        .expect("the assessment in progress is listed");
    assert!(detail.starts_with("In progress: submit by "), "{detail}");
    let (status, _) = page(&lead, &server, href).await;
    assert_eq!(status, 200, "the link leads to the assessment");

    let review_lines = lines(&dashboard(&reviewer, &server).await, "Your reviews");
    assert_eq!(review_lines.len(), 1, "{review_lines:?}");
    assert!(review_lines[0].1.starts_with("/reviews/"));
    assert!(
        review_lines[0].2.contains("submit your review by"),
        "{review_lines:?}"
    );
    let (status, _) = page(&reviewer, &server, &review_lines[0].1).await;
    assert_eq!(status, 200);

    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let admin_lines = lines(&dashboard(&admin, &server).await, "Cycles and the service");
    let (text, href, detail) = &admin_lines[0];
    assert!(
        text.starts_with("DMA 2026/27: Peer review; reviews due "),
        "{text}"
    );
    assert_eq!(href, &format!("/admin/cycles/{cycle}"));
    assert!(detail.contains("In review: 1"), "{detail}");
    assert!(detail.contains("In progress: 1"), "{detail}");

    let moderator = AccountBuilder::new("moderator@england.nhs.uk")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;
    let nothing = dashboard(&moderator, &server).await;
    assert!(lines(&nothing, "Moderation").is_empty());
    assert_eq!(
        nothing[0]["nothing"],
        "No assessment is ready for moderation."
    );
    let _ = in_review;
}

#[tokio::test]
async fn moderators_and_approvers_see_their_queues_counted_and_linked() {
    let server = start_server().await;
    let cycle = CycleBuilder::new()
        .regions(&["Y63"])
        .in_peer_review(&server)
        .await;
    let reviewer = AccountBuilder::new("reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(&server)
        .await;
    AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::Replied)
        .answer_domains(..)
        .reviewer(&reviewer)
        .build(&server)
        .await;
    CycleBuilder::into_moderation(&server, &cycle).await;
    let moderator = AccountBuilder::new("moderator@england.nhs.uk")
        .role(Role::Moderator)
        .signed_in(&server)
        .await;
    let moderation = lines(&dashboard(&moderator, &server).await, "Moderation");
    let (text, href, _) = &moderation[0];
    assert_eq!(text, "1 assessment ready for moderation");
    assert_eq!(href, "/moderation?status=Ready+for+moderation");
    let (status, queue) = page(&moderator, &server, href).await;
    assert_eq!(status, 200);
    assert!(
        queue.contains("Leeds Teaching Hospitals"),
        "the link shows the list behind the count"
    );
    assert!(moderation
        .iter()
        .any(|(text, href, _)| text.ends_with(": 1 assessment")
            && href.starts_with("/moderation?region=")));

    let approver = AccountBuilder::new("approver@england.nhs.uk")
        .role(Role::Approver)
        .signed_in(&server)
        .await;
    assert!(lines(&dashboard(&approver, &server).await, "Sign-off").is_empty());
}

#[tokio::test]
async fn an_email_the_service_gave_up_on_is_listed_and_sent_again_once() {
    use app::store::outbox::{self, OutgoingMail, MAX_ATTEMPTS};
    let server = start_server().await;
    let db = &server.state.db;
    let mut tx = db.begin_write().await.unwrap();
    outbox::enqueue(
        &mut tx,
        &OutgoingMail {
            html: String::new(),
            to: "nobody@nowhere.invalid".into(),
            subject: "Your review is due".into(),
            body: "Please review.".into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query("UPDATE mail_outbox SET attempts = $1, last_error = 'mailbox unavailable'")
        .bind(MAX_ATTEMPTS)
        .execute(&db.pool)
        .await
        .unwrap();
    assert!(
        outbox::claim_due(&db.pool, time::Duration::minutes(5), 10)
            .await
            .unwrap()
            .is_empty(),
        "a message that gave up is not tried again by itself"
    );

    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let admin_lines = lines(&dashboard(&admin, &server).await, "Cycles and the service");
    assert!(
        admin_lines.iter().any(
            |(text, href, _)| text == "1 email that could not be sent" && href == "/admin/mail"
        ),
        "{admin_lines:?}"
    );
    let failed: Value = serde_json::from_str(
        &post(&admin, &server, FailedEmails::PATH, NO_FIELDS)
            .await
            .body,
    )
    .unwrap();
    let id = failed[0]["id"].as_str().unwrap().to_string();
    assert_eq!(failed[0]["last_error"], "mailbox unavailable");
    let (status, mail_page) = page(&admin, &server, "/admin/mail").await;
    assert_eq!(status, 200);
    assert!(mail_page.contains("nobody@nowhere.invalid"));

    let unknown = post(
        &admin,
        &server,
        RetryEmail::PATH,
        &[("id", "no-such-email")],
    )
    .await;
    assert!(
        unknown.body.contains("not waiting to be sent again"),
        "{}",
        unknown.body
    );
    let answer = post(&admin, &server, RetryEmail::PATH, &[("id", &id)]).await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/admin/mail?retried=1"),
        "{}",
        answer.body
    );
    assert_eq!(
        outbox::claim_due(&db.pool, time::Duration::minutes(5), 10)
            .await
            .unwrap()
            .len(),
        1,
        "it is tried again"
    );
    let again = post(&admin, &server, RetryEmail::PATH, &[("id", &id)]).await;
    assert!(
        again.body.contains("not waiting to be sent again"),
        "{}",
        again.body
    );
    let retries = app::store::audit::recent(&db.pool, 20)
        .await
        .unwrap()
        .into_iter()
        .filter(|record| record.action == "retry email")
        .count();
    assert_eq!(retries, 1);
}
