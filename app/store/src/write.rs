//! One change to the data as a unit of work: its transaction, who makes it, the audit records it
//! appends and the mail it queues, all committed together or not at all.

use crate::audit::{self, AuditEntry};
use crate::outbox::{self, MailWithSecret, OutgoingMail};
use crate::Db;
use sqlx::{Any, AnyConnection, Transaction};
use std::ops::{Deref, DerefMut};

/// A change in progress, begun by [`Db::write`]. Its statements run on it as on a connection
/// (`&mut *w`); nothing is kept unless [`Write::commit`] is called.
pub struct Write {
    tx: Transaction<'static, Any>,
    /// Who makes the change: the actor of every audit record it appends.
    by: String,
}

/// What an audit record says of a change: which entity, what was done, and optionally the state
/// before and after and why.
#[derive(Clone, Debug)]
pub struct Audit<'a> {
    entity_type: &'a str,
    entity_id: &'a str,
    action: &'a str,
    before: Option<String>,
    after: Option<String>,
    reason: Option<String>,
}

impl<'a> Audit<'a> {
    /// `entity_id` is any id: text, or one of the store's id types.
    pub fn new(
        entity_type: &'a str,
        entity_id: &'a (impl AsRef<str> + ?Sized),
        action: &'a str,
    ) -> Self {
        Audit {
            entity_type,
            entity_id: entity_id.as_ref(),
            action,
            before: None,
            after: None,
            reason: None,
        }
    }

    pub fn before(self, before: impl Into<Option<String>>) -> Self {
        Audit {
            before: before.into(),
            ..self
        }
    }

    pub fn after(self, after: impl Into<Option<String>>) -> Self {
        Audit {
            after: after.into(),
            ..self
        }
    }

    pub fn reason(self, reason: impl Into<Option<String>>) -> Self {
        Audit {
            reason: reason.into(),
            ..self
        }
    }
}

impl Db {
    /// Begins a change made by `by` (an account id, or "system" / "command-line"), in a
    /// transaction from [`Db::begin_write`].
    pub async fn write(&self, by: &(impl AsRef<str> + ?Sized)) -> Result<Write, sqlx::Error> {
        Ok(Write {
            tx: self.begin_write().await?,
            by: by.as_ref().to_string(),
        })
    }
}

impl Write {
    /// Appends the audit record of this change, by whoever makes it.
    pub async fn audit(&mut self, audit: Audit<'_>) -> Result<(), sqlx::Error> {
        audit::record(
            &mut self.tx,
            AuditEntry {
                actor: &self.by,
                action: audit.action,
                entity_type: audit.entity_type,
                entity_id: audit.entity_id,
                before: audit.before,
                after: audit.after,
                reason: audit.reason,
            },
        )
        .await
    }

    /// Queues mail, sent only if the change commits.
    pub async fn enqueue<'m>(
        &mut self,
        mails: impl IntoIterator<Item = &'m OutgoingMail>,
    ) -> Result<(), sqlx::Error> {
        for mail in mails {
            outbox::enqueue(&mut self.tx, mail).await?;
        }
        Ok(())
    }

    /// Queues a message whose link is kept apart until it is sent.
    pub async fn enqueue_with_secret(&mut self, mail: &MailWithSecret) -> Result<(), sqlx::Error> {
        outbox::enqueue_with_secret(&mut self.tx, mail).await
    }

    /// The transaction, for the helpers that take part in a change.
    pub fn tx(&mut self) -> &mut Transaction<'static, Any> {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for Write {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for Write {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}
