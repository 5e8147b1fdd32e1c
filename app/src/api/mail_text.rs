//! The words of the emails the service sends.

use crate::store::cycles::LeadToNotify;
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

/// To a trust lead when a cycle opens and their trust's assessments are ready.
/// `deadline` as people read it; `link` to the trust lead's assessments.
pub fn cycle_opened(
    lead: &LeadToNotify,
    cycle_name: &str,
    deadline: &str,
    link: &str,
) -> OutgoingMail {
    let LeadToNotify {
        email,
        display_name: name,
        trust_name,
        ..
    } = lead;
    let care_settings: Vec<&str> = lead.care_settings.iter().map(|s| s.label()).collect();
    let care_settings = care_settings.join(", ");
    OutgoingMail {
        to: email.clone(),
        subject: format!("{cycle_name}: your digital maturity self-assessment is open"),
        body: format!(
            "Dear {name},\n\nThe {cycle_name} digital maturity assessment is open for {trust_name}.\n\n\
             Your trust has an assessment to complete for: {care_settings}.\n\n\
             Submit by the end of {deadline}. Your answers save as you go, and you can see the scores they give before you submit.\n\n\
             Start here:\n\n{link}\n\n{SIGN_OFF}\n"
        ),
    }
}

/// The receipt each trust lead gets when one of them submits an assessment.
pub fn submission_receipt(
    to: &str,
    name: &str,
    title: &str,
    cycle_name: &str,
    submitted_by: &str,
    scores: &str,
    link: &str,
) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!("Submitted: {title} ({cycle_name})"),
        body: format!(
            "Dear {name},\n\n{submitted_by} submitted the {cycle_name} self-assessment for {title}.\n\n\
             The scores submitted were:\n\n{scores}\n\n\
             The assessment is now read-only and will go to peer review. You can read it here:\n\n{link}\n\n{SIGN_OFF}\n"
        ),
    }
}

/// To each trust lead when NHS England returns a submitted assessment to them.
pub fn reopened(
    to: &str,
    name: &str,
    title: &str,
    reopened_by: &str,
    reason: &str,
    deadline: &str,
    link: &str,
) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!("Reopened: {title}"),
        body: format!(
            "Dear {name},\n\n{reopened_by} of NHS England has reopened the self-assessment for {title} so that it can be changed.\n\n\
             The reason given was:\n\n{reason}\n\n\
             Make the changes and submit it again by the end of {deadline}:\n\n{link}\n\n{SIGN_OFF}\n"
        ),
    }
}

/// To a peer reviewer when reviews are assigned to them.
pub fn reviews_assigned(
    to: &str,
    name: &str,
    cycle_name: &str,
    assessments: &[String],
    deadline: &str,
    link: &str,
) -> OutgoingMail {
    let list: Vec<String> = assessments
        .iter()
        .map(|title| format!("- {title}"))
        .collect();
    OutgoingMail {
        to: to.to_string(),
        subject: format!("{cycle_name}: assessments for you to peer review"),
        body: format!(
            "Dear {name},\n\nNHS England has asked you to peer review these {cycle_name} self-assessments:\n\n{}\n\n\
             Review them by the end of {deadline}. If you cannot review one (for example, because of a conflict of interest), decline it with your reason so that someone else can be asked:\n\n{link}\n\n{SIGN_OFF}\n",
            list.join("\n")
        ),
    }
}

/// To each trust lead when the peer review of their assessment is complete. Reviewers are not
/// named: trusts see them only as "Reviewer 1", "Reviewer 2".
pub fn reviews_complete(
    to: &str,
    name: &str,
    title: &str,
    cycle_name: &str,
    link: &str,
) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!("Peer review complete: {title}"),
        body: format!(
            "Dear {name},\n\nThe peer review of the {cycle_name} self-assessment for {title} is complete.\n\n\
             The reviewers' adjusted scores, with their reasons, are ready for your reply. NHS England will read your reply when it moderates the final scores.\n\n\
             Read the reviews and reply here:\n\n{link}\n\n{SIGN_OFF}\n"
        ),
    }
}

/// To a peer reviewer when NHS England reopens their submitted review.
pub fn review_reopened(
    to: &str,
    name: &str,
    title: &str,
    reason: &str,
    deadline: &str,
    link: &str,
) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!("Your review has been reopened: {title}"),
        body: format!(
            "Dear {name},\n\nNHS England has reopened your peer review of {title} so that you can change it.\n\n\
             The reason given was:\n\n{reason}\n\n\
             Make the changes and submit it again by the end of {deadline}:\n\n{link}\n\n{SIGN_OFF}\n"
        ),
    }
}

/// To a peer reviewer when NHS England gives them a later deadline.
pub fn review_deadline_extended(
    to: &str,
    name: &str,
    title: &str,
    deadline: &str,
    link: &str,
) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!("More time for your review: {title}"),
        body: format!(
            "Dear {name},\n\nNHS England has given you until the end of {deadline} to submit your peer review of {title}.\n\n\
             Continue your review here:\n\n{link}\n\n{SIGN_OFF}\n"
        ),
    }
}

