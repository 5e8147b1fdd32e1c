//! Emails between NHS England's moderators and a trust: evidence asked for, a reply received.

use super::{letter, para, Block};
use crate::store::outbox::OutgoingMail;

/// The receipt each trust lead gets when one of them submits the reply to the peer reviews.
pub struct ReplyReceipt<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub title: &'a str,
    /// Who submitted it, by name.
    pub submitted_by: &'a str,
    /// Adjusted sections the trust accepted, and those it contested.
    pub accepted: usize,
    pub contested: usize,
    pub link: &'a str,
}

impl ReplyReceipt<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let ReplyReceipt {
            to,
            name,
            title,
            submitted_by,
            accepted,
            contested,
            link,
        } = self;
        letter(
            to,
            format!("Reply submitted: {title}"),
            name,
            vec![
                para(format!("{submitted_by} submitted {title}'s reply to its peer reviews: {accepted} adjusted sections accepted, {contested} contested.")),
                para("NHS England's moderators will read the reviews and the reply when they set the final scores. You can read the reply here:"),
                Block::Link(link.to_string()),
            ],
        )
    }
}

/// To each trust lead when a moderator asks for more evidence.
pub struct EvidenceRequested<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub title: &'a str,
    /// The names of the sections the evidence is for.
    pub sections: &'a [String],
    /// The moderator's question, as they wrote it.
    pub question: &'a str,
    pub deadline: &'a str,
    pub link: &'a str,
}

impl EvidenceRequested<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let EvidenceRequested {
            to,
            name,
            title,
            sections,
            question,
            deadline,
            link,
        } = self;
        letter(
            to,
            format!("More evidence needed by {deadline}: {title}"),
            name,
            vec![
                para(format!(
                    "NHS England's moderators need more evidence for these sections of {title}:"
                )),
                Block::List(sections.to_vec()),
                para("Their question is:"),
                Block::Inset(question.to_string()),
                para(format!("Answer by {deadline} here:")),
                Block::Link(link.to_string()),
            ],
        )
    }
}
