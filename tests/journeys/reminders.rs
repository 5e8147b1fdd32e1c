//! The reminder job with a clock the test controls: a trust lead is reminded 7 days and 2 days
//! before the submission deadline and once it has passed, each exactly once even with two
//! instances running the job at the same moment; never once they have submitted.

use app::api::reminders::{send_due_reminders, Timestamp};
use app::rules::accounts::Role;
use app::rules::deadlines::{deadline_instant, ReminderKind};
use app::rules::lifecycle::AssessmentStatus;
use app::store::CycleId;
use e2e::fixtures::{AccountBuilder, AssessmentBuilder, CycleBuilder};
use e2e::{start_server, TestServer};

const PUBLIC_URL: &str = "https://dma.example";

async fn run(server: &TestServer, now: Timestamp) -> usize {
    send_due_reminders(&server.state.db, PUBLIC_URL, now)
        .await
        .expect("the job runs")
}

/// `(to, subject)` of every queued email whose subject starts with one of the reminders'.
async fn reminders_queued(server: &TestServer) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT to_address, subject FROM mail_outbox WHERE subject LIKE 'Due in %' OR subject LIKE 'Overdue: %' \
         ORDER BY created_at, subject",
    )
    .fetch_all(&server.state.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_lead_is_reminded_before_and_after_the_deadline_once_each_and_never_once_finished() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().regions(&["Y63"]).open(&server).await;
    AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .create(&server)
        .await;
    AccountBuilder::new("lead@rcb.nhs.uk")
        .org("RCB")
        .role(Role::TrustLead)
        .create(&server)
        .await;
    AssessmentBuilder::new(&cycle, "RCB")
        .status(AssessmentStatus::Submitted)
        .build(&server)
        .await;
    let deadline = app::store::cycles::get(&server.state.db, &CycleId::from(&cycle))
        .await
        .unwrap()
        .unwrap()
        .dates
        .submission_deadline;
    let seven = ReminderKind::SevenDaysBefore.due_from(&deadline).unwrap();
    let two = ReminderKind::TwoDaysBefore.due_from(&deadline).unwrap();
    let passed = deadline_instant(&deadline).unwrap();
    let second = jiff::SignedDuration::from_secs(1);

    assert_eq!(
        run(&server, seven - second).await,
        0,
        "nothing before 7 days"
    );
    assert_eq!(run(&server, seven).await, 1);
    assert_eq!(
        run(&server, seven).await,
        0,
        "the same reminder is not sent twice"
    );
    // Two instances at the same moment: one reminder between them.
    let (a, b) = tokio::join!(run(&server, two), run(&server, two));
    assert_eq!(a + b, 1, "two instances send the 2-day reminder once");
    assert_eq!(
        run(&server, passed - second).await,
        0,
        "not overdue until the day ends"
    );
    assert_eq!(run(&server, passed).await, 1);
    assert_eq!(
        run(&server, passed + jiff::SignedDuration::from_hours(24 * 5)).await,
        0
    );

    let queued = reminders_queued(&server).await;
    let subjects: Vec<&str> = queued.iter().map(|(_, subject)| subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "Due in 7 days: submit the self-assessment of Leeds Teaching Hospitals NHS Trust – Acute",
            "Due in 2 days: submit the self-assessment of Leeds Teaching Hospitals NHS Trust – Acute",
            "Overdue: submit the self-assessment of Leeds Teaching Hospitals NHS Trust – Acute",
        ]
    );
    assert!(
        queued.iter().all(|(to, _)| to == "lead@rr8.nhs.uk"),
        "the lead whose trust submitted is never reminded: {queued:?}"
    );
}

