//! Reminders of deadlines: the reviews still open (the assessments open for submission or a
//! reply come from `assessments`), the reminders already sent, and sending one exactly once.

use super::outbox::OutgoingMail;
use super::{now_utc, Db};
use crate::write::Audit;

/// An assigned review not yet submitted, of an assessment still in review.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenReview {
    pub slot_id: String,
    pub email: String,
    pub display_name: String,
    /// The reviewer's own later deadline, if given, or the cycle's.
    pub deadline: String,
    pub trust_name: String,
    pub care_setting: String,
}

pub async fn open_reviews(db: &Db) -> Result<Vec<OpenReview>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id AS slot_id, acc.email, acc.display_name, \
         COALESCE(x.deadline, c.review_deadline) AS deadline, \
         COALESCE(o.name, a.trust_ods_code) AS trust_name, a.care_setting \
         FROM review_assignments r JOIN cycles c ON c.id = r.cycle_id \
         JOIN assessments a ON a.id = r.assessment_id \
         JOIN accounts acc ON acc.id = r.reviewer_id AND acc.is_active = 1 \
         LEFT JOIN review_verdicts v ON v.assignment_id = r.id \
         LEFT JOIN review_deadline_extensions x ON x.assignment_id = r.id \
         LEFT JOIN assessed_organisations o ON o.snapshot_id = c.snapshot_id AND o.ods_code = a.trust_ods_code \
         WHERE r.status = 'assigned' AND v.submitted_at IS NULL AND a.status = 'in_review' \
         ORDER BY r.id",
    )
    .fetch_all(&db.pool)
    .await
}

/// A reminder already sent.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SentReminder {
    pub task: String,
    pub recipient: String,
    pub kind: String,
}

pub async fn sent(db: &Db) -> Result<Vec<SentReminder>, sqlx::Error> {
    sqlx::query_as("SELECT task, recipient, kind FROM reminders_sent")
        .fetch_all(&db.pool)
        .await
}

/// Claims the reminder and queues its email in one transaction; false (and nothing queued) when
/// it was claimed already, by another instance or an earlier run.
pub async fn send_once(
    db: &Db,
    task: &str,
    recipient: &str,
    kind: &str,
    mail: &OutgoingMail,
) -> Result<bool, sqlx::Error> {
    // The service itself sends reminders.
    let mut w = db.write("system").await?;
    let claimed = claim(w.tx(), task, recipient, kind).await?;
    if claimed {
        w.enqueue([mail]).await?;
    }
    w.commit().await?;
    Ok(claimed)
}

/// Claims the reminder `(task, recipient, kind)` in the caller's transaction: true if nobody had.
async fn claim(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    task: &str,
    recipient: &str,
    kind: &str,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO reminders_sent (task, recipient, kind, sent_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (task, recipient, kind) DO NOTHING",
    )
    .bind(task)
    .bind(recipient)
    .bind(kind)
    .bind(now_utc())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Queues reminders an administrator asked for now, one per `(recipient, mail)`, each claimed in
/// `reminders_sent` under the key `key_for` gives from the keys that person already has about
/// the task (None: they have had all they may get, and are skipped), with the audit record, in
/// one transaction. Returns who was emailed; when nobody was, nothing is written.
pub async fn send_now(
    db: &Db,
    task: &str,
    actor: &str,
    mails: &[(String, OutgoingMail)],
    key_for: impl Fn(&[String]) -> Option<String>,
) -> Result<Vec<String>, sqlx::Error> {
    let mut w = db.write(actor).await?;
    let mut emailed = Vec::new();
    for (recipient, mail) in mails {
        let already: Vec<String> = sqlx::query_scalar(
            "SELECT kind FROM reminders_sent WHERE task = $1 AND recipient = $2",
        )
        .bind(task)
        .bind(recipient)
        .fetch_all(&mut *w)
        .await?;
        let Some(kind) = key_for(&already) else {
            continue;
        };
        if claim(w.tx(), task, recipient, &kind).await? {
            w.enqueue([mail]).await?;
            emailed.push(recipient.clone());
        }
    }
    if emailed.is_empty() {
        w.rollback().await?;
        return Ok(emailed);
    }
    w.audit(Audit::new("task", task, "remind now").after(format!("{} emailed", emailed.len())))
        .await?;
    w.commit().await?;
    Ok(emailed)
}
