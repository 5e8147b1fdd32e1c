//! Emails about a person's account: an invitation, a new password.

use super::{letter, para, Block};
use crate::store::outbox::OutgoingMail;

/// An invitation to the service, with a link to set a password that works once.
pub struct Invitation<'a> {
    pub to: &'a str,
    pub name: &'a str,
    /// Who sent the invitation, by name ("The service administrator" for the first one).
    pub inviter: &'a str,
    pub link: &'a str,
    pub expires_in_days: i64,
}

impl Invitation<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let Invitation {
            to,
            name,
            inviter,
            link,
            expires_in_days,
        } = self;
        letter(
            to,
            "You have been invited to the digital maturity assessment service".to_string(),
            name,
            vec![
                para(format!("{inviter} has invited you to use NHS England's digital maturity assessment service.")),
                para("To accept, set your password using this link:"),
                Block::Link(link.to_string()),
                para(format!("The link works once and expires in {expires_in_days} days. If it has expired, ask {inviter} to invite you again.")),
                para("If you were not expecting this email, you can ignore it."),
            ],
        )
    }
}

/// A link to choose a new password, which works once.
pub struct PasswordReset<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub link: &'a str,
    pub expires_in_hours: i64,
}

impl PasswordReset<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let PasswordReset {
            to,
            name,
            link,
            expires_in_hours,
        } = self;
        letter(
            to,
            "Reset your password for the digital maturity assessment service".to_string(),
            name,
            vec![
                para("Someone asked to reset the password for your account. To choose a new password, use this link:"),
                Block::Link(link.to_string()),
                para(format!("The link works once and expires in {expires_in_hours} hours.")),
                para("If you did not ask for this, you can ignore this email: your password has not changed."),
            ],
        )
    }
}
