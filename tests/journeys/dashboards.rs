//! Dashboards over HTTP: each role sees what is waiting for it, every line a link to the page or
//! list behind it; an administrator sends again an email the service gave up on.

use app::api::dashboard::{FailedEmails, MyDashboard, RetryEmail};
use app::rules::accounts::Role;
use app::rules::lifecycle::AssessmentStatus;
use app::store::AssessmentId;
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
        text.starts_with("DMA 2026/27: Peer review; reviews due by 23:59 on "),
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
        "No assessment is ready for moderation or awaiting sign-off."
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
        .any(|(text, href, _)| text.ends_with(": 1 ready for moderation")
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
    // In the same transaction, so the server's mail sender never sees it as due.
    sqlx::query("UPDATE mail_outbox SET attempts = $1, last_error = 'mailbox unavailable'")
        .bind(MAX_ATTEMPTS)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        outbox::claim_due(&db.pool, jiff::SignedDuration::from_mins(5), 10)
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
    // It is tried again: the server's mail worker sends it (checking the outbox ourselves would
    // race that worker for the message).
    server.wait_for_mail_to("nobody@nowhere.invalid").await;
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

#[tokio::test]
async fn a_declined_review_emails_the_administrators_and_waits_on_their_dashboard() {
    use app::api::assignments::DeclineReview;
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
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::InReview)
        .reviewer(&reviewer_id)
        .build(&server)
        .await;
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let slot = app::store::reviews::slots_of(&server.state.db, &AssessmentId::from(&assessment))
        .await
        .unwrap()
        .remove(0)
        .id;
    let (_, assignment_page) = page(
        &admin,
        &server,
        &format!("/admin/cycles/{cycle}/assignment"),
    )
    .await;
    assert!(
        assignment_page.contains("1 peer reviewer is available."),
        "counts in words agree with their number"
    );
    let answer = post(
        &reviewer,
        &server,
        DeclineReview::PATH,
        &[
            ("slot_id", &slot),
            ("reason", "On leave for the whole review period"),
        ],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    let emails: Vec<(String, String, String)> =
        sqlx::query_as("SELECT to_address, subject, body_text FROM mail_outbox WHERE subject LIKE 'A reviewer declined%'")
            .fetch_all(&server.state.db.pool)
            .await
            .unwrap();
    assert_eq!(emails.len(), 1, "{emails:?}");
    let (to, subject, body) = &emails[0];
    assert_eq!(to, "admin@england.nhs.uk");
    assert_eq!(
        subject,
        "A reviewer declined: Leeds Teaching Hospitals NHS Trust – Acute"
    );
    assert!(
        body.contains("On leave for the whole review period"),
        "{body}"
    );
    assert!(
        body.contains(&format!("/admin/cycles/{cycle}/assignment")),
        "{body}"
    );

    let admin_lines = lines(&dashboard(&admin, &server).await, "Cycles and the service");
    assert!(
        admin_lines.iter().any(
            |(text, href, _)| text.ends_with("1 declined review to replace")
                && href == &format!("/admin/cycles/{cycle}/assignment")
        ),
        "{admin_lines:?}"
    );
}

/// RR8's review by reviewer@r0a.nhs.uk in a cycle whose review deadline passed 10 days ago:
/// the review slot's id.
async fn overdue_review(server: &TestServer) -> String {
    let cycle = CycleBuilder::new()
        .regions(&["Y63"])
        .opens_in_days(-70)
        .deadlines_from_days(-40)
        .in_peer_review(server)
        .await;
    let reviewer_id = AccountBuilder::new("reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(server)
        .await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::InReview)
        .reviewer(&reviewer_id)
        .build(server)
        .await;
    app::store::reviews::slots_of(&server.state.db, &AssessmentId::from(&assessment))
        .await
        .unwrap()
        .remove(0)
        .id
}

#[tokio::test]
async fn an_administrator_reminds_the_people_of_an_overdue_task_now() {
    use app::api::dashboard::RemindNow;
    let server = start_server().await;
    let slot = overdue_review(&server).await;
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let sections = dashboard(&admin, &server).await;
    let overdue = sections[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["remind"] == format!("review:{slot}"))
        .unwrap_or_else(|| panic!("the overdue review is listed: {sections}"));
    assert_eq!(
        overdue["text"],
        "Overdue: Peer review of Leeds Teaching Hospitals NHS Trust – Acute by Test Peer reviewer"
    );
    assert_eq!(overdue["href"], format!("/reviews/{slot}"));

    let queued = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE 'Overdue: %'",
        )
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap()
    };
    for bad in [
        "",
        "review:no-such-review",
        "submission:nothing",
        "nonsense",
    ] {
        let answer = post(&admin, &server, RemindNow::PATH, &[("task", bad)]).await;
        assert!(
            answer.body.contains("There is no open task like this"),
            "{bad:?}: {}",
            answer.body
        );
    }
    assert_eq!(queued().await, 0, "bad input changes nothing");

    let answer = post(
        &admin,
        &server,
        RemindNow::PATH,
        &[("task", &format!("review:{slot}"))],
    )
    .await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/dashboard?reminded=1"),
        "{}",
        answer.body
    );
    let to: String =
        sqlx::query_scalar("SELECT to_address FROM mail_outbox WHERE subject LIKE 'Overdue: %'")
            .fetch_one(&server.state.db.pool)
            .await
            .unwrap();
    assert_eq!(to, "reviewer@r0a.nhs.uk");
    assert!(app::store::audit::recent(&server.state.db.pool, 10)
        .await
        .unwrap()
        .iter()
        .any(
            |record| record.action == "remind now" && record.entity_id == format!("review:{slot}")
        ));
}

