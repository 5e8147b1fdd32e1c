//! Accounts and their roles: inviting and setting up people, reading who they are, changing
//! their roles and whether they may sign in.

use super::links::{insert_link, withdraw_links};
use crate::ids::AccountId;
use crate::outbox::MailWithSecret;
use crate::write::Audit;
use crate::{new_id, now_utc, timestamp, Db};
use jiff::{SignedDuration, Timestamp};
use rules::access::Actor;
use rules::accounts::{email_key, AccountSummary, LinkPurpose, Role};
use std::collections::BTreeSet;

/// Why an account change could not be made. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account already exists for {0}")]
    EmailTaken(String),
    #[error("no such account")]
    NoSuchAccount,
    /// The inviter has sent as many invitations as they may today: the words say so.
    #[error("{0}")]
    TooManyInvitations(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A person to invite.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub org_ods_code: Option<String>,
    pub roles: Vec<Role>,
}

/// What sign-in needs to know about an email address.
#[derive(Clone, Debug)]
pub struct SignInRecord {
    pub account_id: String,
    pub password_hash: Option<String>,
    pub is_active: bool,
}

fn roles_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|role| role.key())
        .collect::<Vec<_>>()
        .join(",")
}

/// Creates an account with no password, its invitation link and the invitation email, with the
/// audit record, in one transaction, if `allowed` permits it given the invitations `actor` sent
/// in the last 24 hours (counted in the same write, so invitations sent at once cannot all slip
/// under the limit).
pub async fn invite(
    db: &Db,
    actor: &str,
    account: &NewAccount,
    token: &str,
    mail: &MailWithSecret,
    allowed: impl FnOnce(i64) -> Result<(), String>,
) -> Result<String, AccountError> {
    let key = email_key(&account.email);
    let mut w = db.write(actor).await?;
    let sent_in_last_day: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts WHERE invited_by = $1 AND created_at > $2",
    )
    .bind(actor)
    .bind(timestamp(Timestamp::now() - SignedDuration::from_hours(24)))
    .fetch_one(&mut *w)
    .await?;
    allowed(sent_in_last_day).map_err(AccountError::TooManyInvitations)?;
    let taken: Option<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE email_key = $1")
        .bind(&key)
        .fetch_optional(&mut *w)
        .await?;
    if taken.is_some() {
        return Err(AccountError::EmailTaken(account.email.trim().to_string()));
    }
    let id = new_id();
    let now = now_utc();
    let inserted = sqlx::query(
        "INSERT INTO accounts (id, email, email_key, display_name, org_ods_code, is_active, invited_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7)",
    )
    .bind(&id)
    .bind(account.email.trim())
    .bind(&key)
    .bind(account.display_name.trim())
    .bind(&account.org_ods_code)
    .bind(actor)
    .bind(&now)
    .execute(&mut *w)
    .await;
    match inserted {
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
            return Err(AccountError::EmailTaken(account.email.trim().to_string()))
        }
        other => other?,
    };
    for role in &account.roles {
        sqlx::query("INSERT INTO account_roles (account_id, role) VALUES ($1, $2)")
            .bind(&id)
            .bind(role.key())
            .execute(&mut *w)
            .await?;
    }
    insert_link(
        w.tx(),
        &AccountId::from(&id),
        LinkPurpose::Invitation,
        token,
    )
    .await?;
    w.enqueue_with_secret(mail).await?;
    w.audit(Audit::new("account", &id, "invite person").after(format!(
        "{} <{}>, organisation {}, roles {}",
        account.display_name.trim(),
        account.email.trim(),
        account.org_ods_code.as_deref().unwrap_or("none"),
        roles_text(&account.roles)
    )))
    .await?;
    w.commit().await?;
    Ok(id)
}

