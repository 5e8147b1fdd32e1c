use super::layout::LINK;
use super::*;
use crate::rules::deadlines::ReminderKind;
use crate::rules::organisations::CareSetting;
use crate::store::cycles::LeadToNotify;
use crate::store::outbox::escape_html;

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
                reason: "Section 3's evidence is for the wrong year.\nPlease attach this year's.",
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
                question: "Please send the board minutes approving the cyber security strategy.",
                deadline: DEADLINE,
                link: "https://dma.example/assessments/a1/evidence",
            }
            .mail(),
        ),
        (
            "failed_virus_check_to_uploader",
            FailedVirusCheck {
                to: TO,
                name: NAME,
                file_name: "board-paper.pdf",
                uploaded_by: None,
                signature: "Eicar-Test-Signature",
                sha256: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
            }
            .mail(),
        ),
        (
            "failed_virus_check_to_administrator",
            FailedVirusCheck {
                to: "admin@england.nhs.uk",
                name: "Alex Admin",
                file_name: "board-paper.pdf",
                uploaded_by: Some((NAME, TO)),
                signature: "Eicar-Test-Signature",
                sha256: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
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
    let escaped = "Jo &lt;b&gt;&quot;O&#x27;Neil&quot;&lt;/b&gt; &amp; co";
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
