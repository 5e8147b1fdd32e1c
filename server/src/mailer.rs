//! The mail worker: sends what the outbox holds, through SMTP or, with no SMTP server
//! configured, into .eml files. Failed sends are retried with back-off; each message carries a
//! Message-ID made from its outbox id, so a resend after a crash can be recognised as the same.

use crate::config::{MailConfig, MailTransportConfig};
use anyhow::Context;
use app::store::outbox::{self, QueuedMail};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::AnyPool;
use std::time::Duration;

/// How long a claimed message is reserved for one worker.
const LEASE: time::Duration = time::Duration::minutes(2);
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

    /// Sends every message that is due now.
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
        let message = Message::builder()
            .from(self.from.clone())
            .to(queued
                .mail
                .to
                .parse()
                .context("the recipient is not an email address")?)
            .subject(&queued.mail.subject)
            .message_id(Some(format!("<{}@dma.outbox>", queued.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(queued.mail.body.clone())?;
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

    /// Runs `send_due` every `interval` until the process ends.
    pub fn spawn(self, pool: AnyPool, interval: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            loop {
                ticker.tick().await;
                if let Err(error) = self.send_due(&pool).await {
                    tracing::error!(%error, "mail worker: database error");
                }
            }
        })
    }
}
