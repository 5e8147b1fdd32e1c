//! The reminder job: emails people 7 days and 2 days before their deadlines (submitting a
//! self-assessment, a peer review, a reply to the reviews) and once when one has passed; never
//! once they have finished, and at most three times a task (`rules::deadlines`). Each reminder is
//! claimed in the transaction that queues its email (`store::reminders::send_once`), so running
//! the job on several instances at once, or again after a restart, sends it once.

use super::mail_text::DeadlineReminder;
use crate::error::AppError;
use crate::rules::cycles::Phase;
use crate::rules::deadlines::{deadline_text, reminder_due, ReminderKind, MAX_REMINDERS};
use crate::rules::lifecycle::AssessmentStatus;
use crate::store::OdsCode;
use crate::store::{self, Db};
use std::collections::BTreeMap;

/// The instant the job runs at: the server passes the clock's, tests one of their choosing.
pub use jiff::Timestamp;

/// One person's open task with a deadline.
struct Task {
    key: String,
    recipient: String,
    name: String,
    deadline: String,
    /// Follows "you need to".
    what: String,
    /// As administrators see it: "Peer review of Leeds Teaching Hospitals NHS Trust – Acute".
    title: String,
    link: String,
}

/// A task past its deadline, as the administrators' dashboard lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverdueTask {
    pub key: String,
    pub title: String,
    pub deadline: String,
    /// Who it waits for, by name.
    pub people: Vec<String>,
}

/// Every task past its deadline at `now`, one entry per task however many people it waits for.
pub async fn overdue(db: &Db, now: Timestamp) -> Result<Vec<OverdueTask>, AppError> {
    let mut overdue: Vec<OverdueTask> = Vec::new();
    for task in open_tasks(db, "").await? {
        if crate::rules::deadlines::is_past(&task.deadline, now) != Some(true) {
            continue;
        }
        match overdue.iter_mut().find(|entry| entry.key == task.key) {
            Some(entry) => entry.people.push(task.name),
            None => overdue.push(OverdueTask {
                key: task.key,
                title: task.title,
                deadline: task.deadline,
                people: vec![task.name],
            }),
        }
    }
    Ok(overdue)
}

/// Emails everyone an overdue task waits for, now, at an administrator's request: the overdue
/// reminder, whatever reminders went before, with the audit record. Each counts towards the
/// three a person gets about a task (`rules::deadlines::remind_now_key`): those who have had
/// three are not emailed again. Refused for a task that is not open or not past its deadline, or
/// when everyone has had three. Returns how many were emailed.
pub async fn remind_now(
    db: &Db,
    public_url: &str,
    key: &str,
    actor: &str,
    now: Timestamp,
) -> Result<usize, AppError> {
    let tasks: Vec<Task> = open_tasks(db, public_url)
        .await?
        .into_iter()
        .filter(|task| task.key == key)
        .collect();
    let Some(first) = tasks.first() else {
        return Err(AppError::NotFound(
            "There is no open task like this: it may have been done already.".into(),
        ));
    };
    if crate::rules::deadlines::is_past(&first.deadline, now) != Some(true) {
        return Err(AppError::Invalid(
            "This task is not overdue yet: its reminders are sent by themselves before the deadline.".into(),
        ));
    }
    let mails: Vec<_> = tasks
        .iter()
        .map(|task| {
            let deadline = deadline_text(&task.deadline).unwrap_or_else(|| task.deadline.clone());
            let mail = DeadlineReminder {
                to: &task.recipient,
                name: &task.name,
                task: &task.what,
                deadline: &deadline,
                kind: ReminderKind::Overdue,
                link: &task.link,
            }
            .mail();
            (task.recipient.clone(), mail)
        })
        .collect();
    let emailed = store::reminders::send_now(
        db,
        key,
        actor,
        &mails,
        crate::rules::deadlines::remind_now_key,
    )
    .await?;
    if emailed.is_empty() {
        return Err(AppError::Invalid(format!(
            "Nothing was sent: {} already had {MAX_REMINDERS} reminders about this task, the most the service sends. Contact them another way.",
            if tasks.len() == 1 { "this person has" } else { "everyone it waits for has" }
        )));
    }
    Ok(emailed.len())
}

