//! The email that tells a trust its final scores are out.

use super::{letter, para, Block};
use crate::store::outbox::OutgoingMail;

/// To each trust lead when NHS England releases the trust's final scores provisionally.
pub struct ResultsReleased<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub title: &'a str,
    pub link: &'a str,
}

impl ResultsReleased<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let ResultsReleased {
            to,
            name,
            title,
            link,
        } = self;
        letter(
            to,
            format!("Provisional results: {title}"),
            name,
            vec![
                para(format!("NHS England has released {title}'s final scores provisionally. Each section shows why its score is what it is: your own score, the peer reviewers' adjustments, your reply and the moderated score, with their reasons.")),
                para("If you think a score is wrong, you can raise a query on that section before the date shown on the page:"),
                Block::Link(link.to_string()),
                para("The scores are not public until NHS England publishes them."),
            ],
        )
    }
}
