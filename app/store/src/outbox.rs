//! The mail outbox. A message is queued in the transaction of the change that causes it, so it
//! is sent if and only if the change is committed; a worker (server::mailer) sends it later,
//! retrying with back-off, so an SMTP outage or a crash loses nothing.

use super::{new_id, now_utc, timestamp};
use crate::write::Audit;
use jiff::{SignedDuration, Timestamp};
use sqlx::{Any, AnyPool, Transaction};

/// A message to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    /// The plain text, which every message has.
    pub body: String,
    /// The same words as an HTML page, sent as the alternative to the text; empty for a message
    /// of text alone.
    pub html: String,
}

/// Where a message's link goes in its text (and HTML) while it waits to be sent.
pub const SECRET_PLACEHOLDER: &str = "{link that works once}";

/// `text` with the characters that mean something in HTML (`& < > " '`) written as references,
/// so that it shows as written in an element or an attribute value (quoted either way).
pub fn escape_html(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// A message with a link that works once (an invitation, a password reset). The link is stored
/// apart from the text, put into it only when the message is sent, and removed once it has been.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailWithSecret {
    pub mail: OutgoingMail,
    pub secret: String,
}

impl MailWithSecret {
    /// The message `write` makes with the link's place held, and the link.
    pub fn new(secret: String, write: impl FnOnce(&str) -> OutgoingMail) -> Self {
        MailWithSecret {
            mail: write(SECRET_PLACEHOLDER),
            secret,
        }
    }
}

/// A message the worker has claimed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: String,
    pub mail: OutgoingMail,
    pub attempts: i64,
}

/// Queues a message in the caller's transaction.
pub async fn enqueue(
    tx: &mut Transaction<'static, Any>,
    mail: &OutgoingMail,
) -> Result<(), sqlx::Error> {
    insert(tx, mail, None).await
}

/// Queues a message whose link is kept apart until it is sent, in the caller's transaction.
pub async fn enqueue_with_secret(
    tx: &mut Transaction<'static, Any>,
    mail: &MailWithSecret,
) -> Result<(), sqlx::Error> {
    insert(tx, &mail.mail, Some(&mail.secret)).await
}

