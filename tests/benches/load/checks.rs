//! After a run: is every save the service acknowledged in the database, and was every email
//! sent (once, or again under the same Message-ID after a crash)?

use crate::journeys::Acknowledged;
use app::rules::framework::Domain;
use app::store::Db;
use e2e::fixtures::domain_answers;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// What checking the acknowledged saves found.
#[derive(Default)]
pub struct SavesChecked {
    pub acknowledged: usize,
    /// Acknowledged saves with no audit record of that version: lost.
    pub missing: Vec<String>,
    /// Domains whose stored version is not the last one acknowledged (with no crash: exactly it;
    /// after a crash, a later save may have been made whose answer was lost: at least it).
    pub wrong_version: Vec<String>,
    /// Domains still at their last acknowledged version whose stored content is not what was sent.
    pub wrong_content: Vec<String>,
}

/// Checks each acknowledged save: its audit record (written in the same transaction) and, for
/// the last save of each domain, the stored version and content.
pub async fn saves(
    db: &Db,
    domains: &[Domain],
    acknowledged: &[Acknowledged],
    crashed: bool,
) -> SavesChecked {
    let recorded: HashSet<(String, i64)> = sqlx::query_as::<_, (String, Option<String>)>(
        "SELECT entity_id, after_value FROM audit_events \
         WHERE action IN ('save answers', 'save review')",
    )
    .fetch_all(&db.pool)
    .await
    .expect("the audit records")
    .into_iter()
    .filter_map(|(entity, after)| {
        let version = after?
            .strip_prefix("version ")?
            .split(':')
            .next()?
            .parse()
            .ok()?;
        Some((entity, version))
    })
    .collect();
    let mut checked = SavesChecked::default();
    // The last acknowledged save of each domain, in the order they were made by each person.
    let mut last: BTreeMap<String, &Acknowledged> = BTreeMap::new();
    for save in acknowledged {
        let (entity, version) = match save {
            Acknowledged::Answers {
                assessment,
                domain,
                version,
                ..
            } => (format!("{assessment}/{domain}"), *version),
            Acknowledged::Review {
                slot,
                domain,
                version,
                ..
            } => (format!("{slot}/{domain}"), *version),
            Acknowledged::Invitation { .. } => continue,
        };
        checked.acknowledged += 1;
        if !recorded.contains(&(entity.clone(), version)) {
            checked.missing.push(format!("{entity} version {version}"));
        }
        last.insert(entity, save);
    }
    for (entity, save) in last {
        let (table, owner_column, owner, domain, version) = match save {
            Acknowledged::Answers {
                assessment,
                domain,
                version,
                ..
            } => (
                "domain_answers",
                "assessment_id",
                assessment,
                domain,
                *version,
            ),
            Acknowledged::Review {
                slot,
                domain,
                version,
                ..
            } => ("domain_reviews", "assignment_id", slot, domain, *version),
            Acknowledged::Invitation { .. } => unreachable!("only saves are kept"),
        };
        let stored: i64 = sqlx::query_scalar(&format!(
            "SELECT version FROM {table} WHERE {owner_column} = $1 AND domain_key = $2"
        ))
        .bind(owner)
        .bind(domain)
        .fetch_optional(&db.pool)
        .await
        .expect("the stored version")
        .unwrap_or(0);
        if stored < version || (!crashed && stored != version) {
            checked
                .wrong_version
                .push(format!("{entity}: acknowledged {version}, stored {stored}"));
            continue;
        }
        if stored != version {
            continue;
        }
        let (query, expected) = match save {
            Acknowledged::Answers { met_up_to, .. } => (
                "SELECT COUNT(*) FROM criterion_answers WHERE assessment_id = $1 AND domain_key = $2 AND met = 1",
                met_criteria(domains, domain, *met_up_to),
            ),
            Acknowledged::Review { disagrees, .. } => (
                "SELECT COUNT(*) FROM criterion_judgements WHERE assignment_id = $1 AND domain_key = $2",
                i64::from(*disagrees),
            ),
            Acknowledged::Invitation { .. } => unreachable!("only saves are kept"),
        };
        let count: i64 = sqlx::query_scalar(query)
            .bind(owner)
            .bind(domain)
            .fetch_one(&db.pool)
            .await
            .expect("the stored content");
        if count != expected {
            checked
                .wrong_content
                .push(format!("{entity}: {count} stored, {expected} sent"));
        }
    }
    checked
}

