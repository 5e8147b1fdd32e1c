//! The mail worker: sends what the outbox holds, through SMTP or, with no SMTP server
//! configured, into .eml files. Failed sends are retried with back-off; each message carries a
//! Message-ID made from its outbox id, so a resend after a crash can be recognised as the same.
//! A message with HTML goes as multipart/alternative: the plain text first, then the HTML.

use crate::config::{MailConfig, MailTransportConfig};
use anyhow::Context;
use app::store::outbox::{self, QueuedMail};
use lettre::message::{header::ContentType, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::AnyPool;
use std::time::Duration;

/// How long a claimed message is reserved for one worker.
const LEASE: jiff::SignedDuration = jiff::SignedDuration::from_mins(2);
const BATCH: i64 = 20;

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

/// What one pass over the outbox did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub failed: usize,
}

impl Mailer {
    pub fn new(config: &MailConfig) -> anyhow::Result<Mailer> {
        let from: Mailbox = config
            .from
            .parse()
            .with_context(|| format!("MAIL_FROM {:?} is not an email address", config.from))?;
        let transport = match &config.transport {
            MailTransportConfig::Smtp {
                host,
                port,
                starttls,
                credentials,
            } => {
                let mut builder = if *starttls {
                    AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                        .with_context(|| format!("SMTP_HOST {host}"))?
                } else {
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                };
                builder = builder.port(*port).timeout(Some(Duration::from_secs(30)));
                if let Some((user, password)) = credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                tracing::info!(%host, port, starttls, "mail goes out through SMTP");
                Transport::Smtp(builder.build())
            }
            MailTransportConfig::Files { folder } => {
                std::fs::create_dir_all(folder)
                    .with_context(|| format!("creating the mail folder {}", folder.display()))?;
                tracing::info!(folder = %folder.display(), "no SMTP_HOST: mail is written as .eml files");
                Transport::Files(AsyncFileTransport::new(folder))
            }
        };
        Ok(Mailer { from, transport })
    }

    /// Sends every message that is due now, a batch at a time until a batch comes back short.
    /// One batch a tick capped sending at 20 messages in 5 s: under load the outbox fell behind
    /// and the newest messages waited minutes.
    pub async fn send_all_due(&self, pool: &AnyPool) -> Result<SendReport, sqlx::Error> {
        let mut total = SendReport::default();
        loop {
            let batch = self.send_due(pool).await?;
            total.sent += batch.sent;
            total.failed += batch.failed;
            if ((batch.sent + batch.failed) as i64) < BATCH {
                return Ok(total);
            }
        }
    }