/// To a peer reviewer who missed their deadline, when NHS England asks someone else.
pub fn review_withdrawn(to: &str, name: &str, title: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!("Your review is no longer needed: {title}"),
        body: format!(
            "Dear {name},\n\nThe deadline for your peer review of {title} has passed, so NHS England has asked another reviewer to complete it. You no longer need to review this assessment.\n\n\
             If you think this is a mistake, contact the digital maturity assessment team at NHS England.\n\n{SIGN_OFF}\n"
        ),
    }
}

/// The receipt each trust lead gets when one of them submits the reply to the peer reviews.
pub fn reply_receipt(
    to: &str,
    name: &str,
    title: &str,
    submitted_by: &str,
    accepted: usize,
    contested: usize,
    link: &str,
) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!("Reply submitted: {title}"),
        body: format!(
            "Dear {name},\n\n{submitted_by} submitted {title}'s reply to its peer reviews: {accepted} adjusted sections accepted, {contested} contested.\n\n\
             NHS England's moderators will read the reviews and the reply when they set the final scores. You can read the reply here:\n\n{link}\n\n{SIGN_OFF}\n"
        ),
    }
}

/// To each trust lead when a moderator asks for more evidence.
pub fn evidence_requested(
    to: &str,
    name: &str,
    title: &str,
    sections: &[String],
    question: &str,
    deadline: &str,
    link: &str,
) -> OutgoingMail {
    let list: Vec<String> = sections
        .iter()
        .map(|section| format!("- {section}"))
        .collect();
    OutgoingMail {
        to: to.to_string(),
        subject: format!("More evidence needed by {deadline}: {title}"),
        body: format!(
            "Dear {name},\n\nNHS England's moderators need more evidence for these sections of {title}:\n\n{}\n\n\
             Their question is:\n\n{question}\n\nAnswer by the end of {deadline} here:\n\n{link}\n\n{SIGN_OFF}\n",
            list.join("\n")
        ),
    }
}

/// To each trust lead when NHS England releases the trust's final scores provisionally.
pub fn results_released(to: &str, name: &str, title: &str, link: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: format!("Provisional results: {title}"),
        body: format!(
            "Dear {name},\n\nNHS England has released {title}'s final scores provisionally. Each section shows why its score is what it is: your own score, the peer reviewers' adjustments, your reply and the moderated score, with their reasons.\n\n\
             If you think a score is wrong, you can raise a query on that section before the date shown on the page:\n\n{link}\n\n\
             The scores are not public until NHS England publishes them.\n\n{SIGN_OFF}\n"
        ),
    }
}

/// A reminder of a deadline: 7 days and 2 days before it, and once when it has passed.
pub struct DeadlineReminder<'a> {
    pub to: &'a str,
    pub name: &'a str,
    /// What is due, as a phrase that follows "you need to": "submit the self-assessment of Leeds
    /// Teaching Hospitals – Acute".
    pub task: &'a str,
    /// "23:59 on 3 June 2027".
    pub deadline: &'a str,
    pub kind: crate::rules::deadlines::ReminderKind,
    pub link: &'a str,
}

impl DeadlineReminder<'_> {
    pub fn mail(&self) -> OutgoingMail {
        use crate::rules::deadlines::ReminderKind;
        let DeadlineReminder {
            to,
            name,
            task,
            deadline,
            link,
            ..
        } = self;
        let (subject, opening) = match self.kind {
            ReminderKind::SevenDaysBefore => (
                format!("Due in 7 days: {task}"),
                format!("This is a reminder that you need to {task} by {deadline}, 7 days from now."),
            ),
            ReminderKind::TwoDaysBefore => (
                format!("Due in 2 days: {task}"),
                format!("This is a reminder that you need to {task} by {deadline}, 2 days from now."),
            ),
            ReminderKind::Overdue => (
                format!("Overdue: {task}"),
                format!("You needed to {task} by {deadline}, and it is not done yet. Do it as soon as you can, or contact NHS England's digital maturity team if you cannot."),
            ),
        };
        OutgoingMail {
            to: to.to_string(),
            subject,
            body: format!("Dear {name},\n\n{opening}\n\n{link}\n\nOnce it is done, you will get no more reminders about it.\n\n{SIGN_OFF}\n"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::deadlines::ReminderKind;

    #[test]
    fn a_deadline_reminder_reads_right_for_each_kind() {
        for kind in ReminderKind::ALL {
            let mail = DeadlineReminder {
                to: "jo@rr8.nhs.uk",
                name: "Jo Bloggs",
                task: "submit the self-assessment of Leeds Teaching Hospitals NHS Trust – Acute",
                deadline: "23:59 on 3 June 2027",
                kind,
                link: "https://dma.example/assessments/a1",
            }
            .mail();
            insta::assert_snapshot!(
                format!("deadline_reminder_{}", kind.key().replace('-', "_")),
                format!(
                    "To: {}\nSubject: {}\n\n{}",
                    mail.to, mail.subject, mail.body
                )
            );
        }
    }
}