pub async fn find_for_sign_in(db: &Db, email: &str) -> Result<Option<SignInRecord>, sqlx::Error> {
    let row: Option<(String, Option<String>, i64)> =
        sqlx::query_as("SELECT id, password_hash, is_active FROM accounts WHERE email_key = $1")
            .bind(email_key(email))
            .fetch_optional(&db.pool)
            .await?;
    Ok(
        row.map(|(account_id, password_hash, is_active)| SignInRecord {
            account_id,
            password_hash,
            is_active: is_active == 1,
        }),
    )
}

/// The person behind a session, if their account is active and the session is still valid for
/// it (issued after the account's sessions were last ended: a password change, say).
pub async fn active_actor(
    db: &Db,
    account_id: &AccountId,
    issued_at: &str,
) -> Result<Option<Actor>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct ActorRow {
        id: String,
        email: String,
        display_name: String,
        org_ods_code: Option<String>,
        sessions_valid_after: Option<String>,
    }
    let row: Option<ActorRow> = sqlx::query_as(
        "SELECT id, email, display_name, org_ods_code, sessions_valid_after FROM accounts WHERE id = $1 AND is_active = 1",
    )
    .bind(account_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row
        .sessions_valid_after
        .is_some_and(|after| issued_at < after.as_str())
    {
        return Ok(None);
    }
    Ok(Some(Actor {
        account_id: row.id,
        email: row.email,
        display_name: row.display_name,
        org_ods_code: row.org_ods_code,
        roles: roles_of(db, account_id).await?.into_iter().collect(),
    }))
}

async fn roles_of(db: &Db, account_id: &AccountId) -> Result<Vec<Role>, sqlx::Error> {
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT role FROM account_roles WHERE account_id = $1")
            .bind(account_id)
            .fetch_all(&db.pool)
            .await?;
    let mut roles: Vec<Role> = keys.iter().filter_map(|key| Role::from_key(key)).collect();
    roles.sort();
    Ok(roles)
}

/// `has_password` is 0 or 1 by CASE, because `x IS NOT NULL` is an integer in SQLite and a
/// boolean in PostgreSQL.
const SUMMARY_COLUMNS: &str = "a.id, a.email, a.display_name, a.org_ods_code, a.is_active, \
    CASE WHEN a.password_hash IS NULL THEN 0 ELSE 1 END AS has_password, a.created_at, \
    COALESCE(t.name, i.name) AS org_name";

/// Joins the organisation's name from the current snapshot, whichever kind it is.
const ORG_JOINS: &str = "LEFT JOIN org_snapshots s ON s.is_current = 1 \
    LEFT JOIN trusts t ON t.snapshot_id = s.id AND t.ods_code = a.org_ods_code \
    LEFT JOIN icbs i ON i.snapshot_id = s.id AND i.ods_code = a.org_ods_code";

/// An account as [`SUMMARY_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: String,
    email: String,
    display_name: String,
    org_ods_code: Option<String>,
    is_active: i64,
    has_password: i64,
    created_at: String,
    org_name: Option<String>,
}

async fn summary_from_row(db: &Db, row: SummaryRow) -> Result<AccountSummary, sqlx::Error> {
    Ok(AccountSummary {
        roles: roles_of(db, &AccountId::from(&row.id)).await?,
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        org_ods_code: row.org_ods_code,
        org_name: row
            .org_name
            .map(|name| rules::organisations::readable_name(&name)),
        is_active: row.is_active == 1,
        has_password: row.has_password == 1,
        created_at: row.created_at,
    })
}

/// Accounts, optionally only those of one organisation and/or holding one role, by name.
pub async fn list(
    db: &Db,
    org_ods_code: Option<&str>,
    role: Option<Role>,
) -> Result<Vec<AccountSummary>, sqlx::Error> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM accounts a {ORG_JOINS} \
         WHERE ($1 = '' OR a.org_ods_code = $1) \
         AND ($2 = '' OR EXISTS (SELECT 1 FROM account_roles r WHERE r.account_id = a.id AND r.role = $2)) \
         ORDER BY LOWER(a.display_name), a.email_key"
    ))
    .bind(org_ods_code.unwrap_or(""))
    .bind(role.map_or("", Role::key))
    .fetch_all(&db.pool)
    .await?;
    let mut accounts = Vec::with_capacity(rows.len());
    for row in rows {
        accounts.push(summary_from_row(db, row).await?);
    }
    Ok(accounts)
}