/// "Remind now" counts towards the three reminders a person gets about a task: pressed again
/// and again it emails them three times at most, then says why it sends nothing; the job does not
/// send its own overdue reminder on top.
#[tokio::test]
async fn reminding_now_again_and_again_emails_a_person_three_times_at_most() {
    use app::api::dashboard::RemindNow;
    let server = start_server().await;
    let slot = overdue_review(&server).await;
    let task = format!("review:{slot}");
    let admin = AccountBuilder::new("admin@england.nhs.uk")
        .role(Role::Admin)
        .signed_in(&server)
        .await;
    let emailed = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM mail_outbox WHERE to_address = 'reviewer@r0a.nhs.uk'",
        )
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap()
    };
    let fields = [("task", task.as_str())];
    let press = || post(&admin, &server, RemindNow::PATH, &fields);

    let answer = press().await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/dashboard?reminded=1"),
        "{}",
        answer.body
    );
    assert_eq!(emailed().await, 1);
    // The press was the overdue reminder: the job has nothing more to send about this review.
    let sent_by_job = app::api::reminders::send_due_reminders(
        &server.state.db,
        "http://localhost",
        app::api::reminders::Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!(sent_by_job, 0);
    assert_eq!(emailed().await, 1);

    for count in 2..=3 {
        let answer = press().await;
        assert_eq!(
            answer.location.as_deref(),
            Some("/dashboard?reminded=1"),
            "{}",
            answer.body
        );
        assert_eq!(emailed().await, count);
    }
    for _ in 0..3 {
        let answer = press().await;
        assert!(
            answer.body.contains(
                "Nothing was sent: this person has already had 3 reminders about this task"
            ),
            "{}",
            answer.body
        );
    }
    assert_eq!(emailed().await, 3, "never more than three");
    let claimed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM reminders_sent WHERE task = $1 AND recipient = 'reviewer@r0a.nhs.uk'",
    )
    .bind(&task)
    .fetch_one(&server.state.db.pool)
    .await
    .unwrap();
    assert_eq!(claimed, 3);
    let audited = app::store::audit::recent(&server.state.db.pool, 50)
        .await
        .unwrap()
        .iter()
        .filter(|record| record.action == "remind now" && record.entity_id == task)
        .count();
    assert_eq!(
        audited, 3,
        "a refused press changes nothing, the audit trail included"
    );
}

