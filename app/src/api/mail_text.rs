//! The emails the service sends. Each is a typed template: a struct of the values it needs,
//! whose `mail()` writes the message. Its words are written once, as a few blocks (paragraphs,
//! a link, a list), and both the plain text and the HTML alternative are rendered from them.

use crate::rules::deadlines::ReminderKind;
use crate::store::cycles::LeadToNotify;
use crate::store::outbox::{escape_html, OutgoingMail};

const SIGN_OFF: &str =
    "Digital maturity assessment\nNHS England\n\nThis is an automatic email. Do not reply to it.";

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
        html: html(&subject, &blocks),
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

const FONT: &str = "font-family:Frutiger,Arial,Helvetica,sans-serif;";
const BODY_TEXT: &str = "margin:0 0 24px 0;font-size:19px;line-height:28px;color:#212b32;";
const LINK: &str = "color:#005eb8;text-decoration:underline;word-break:break-all;";

/// The NHS-style page: a blue header bar, the blocks in 19px text on white, the sign-off below.
/// One layout table and inline styles, as email programs need; nothing is fetched from the web.
fn html(subject: &str, blocks: &[Block]) -> String {
    let content: String = blocks.iter().map(html_block).collect();
    let sign_off: String = SIGN_OFF
        .split("\n\n")
        .map(|text| format!("<p style=\"margin:0 0 16px 0;\">{}</p>\n", html_text(text)))
        .collect();
    format!(
        "<!DOCTYPE html>\n\
         <html lang=\"en-GB\">\n\
         <head>\n\
         <meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n\
         </head>\n\
         <body style=\"margin:0;padding:0;background-color:#f0f4f5;{FONT}\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"width:100%;max-width:640px;margin:0 auto;border-collapse:collapse;{FONT}\">\n\
         <tr><td style=\"background-color:#005eb8;padding:16px 24px;{FONT}\">\
         <span style=\"display:inline-block;padding:2px 6px;background-color:#ffffff;color:#005eb8;\
         font-size:24px;line-height:28px;font-weight:bold;font-style:italic;{FONT}\">NHS</span>\
         <span style=\"padding-left:12px;color:#ffffff;font-size:19px;line-height:28px;font-weight:bold;{FONT}\">\
         Digital maturity assessment</span></td></tr>\n\
         <tr><td style=\"background-color:#ffffff;padding:32px 24px 8px 24px;color:#212b32;{FONT}\">\n\
         {content}\
         </td></tr>\n\
         <tr><td style=\"padding:24px 24px 8px 24px;font-size:16px;line-height:24px;color:#4c6272;{FONT}\">\n\
         {sign_off}\
         </td></tr>\n\
         </table>\n\
         </body>\n\
         </html>\n",
        title = escape_html(subject),
    )
}

fn html_block(block: &Block) -> String {
    match block {
        Block::Para(text) => format!("<p style=\"{BODY_TEXT}\">{}</p>\n", html_text(text)),
        Block::Inset(text) => format!(
            "<p style=\"{BODY_TEXT}padding:0 0 0 16px;border-left:8px solid #005eb8;\">{}</p>\n",
            html_text(text)
        ),
        Block::Link(address) => {
            let address = escape_html(address);
            format!("<p style=\"{BODY_TEXT}\"><a href=\"{address}\" style=\"{LINK}\">{address}</a></p>\n")
        }
        Block::List(items) => {
            let items: String = items
                .iter()
                .map(|item| {
                    format!(
                        "<li style=\"margin:0 0 8px 0;\">{}</li>\n",
                        escape_html(item)
                    )
                })
                .collect();
            format!("<ul style=\"{BODY_TEXT}padding:0 0 0 24px;\">\n{items}</ul>\n")
        }
    }
}