pub async fn summary(
    db: &Db,
    account_id: &AccountId,
) -> Result<Option<AccountSummary>, sqlx::Error> {
    let row: Option<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM accounts a {ORG_JOINS} WHERE a.id = $1"
    ))
    .bind(account_id)
    .fetch_optional(&db.pool)
    .await?;
    match row {
        Some(row) => Ok(Some(summary_from_row(db, row).await?)),
        None => Ok(None),
    }
}

/// Replaces an account's roles, with an audit record of before and after and the reason.
pub async fn set_roles(
    db: &Db,
    actor: &str,
    account_id: &AccountId,
    roles: &[Role],
    reason: Option<&str>,
) -> Result<(), AccountError> {
    let before = roles_of(db, account_id).await?;
    let mut w = db.write(actor).await?;
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(&mut *w)
        .await?;
    if exists.is_none() {
        return Err(AccountError::NoSuchAccount);
    }
    sqlx::query("DELETE FROM account_roles WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *w)
        .await?;
    let unique: BTreeSet<Role> = roles.iter().copied().collect();
    for role in &unique {
        sqlx::query("INSERT INTO account_roles (account_id, role) VALUES ($1, $2)")
            .bind(account_id)
            .bind(role.key())
            .execute(&mut *w)
            .await?;
    }
    sqlx::query("UPDATE accounts SET updated_at = $1 WHERE id = $2")
        .bind(now_utc())
        .bind(account_id)
        .execute(&mut *w)
        .await?;
    w.audit(
        Audit::new("account", account_id, "change roles")
            .before(roles_text(&before))
            .after(roles_text(&unique.into_iter().collect::<Vec<_>>()))
            .reason(reason.map(str::to_string)),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Enables or disables an account, with its audit record. A disabled account cannot sign in, and
/// its sessions are deleted in the same transaction.
pub async fn set_active(
    db: &Db,
    actor: &str,
    account_id: &AccountId,
    active: bool,
    reason: Option<&str>,
) -> Result<(), AccountError> {
    let mut w = db.write(actor).await?;
    let before: Option<i64> = sqlx::query_scalar("SELECT is_active FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(&mut *w)
        .await?;
    let Some(before) = before else {
        return Err(AccountError::NoSuchAccount);
    };
    sqlx::query("UPDATE accounts SET is_active = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(active))
        .bind(now_utc())
        .bind(account_id)
        .execute(&mut *w)
        .await?;
    // A disabled account is signed out everywhere at once, not at its sessions' next request.
    let sessions_ended = if active {
        0
    } else {
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *w)
            .await?
            .rows_affected()
    };
    let status = |active: bool| if active { "active" } else { "disabled" }.to_string();
    w.audit(
        Audit::new(
            "account",
            account_id,
            if active {
                "enable account"
            } else {
                "disable account"
            },
        )
        .before(status(before == 1))
        .after(match sessions_ended {
            0 => status(active),
            n => format!("{}; signed-in sessions ended: {n}", status(active)),
        })
        .reason(reason.map(str::to_string)),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Creates or updates an account with a known password and roles (demo data and the first
/// administrator), with an audit record.
pub async fn upsert_with_password(
    db: &Db,
    actor: &str,
    account: &NewAccount,
    password_hash: &str,
) -> Result<String, sqlx::Error> {
    let key = email_key(&account.email);
    let now = now_utc();
    let mut w = db.write(actor).await?;
    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email_key = $1")
            .bind(&key)
            .fetch_optional(&mut *w)
            .await?;
    let id = match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE accounts SET display_name = $1, org_ods_code = $2, password_hash = $3, is_active = 1, \
                 sessions_valid_after = $4, updated_at = $4 WHERE id = $5",
            )
            .bind(account.display_name.trim())
            .bind(&account.org_ods_code)
            .bind(password_hash)
            .bind(&now)
            .bind(&id)
            .execute(&mut *w)
            .await?;
            sqlx::query("DELETE FROM account_roles WHERE account_id = $1")
                .bind(&id)
                .execute(&mut *w)
                .await?;
            id
        }
        None => {
            let id = new_id();
            sqlx::query(
                "INSERT INTO accounts (id, email, email_key, display_name, org_ods_code, password_hash, is_active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
            )
            .bind(&id)
            .bind(account.email.trim())
            .bind(&key)
            .bind(account.display_name.trim())
            .bind(&account.org_ods_code)
            .bind(password_hash)
            .bind(&now)
            .execute(&mut *w)
            .await?;
            id
        }
    };
    for role in &account.roles {
        sqlx::query("INSERT INTO account_roles (account_id, role) VALUES ($1, $2)")
            .bind(&id)
            .bind(role.key())
            .execute(&mut *w)
            .await?;
    }
    withdraw_links(w.tx(), &AccountId::from(&id), &now).await?;
    w.audit(
        Audit::new("account", &id, "set up account with password").after(format!(
            "{} <{}>, roles {}",
            account.display_name.trim(),
            account.email.trim(),
            roles_text(&account.roles)
        )),
    )
    .await?;
    w.commit().await?;
    Ok(id)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::accounts::{link_state, set_password_with_link, LinkState};
    use crate::outbox::OutgoingMail;
    use crate::test_support::test_databases;
    use crate::testing::AccountBuilder;
    use crate::{audit, outbox};

    pub(in crate::accounts) fn person(
        email: &str,
        org: Option<&str>,
        roles: &[Role],
    ) -> NewAccount {
        AccountBuilder::new(email).at(org).roles(roles).build()
    }

    pub(in crate::accounts) fn no_limit(_: i64) -> Result<(), String> {
        Ok(())
    }

    pub(in crate::accounts) fn mail(to: &str) -> MailWithSecret {
        MailWithSecret::new(
            "https://dma.test/set-password?token=secret".into(),
            |link| OutgoingMail {
                html: String::new(),
                to: to.into(),
                subject: "Invitation".into(),
                body: format!("Link: {link}"),
            },
        )
    }

    #[tokio::test]
    async fn an_invitation_creates_the_account_link_mail_and_audit_record_together() {
        for (db, _folder) in test_databases().await {
            let id = invite(
                &db,
                "admin-1",
                &person("Jo@Trust.nhs.uk", Some("RR8"), &[Role::TrustLead]),
                "secret",
                &mail("jo@trust.nhs.uk"),
                no_limit,
            )
            .await
            .unwrap();
            let again = invite(
                &db,
                "admin-1",
                &person("jo@trust.NHS.uk", None, &[Role::Admin]),
                "other",
                &mail("x"),
                no_limit,
            )
            .await;
            assert!(
                matches!(again, Err(AccountError::EmailTaken(_))),
                "one account per address, whatever the case"
            );

            let listed = list(&db, Some("RR8"), Some(Role::TrustLead)).await.unwrap();
            assert_eq!(listed.len(), 1);
            assert_eq!(listed[0].id, id);
            assert!(!listed[0].has_password && listed[0].is_active);
            assert!(list(&db, Some("R0A"), None).await.unwrap().is_empty());
            assert!(list(&db, None, Some(Role::Admin)).await.unwrap().is_empty());
            assert_eq!(outbox::unsent_count(&db.pool).await.unwrap(), 1);
            assert_eq!(
                audit::recent(&db.pool, 5).await.unwrap()[0].action,
                "invite person"
            );

            assert!(matches!(
                link_state(&db, "secret").await.unwrap(),
                LinkState::Usable {
                    purpose: LinkPurpose::Invitation,
                    ..
                }
            ));
            assert_eq!(
                set_password_with_link(&db, "secret", "hash").await.unwrap(),
                Ok(id.clone())
            );
            assert_eq!(
                set_password_with_link(&db, "secret", "hash2")
                    .await
                    .unwrap(),
                Err(LinkState::Used)
            );
            assert!(
                summary(&db, &AccountId::from(&id))
                    .await
                    .unwrap()
                    .unwrap()
                    .has_password
            );
            assert_eq!(
                link_state(&db, "unknown").await.unwrap(),
                LinkState::Unknown
            );
        }
    }

    #[tokio::test]
    async fn role_and_status_changes_are_audited_with_before_and_after() {
        for (db, _folder) in test_databases().await {
            let id = upsert_with_password(
                &db,
                "tests",
                &person("jo@trust.nhs.uk", Some("RR8"), &[Role::TrustLead]),
                "hash",
            )
            .await
            .unwrap();
            set_roles(
                &db,
                "admin-1",
                &AccountId::from(&id),
                &[Role::PeerReviewer, Role::TrustLead],
                Some("Joined the reviewer pool"),
            )
            .await
            .unwrap();
            set_active(
                &db,
                "admin-1",
                &AccountId::from(&id),
                false,
                Some("Left the trust"),
            )
            .await
            .unwrap();
            let records = audit::recent(&db.pool, 2).await.unwrap();
            assert_eq!(records[0].action, "disable account");
            assert_eq!(
                (records[0].before.as_deref(), records[0].after.as_deref()),
                (Some("active"), Some("disabled"))
            );
            assert_eq!(records[1].before.as_deref(), Some("trust_lead"));
            assert_eq!(
                records[1].after.as_deref(),
                Some("trust_lead,peer_reviewer")
            );
            assert_eq!(
                records[1].reason.as_deref(),
                Some("Joined the reviewer pool")
            );
            assert_eq!(
                active_actor(&db, &AccountId::from(&id), &now_utc())
                    .await
                    .unwrap(),
                None,
                "a disabled account has no actor"
            );
            assert!(matches!(
                set_roles(&db, "admin-1", &AccountId::from("no-such-id"), &[], None).await,
                Err(AccountError::NoSuchAccount)
            ));
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn invitations_are_rationed_per_inviter_over_the_last_day() {
        for (db, _folder) in test_databases().await {
            let two_a_day = |sent: i64| {
                if sent < 2 {
                    Ok(())
                } else {
                    Err(format!("{sent} sent"))
                }
            };
            for n in 0..2 {
                let email = format!("person{n}@trust.nhs.uk");
                let invited = invite(
                    &db,
                    "lead-1",
                    &person(&email, Some("RR8"), &[Role::TrustLead]),
                    &format!("secret {n}"),
                    &mail(&email),
                    two_a_day,
                )
                .await;
                assert!(invited.is_ok(), "{invited:?}");
            }
            let refused = invite(
                &db,
                "lead-1",
                &person("third@trust.nhs.uk", Some("RR8"), &[Role::TrustLead]),
                "third",
                &mail("third@trust.nhs.uk"),
                two_a_day,
            )
            .await;
            assert!(
                matches!(&refused, Err(AccountError::TooManyInvitations(words)) if words == "2 sent"),
                "{refused:?}"
            );
            assert_eq!(link_state(&db, "third").await.unwrap(), LinkState::Unknown);
            assert_eq!(list(&db, None, None).await.unwrap().len(), 2);
            assert_eq!(outbox::unsent_count(&db.pool).await.unwrap(), 2);
            assert!(
                invite(
                    &db,
                    "lead-2",
                    &person("third@trust.nhs.uk", Some("RR8"), &[Role::TrustLead]),
                    "third",
                    &mail("third@trust.nhs.uk"),
                    two_a_day,
                )
                .await
                .is_ok(),
                "another inviter has their own"
            );
        }
    }
}