    /// Sends the messages that are due now, at most one batch.
    pub async fn send_due(&self, pool: &AnyPool) -> Result<SendReport, sqlx::Error> {
        let mut report = SendReport::default();
        for queued in outbox::claim_due(pool, LEASE, BATCH).await? {
            match self.send(&queued).await {
                Ok(()) => {
                    outbox::mark_sent(pool, &queued.id).await?;
                    report.sent += 1;
                }
                Err(error) => {
                    tracing::warn!(id = %queued.id, attempts = queued.attempts + 1, %error, "sending mail failed; will retry");
                    outbox::mark_failed(pool, &queued, &error.to_string()).await?;
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    async fn send(&self, queued: &QueuedMail) -> anyhow::Result<()> {
        let message = self.message(queued)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Files(files) => {
                let id = files.send(message).await?;
                tracing::info!(file = %format!("{id}.eml"), to = %queued.mail.to, "mail written");
            }
        }
        Ok(())
    }

    fn message(&self, queued: &QueuedMail) -> anyhow::Result<Message> {
        let builder = Message::builder()
            .from(self.from.clone())
            .to(queued
                .mail
                .to
                .parse()
                .context("the recipient is not an email address")?)
            .subject(&queued.mail.subject)
            .message_id(Some(format!("<{}@dma.outbox>", queued.id)));
        let mail = &queued.mail;
        Ok(if mail.html.is_empty() {
            builder
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone())?
        } else {
            builder.multipart(MultiPart::alternative_plain_html(
                mail.body.clone(),
                mail.html.clone(),
            ))?
        })
    }

    /// Runs `send_due` every `interval` until the process ends.
    pub fn spawn(self, pool: AnyPool, interval: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            loop {
                ticker.tick().await;
                if let Err(error) = self.send_all_due(&pool).await {
                    tracing::error!(%error, "mail worker: database error");
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::store::outbox::{MailWithSecret, OutgoingMail};

    /// A mailer writing into `folder`, with its database.
    async fn mailer_and_database(folder: &std::path::Path) -> (Mailer, app::store::Db) {
        let db = app::store::Db::connect(&format!("sqlite://{}", folder.join("mail.db").display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let mailer = Mailer::new(&MailConfig {
            from: "Digital maturity assessment <dma@england.nhs.uk>".into(),
            transport: MailTransportConfig::Files {
                folder: folder.join("mail"),
            },
        })
        .unwrap();
        (mailer, db)
    }

    /// The .eml files written, each as text.
    fn written(folder: &std::path::Path) -> Vec<String> {
        std::fs::read_dir(folder.join("mail"))
            .unwrap()
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
            .collect()
    }

    #[tokio::test]
    async fn a_message_with_html_goes_as_text_then_html_with_its_link_in_both() {
        let folder = tempfile::tempdir().unwrap();
        let (mailer, db) = mailer_and_database(folder.path()).await;
        let link = "https://dma.test/set-password?token=s3cr3t&next=/a";
        let mail = MailWithSecret::new(link.into(), |link| OutgoingMail {
            to: "jo@rr8.nhs.uk".into(),
            subject: "Reset your password".into(),
            body: format!("Dear Jo,\n\n{link}\n"),
            html: format!("<p>Dear Jo,</p>\n<p><a href=\"{link}\">{link}</a></p>\n"),
        });
        let mut tx = db.begin_write().await.unwrap();
        app::store::outbox::enqueue_with_secret(&mut tx, &mail)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let report = mailer.send_due(&db.pool).await.unwrap();
        assert_eq!(report, SendReport { sent: 1, failed: 0 });
        let emails = written(folder.path());
        assert_eq!(emails.len(), 1);
        let email = &emails[0];
        assert!(
            email.contains("Content-Type: multipart/alternative"),
            "{email}"
        );
        assert!(email.contains("@dma.outbox>"), "{email}");
        let text = email.find("Content-Type: text/plain").expect("a text part");
        let html = email.find("Content-Type: text/html").expect("an HTML part");
        assert!(text < html, "the text comes first, the HTML last: {email}");
        let in_text = format!("Dear Jo,\r\n\r\n{link}\r\n");
        let escaped = "https://dma.test/set-password?token=s3cr3t&amp;next=/a";
        let in_html = format!("<p><a href=\"{escaped}\">{escaped}</a></p>");
        assert!(decoded(&email[text..html]).contains(&in_text), "{email}");
        assert!(decoded(&email[html..]).contains(&in_html), "{email}");
    }

    #[tokio::test]
    async fn everything_due_is_sent_at_once_however_many_batches_it_takes() {
        let folder = tempfile::tempdir().unwrap();
        let (mailer, db) = mailer_and_database(folder.path()).await;
        let due = 2 * BATCH as usize + 5;
        let mut tx = db.begin_write().await.unwrap();
        for number in 0..due {
            let mail = OutgoingMail {
                to: format!("person{number}@rr8.nhs.uk"),
                subject: "You are invited".into(),
                body: "Dear colleague".into(),
                html: String::new(),
            };
            app::store::outbox::enqueue(&mut tx, &mail).await.unwrap();
        }
        tx.commit().await.unwrap();

        let report = mailer.send_all_due(&db.pool).await.unwrap();
        assert_eq!(
            report,
            SendReport {
                sent: due,
                failed: 0
            }
        );
        assert_eq!(written(folder.path()).len(), due);
        assert_eq!(
            mailer.send_all_due(&db.pool).await.unwrap(),
            SendReport::default(),
            "nothing is sent twice"
        );
    }

    /// A part's text with quoted-printable encoding (used for lines over 76 characters) undone.
    fn decoded(part: &str) -> String {
        let joined = part.replace("=\r\n", "");
        let mut bytes = Vec::new();
        let mut rest = joined.as_bytes();
        while let Some((&byte, after)) = rest.split_first() {
            let hex = after.get(..2).and_then(|hex| std::str::from_utf8(hex).ok());
            match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                Some(value) if byte == b'=' => {
                    bytes.push(value);
                    rest = &after[2..];
                }
                _ => {
                    bytes.push(byte);
                    rest = after;
                }
            }
        }
        String::from_utf8(bytes).unwrap()
    }

    #[tokio::test]
    async fn a_message_without_html_goes_as_text_alone() {
        let folder = tempfile::tempdir().unwrap();
        let (mailer, db) = mailer_and_database(folder.path()).await;
        let mut tx = db.begin_write().await.unwrap();
        app::store::outbox::enqueue(
            &mut tx,
            &OutgoingMail {
                to: "jo@rr8.nhs.uk".into(),
                subject: "Your assessment is due".into(),
                body: "Please submit by 3 June.".into(),
                html: String::new(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        mailer.send_due(&db.pool).await.unwrap();
        let emails = written(folder.path());
        assert_eq!(emails.len(), 1);
        let email = &emails[0];
        assert!(email.contains("Content-Type: text/plain"), "{email}");
        assert!(!email.contains("multipart"), "{email}");
        assert!(!email.contains("text/html"), "{email}");
        assert!(email.contains("Please submit by 3 June."), "{email}");
    }
}