/// Queues every reminder due at `now`; returns how many. Links start with `public_url`.
pub async fn send_due_reminders(
    db: &Db,
    public_url: &str,
    now: Timestamp,
) -> Result<usize, AppError> {
    let mut sent: BTreeMap<(String, String), Vec<ReminderKind>> = BTreeMap::new();
    for reminder in store::reminders::sent(db).await? {
        if let Some(kind) = ReminderKind::from_key(&reminder.kind) {
            sent.entry((reminder.task, reminder.recipient))
                .or_default()
                .push(kind);
        }
    }
    let mut queued = 0;
    for task in open_tasks(db, public_url).await? {
        let already = sent
            .get(&(task.key.clone(), task.recipient.clone()))
            .map_or(&[][..], Vec::as_slice);
        let Some(kind) = reminder_due(&task.deadline, now, false, already) else {
            continue;
        };
        let deadline = deadline_text(&task.deadline).unwrap_or_else(|| task.deadline.clone());
        let mail = DeadlineReminder {
            to: &task.recipient,
            name: &task.name,
            task: &task.what,
            deadline: &deadline,
            kind,
            link: &task.link,
        }
        .mail();
        if store::reminders::send_once(db, &task.key, &task.recipient, kind.key(), &mail).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Everyone's open tasks: the leads of each trust with an assessment open for submission or a
/// reply, and each reviewer with a review to submit.
async fn open_tasks(db: &Db, public_url: &str) -> Result<Vec<Task>, AppError> {
    let mut leads: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut tasks = Vec::new();
    for status in [
        AssessmentStatus::NotStarted,
        AssessmentStatus::InProgress,
        AssessmentStatus::Reviewed,
    ] {
        for header in store::assessments::with_status(db, status).await? {
            let (kind, deadline, what, path, title) = match (status, header.phase) {
                (AssessmentStatus::Reviewed, Phase::PeerReview | Phase::Moderation) => (
                    "reply",
                    header.reply_deadline.clone(),
                    format!("reply to the peer reviews of {}", header.title()),
                    format!("/assessments/{}/reply", header.id),
                    format!("Reply to the peer reviews of {}", header.title()),
                ),
                (
                    AssessmentStatus::NotStarted | AssessmentStatus::InProgress,
                    Phase::Submission | Phase::PeerReview,
                ) => (
                    "submission",
                    header
                        .extended_deadline
                        .clone()
                        .unwrap_or_else(|| header.submission_deadline.clone()),
                    format!("submit the self-assessment of {}", header.title()),
                    format!("/assessments/{}", header.id),
                    format!("Self-assessment of {}", header.title()),
                ),
                _ => continue,
            };
            if !leads.contains_key(&header.trust_ods_code) {
                let found =
                    store::assessments::trust_leads(db, &OdsCode::from(&header.trust_ods_code))
                        .await?;
                leads.insert(header.trust_ods_code.clone(), found);
            }
            for (email, name) in &leads[&header.trust_ods_code] {
                tasks.push(Task {
                    key: format!("{kind}:{}", header.id),
                    recipient: email.to_lowercase(),
                    name: name.clone(),
                    deadline: deadline.clone(),
                    what: what.clone(),
                    title: title.clone(),
                    link: format!("{public_url}{path}"),
                });
            }
        }
    }
    for review in store::reminders::open_reviews(db).await? {
        let assessment = format!(
            "{} – {}",
            crate::rules::organisations::readable_name(&review.trust_name),
            review.care_setting
        );
        tasks.push(Task {
            key: format!("review:{}", review.slot_id),
            recipient: review.email.to_lowercase(),
            title: format!("Peer review of {assessment} by {}", review.display_name),
            name: review.display_name,
            deadline: review.deadline,
            what: format!("submit your peer review of {assessment}"),
            link: format!("{public_url}/reviews/{}", review.slot_id),
        });
    }
    Ok(tasks)
}