async fn insert(
    tx: &mut Transaction<'static, Any>,
    mail: &OutgoingMail,
    secret: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = now_utc();
    sqlx::query(
        "INSERT INTO mail_outbox \
         (id, to_address, subject, body_text, body_html, secret, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(new_id())
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.body)
    .bind((!mail.html.is_empty()).then_some(mail.html.as_str()))
    .bind(secret)
    .bind(&now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Attempts after which a message is no longer retried by itself: with the back-off of
/// [`mark_failed`] that is about four hours of trying. An administrator can send it again.
pub const MAX_ATTEMPTS: i64 = 10;

/// Claims up to `limit` due messages for `lease` so that no other worker sends them meanwhile.
/// A worker that dies mid-send leaves its lease to expire and the message is tried again.
pub async fn claim_due(
    pool: &AnyPool,
    lease: SignedDuration,
    limit: i64,
) -> Result<Vec<QueuedMail>, sqlx::Error> {
    let now = Timestamp::now();
    let now_text = timestamp(now);
    let candidates: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
         AND (lease_until IS NULL OR lease_until < $1) AND attempts < $3 ORDER BY created_at LIMIT $2",
    )
    .bind(&now_text)
    .bind(limit)
    .bind(MAX_ATTEMPTS)
    .fetch_all(pool)
    .await?;
    let lease_until = timestamp(now + lease);
    let mut claimed = Vec::new();
    for id in candidates {
        let won = sqlx::query(
            "UPDATE mail_outbox SET lease_until = $1 WHERE id = $2 AND sent_at IS NULL \
             AND (lease_until IS NULL OR lease_until < $3)",
        )
        .bind(&lease_until)
        .bind(&id)
        .bind(&now_text)
        .execute(pool)
        .await?
        .rows_affected()
            == 1;
        if won {
            let (to, subject, body, html, secret, attempts): (
                String,
                String,
                String,
                Option<String>,
                Option<String>,
                i64,
            ) = sqlx::query_as(
                "SELECT to_address, subject, body_text, body_html, secret, attempts \
                 FROM mail_outbox WHERE id = $1",
            )
            .bind(&id)
            .fetch_one(pool)
            .await?;
            // Messages queued before HTML was added have none: they go as text alone.
            let html = html.unwrap_or_default();
            let (body, html) = match secret {
                Some(secret) => (
                    body.replace(SECRET_PLACEHOLDER, &secret),
                    html.replace(SECRET_PLACEHOLDER, &escape_html(&secret)),
                ),
                None => (body, html),
            };
            claimed.push(QueuedMail {
                id,
                mail: OutgoingMail {
                    to,
                    subject,
                    body,
                    html,
                },
                attempts,
            });
        }
    }
    Ok(claimed)
}

/// Records a message as sent, and forgets its link: once the email is out, the service keeps no
/// usable copy.
pub async fn mark_sent(pool: &AnyPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mail_outbox SET sent_at = $1, lease_until = NULL, attempts = attempts + 1, \
         secret = NULL WHERE id = $2",
    )
    .bind(now_utc())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed attempt and when to try again: 1, 2, 4 … minutes, at most an hour apart.
pub async fn mark_failed(
    pool: &AnyPool,
    queued: &QueuedMail,
    error: &str,
) -> Result<(), sqlx::Error> {
    let wait_minutes = 1i64 << queued.attempts.clamp(0, 6);
    let next = timestamp(Timestamp::now() + SignedDuration::from_mins(wait_minutes.min(60)));
    sqlx::query(
        "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1, lease_until = NULL, \
         last_error = $2 WHERE id = $3",
    )
    .bind(next)
    .bind(error)
    .bind(&queued.id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Messages not yet sent.
pub async fn unsent_count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
        .fetch_one(pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::test_databases;

    /// Every text column of every queued message, for looking for a link in.
    async fn stored_text(pool: &AnyPool) -> String {
        let rows: Vec<(String, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT body_text, body_html, secret FROM mail_outbox")
                .fetch_all(pool)
                .await
                .unwrap();
        rows.into_iter()
            .map(|(body, html, secret)| {
                format!(
                    "{body} {} {}",
                    html.unwrap_or_default(),
                    secret.unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn html_escaping_shows_what_was_typed() {
        assert_eq!(
            escape_html(r#"Jo <b>"O'Neil"</b> & co"#),
            "Jo &lt;b&gt;&quot;O&#x27;Neil&quot;&lt;/b&gt; &amp; co"
        );
        assert_eq!(escape_html("Leeds – Acute"), "Leeds – Acute");
        assert_eq!(
            escape_html("&amp;"),
            "&amp;amp;",
            "escaped once more, not left alone"
        );
        assert_eq!(escape_html(SECRET_PLACEHOLDER), SECRET_PLACEHOLDER);
    }

    #[tokio::test]
    async fn a_message_comes_out_with_its_text_and_html_and_one_without_html_with_text_alone() {
        for (db, _folder) in test_databases().await {
            let with_html = OutgoingMail {
                to: "jo@trust.nhs.uk".into(),
                subject: "Reopened: Leeds – Acute".into(),
                body: "Dear Jo,\n\nIt has been reopened.\n".into(),
                html: "<p>Dear Jo,</p>\n<p>It has been reopened.</p>\n".into(),
            };
            let text_alone = OutgoingMail {
                to: "sam@trust.nhs.uk".into(),
                subject: "Reminder".into(),
                body: "Dear Sam,\n".into(),
                html: String::new(),
            };
            let mut tx = db.begin_write().await.unwrap();
            enqueue(&mut tx, &with_html).await.unwrap();
            enqueue(&mut tx, &text_alone).await.unwrap();
            tx.commit().await.unwrap();
            let stored: Vec<Option<String>> =
                sqlx::query_scalar("SELECT body_html FROM mail_outbox ORDER BY to_address")
                    .fetch_all(&db.pool)
                    .await
                    .unwrap();
            assert_eq!(stored, vec![Some(with_html.html.clone()), None]);

            let mut claimed: Vec<OutgoingMail> =
                claim_due(&db.pool, SignedDuration::from_mins(1), 10)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|queued| queued.mail)
                    .collect();
            claimed.sort_by(|a, b| a.to.cmp(&b.to));
            assert_eq!(claimed, vec![with_html, text_alone]);
        }
    }

    #[tokio::test]
    async fn a_link_that_works_once_is_apart_from_the_text_and_gone_once_sent() {
        for (db, _folder) in test_databases().await {
            let link = "https://dma.test/set-password?token=s3cr3t&next=/account";
            let mail = MailWithSecret::new(link.into(), |link| OutgoingMail {
                to: "jo@trust.nhs.uk".into(),
                subject: "Reset your password".into(),
                body: format!("Use this link: {link}"),
                html: format!("<p><a href=\"{link}\">{link}</a></p>"),
            });
            let mut tx = db.begin_write().await.unwrap();
            enqueue_with_secret(&mut tx, &mail).await.unwrap();
            tx.commit().await.unwrap();
            let (body, html): (String, Option<String>) =
                sqlx::query_as("SELECT body_text, body_html FROM mail_outbox")
                    .fetch_one(&db.pool)
                    .await
                    .unwrap();
            assert!(!body.contains("s3cr3t"), "the text holds no link: {body}");
            let html = html.expect("the HTML is stored");
            assert!(!html.contains("s3cr3t"), "the HTML holds no link: {html}");

            let claimed = claim_due(&db.pool, SignedDuration::from_mins(1), 10)
                .await
                .unwrap();
            assert_eq!(claimed[0].mail.body, format!("Use this link: {link}"));
            let in_html = "https://dma.test/set-password?token=s3cr3t&amp;next=/account";
            assert_eq!(
                claimed[0].mail.html,
                format!("<p><a href=\"{in_html}\">{in_html}</a></p>"),
                "the link goes into the HTML too, escaped for it"
            );
            mark_sent(&db.pool, &claimed[0].id).await.unwrap();
            assert!(
                !stored_text(&db.pool).await.contains("s3cr3t"),
                "no usable link is kept once the email is sent"
            );
        }
    }
}

/// A message that gave up: [`MAX_ATTEMPTS`] tries, none delivered.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FailedMail {
    pub id: String,
    pub to_address: String,
    pub subject: String,
    pub created_at: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

pub async fn failed(pool: &AnyPool) -> Result<Vec<FailedMail>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, to_address, subject, created_at, attempts, last_error FROM mail_outbox \
         WHERE sent_at IS NULL AND attempts >= $1 ORDER BY created_at",
    )
    .bind(MAX_ATTEMPTS)
    .fetch_all(pool)
    .await
}

/// Sends a message that gave up again from now, with the audit record; false if it was not one
/// that gave up (sent meanwhile, or still being tried).
pub async fn retry(db: &super::Db, id: &str, actor: &str) -> Result<bool, sqlx::Error> {
    let mut w = db.write(actor).await?;
    let retried = sqlx::query(
        "UPDATE mail_outbox SET attempts = 0, next_attempt_at = $1, lease_until = NULL \
         WHERE id = $2 AND sent_at IS NULL AND attempts >= $3",
    )
    .bind(now_utc())
    .bind(id)
    .bind(MAX_ATTEMPTS)
    .execute(&mut *w)
    .await?
    .rows_affected()
        == 1;
    if retried {
        w.audit(Audit::new("email", id, "retry email")).await?;
    }
    w.commit().await?;
    Ok(retried)
}
