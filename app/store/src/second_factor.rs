//! Second factors: each account's authenticator app (its TOTP secret and the last time step
//! accepted) and its recovery codes, kept as hashes.

use super::{new_id, now_utc, Db};
use crate::ids::AccountId;
use crate::write::Audit;

/// An account's authenticator app.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Authenticator {
    /// The shared secret, base32 as authenticator apps take it.
    pub totp_secret: String,
    pub last_used_step: i64,
    pub enrolled_at: String,
}

/// An unused recovery code's id and hash.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RecoveryCodeHash {
    pub id: String,
    pub code_hash: String,
}

pub async fn authenticator(
    db: &Db,
    account_id: &AccountId,
) -> Result<Option<Authenticator>, sqlx::Error> {
    sqlx::query_as(
        "SELECT totp_secret, last_used_step, enrolled_at FROM second_factors WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(&db.pool)
    .await
}

/// Sets up (or replaces) the account's authenticator app and recovery codes, the code that
/// proved it counting as used, with the audit record, in one transaction.
pub async fn enrol(
    db: &Db,
    account_id: &AccountId,
    totp_secret: &str,
    accepted_step: i64,
    recovery_code_hashes: &[String],
) -> Result<(), sqlx::Error> {
    let now = now_utc();
    let mut w = db.write(account_id).await?;
    let replaced = sqlx::query("DELETE FROM second_factors WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *w)
        .await?
        .rows_affected()
        > 0;
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *w)
        .await?;
    sqlx::query(
        "INSERT INTO second_factors (account_id, totp_secret, last_used_step, enrolled_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(account_id)
    .bind(totp_secret)
    .bind(accepted_step)
    .bind(&now)
    .execute(&mut *w)
    .await?;
    for hash in recovery_code_hashes {
        sqlx::query("INSERT INTO recovery_codes (id, account_id, code_hash) VALUES ($1, $2, $3)")
            .bind(new_id())
            .bind(account_id)
            .bind(hash)
            .execute(&mut *w)
            .await?;
    }
    w.audit(
        Audit::new(
            "account",
            account_id,
            if replaced {
                "replace authenticator app"
            } else {
                "set up authenticator app"
            },
        )
        .after(format!("{} recovery codes", recovery_code_hashes.len())),
    )
    .await?;
    w.commit().await
}

/// Takes the app code of time step `step` as used, if no code of that step or a later one has
/// been: one conditional write, so the same code sent twice at once is accepted once.
pub async fn accept_step(db: &Db, account_id: &AccountId, step: i64) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE second_factors SET last_used_step = $1 WHERE account_id = $2 AND last_used_step < $1",
    )
    .bind(step)
    .bind(account_id)
    .execute(db.writer())
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn unused_recovery_codes(
    db: &Db,
    account_id: &AccountId,
) -> Result<Vec<RecoveryCodeHash>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, code_hash FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(&db.pool)
    .await
}

/// Marks a recovery code used, with the audit record; false if it already was (used at once
/// in another request).
pub async fn use_recovery_code(
    db: &Db,
    account_id: &AccountId,
    code_id: &str,
) -> Result<bool, sqlx::Error> {
    let mut w = db.write(account_id).await?;
    let used = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE id = $2 AND account_id = $3 AND used_at IS NULL",
    )
    .bind(now_utc())
    .bind(code_id)
    .bind(account_id)
    .execute(&mut *w)
    .await?
    .rows_affected()
        == 1;
    if used {
        w.audit(Audit::new("account", account_id, "use recovery code"))
            .await?;
    }
    w.commit().await?;
    Ok(used)
}

pub async fn recovery_codes_left(db: &Db, account_id: &AccountId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
    )
    .bind(account_id)
    .fetch_one(&db.pool)
    .await
}

/// Removes an account's authenticator app and recovery codes, for someone who has lost both;
/// with the audit record. Their next sign-in asks them to set up an app again if their roles
/// need one. False if they had none.
pub async fn remove(
    db: &Db,
    account_id: &AccountId,
    actor: &str,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let mut w = db.write(actor).await?;
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *w)
        .await?;
    let removed = sqlx::query("DELETE FROM second_factors WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *w)
        .await?
        .rows_affected()
        == 1;
    if removed {
        w.audit(
            Audit::new("account", account_id, "remove authenticator app")
                .reason(reason.to_string()),
        )
        .await?;
    }
    w.commit().await?;
    Ok(removed)
}
