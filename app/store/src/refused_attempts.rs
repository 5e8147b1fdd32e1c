//! Attempts the sign-in, password-reset and code limits turned away. An audit record for each
//! would let a flood past a limit queue writes at the one writer, kept for ever, at no cost to
//! the sender; so they are tallied in memory, and the audit trail gets one record per limit,
//! source (the client address, its /64 for IPv6) and window, once the window has closed.

use super::accounts::Throttled;
use super::{timestamp, Db};
use crate::write::Audit;
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

/// Sources tallied apart at once; refusals from any more are tallied together, so a flood from
/// many addresses cannot grow the tally without bound.
const MAX_SOURCES: usize = 10_000;
/// The source the refusals past [`MAX_SOURCES`] are tallied under.
pub const OTHER_SOURCES: &str = "(other addresses)";
/// Accounts a summary names; it says when there were more.
const MAX_NAMED: usize = 5;

/// The refusals of each limit and source in their current window. Cheap to clone: the clones
/// share one tally.
#[derive(Clone, Debug, Default)]
pub struct RefusedAttempts(Arc<Mutex<HashMap<(Throttled, String), Tally>>>);

#[derive(Debug)]
struct Tally {
    first: Timestamp,
    last: Timestamp,
    closes: Timestamp,
    refused: u64,
    named: BTreeSet<String>,
    more_named: bool,
    reason: String,
}

/// One window's refusals by one limit from one source, as the audit trail records them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedSummary {
    pub what: Throttled,
    pub source: String,
    pub refused: u64,
    pub first: String,
    pub last: String,
    /// The accounts the attempts named (email addresses; account ids for codes), up to
    /// [`MAX_NAMED`], and whether there were more.
    pub named: Vec<String>,
    pub more_named: bool,
    /// Why the first of them was refused, in the words the sender read.
    pub reason: String,
}

impl RefusedAttempts {
    /// Tallies one refused attempt from `source` naming `named` (None: text that names no
    /// account). Its window opens with the first refusal and lasts `window`. Returns whether
    /// this refusal opened it, for the log.
    pub fn tally(
        &self,
        what: Throttled,
        source: &str,
        named: Option<String>,
        reason: &str,
        window: SignedDuration,
        now: Timestamp,
    ) -> bool {
        let mut tallies = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut key = (what, source.to_string());
        if !tallies.contains_key(&key) && tallies.len() >= MAX_SOURCES {
            key.1 = OTHER_SOURCES.to_string();
        }
        let mut opened = false;
        let tally = tallies.entry(key).or_insert_with(|| {
            opened = true;
            Tally {
                first: now,
                last: now,
                closes: now + window,
                refused: 0,
                named: BTreeSet::new(),
                more_named: false,
                reason: reason.to_string(),
            }
        });
        tally.refused += 1;
        tally.last = now;
        if let Some(named) = named {
            if tally.named.len() < MAX_NAMED || tally.named.contains(&named) {
                tally.named.insert(named);
            } else {
                tally.more_named = true;
            }
        }
        opened
    }

    /// Takes out the windows closed by `now`.
    pub fn take_closed(&self, now: Timestamp) -> Vec<RefusedSummary> {
        self.take(|tally| tally.closes <= now)
    }

    /// Takes out every window, closed or not: when the service stops.
    pub fn take_all(&self) -> Vec<RefusedSummary> {
        self.take(|_| true)
    }

    fn take(&self, taken: impl Fn(&Tally) -> bool) -> Vec<RefusedSummary> {
        let mut tallies = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let keys: Vec<(Throttled, String)> = tallies
            .iter()
            .filter(|(_, tally)| taken(tally))
            .map(|(key, _)| key.clone())
            .collect();
        let mut summaries: Vec<RefusedSummary> = keys
            .into_iter()
            .filter_map(|key| tallies.remove_entry(&key))
            .map(|((what, source), tally)| RefusedSummary {
                what,
                source,
                refused: tally.refused,
                first: timestamp(tally.first),
                last: timestamp(tally.last),
                named: tally.named.into_iter().collect(),
                more_named: tally.more_named,
                reason: tally.reason,
            })
            .collect();
        summaries.sort_by(|a, b| a.first.cmp(&b.first).then(a.source.cmp(&b.source)));
        summaries
    }
}

