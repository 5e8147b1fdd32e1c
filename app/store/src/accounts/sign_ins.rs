//! Sign-in events in the audit trail (signing in, failing to, signing out) and ending an
//! account's sessions.

use super::links::{links_withdrawn, withdraw_links};
use crate::ids::AccountId;
use crate::write::Audit;
use crate::{now_utc, Db};
use rules::accounts::{email_for_audit, email_key};

/// Records a successful sign-in in the audit trail and forgets the account's failed attempts.
pub async fn record_sign_in(
    db: &Db,
    account_id: &AccountId,
    email: &str,
    client: &str,
    with_second_factor: bool,
) -> Result<(), sqlx::Error> {
    let mut w = db.write(account_id).await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE scope = 'email' AND subject = $1")
        .bind(email_key(email))
        .execute(&mut *w)
        .await?;
    let after = if with_second_factor {
        format!("from {client}, with a second factor")
    } else {
        format!("from {client}")
    };
    w.audit(sign_in_event("sign in", account_id.as_str(), after))
        .await?;
    w.commit().await
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
    let mut w = db.write("anonymous").await?;
    let attempted = account_id.unwrap_or(&key);
    w.audit(sign_in_event(
        "failed sign-in",
        attempted,
        format!("{key} from {client}"),
    ))
    .await?;
    w.commit().await
}

/// Audits a sign-out.
pub async fn record_sign_out(
    db: &Db,
    account_id: &AccountId,
    client: &str,
) -> Result<(), sqlx::Error> {
    let mut w = db.write(account_id).await?;
    w.audit(sign_in_event(
        "sign out",
        account_id.as_str(),
        format!("from {client}"),
    ))
    .await?;
    w.commit().await
}

fn sign_in_event<'a>(action: &'a str, account: &'a str, after: String) -> Audit<'a> {
    Audit::new("account", account, action).after(after)
}

/// Ends every session of the account signed in before now (its own included: the caller starts
/// the current one afresh), with the audit record; with `password_hash`, sets the new password
/// too, and withdraws the account's outstanding links. `action` names it for the trail.
pub async fn end_sessions(
    db: &Db,
    account_id: &AccountId,
    password_hash: Option<&str>,
    action: &str,
) -> Result<(), sqlx::Error> {
    let now = now_utc();
    let mut w = db.write(account_id).await?;
    sqlx::query(
        "UPDATE accounts SET password_hash = COALESCE($1, password_hash), \
         sessions_valid_after = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(password_hash)
    .bind(&now)
    .bind(account_id)
    .execute(&mut *w)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *w)
        .await?;
    let withdrawn = match password_hash {
        Some(_) => withdraw_links(w.tx(), account_id, &now).await?,
        None => 0,
    };
    w.audit(Audit::new("account", account_id, action).after(links_withdrawn(withdrawn)))
        .await?;
    w.commit().await
}
