//! The emails the service sends. Each is a typed template: a struct of the values it needs,
//! whose `mail()` writes the message. Its words are written once, as a few blocks (paragraphs,
//! a link, a list), and both the plain text and the HTML alternative (`layout`) are rendered from
//! them. The templates are grouped by whom they concern.

mod accounts;
mod assessments;
mod evidence;
mod layout;
mod moderation;
mod results;
mod reviews;
#[cfg(test)]
mod tests;

pub use accounts::*;
pub use assessments::*;
pub use evidence::*;
pub use moderation::*;
pub use results::*;
pub use reviews::*;

use crate::store::outbox::OutgoingMail;

const SIGN_OFF: &str =
    "Digital maturity assessment\nNHS England\n\nThis is an automatic email. Do not reply to it.";

/// A part of an email, rendered as plain text and as HTML.
enum Block {
    /// A paragraph; a line break in it is kept.
    Para(String),
    /// Words someone typed for the reader (a reason, a question), set apart from the service's.
    Inset(String),
    /// A link on a line of its own, shown as its address, which can be copied.
    Link(String),
    /// A bulleted list.
    List(Vec<String>),
}

fn para(text: impl Into<String>) -> Block {
    Block::Para(text.into())
}

/// The email to `to`: "Dear `name`,", the blocks, and the sign-off.
fn letter(to: &str, subject: String, name: &str, blocks: Vec<Block>) -> OutgoingMail {
    let blocks: Vec<Block> = std::iter::once(para(format!("Dear {name},")))
        .chain(blocks)
        .collect();
    OutgoingMail {
        to: to.to_string(),
        body: plain_text(&blocks),
        html: layout::html(&subject, &blocks),
        subject,
    }
}

/// Blocks apart by a blank line, the list's items each on a line of their own after "- ".
fn plain_text(blocks: &[Block]) -> String {
    let mut parts: Vec<String> = blocks
        .iter()
        .map(|block| match block {
            Block::Para(text) | Block::Inset(text) | Block::Link(text) => text.clone(),
            Block::List(items) => items
                .iter()
                .map(|item| format!("- {item}"))
                .collect::<Vec<_>>()
                .join("\n"),
        })
        .collect();
    parts.push(SIGN_OFF.to_string());
    format!("{}\n", parts.join("\n\n"))
}
