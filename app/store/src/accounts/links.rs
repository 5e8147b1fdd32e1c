//! Single-use links emailed to set a password: invitations and password resets. Only a hash of
//! a link's secret is stored.

use crate::ids::AccountId;
use crate::outbox::MailWithSecret;
use crate::write::Audit;
use crate::{now_utc, timestamp, Db};
use jiff::{SignedDuration, Timestamp};
use rules::accounts::LinkPurpose;
use sha2::{Digest, Sha256};

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

pub(crate) async fn insert_link(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    account_id: &AccountId,
    purpose: LinkPurpose,
    token: &str,
) -> Result<(), sqlx::Error> {
    let now = Timestamp::now();
    sqlx::query("INSERT INTO account_links (token_hash, account_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(link_token_hash(token))
        .bind(account_id)
        .bind(purpose.key())
        .bind(timestamp(now))
        .bind(timestamp(now + SignedDuration::from_hours(purpose.lifetime_hours())))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Withdraws the account's links still outstanding (invitations, password resets) when its
/// password is set: a link sent before must not set another one later. They read as expired
/// from `now`. Returns how many there were, for the audit record.
pub(super) async fn withdraw_links(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    account_id: &AccountId,
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
pub(super) fn links_withdrawn(count: u64) -> Option<String> {
    (count > 0).then(|| format!("other links withdrawn: {count}"))
}

/// Queues a password-reset link for an active account, with its email and audit record.
pub async fn create_reset_link(
    db: &Db,
    account_id: &AccountId,
    token: &str,
    mail: &MailWithSecret,
) -> Result<(), sqlx::Error> {
    let mut w = db.write(account_id).await?;
    insert_link(w.tx(), account_id, LinkPurpose::PasswordReset, token).await?;
    w.enqueue_with_secret(mail).await?;
    w.audit(Audit::new("account", account_id, "request password reset"))
        .await?;
    w.commit().await
}

/// Whether a link can be used, without using it.
pub async fn link_state(db: &Db, token: &str) -> Result<LinkState, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct LinkRow {
        account_id: String,
        /// Read leniently: an unknown purpose is taken for a password reset.
        purpose: String,
        expires_at: String,
        used_at: Option<String>,
        email: String,
        display_name: String,
        is_active: i64,
    }
    let row: Option<LinkRow> = sqlx::query_as(
        "SELECT l.account_id, l.purpose, l.expires_at, l.used_at, a.email, a.display_name, a.is_active \
         FROM account_links l JOIN accounts a ON a.id = l.account_id WHERE l.token_hash = $1",
    )
    .bind(link_token_hash(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(LinkState::Unknown);
    };
    if row.used_at.is_some() {
        return Ok(LinkState::Used);
    }
    if row.expires_at <= now_utc() || row.is_active == 0 {
        return Ok(LinkState::Expired);
    }
    let purpose = LinkPurpose::from_key(&row.purpose).unwrap_or(LinkPurpose::PasswordReset);
    Ok(LinkState::Usable {
        account_id: row.account_id,
        purpose,
        email: row.email,
        display_name: row.display_name,
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
    let mut w = db.write(&account_id).await?;
    let claimed = sqlx::query("UPDATE account_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(&now)
        .bind(link_token_hash(token))
        .execute(&mut *w)
        .await?
        .rows_affected();
    if claimed != 1 {
        w.rollback().await?;
        return Ok(Err(LinkState::Used));
    }
    sqlx::query("UPDATE accounts SET password_hash = $1, sessions_valid_after = $2, updated_at = $2 WHERE id = $3")
        .bind(password_hash)
        .bind(&now)
        .bind(&account_id)
        .execute(&mut *w)
        .await?;
    let withdrawn = withdraw_links(w.tx(), &AccountId::from(&account_id), &now).await?;
    w.audit(
        Audit::new(
            "account",
            &account_id,
            match purpose {
                LinkPurpose::Invitation => "accept invitation and set password",
                LinkPurpose::PasswordReset => "reset password",
            },
        )
        .after(links_withdrawn(withdrawn)),
    )
    .await?;
    w.commit().await?;
    Ok(Ok(account_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::end_sessions;
    use crate::accounts::people::invite;
    use crate::accounts::people::tests::{mail, no_limit, person};
    use crate::audit;
    use crate::test_support::test_databases;
    use rules::accounts::Role;

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
                create_reset_link(&db, &AccountId::from(&id), token, &mail(email))
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
            create_reset_link(&db, &AccountId::from(&id), "third reset", &mail(email))
                .await
                .unwrap();
            end_sessions(&db, &AccountId::from(&id), None, "sign out everywhere else")
                .await
                .unwrap();
            assert!(matches!(
                link_state(&db, "third reset").await.unwrap(),
                LinkState::Usable { .. }
            ));
            end_sessions(
                &db,
                &AccountId::from(&id),
                Some("new hash"),
                "change password",
            )
            .await
            .unwrap();
            assert_eq!(
                link_state(&db, "third reset").await.unwrap(),
                LinkState::Expired
            );
        }
    }
}
