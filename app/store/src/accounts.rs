//! Accounts, their roles, single-use links (invitations, password resets) and failed sign-ins.

use super::audit::{self, AuditEntry};
use super::outbox::{self, MailWithSecret};
use super::{new_id, now_utc, timestamp, Db};
use rules::access::Actor;
use rules::accounts::{check_email, email_for_audit, email_key, AccountSummary, LinkPurpose, Role};
use rules::sign_in::throttle_source;
use sha2::{Digest, Sha256};
use sqlx::{any::AnyRow, Row};
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};

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

/// The state of an emailed link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkState {
    Usable {
        account_id: String,
        purpose: LinkPurpose,
        email: String,
        display_name: String,
    },
    Expired,
    Used,
    Unknown,
}

/// Only a hash of a link's secret is stored.
pub fn link_token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
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
    let mut tx = db.begin_write().await?;
    let sent_in_last_day: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts WHERE invited_by = $1 AND created_at > $2",
    )
    .bind(actor)
    .bind(timestamp(OffsetDateTime::now_utc() - Duration::days(1)))
    .fetch_one(&mut *tx)
    .await?;
    allowed(sent_in_last_day).map_err(AccountError::TooManyInvitations)?;
    let taken: Option<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE email_key = $1")
        .bind(&key)
        .fetch_optional(&mut *tx)
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
    .execute(&mut *tx)
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
            .execute(&mut *tx)
            .await?;
    }
    insert_link(&mut tx, &id, LinkPurpose::Invitation, token).await?;
    outbox::enqueue_with_secret(&mut tx, mail).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor,
            action: "invite person",
            entity_type: "account",
            entity_id: &id,
            before: None,
            after: Some(format!(
                "{} <{}>, organisation {}, roles {}",
                account.display_name.trim(),
                account.email.trim(),
                account.org_ods_code.as_deref().unwrap_or("none"),
                roles_text(&account.roles)
            )),
            reason: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert_link(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    account_id: &str,
    purpose: LinkPurpose,
    token: &str,
) -> Result<(), sqlx::Error> {
    let now = OffsetDateTime::now_utc();
    sqlx::query("INSERT INTO account_links (token_hash, account_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(link_token_hash(token))
        .bind(account_id)
        .bind(purpose.key())
        .bind(timestamp(now))
        .bind(timestamp(now + Duration::hours(purpose.lifetime_hours())))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Withdraws the account's links still outstanding (invitations, password resets) when its
/// password is set: a link sent before must not set another one later. They read as expired
/// from `now`. Returns how many there were, for the audit record.
async fn withdraw_links(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    account_id: &str,
    now: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE account_links SET expires_at = $1 \
         WHERE account_id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(account_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// What the audit record of a password set says of the links it withdrew, if any.
fn links_withdrawn(count: u64) -> Option<String> {
    (count > 0).then(|| format!("other links withdrawn: {count}"))
}

/// Queues a password-reset link for an active account, with its email and audit record.
pub async fn create_reset_link(
    db: &Db,
    account_id: &str,
    token: &str,
    mail: &MailWithSecret,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    insert_link(&mut tx, account_id, LinkPurpose::PasswordReset, token).await?;
    outbox::enqueue_with_secret(&mut tx, mail).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor: account_id,
            action: "request password reset",
            entity_type: "account",
            entity_id: account_id,
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await
}

/// Whether a link can be used, without using it.
pub async fn link_state(db: &Db, token: &str) -> Result<LinkState, sqlx::Error> {
    let row = sqlx::query(
        "SELECT l.account_id, l.purpose, l.expires_at, l.used_at, a.email, a.display_name, a.is_active \
         FROM account_links l JOIN accounts a ON a.id = l.account_id WHERE l.token_hash = $1",
    )
    .bind(link_token_hash(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(LinkState::Unknown);
    };
    if row.try_get::<Option<String>, _>("used_at")?.is_some() {
        return Ok(LinkState::Used);
    }
    if row.try_get::<String, _>("expires_at")? <= now_utc()
        || row.try_get::<i64, _>("is_active")? == 0
    {
        return Ok(LinkState::Expired);
    }
    let purpose = LinkPurpose::from_key(&row.try_get::<String, _>("purpose")?)
        .unwrap_or(LinkPurpose::PasswordReset);
    Ok(LinkState::Usable {
        account_id: row.try_get("account_id")?,
        purpose,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
    })
}

/// Uses a link to set the account's password: the link is marked used in the same transaction,
/// and only if it is still unused and unexpired, so two uses at once cannot both succeed.
/// Every session signed in before now stops being valid.
pub async fn set_password_with_link(
    db: &Db,
    token: &str,
    password_hash: &str,
) -> Result<Result<String, LinkState>, sqlx::Error> {
    let state = link_state(db, token).await?;
    let LinkState::Usable {
        account_id,
        purpose,
        ..
    } = state
    else {
        return Ok(Err(state));
    };
    let now = now_utc();
    let mut tx = db.begin_write().await?;
    let claimed = sqlx::query("UPDATE account_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(&now)
        .bind(link_token_hash(token))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if claimed != 1 {
        tx.rollback().await?;
        return Ok(Err(LinkState::Used));
    }
    sqlx::query("UPDATE accounts SET password_hash = $1, sessions_valid_after = $2, updated_at = $2 WHERE id = $3")
        .bind(password_hash)
        .bind(&now)
        .bind(&account_id)
        .execute(&mut *tx)
        .await?;
    let withdrawn = withdraw_links(&mut tx, &account_id, &now).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor: &account_id,
            action: match purpose {
                LinkPurpose::Invitation => "accept invitation and set password",
                LinkPurpose::PasswordReset => "reset password",
            },
            entity_type: "account",
            entity_id: &account_id,
            after: links_withdrawn(withdrawn),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(account_id))
}

pub async fn find_for_sign_in(db: &Db, email: &str) -> Result<Option<SignInRecord>, sqlx::Error> {
    let row = sqlx::query("SELECT id, password_hash, is_active FROM accounts WHERE email_key = $1")
        .bind(email_key(email))
        .fetch_optional(&db.pool)
        .await?;
    row.map(|row| {
        Ok(SignInRecord {
            account_id: row.try_get("id")?,
            password_hash: row.try_get("password_hash")?,
            is_active: row.try_get::<i64, _>("is_active")? == 1,
        })
    })
    .transpose()
}

/// The person behind a session, if their account is active and the session is still valid for
/// it (issued after the account's sessions were last ended: a password change, say).
pub async fn active_actor(
    db: &Db,
    account_id: &str,
    issued_at: &str,
) -> Result<Option<Actor>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, email, display_name, org_ods_code, sessions_valid_after FROM accounts WHERE id = $1 AND is_active = 1",
    )
    .bind(account_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row
        .try_get::<Option<String>, _>("sessions_valid_after")?
        .is_some_and(|after| issued_at < after.as_str())
    {
        return Ok(None);
    }
    Ok(Some(Actor {
        account_id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        org_ods_code: row.try_get("org_ods_code")?,
        roles: roles_of(db, account_id).await?.into_iter().collect(),
    }))
}

async fn roles_of(db: &Db, account_id: &str) -> Result<Vec<Role>, sqlx::Error> {
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT role FROM account_roles WHERE account_id = $1")
            .bind(account_id)
            .fetch_all(&db.pool)
            .await?;
    let mut roles: Vec<Role> = keys.iter().filter_map(|key| Role::from_key(key)).collect();
    roles.sort();
    Ok(roles)
}

const SUMMARY_COLUMNS: &str = "a.id, a.email, a.display_name, a.org_ods_code, a.is_active, \
    a.password_hash IS NOT NULL AS has_password, a.created_at, \
    COALESCE(t.name, i.name) AS org_name";

/// Joins the organisation's name from the current snapshot, whichever kind it is.
const ORG_JOINS: &str = "LEFT JOIN org_snapshots s ON s.is_current = 1 \
    LEFT JOIN trusts t ON t.snapshot_id = s.id AND t.ods_code = a.org_ods_code \
    LEFT JOIN icbs i ON i.snapshot_id = s.id AND i.ods_code = a.org_ods_code";

async fn summary_from_row(db: &Db, row: &AnyRow) -> Result<AccountSummary, sqlx::Error> {
    let id: String = row.try_get("id")?;
    Ok(AccountSummary {
        roles: roles_of(db, &id).await?,
        id,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        org_ods_code: row.try_get("org_ods_code")?,
        org_name: row
            .try_get::<Option<String>, _>("org_name")?
            .map(|name| rules::organisations::readable_name(&name)),
        is_active: row.try_get::<i64, _>("is_active")? == 1,
        has_password: has_password(row)?,
        created_at: row.try_get("created_at")?,
    })
}

/// `x IS NOT NULL` is an integer in SQLite and a boolean in PostgreSQL.
fn has_password(row: &AnyRow) -> Result<bool, sqlx::Error> {
    row.try_get::<bool, _>("has_password").or_else(|_| {
        row.try_get::<i64, _>("has_password")
            .map(|value| value == 1)
    })
}

/// Accounts, optionally only those of one organisation and/or holding one role, by name.
pub async fn list(
    db: &Db,
    org_ods_code: Option<&str>,
    role: Option<Role>,
) -> Result<Vec<AccountSummary>, sqlx::Error> {
    let rows = sqlx::query(&format!(
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
    for row in &rows {
        accounts.push(summary_from_row(db, row).await?);
    }
    Ok(accounts)
}

pub async fn summary(db: &Db, account_id: &str) -> Result<Option<AccountSummary>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM accounts a {ORG_JOINS} WHERE a.id = $1"
    ))
    .bind(account_id)
    .fetch_optional(&db.pool)
    .await?;
    match row {
        Some(row) => Ok(Some(summary_from_row(db, &row).await?)),
        None => Ok(None),
    }
}

/// Replaces an account's roles, with an audit record of before and after and the reason.
pub async fn set_roles(
    db: &Db,
    actor: &str,
    account_id: &str,
    roles: &[Role],
    reason: Option<&str>,
) -> Result<(), AccountError> {
    let before = roles_of(db, account_id).await?;
    let mut tx = db.begin_write().await?;
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(AccountError::NoSuchAccount);
    }
    sqlx::query("DELETE FROM account_roles WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    let unique: BTreeSet<Role> = roles.iter().copied().collect();
    for role in &unique {
        sqlx::query("INSERT INTO account_roles (account_id, role) VALUES ($1, $2)")
            .bind(account_id)
            .bind(role.key())
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE accounts SET updated_at = $1 WHERE id = $2")
        .bind(now_utc())
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor,
            action: "change roles",
            entity_type: "account",
            entity_id: account_id,
            before: Some(roles_text(&before)),
            after: Some(roles_text(&unique.into_iter().collect::<Vec<_>>())),
            reason: reason.map(str::to_string),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Enables or disables an account, with its audit record. A disabled account cannot sign in, and
/// its sessions are deleted in the same transaction.
pub async fn set_active(
    db: &Db,
    actor: &str,
    account_id: &str,
    active: bool,
    reason: Option<&str>,
) -> Result<(), AccountError> {
    let mut tx = db.begin_write().await?;
    let before: Option<i64> = sqlx::query_scalar("SELECT is_active FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(before) = before else {
        return Err(AccountError::NoSuchAccount);
    };
    sqlx::query("UPDATE accounts SET is_active = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(active))
        .bind(now_utc())
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    // A disabled account is signed out everywhere at once, not at its sessions' next request.
    let sessions_ended = if active {
        0
    } else {
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
    };
    let status = |active: bool| if active { "active" } else { "disabled" }.to_string();
    audit::record(
        &mut tx,
        AuditEntry {
            actor,
            action: if active {
                "enable account"
            } else {
                "disable account"
            },
            entity_type: "account",
            entity_id: account_id,
            before: Some(status(before == 1)),
            after: Some(match sessions_ended {
                0 => status(active),
                n => format!("{}; signed-in sessions ended: {n}", status(active)),
            }),
            reason: reason.map(str::to_string),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a successful sign-in in the audit trail and forgets the account's failed attempts.
pub async fn record_sign_in(
    db: &Db,
    account_id: &str,
    email: &str,
    client: &str,
    with_second_factor: bool,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE scope = 'email' AND subject = $1")
        .bind(email_key(email))
        .execute(&mut *tx)
        .await?;
    record_sign_in_event(
        &mut tx,
        account_id,
        "sign in",
        account_id,
        if with_second_factor {
            format!("from {client}, with a second factor")
        } else {
            format!("from {client}")
        },
    )
    .await?;
    tx.commit().await
}

/// Audits a sign-in refused for a wrong email address or password: the address tried (its
/// account, where there is one) and where from. The trail keeps it whatever follows.
pub async fn record_failed_sign_in(
    db: &Db,
    email: &str,
    account_id: Option<&str>,
    client: &str,
) -> Result<(), sqlx::Error> {
    let key = email_for_audit(email);
    let mut tx = db.begin_write().await?;
    let attempted = account_id.unwrap_or(&key);
    record_sign_in_event(
        &mut tx,
        "anonymous",
        "failed sign-in",
        attempted,
        format!("{key} from {client}"),
    )
    .await?;
    tx.commit().await
}

/// Audits a sign-out.
pub async fn record_sign_out(db: &Db, account_id: &str, client: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    record_sign_in_event(
        &mut tx,
        account_id,
        "sign out",
        account_id,
        format!("from {client}"),
    )
    .await?;
    tx.commit().await
}

async fn record_sign_in_event(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    actor: &str,
    action: &str,
    account: &str,
    after: String,
) -> Result<(), sqlx::Error> {
    audit::record(
        tx,
        AuditEntry {
            actor,
            action,
            entity_type: "account",
            entity_id: account,
            after: Some(after),
            ..Default::default()
        },
    )
    .await
}

/// Ends every session of the account signed in before now (its own included: the caller starts
/// the current one afresh), with the audit record; with `password_hash`, sets the new password
/// too, and withdraws the account's outstanding links. `action` names it for the trail.
pub async fn end_sessions(
    db: &Db,
    account_id: &str,
    password_hash: Option<&str>,
    action: &str,
) -> Result<(), sqlx::Error> {
    let now = now_utc();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE accounts SET password_hash = COALESCE($1, password_hash), \
         sessions_valid_after = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(password_hash)
    .bind(&now)
    .bind(account_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    let withdrawn = match password_hash {
        Some(_) => withdraw_links(&mut tx, account_id, &now).await?,
        None => 0,
    };
    audit::record(
        &mut tx,
        AuditEntry {
            actor: account_id,
            action,
            entity_type: "account",
            entity_id: account_id,
            after: links_withdrawn(withdrawn),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await
}

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
    let since = timestamp(OffsetDateTime::now_utc() - Duration::minutes(minutes));
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
    let mut tx = db.begin_write().await?;
    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM accounts WHERE email_key = $1")
            .bind(&key)
            .fetch_optional(&mut *tx)
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
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM account_roles WHERE account_id = $1")
                .bind(&id)
                .execute(&mut *tx)
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
            .execute(&mut *tx)
            .await?;
            id
        }
    };
    for role in &account.roles {
        sqlx::query("INSERT INTO account_roles (account_id, role) VALUES ($1, $2)")
            .bind(&id)
            .bind(role.key())
            .execute(&mut *tx)
            .await?;
    }
    withdraw_links(&mut tx, &id, &now).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            actor,
            action: "set up account with password",
            entity_type: "account",
            entity_id: &id,
            after: Some(format!(
                "{} <{}>, roles {}",
                account.display_name.trim(),
                account.email.trim(),
                roles_text(&account.roles)
            )),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::OutgoingMail;
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
            .bind(timestamp(OffsetDateTime::now_utc() - Duration::hours(1)))
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

    fn person(email: &str, org: Option<&str>, roles: &[Role]) -> NewAccount {
        NewAccount {
            email: email.into(),
            display_name: "Jo Bloggs".into(),
            org_ods_code: org.map(Into::into),
            roles: roles.to_vec(),
        }
    }

    fn no_limit(_: i64) -> Result<(), String> {
        Ok(())
    }

    fn mail(to: &str) -> MailWithSecret {
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
            assert!(summary(&db, &id).await.unwrap().unwrap().has_password);
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
                &id,
                &[Role::PeerReviewer, Role::TrustLead],
                Some("Joined the reviewer pool"),
            )
            .await
            .unwrap();
            set_active(&db, "admin-1", &id, false, Some("Left the trust"))
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
                active_actor(&db, &id, &now_utc()).await.unwrap(),
                None,
                "a disabled account has no actor"
            );
            assert!(matches!(
                set_roles(&db, "admin-1", "no-such-id", &[], None).await,
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

    #[tokio::test]
    async fn setting_a_password_withdraws_the_accounts_other_links() {
        for (db, _folder) in test_databases().await {
            let email = "jo@trust.nhs.uk";
            let id = invite(
                &db,
                "admin-1",
                &person(email, Some("RR8"), &[Role::TrustLead]),
                "invitation",
                &mail(email),
                no_limit,
            )
            .await
            .unwrap();
            for token in ["first reset", "second reset"] {
                create_reset_link(&db, &id, token, &mail(email))
                    .await
                    .unwrap();
            }
            assert_eq!(
                set_password_with_link(&db, "second reset", "hash")
                    .await
                    .unwrap(),
                Ok(id.clone())
            );
            for token in ["invitation", "first reset"] {
                assert_eq!(
                    set_password_with_link(&db, token, "another hash")
                        .await
                        .unwrap(),
                    Err(LinkState::Expired),
                    "{token}"
                );
            }
            assert_eq!(
                audit::recent(&db.pool, 1).await.unwrap()[0]
                    .after
                    .as_deref(),
                Some("other links withdrawn: 2")
            );

            // A password changed while signed in withdraws them too; signing out elsewhere
            // changes no password and leaves them.
            create_reset_link(&db, &id, "third reset", &mail(email))
                .await
                .unwrap();
            end_sessions(&db, &id, None, "sign out everywhere else")
                .await
                .unwrap();
            assert!(matches!(
                link_state(&db, "third reset").await.unwrap(),
                LinkState::Usable { .. }
            ));
            end_sessions(&db, &id, Some("new hash"), "change password")
                .await
                .unwrap();
            assert_eq!(
                link_state(&db, "third reset").await.unwrap(),
                LinkState::Expired
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