/// Writes one audit record per summary, all in one transaction.
pub async fn record(db: &Db, summaries: &[RefusedSummary]) -> Result<(), sqlx::Error> {
    if summaries.is_empty() {
        return Ok(());
    }
    let mut w = db.write("anonymous").await?;
    for summary in summaries {
        let mut after = format!(
            "{} attempts from {} to {}",
            summary.refused, summary.first, summary.last
        );
        if !summary.named.is_empty() {
            after.push_str(&format!(", naming {}", summary.named.join(", ")));
            if summary.more_named {
                after.push_str(" and others");
            }
        }
        w.audit(
            Audit::new(
                "client address",
                &summary.source,
                summary.what.refused_action(),
            )
            .after(after)
            .reason(summary.reason.clone()),
        )
        .await?;
    }
    w.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit;
    use crate::test_support::test_databases;

    const WINDOW: SignedDuration = SignedDuration::from_mins(15);

    fn at(minutes: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH
            + SignedDuration::from_hours(20_000 * 24)
            + SignedDuration::from_mins(minutes)
    }

    #[test]
    fn refusals_are_summarised_per_limit_source_and_window() {
        let refused = RefusedAttempts::default();
        let tally = |what, source, named: &str, minute| {
            refused.tally(
                what,
                source,
                Some(named.to_string()),
                "Too many",
                WINDOW,
                at(minute),
            )
        };
        assert!(tally(Throttled::SignIn, "192.0.2.1", "a@nhs.net", 0));
        for minute in 1..=9 {
            assert!(!tally(Throttled::SignIn, "192.0.2.1", "b@nhs.net", minute));
        }
        assert!(tally(Throttled::PasswordReset, "192.0.2.1", "a@nhs.net", 2));
        assert!(tally(Throttled::SignIn, "2001:db8::/64", "a@nhs.net", 5));
        assert!(refused.take_closed(at(14)).is_empty(), "none has closed");

        let closed = refused.take_closed(at(15));
        assert_eq!(
            closed,
            [RefusedSummary {
                what: Throttled::SignIn,
                source: "192.0.2.1".into(),
                refused: 10,
                first: timestamp(at(0)),
                last: timestamp(at(9)),
                named: vec!["a@nhs.net".into(), "b@nhs.net".into()],
                more_named: false,
                reason: "Too many".into(),
            }]
        );
        assert!(
            tally(Throttled::SignIn, "192.0.2.1", "a@nhs.net", 16),
            "a new window opens"
        );
        let rest: Vec<(Throttled, String, u64)> = refused
            .take_all()
            .into_iter()
            .map(|summary| (summary.what, summary.source, summary.refused))
            .collect();
        assert_eq!(
            rest,
            [
                (Throttled::PasswordReset, "192.0.2.1".into(), 1),
                (Throttled::SignIn, "2001:db8::/64".into(), 1),
                (Throttled::SignIn, "192.0.2.1".into(), 1),
            ]
        );
        assert!(refused.take_all().is_empty());
    }

    #[test]
    fn a_flood_from_many_sources_or_naming_many_accounts_is_tallied_in_bounded_memory() {
        let refused = RefusedAttempts::default();
        for n in 0..MAX_SOURCES + 50 {
            let named = format!("person{n}@nhs.net");
            refused.tally(
                Throttled::SignIn,
                &format!("source {n}"),
                Some(named),
                "Too many",
                WINDOW,
                at(0),
            );
        }
        for n in 0..20 {
            let named = format!("person{n}@nhs.net");
            refused.tally(
                Throttled::SignIn,
                "source 0",
                Some(named),
                "Too many",
                WINDOW,
                at(1),
            );
        }
        let summaries = refused.take_all();
        assert_eq!(summaries.len(), MAX_SOURCES + 1);
        let others = summaries
            .iter()
            .find(|summary| summary.source == OTHER_SOURCES)
            .unwrap();
        assert_eq!((others.refused, others.named.len()), (50, MAX_NAMED));
        let first = summaries
            .iter()
            .find(|summary| summary.source == "source 0")
            .unwrap();
        assert_eq!(
            (first.refused, first.named.len(), first.more_named),
            (21, MAX_NAMED, true)
        );
    }

    #[tokio::test]
    async fn each_summary_is_one_audit_record() {
        for (db, _folder) in test_databases().await {
            let refused = RefusedAttempts::default();
            for minute in 0..3 {
                refused.tally(
                    Throttled::SignIn,
                    "192.0.2.1",
                    Some("jo@nhs.net".into()),
                    "Too many",
                    WINDOW,
                    at(minute),
                );
            }
            record(&db, &refused.take_all()).await.unwrap();
            let records = audit::recent(&db.pool, 5).await.unwrap();
            assert_eq!(records.len(), 1);
            let record = &records[0];
            assert_eq!(
                (
                    record.actor.as_str(),
                    record.action.as_str(),
                    record.entity_id.as_str()
                ),
                ("anonymous", "sign-in refused by the limit", "192.0.2.1")
            );
            assert_eq!(
                record.after.as_deref(),
                Some(
                    format!(
                        "3 attempts from {} to {}, naming jo@nhs.net",
                        timestamp(at(0)),
                        timestamp(at(2))
                    )
                    .as_str()
                )
            );
            assert_eq!(record.reason.as_deref(), Some("Too many"));
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }
}
