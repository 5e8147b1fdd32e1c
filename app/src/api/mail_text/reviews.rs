//! Emails about peer reviews: assigned, complete, reopened, declined, more time, withdrawn.

use super::{letter, para, Block};
use crate::store::outbox::OutgoingMail;

/// To a peer reviewer when reviews are assigned to them.
pub struct ReviewsAssigned<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub cycle_name: &'a str,
    /// The titles of the assessments to review.
    pub assessments: &'a [String],
    pub deadline: &'a str,
    pub link: &'a str,
}

impl ReviewsAssigned<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let ReviewsAssigned {
            to,
            name,
            cycle_name,
            assessments,
            deadline,
            link,
        } = self;
        letter(
            to,
            format!("{cycle_name}: assessments for you to peer review"),
            name,
            vec![
                para(format!("NHS England has asked you to peer review these {cycle_name} self-assessments:")),
                Block::List(assessments.to_vec()),
                para(format!("Review them by {deadline}. If you cannot review one (for example, because of a conflict of interest), decline it with your reason so that someone else can be asked:")),
                Block::Link(link.to_string()),
            ],
        )
    }
}

/// To each trust lead when the peer review of their assessment is complete. Reviewers are not
/// named: trusts see them only as "Reviewer 1", "Reviewer 2".
pub struct ReviewsComplete<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub title: &'a str,
    pub cycle_name: &'a str,
    pub link: &'a str,
}

impl ReviewsComplete<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let ReviewsComplete {
            to,
            name,
            title,
            cycle_name,
            link,
        } = self;
        letter(
            to,
            format!("Peer review complete: {title}"),
            name,
            vec![
                para(format!("The peer review of the {cycle_name} self-assessment for {title} is complete.")),
                para("The reviewers' adjusted scores, with their reasons, are ready for your reply. NHS England will read your reply when it moderates the final scores."),
                para("Read the reviews and reply here:"),
                Block::Link(link.to_string()),
            ],
        )
    }
}

/// To a peer reviewer when NHS England reopens their submitted review.
pub struct ReviewReopened<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub title: &'a str,
    /// As NHS England gave it.
    pub reason: &'a str,
    pub deadline: &'a str,
    pub link: &'a str,
}

impl ReviewReopened<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let ReviewReopened {
            to,
            name,
            title,
            reason,
            deadline,
            link,
        } = self;
        letter(
            to,
            format!("Your review has been reopened: {title}"),
            name,
            vec![
                para(format!("NHS England has reopened your peer review of {title} so that you can change it.")),
                para("The reason given was:"),
                Block::Inset(reason.to_string()),
                para(format!("Make the changes and submit it again by {deadline}:")),
                Block::Link(link.to_string()),
            ],
        )
    }
}

/// To each administrator when a reviewer turns down a review, so they can replace them.
pub struct ReviewDeclined<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub reviewer: &'a str,
    pub title: &'a str,
    pub reason: &'a str,
    /// The cycle's reviewer assignment page.
    pub link: &'a str,
}

impl ReviewDeclined<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let ReviewDeclined {
            to,
            name,
            reviewer,
            title,
            reason,
            link,
        } = self;
        letter(
            to,
            format!("A reviewer declined: {title}"),
            name,
            vec![
                para(format!("{reviewer} has turned down their peer review of {title}. The reason given was:")),
                Block::Inset(reason.to_string()),
                para("Choose a replacement reviewer on the reviewer assignment page:"),
                Block::Link(link.to_string()),
            ],
        )
    }
}

/// To a peer reviewer when NHS England gives them a later deadline.
pub struct ReviewDeadlineExtended<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub title: &'a str,
    /// The new deadline.
    pub deadline: &'a str,
    pub link: &'a str,
}

impl ReviewDeadlineExtended<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let ReviewDeadlineExtended {
            to,
            name,
            title,
            deadline,
            link,
        } = self;
        letter(
            to,
            format!("More time for your review: {title}"),
            name,
            vec![
                para(format!("NHS England has given you until {deadline} to submit your peer review of {title}.")),
                para("Continue your review here:"),
                Block::Link(link.to_string()),
            ],
        )
    }
}

/// To a peer reviewer who missed their deadline, when NHS England asks someone else.
pub struct ReviewWithdrawn<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub title: &'a str,
}

impl ReviewWithdrawn<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let ReviewWithdrawn { to, name, title } = self;
        letter(
            to,
            format!("Your review is no longer needed: {title}"),
            name,
            vec![
                para(format!("The deadline for your peer review of {title} has passed, so NHS England has asked another reviewer to complete it. You no longer need to review this assessment.")),
                para("If you think this is a mistake, contact the digital maturity assessment team at NHS England."),
            ],
        )
    }
}