/// How many criteria of `domain` the answers sent, met up to `level`, mark as met.
fn met_criteria(domains: &[Domain], domain: &str, level: u8) -> i64 {
    let domain = domains
        .iter()
        .find(|candidate| candidate.key == domain)
        .expect("a domain the run saved");
    domain_answers(domain, level)
        .values()
        .filter(|answer| answer.is_met())
        .count() as i64
}

/// What checking the mail found.
pub struct MailChecked {
    /// Messages in the outbox, and those not sent by the end.
    pub queued: i64,
    pub unsent: i64,
    /// Files written, and distinct Message-IDs among them.
    pub files: usize,
    pub distinct: usize,
    /// Message-IDs written more than once (a resend after a crash), and how often.
    pub resent: Vec<(String, usize)>,
    /// Messages queued by the servers (not the set-up) with the same recipient, subject and
    /// text as another (a reminder or an invitation queued twice).
    pub queued_twice: i64,
    /// Acknowledged invitations with no email written to the person.
    pub invitations_unsent: Vec<String>,
    /// Deadline reminders recorded as sent.
    pub reminders: i64,
}

/// A message still waiting: queued, next attempt, lease until, attempts, last error.
type WaitingMail = (String, String, Option<String>, i64, Option<String>);

/// Waits (up to `patience`) until the outbox is empty, then compares it with the files written.
/// `servers_started` is when the servers started, as stored.
pub async fn mail(
    db: &Db,
    servers_started: &str,
    folder: &Path,
    acknowledged: &[Acknowledged],
    patience: Duration,
) -> MailChecked {
    let unsent_query = "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL";
    let deadline = Instant::now() + patience;
    let mut unsent: i64 = 0;
    while Instant::now() < deadline {
        unsent = sqlx::query_scalar(unsent_query)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        if unsent == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    if unsent > 0 {
        // What the outbox says of each message still waiting, to tell a slow sender from a stuck one.
        let waiting: Vec<WaitingMail> = sqlx::query_as(
            "SELECT created_at, next_attempt_at, lease_until, CAST(attempts AS BIGINT), last_error \
             FROM mail_outbox WHERE sent_at IS NULL ORDER BY created_at LIMIT 10",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        for (created, next, lease, attempts, error) in waiting {
            println!(
                "  not sent: queued {created}, next attempt {next}, lease until {lease:?}, {attempts} attempts, last error {error:?}"
            );
        }
    }
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let queued_twice: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(copies - 1), 0) AS BIGINT) FROM (SELECT COUNT(*) AS copies FROM mail_outbox \
         WHERE created_at >= $1 GROUP BY to_address, subject, body_text) AS messages",
    )
    .bind(servers_started)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let reminders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reminders_sent")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut recipients: HashSet<String> = HashSet::new();
    let mut files = 0;
    for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        files += 1;
        for line in text.lines() {
            if let Some(id) = line.strip_prefix("Message-ID: ") {
                *by_id.entry(id.trim().to_string()).or_default() += 1;
            } else if let Some(to) = line.strip_prefix("To: ") {
                recipients.insert(to.trim().to_string());
            }
        }
    }
    let invitations_unsent = acknowledged
        .iter()
        .filter_map(|save| match save {
            Acknowledged::Invitation { email } if !recipients.contains(email) => {
                Some(email.clone())
            }
            _ => None,
        })
        .collect();
    let mut resent: Vec<(String, usize)> = by_id
        .iter()
        .filter(|(_, copies)| **copies > 1)
        .map(|(id, copies)| (id.clone(), *copies))
        .collect();
    resent.sort();
    MailChecked {
        queued,
        unsent,
        files,
        distinct: by_id.len(),
        resent,
        queued_twice,
        invitations_unsent,
        reminders,
    }
}
