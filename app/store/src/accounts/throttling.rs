//! Throttling: attempts (sign-ins, password resets, second-factor codes) counted per account and
//! per client address, so a flood of guesses is turned away.

use crate::{new_id, now_utc, timestamp, Db};
use jiff::{SignedDuration, Timestamp};
use rules::accounts::{check_email, email_key};
use rules::sign_in::throttle_source;

/// What a throttled action is counted under: failed sign-ins, password reset requests, or
/// wrong second-factor codes (counted by account id rather than email address).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Throttled {
    SignIn,
    PasswordReset,
    SecondFactor,
}

impl Throttled {
    /// The `scope` values of its rows in `sign_in_failures`: per account, then per address.
    fn scopes(self) -> (&'static str, &'static str) {
        match self {
            Throttled::SignIn => ("email", "address"),
            Throttled::PasswordReset => ("reset-email", "reset-address"),
            Throttled::SecondFactor => ("code-account", "code-address"),
        }
    }

    /// The audit trail's name for attempts the limit turned away.
    pub fn refused_action(self) -> &'static str {
        match self {
            Throttled::SignIn => "sign-in refused by the limit",
            Throttled::PasswordReset => "password reset refused by the limit",
            Throttled::SecondFactor => "sign-in code refused by the limit",
        }
    }

    /// What an attempt is counted under per account, given what it named: for second-factor
    /// codes our own account id; otherwise the email address, only if the text typed is one (at
    /// most 254 characters). Other text names no account, and is neither kept nor counted.
    pub fn account_subject(self, named: &str) -> Option<String> {
        match self {
            Throttled::SecondFactor => Some(named.to_string()),
            Throttled::SignIn | Throttled::PasswordReset => {
                check_email(named).is_ok().then(|| email_key(named))
            }
        }
    }
}

/// Counts an attempt against the account it names and the client address (its /64 for IPv6, see
/// [`throttle_source`]) before any work is done for it, if `allowed` permits it given the
/// attempts already counted in the last `minutes` (per account, per address). Counting and
/// recording are one write, and writers take turns, so attempts made in parallel cannot all slip
/// under the limit. Returns the attempt's id, to forget it by (`forget_attempt`) if it succeeds.
///
/// An attempt already over the limit is refused from a read, without waiting for the writer or
/// writing anything: a flood past the limit costs the service no writes. The caller tallies
/// refusals for the audit trail (`api::throttle`). Counts older than the window are deleted as
/// attempts are recorded, so the table holds one window's worth.
pub async fn claim_attempt<E: std::fmt::Display>(
    db: &Db,
    what: Throttled,
    named: &str,
    client_address: &str,
    minutes: i64,
    mut allowed: impl FnMut(i64, i64) -> Result<(), E>,
) -> Result<Result<String, E>, sqlx::Error> {
    let since = timestamp(Timestamp::now() - SignedDuration::from_mins(minutes));
    let (account_scope, address_scope) = what.scopes();
    let subjects = [
        (account_scope, what.account_subject(named)),
        (address_scope, Some(throttle_source(client_address))),
    ];
    let counts = attempt_counts(&mut *db.pool.acquire().await?, &subjects, &since).await?;
    if let Err(refusal) = allowed(counts[0], counts[1]) {
        return Ok(Err(refusal));
    }
    let mut tx = db.begin_write().await?;
    let counts = attempt_counts(&mut tx, &subjects, &since).await?;
    if let Err(refusal) = allowed(counts[0], counts[1]) {
        tx.rollback().await?;
        return Ok(Err(refusal));
    }
    sqlx::query(
        "DELETE FROM sign_in_failures WHERE (scope = $1 OR scope = $2) AND occurred_at <= $3",
    )
    .bind(account_scope)
    .bind(address_scope)
    .bind(&since)
    .execute(&mut *tx)
    .await?;
    let attempt = new_id();
    let now = now_utc();
    for (scope, subject) in &subjects {
        let Some(subject) = subject else { continue };
        sqlx::query(
            "INSERT INTO sign_in_failures (id, scope, subject, occurred_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(format!("{attempt}/{scope}"))
        .bind(scope)
        .bind(subject)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Ok(attempt))
}

/// The attempts counted since `since` under each subject; none under no subject.
async fn attempt_counts(
    connection: &mut sqlx::AnyConnection,
    subjects: &[(&str, Option<String>); 2],
    since: &str,
) -> Result<[i64; 2], sqlx::Error> {
    let mut counts = [0i64; 2];
    for (count, (scope, subject)) in counts.iter_mut().zip(subjects) {
        let Some(subject) = subject else { continue };
        *count = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sign_in_failures WHERE scope = $1 AND subject = $2 AND occurred_at > $3",
        )
        .bind(scope)
        .bind(subject)
        .bind(since)
        .fetch_one(&mut *connection)
        .await?;
    }
    Ok(counts)
}