/// Escaped for HTML, with its line breaks kept.
fn html_text(text: &str) -> String {
    escape_html(text).replace('\n', "<br>\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::organisations::CareSetting;

    const TO: &str = "jo@rr8.nhs.uk";
    const NAME: &str = "Jo Bloggs";
    const TITLE: &str = "Leeds Teaching Hospitals NHS Trust – Acute";
    const CYCLE: &str = "2027 to 2028";
    const DEADLINE: &str = "23:59 on 3 June 2027";

    /// What a reviewer reads of an email: the envelope, the text and the HTML.
    fn shown(mail: &OutgoingMail) -> String {
        format!(
            "To: {}\nSubject: {}\n\n{}\n======== HTML ========\n\n{}",
            mail.to, mail.subject, mail.body, mail.html
        )
    }

    /// One of each email, with the values of a typical case.
    fn examples() -> Vec<(&'static str, OutgoingMail)> {
        let lead = LeadToNotify {
            email: TO.into(),
            display_name: NAME.into(),
            trust_name: "Leeds Teaching Hospitals NHS Trust".into(),
            care_settings: vec![CareSetting::Acute, CareSetting::Community],
        };
        let scores = [
            "Infrastructure: 3.2".to_string(),
            "Overall: 3.1".to_string(),
        ];
        let assessments = [
            TITLE.to_string(),
            "Bradford District Care NHS Foundation Trust – Mental health".to_string(),
        ];
        let sections = [
            "Cyber security".to_string(),
            "Data and analytics".to_string(),
        ];
        vec![
            (
                "invitation",
                Invitation {
                    to: TO,
                    name: NAME,
                    inviter: "Sam Patel",
                    link: "https://dma.example/set-password?token=Zm9vYmFy",
                    expires_in_days: 7,
                }
                .mail(),
            ),
            (
                "password_reset",
                PasswordReset {
                    to: TO,
                    name: NAME,
                    link: "https://dma.example/set-password?token=Zm9vYmFy",
                    expires_in_hours: 2,
                }
                .mail(),
            ),
            (
                "cycle_opened",
                CycleOpened {
                    lead: &lead,
                    cycle_name: CYCLE,
                    deadline: DEADLINE,
                    link: "https://dma.example/assessments",
                }
                .mail(),
            ),
            (
                "submission_receipt",
                SubmissionReceipt {
                    to: TO,
                    name: NAME,
                    title: TITLE,
                    cycle_name: CYCLE,
                    submitted_by: "Sam Patel",
                    scores: &scores,
                    link: "https://dma.example/assessments/a1",
                }
                .mail(),
            ),
            (
                "reopened",
                Reopened {
                    to: TO,
                    name: NAME,
                    title: TITLE,
                    reopened_by: "Alex Moderator",
                    reason:
                        "Section 3's evidence is for the wrong year.\nPlease attach this year's.",
                    deadline: DEADLINE,
                    link: "https://dma.example/assessments/a1",
                }
                .mail(),
            ),
            (
                "reviews_assigned",
                ReviewsAssigned {
                    to: TO,
                    name: NAME,
                    cycle_name: CYCLE,
                    assessments: &assessments,
                    deadline: DEADLINE,
                    link: "https://dma.example/reviews",
                }
                .mail(),
            ),
            (
                "reviews_complete",
                ReviewsComplete {
                    to: TO,
                    name: NAME,
                    title: TITLE,
                    cycle_name: CYCLE,
                    link: "https://dma.example/assessments/a1",
                }
                .mail(),
            ),
            (
                "review_reopened",
                ReviewReopened {
                    to: TO,
                    name: NAME,
                    title: TITLE,
                    reason: "Domain 3 needs another look: the trust sent new evidence.",
                    deadline: DEADLINE,
                    link: "https://dma.example/reviews/r1",
                }
                .mail(),
            ),
            (
                "review_deadline_extended",
                ReviewDeadlineExtended {
                    to: TO,
                    name: NAME,
                    title: TITLE,
                    deadline: DEADLINE,
                    link: "https://dma.example/reviews/r1",
                }
                .mail(),
            ),
            (
                "review_withdrawn",
                ReviewWithdrawn {
                    to: TO,
                    name: NAME,
                    title: TITLE,
                }
                .mail(),
            ),
            (
                "review_declined",
                ReviewDeclined {
                    to: TO,
                    name: NAME,
                    reviewer: "Sam Patel (R0A)",
                    title: TITLE,
                    reason: "I am on leave until after the review deadline.",
                    link: "https://dma.example/admin/cycles/c1/assignment",
                }
                .mail(),
            ),
            (
                "reply_receipt",
                ReplyReceipt {
                    to: TO,
                    name: NAME,
                    title: TITLE,
                    submitted_by: "Sam Patel",
                    accepted: 3,
                    contested: 1,
                    link: "https://dma.example/assessments/a1/reply",
                }
                .mail(),
            ),
            (
                "evidence_requested",
                EvidenceRequested {
                    to: TO,
                    name: NAME,
                    title: TITLE,
                    sections: &sections,
                    question:
                        "Please send the board minutes approving the cyber security strategy.",
                    deadline: DEADLINE,
                    link: "https://dma.example/assessments/a1/evidence",
                }
                .mail(),
            ),
            (
                "results_released",
                ResultsReleased {
                    to: TO,
                    name: NAME,
                    title: TITLE,
                    link: "https://dma.example/assessments/a1/results",
                }
                .mail(),
            ),
        ]
    }

    #[test]
    fn each_email_reads_right_in_text_and_html() {
        for (name, mail) in examples() {
            insta::assert_snapshot!(name, shown(&mail));
        }
    }

    #[test]
    fn a_deadline_reminder_reads_right_for_each_kind() {
        for kind in ReminderKind::ALL {
            let mail = DeadlineReminder {
                to: TO,
                name: NAME,
                task: "submit the self-assessment of Leeds Teaching Hospitals NHS Trust – Acute",
                deadline: "23:59 on 3 June 2027",
                kind,
                link: "https://dma.example/assessments/a1",
            }
            .mail();
            insta::assert_snapshot!(
                format!("deadline_reminder_{}", kind.key().replace('-', "_")),
                shown(&mail)
            );
        }
    }

    /// Every email has the NHS layout, in British English, and carries each link of its text,
    /// as a link and as an address to copy.
    #[test]
    fn every_html_email_is_in_the_nhs_layout_with_the_links_of_its_text() {
        for (name, mail) in examples() {
            let html = &mail.html;
            assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
            assert!(html.contains("<html lang=\"en-GB\">"), "{name}");
            assert!(html.contains("background-color:#005eb8"), "{name}");
            assert!(html.contains(">NHS</span>"), "{name}");
            assert!(
                html.contains("Digital maturity assessment</span>"),
                "{name}"
            );
            assert!(html.contains("font-size:19px"), "{name}");
            assert_eq!(
                html.matches("<table").count(),
                1,
                "{name}: one layout table"
            );
            for link in mail
                .body
                .lines()
                .filter(|line| line.starts_with("https://"))
            {
                let link = escape_html(link);
                assert!(
                    html.contains(&format!("<a href=\"{link}\" style=\"{LINK}\">{link}</a>")),
                    "{name}: {link}"
                );
            }
            assert!(
                html.contains(&format!("<title>{}</title>", escape_html(&mail.subject))),
                "{name}"
            );
        }
    }

    #[test]
    fn what_people_typed_is_escaped_in_the_html_and_kept_as_typed_in_the_text() {
        let name = r#"Jo <b>"O'Neil"</b> & co"#;
        let escaped = "Jo &lt;b&gt;&quot;O&#39;Neil&quot;&lt;/b&gt; &amp; co";
        let mail = Reopened {
            to: TO,
            name,
            title: name,
            reopened_by: name,
            reason: name,
            deadline: DEADLINE,
            link: "https://dma.example/assessments/a1?x=1&y=<2>",
        }
        .mail();
        assert!(mail.body.contains(&format!("Dear {name},")));
        assert!(mail.subject.contains(name));
        assert!(!mail.html.contains("<b>"), "{}", mail.html);
        assert!(!mail.html.contains("O'Neil"), "{}", mail.html);
        assert!(mail.html.contains(&format!("Dear {escaped},")));
        assert!(mail
            .html
            .contains(&format!("<title>Reopened: {escaped}</title>")));
        assert_eq!(mail.html.matches(escaped).count(), 5, "{}", mail.html);
        assert!(mail
            .html
            .contains("href=\"https://dma.example/assessments/a1?x=1&amp;y=&lt;2&gt;\""));

        let sections = [name.to_string()];
        let mail = EvidenceRequested {
            to: TO,
            name: NAME,
            title: TITLE,
            sections: &sections,
            question: name,
            deadline: DEADLINE,
            link: "https://dma.example/assessments/a1/evidence",
        }
        .mail();
        assert!(mail.body.contains(&format!("- {name}\n")));
        assert!(mail.html.contains(&format!(">{escaped}</li>")));
        assert!(!mail.html.contains("<b>"), "{}", mail.html);
    }
}