#[tokio::test]
async fn a_deadline_on_the_day_the_clocks_go_forward_is_reminded_in_uk_time() {
    let server = start_server().await;
    let cycle = CycleBuilder::new().regions(&["Y63"]).open(&server).await;
    AccountBuilder::new("lead@rr8.nhs.uk")
        .org("RR8")
        .role(Role::TrustLead)
        .create(&server)
        .await;
    // The clocks go forward at 01:00 UTC on 28 March 2027: that day ends at 23:00 UTC.
    sqlx::query("UPDATE cycles SET submission_deadline = '2027-03-28' WHERE id = $1")
        .bind(&cycle)
        .execute(&server.state.db.pool)
        .await
        .unwrap();
    let at = |text: &str| text.parse::<Timestamp>().unwrap();
    assert_eq!(
        run(&server, at("2027-03-25T23:59:59Z")).await,
        1,
        "the 7-day reminder, and not yet the 2-day one"
    );
    assert_eq!(
        run(&server, at("2027-03-26T00:00:00Z")).await,
        1,
        "2 days before, from the start of the UK day (still GMT)"
    );
    assert_eq!(
        run(&server, at("2027-03-28T22:59:59Z")).await,
        0,
        "23:59:59 BST is not overdue"
    );
    assert_eq!(
        run(&server, at("2027-03-28T23:00:00Z")).await,
        1,
        "00:00 BST on the 29th is"
    );
    let subjects: Vec<String> = reminders_queued(&server)
        .await
        .into_iter()
        .map(|(_, subject)| subject)
        .collect();
    assert!(subjects[0].starts_with("Due in 7 days"), "{subjects:?}");
    assert!(subjects[1].starts_with("Due in 2 days"), "{subjects:?}");
    assert!(subjects[2].starts_with("Overdue"), "{subjects:?}");
    let body: String =
        sqlx::query_scalar("SELECT body_text FROM mail_outbox WHERE subject LIKE 'Overdue: %'")
            .fetch_one(&server.state.db.pool)
            .await
            .unwrap();
    assert!(body.contains("by 23:59 on 28 March 2027"), "{body}");
}

/// The job reminds a peer reviewer of the review deadline: 7 days and 2 days before it and once
/// it has passed, each once; never a reviewer whose reviews are all in.
#[tokio::test]
async fn a_reviewer_is_reminded_of_the_review_deadline_once_each_and_never_once_finished() {
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
    let finished = AccountBuilder::new("finished@r1k.nhs.uk")
        .org("R1K")
        .role(Role::PeerReviewer)
        .create(&server)
        .await;
    AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::InReview)
        .reviewer(&reviewer)
        .build(&server)
        .await;
    // Its reviews are in: its reviewer has nothing left to do.
    AssessmentBuilder::new(&cycle, "RCB")
        .status(AssessmentStatus::Reviewed)
        .answer_domains(..)
        .reviewer(&finished)
        .build(&server)
        .await;
    let deadline = app::store::cycles::get(&server.state.db, &CycleId::from(&cycle))
        .await
        .unwrap()
        .unwrap()
        .dates
        .review_deadline;
    let seven = ReminderKind::SevenDaysBefore.due_from(&deadline).unwrap();
    let two = ReminderKind::TwoDaysBefore.due_from(&deadline).unwrap();
    let passed = deadline_instant(&deadline).unwrap();
    let second = jiff::SignedDuration::from_secs(1);

    assert_eq!(
        run(&server, seven - second).await,
        0,
        "nothing before 7 days"
    );
    assert_eq!(run(&server, seven).await, 1);
    assert_eq!(run(&server, two - second).await, 0);
    assert_eq!(run(&server, two).await, 1);
    assert_eq!(
        run(&server, passed - second).await,
        0,
        "not overdue until the day ends"
    );
    let (a, b) = tokio::join!(run(&server, passed), run(&server, passed));
    assert_eq!(a + b, 1, "two instances send the overdue reminder once");
    assert_eq!(
        run(&server, passed + jiff::SignedDuration::from_hours(24 * 5)).await,
        0
    );

    let queued = reminders_queued(&server).await;
    let subjects: Vec<&str> = queued.iter().map(|(_, subject)| subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "Due in 7 days: submit your peer review of Leeds Teaching Hospitals NHS Trust – Acute",
            "Due in 2 days: submit your peer review of Leeds Teaching Hospitals NHS Trust – Acute",
            "Overdue: submit your peer review of Leeds Teaching Hospitals NHS Trust – Acute",
        ],
        "{queued:?}"
    );
    assert!(
        queued.iter().all(|(to, _)| to == "reviewer@r0a.nhs.uk"),
        "the reviewer who finished is never reminded: {queued:?}"
    );
}