/// Forgets a counted attempt that turned out not to be a failure (a correct password).
pub async fn forget_attempt(db: &Db, attempt: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE id LIKE $1")
        .bind(format!("{attempt}/%"))
        .execute(db.writer())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit;
    use crate::test_support::test_databases;

    #[tokio::test]
    async fn attempts_made_at_once_never_all_pass_the_limit() {
        for (db, _folder) in test_databases().await {
            let limit = |by_account: i64, _by_address: i64| {
                if by_account < 5 {
                    Ok(())
                } else {
                    Err("too many")
                }
            };
            let attempts = (0..12).map(|n| {
                let db = db.clone();
                tokio::spawn(async move {
                    claim_attempt(
                        &db,
                        Throttled::SignIn,
                        "Jo@NHS.net",
                        &format!("10.0.0.{n}"),
                        15,
                        limit,
                    )
                    .await
                    .unwrap()
                })
            });
            let mut claimed = Vec::new();
            for attempt in attempts {
                if let Ok(id) = attempt.await.unwrap() {
                    claimed.push(id);
                }
            }
            assert_eq!(
                claimed.len(),
                5,
                "exactly the limit, however they interleave"
            );
            // A success is forgotten, which lets one more attempt through; other throttles
            // (password resets) count apart.
            forget_attempt(&db, &claimed[0]).await.unwrap();
            assert!(
                claim_attempt(&db, Throttled::SignIn, "jo@nhs.net", "x", 15, limit)
                    .await
                    .unwrap()
                    .is_ok()
            );
            assert!(
                claim_attempt(&db, Throttled::SignIn, "jo@nhs.net", "x", 15, limit)
                    .await
                    .unwrap()
                    .is_err()
            );
            assert!(
                claim_attempt(&db, Throttled::PasswordReset, "jo@nhs.net", "x", 15, limit)
                    .await
                    .unwrap()
                    .is_ok()
            );
        }
    }

    #[tokio::test]
    async fn an_attempt_over_the_limit_is_refused_without_waiting_for_the_writer() {
        for (db, _folder) in test_databases().await {
            let limit = |by_account: i64, _: i64| {
                if by_account < 1 {
                    Ok(())
                } else {
                    Err("too many")
                }
            };
            claim_attempt(&db, Throttled::SignIn, "jo@nhs.net", "10.0.0.1", 15, limit)
                .await
                .unwrap()
                .unwrap();
            let busy_writer = db.begin_write().await.unwrap();
            let refused = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                claim_attempt(&db, Throttled::SignIn, "jo@nhs.net", "10.0.0.2", 15, limit),
            )
            .await
            .expect("refused while another change holds the writer")
            .unwrap();
            assert_eq!(refused, Err("too many"));
            busy_writer.rollback().await.unwrap();
            assert!(
                audit::recent(&db.pool, 10).await.unwrap().is_empty(),
                "nothing written for it"
            );
        }
    }

    #[tokio::test]
    async fn only_an_email_address_is_kept_and_counts_older_than_the_window_are_deleted() {
        let allow = |_: i64, _: i64| Ok::<(), &str>(());
        for (db, _folder) in test_databases().await {
            sqlx::query(
                "INSERT INTO sign_in_failures (id, scope, subject, occurred_at) \
                 VALUES ('old/email', 'email', 'old@trust.nhs.uk', $1)",
            )
            .bind(timestamp(Timestamp::now() - SignedDuration::from_hours(1)))
            .execute(db.writer())
            .await
            .unwrap();
            let typed = "Correct Horse Battery Staple ".repeat(1000);
            for named in [typed.as_str(), "Jo@Trust.nhs.uk"] {
                claim_attempt(&db, Throttled::SignIn, named, "10.0.0.1", 15, allow)
                    .await
                    .unwrap()
                    .unwrap();
            }
            let kept: Vec<(String, String)> = sqlx::query_as(
                "SELECT scope, subject FROM sign_in_failures ORDER BY scope, subject",
            )
            .fetch_all(&db.pool)
            .await
            .unwrap();
            let kept: Vec<(&str, &str)> = kept
                .iter()
                .map(|(scope, subject)| (scope.as_str(), subject.as_str()))
                .collect();
            assert_eq!(
                kept,
                [
                    ("address", "10.0.0.1"),
                    ("address", "10.0.0.1"),
                    ("email", "jo@trust.nhs.uk")
                ]
            );
        }
    }

    #[tokio::test]
    async fn sign_in_failures_are_counted_per_email_and_per_address() {
        let allow = |_: i64, _: i64| Ok::<(), &str>(());
        let counted = |db: Db, email: &'static str, address: &'static str| async move {
            let mut seen = (-1, -1);
            let _ = claim_attempt(&db, Throttled::SignIn, email, address, 15, |a, b| {
                seen = (a, b);
                Err("only counting")
            })
            .await
            .unwrap();
            seen
        };
        for (db, _folder) in test_databases().await {
            claim_attempt(
                &db,
                Throttled::SignIn,
                "Jo@trust.nhs.uk",
                "10.0.0.1",
                15,
                allow,
            )
            .await
            .unwrap()
            .unwrap();
            claim_attempt(
                &db,
                Throttled::SignIn,
                "jo@trust.nhs.uk",
                "10.0.0.2",
                15,
                allow,
            )
            .await
            .unwrap()
            .unwrap();
            assert_eq!(
                counted(db.clone(), "JO@TRUST.NHS.UK", "10.0.0.1").await,
                (2, 1)
            );
            assert_eq!(
                counted(db.clone(), "other@trust.nhs.uk", "10.0.0.3").await,
                (0, 0)
            );
            assert_eq!(
                counted(db.clone(), "JO@TRUST.NHS.UK", "10.0.0.1").await,
                (2, 1),
                "a refused attempt is not counted"
            );
        }
    }
}
