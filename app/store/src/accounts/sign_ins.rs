//! Sign-in events in the audit trail (signing in, failing to, signing out) and ending an
//! account's sessions.

use super::links::{links_withdrawn, withdraw_links};
use crate::audit::{self, AuditEntry};
use crate::{now_utc, Db};
use rules::accounts::{email_for_audit, email_key};

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