/// The moderators' dashboard counts the queue by status and by region, and links its overdue
/// count to the queue filtered to the assessments past their moderation deadline.
#[tokio::test]
async fn moderators_see_the_queue_by_status_and_region_and_what_is_overdue() {
    use app::api::moderation::ModerationQueue;
    let server = start_server().await;
    // The moderation deadline was 20 days ago.
    let cycle = CycleBuilder::new()
        .regions(&["Y63"])
        .opens_in_days(-100)
        .deadlines_from_days(-80)
        .in_peer_review(&server)
        .await;
    let reviewer = AccountBuilder::new("reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(&server)
        .await;
    let ready = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::Replied)
        .answer_domains(..)
        .reviewer(&reviewer)
        .build(&server)
        .await;
    let moderated = AssessmentBuilder::new(&cycle, "RCB")
        .status(AssessmentStatus::Moderated)
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
    let texts: Vec<(&str, &str)> = moderation
        .iter()
        .map(|(text, href, _)| (text.as_str(), href.as_str()))
        .collect();
    assert_eq!(
        texts[..3],
        [
            (
                "1 assessment ready for moderation",
                "/moderation?status=Ready+for+moderation"
            ),
            (
                "1 assessment moderated, awaiting sign-off",
                "/moderation?status=Moderated"
            ),
            (
                "1 assessment past its moderation deadline",
                "/moderation?overdue=1"
            ),
        ],
        "{moderation:?}"
    );
    let (region, href, detail) = &moderation[3];
    assert!(
        region.ends_with(": 1 ready for moderation, 1 moderated"),
        "{region}"
    );
    assert!(href.starts_with("/moderation?region="), "{href}");
    assert_eq!(detail, "2 assessments");

    // Each link shows the list behind its count.
    let listed = |fields: &'static [(&'static str, &'static str)]| {
        let moderator = &moderator;
        let server = &server;
        async move {
            let answer = post(moderator, server, ModerationQueue::PATH, fields).await;
            assert_eq!(answer.status, 200, "{}", answer.body);
            let queue: Value = serde_json::from_str(&answer.body).unwrap();
            queue["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|line| line["assessment_id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        listed(&[("overdue", "1")]).await,
        std::slice::from_ref(&ready)
    );
    assert_eq!(
        listed(&[("status", "Moderated")]).await,
        std::slice::from_ref(&moderated)
    );
    assert_eq!(listed(&[]).await.len(), 2);
    let (status, overdue_page) = page(&moderator, &server, "/moderation?overdue=1").await;
    assert_eq!(status, 200);
    assert!(
        overdue_page.contains(&format!("/moderation/{ready}")),
        "{overdue_page}"
    );
    assert!(!overdue_page.contains(&format!("/moderation/{moderated}")));
    let refused = post(
        &moderator,
        &server,
        ModerationQueue::PATH,
        &[("overdue", "yes")],
    )
    .await;
    assert!(
        refused.body.contains("Choose whether to show only"),
        "{}",
        refused.body
    );
}

/// A person holding two roles sees a section for each: a trust lead who is also a peer reviewer
/// sees their trust's assessment and the review waiting for them, each linked.
#[tokio::test]
async fn a_person_with_two_roles_sees_both_sections() {
    let server = start_server().await;
    let cycle = CycleBuilder::new()
        .regions(&["Y63"])
        .in_peer_review(&server)
        .await;
    let (both, both_id) = AccountBuilder::new("lead@rcb.nhs.uk")
        .org("RCB")
        .role(Role::TrustLead)
        .role(Role::PeerReviewer)
        .signed_in_with_id(&server)
        .await;
    AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::InReview)
        .reviewer(&both_id)
        .build(&server)
        .await;
    let own = AssessmentBuilder::new(&cycle, "RCB")
        .status(AssessmentStatus::InProgress)
        .build(&server)
        .await;

    let sections = dashboard(&both, &server).await;
    let headings: Vec<&str> = sections
        .as_array()
        .unwrap()
        .iter()
        .map(|section| section["heading"].as_str().unwrap())
        .collect();
    assert_eq!(headings, ["Your trust's assessments", "Your reviews"]);
    let trust = lines(&sections, "Your trust's assessments");
    assert_eq!(trust.len(), 1, "{trust:?}");
    assert_eq!(trust[0].1, format!("/assessments/{own}"));
    let reviews = lines(&sections, "Your reviews");
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    assert!(reviews[0].1.starts_with("/reviews/"), "{reviews:?}");
    for (_, href, _) in trust.iter().chain(&reviews) {
        let (status, _) = page(&both, &server, href).await;
        assert_eq!(status, 200, "{href}");
    }
}
