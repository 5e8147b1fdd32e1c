//! Emails to a trust about its self-assessment: the cycle opening, a receipt, a reopening, a reminder.

use super::{letter, para, Block};
use crate::rules::deadlines::ReminderKind;
use crate::store::cycles::LeadToNotify;
use crate::store::outbox::OutgoingMail;

/// To a trust lead when a cycle opens and their trust's assessments are ready.
pub struct CycleOpened<'a> {
    pub lead: &'a LeadToNotify,
    pub cycle_name: &'a str,
    /// The submission deadline as people read it: "23:59 on 3 June 2027".
    pub deadline: &'a str,
    /// To the trust lead's assessments.
    pub link: &'a str,
}

impl CycleOpened<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let CycleOpened {
            lead,
            cycle_name,
            deadline,
            link,
        } = self;
        let LeadToNotify {
            email,
            display_name: name,
            trust_name,
            care_settings,
        } = lead;
        let care_settings: Vec<&str> = care_settings.iter().map(|s| s.label()).collect();
        let care_settings = care_settings.join(", ");
        letter(
            email,
            format!("{cycle_name}: your digital maturity self-assessment is open"),
            name,
            vec![
                para(format!("The {cycle_name} digital maturity assessment is open for {trust_name}.")),
                para(format!("Your trust has an assessment to complete for: {care_settings}.")),
                para(format!("Submit by {deadline}. Your answers save as you go, and you can see the scores they give before you submit.")),
                para("Start here:"),
                Block::Link(link.to_string()),
            ],
        )
    }
}

/// The receipt each trust lead gets when one of them submits an assessment.
pub struct SubmissionReceipt<'a> {
    pub to: &'a str,
    pub name: &'a str,
    /// The assessment's title: trust and care setting.
    pub title: &'a str,
    pub cycle_name: &'a str,
    /// Who submitted it, by name.
    pub submitted_by: &'a str,
    /// One line per score: "Infrastructure: 3.2", … "Overall: 3.1".
    pub scores: &'a [String],
    pub link: &'a str,
}

impl SubmissionReceipt<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let SubmissionReceipt {
            to,
            name,
            title,
            cycle_name,
            submitted_by,
            scores,
            link,
        } = self;
        letter(
            to,
            format!("Submitted: {title} ({cycle_name})"),
            name,
            vec![
                para(format!("{submitted_by} submitted the {cycle_name} self-assessment for {title}.")),
                para("The scores submitted were:"),
                para(scores.join("\n")),
                para("The assessment is now read-only and will go to peer review. You can read it here:"),
                Block::Link(link.to_string()),
            ],
        )
    }
}

/// To each trust lead when NHS England returns a submitted assessment to them.
pub struct Reopened<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub title: &'a str,
    /// Who reopened it, by name.
    pub reopened_by: &'a str,
    /// As they gave it.
    pub reason: &'a str,
    pub deadline: &'a str,
    pub link: &'a str,
}

impl Reopened<'_> {
    pub fn mail(&self) -> OutgoingMail {
        let Reopened {
            to,
            name,
            title,
            reopened_by,
            reason,
            deadline,
            link,
        } = self;
        letter(
            to,
            format!("Reopened: {title}"),
            name,
            vec![
                para(format!("{reopened_by} of NHS England has reopened the self-assessment for {title} so that it can be changed.")),
                para("The reason given was:"),
                Block::Inset(reason.to_string()),
                para(format!("Make the changes and submit it again by {deadline}:")),
                Block::Link(link.to_string()),
            ],
        )
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
    pub kind: ReminderKind,
    pub link: &'a str,
}

impl DeadlineReminder<'_> {
    pub fn mail(&self) -> OutgoingMail {
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
        letter(
            to,
            subject,
            name,
            vec![
                para(opening),
                Block::Link(link.to_string()),
                para("Once it is done, you will get no more reminders about it."),
            ],
        )
    }
}
