//! The words of the emails the service sends.

use crate::store::outbox::OutgoingMail;

const SIGN_OFF: &str =
    "Digital maturity assessment\nNHS England\n\nThis is an automatic email. Do not reply to it.";

pub fn invitation(
    to: &str,
    name: &str,
    inviter: &str,
    link: &str,
    expires_in_days: i64,
) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: "You have been invited to the digital maturity assessment service".to_string(),
        body: format!(
            "Dear {name},\n\n{inviter} has invited you to use NHS England's digital maturity assessment service.\n\n\
             To accept, set your password using this link:\n\n{link}\n\n\
             The link works once and expires in {expires_in_days} days. If it has expired, ask {inviter} to invite you again.\n\n\
             If you were not expecting this email, you can ignore it.\n\n{SIGN_OFF}\n"
        ),
    }
}

pub fn password_reset(to: &str, name: &str, link: &str, expires_in_hours: i64) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: "Reset your password for the digital maturity assessment service".to_string(),
        body: format!(
            "Dear {name},\n\nSomeone asked to reset the password for your account. To choose a new password, use this link:\n\n{link}\n\n\
             The link works once and expires in {expires_in_hours} hours.\n\n\
             If you did not ask for this, you can ignore this email: your password has not changed.\n\n{SIGN_OFF}\n"
        ),
    }
}
