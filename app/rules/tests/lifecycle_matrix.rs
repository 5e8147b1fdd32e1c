//! The lifecycle matrix: every event × every status × every kind of person, each cell stated.
//! A status or event added to the lifecycle without its rows here fails the test, and so does
//! any cell whose answer changes. Each cell is judged at a moment when the event's window is
//! open, so this table is about who and from which status; the windows have their own tests.

use rules::accounts::Role;
use rules::cycles::Phase;
use rules::lifecycle::{decide, AssessmentStatus, Event, Moment, Refusal, Window, LIFECYCLE};

/// The people the columns stand for, in column order:
/// L a lead of the trust assessed, l a lead of another trust, R an assigned peer reviewer,
/// r a peer reviewer not assigned to it, M a moderator, m a moderator who is also a lead of the
/// trust, P an approver, p an approver who moderated it, A an administrator, S the service.
const COLUMNS: &str = "LlRrMmPpAS";

/// `event status cells`: Y allowed, x refused as not theirs (403), - refused as not now.
const MATRIX: &str = "
save                  not_started             YxxxxYxxxx
save                  in_progress             YxxxxYxxxx
save                  submitted               -xxxx-xxxx
save                  in_review               -xxxx-xxxx
save                  reviewed                -xxxx-xxxx
save                  replied                 -xxxx-xxxx
save                  moderated               -xxxx-xxxx
save                  signed_off              -xxxx-xxxx
save                  provisionally_released  -xxxx-xxxx
save                  published               -xxxx-xxxx
submit                not_started             YxxxxYxxxx
submit                in_progress             YxxxxYxxxx
submit                submitted               -xxxx-xxxx
submit                in_review               -xxxx-xxxx
submit                reviewed                -xxxx-xxxx
submit                replied                 -xxxx-xxxx
submit                moderated               -xxxx-xxxx
submit                signed_off              -xxxx-xxxx
submit                provisionally_released  -xxxx-xxxx
submit                published               -xxxx-xxxx
reopen                not_started             xxxx-xxx-x
reopen                in_progress             xxxx-xxx-x
reopen                submitted               xxxxYxxxYx
reopen                in_review               xxxx-xxx-x
reopen                reviewed                xxxx-xxx-x
reopen                replied                 xxxx-xxx-x
reopen                moderated               xxxx-xxx-x
reopen                signed_off              xxxxxxxxYx
reopen                provisionally_released  xxxx-xxx-x
reopen                published               xxxx-xxx-x
confirm_reviewers     not_started             xxxxxxxx-x
confirm_reviewers     in_progress             xxxxxxxx-x
confirm_reviewers     submitted               xxxxxxxxYx
confirm_reviewers     in_review               xxxxxxxx-x
confirm_reviewers     reviewed                xxxxxxxx-x
confirm_reviewers     replied                 xxxxxxxx-x
confirm_reviewers     moderated               xxxxxxxx-x
confirm_reviewers     signed_off              xxxxxxxx-x
confirm_reviewers     provisionally_released  xxxxxxxx-x
confirm_reviewers     published               xxxxxxxx-x
save_review_draft     not_started             xx-xxxxxxx
save_review_draft     in_progress             xx-xxxxxxx
save_review_draft     submitted               xx-xxxxxxx
save_review_draft     in_review               xxYxxxxxxx
save_review_draft     reviewed                xx-xxxxxxx
save_review_draft     replied                 xx-xxxxxxx
save_review_draft     moderated               xx-xxxxxxx
save_review_draft     signed_off              xx-xxxxxxx
save_review_draft     provisionally_released  xx-xxxxxxx
save_review_draft     published               xx-xxxxxxx
last_review_submitted not_started             xx-xxxxxxx
last_review_submitted in_progress             xx-xxxxxxx
last_review_submitted submitted               xx-xxxxxxx
last_review_submitted in_review               xxYxxxxxxx
last_review_submitted reviewed                xx-xxxxxxx
last_review_submitted replied                 xx-xxxxxxx
last_review_submitted moderated               xx-xxxxxxx
last_review_submitted signed_off              xx-xxxxxxx
last_review_submitted provisionally_released  xx-xxxxxxx
last_review_submitted published               xx-xxxxxxx
close_review          not_started             xxxxxxxx-x
close_review          in_progress             xxxxxxxx-x
close_review          submitted               xxxxxxxx-x
close_review          in_review               xxxxxxxxYx
close_review          reviewed                xxxxxxxx-x
close_review          replied                 xxxxxxxx-x
close_review          moderated               xxxxxxxx-x
close_review          signed_off              xxxxxxxx-x
close_review          provisionally_released  xxxxxxxx-x
close_review          published               xxxxxxxx-x
reopen_review         not_started             xxxxxxxx-x
reopen_review         in_progress             xxxxxxxx-x
reopen_review         submitted               xxxxxxxx-x
reopen_review         in_review               xxxxxxxxYx
reopen_review         reviewed                xxxxxxxxYx
reopen_review         replied                 xxxxxxxx-x
reopen_review         moderated               xxxxxxxx-x
reopen_review         signed_off              xxxxxxxx-x
reopen_review         provisionally_released  xxxxxxxx-x
reopen_review         published               xxxxxxxx-x
save_reply_draft      not_started             -xxxx-xxxx
save_reply_draft      in_progress             -xxxx-xxxx
save_reply_draft      submitted               -xxxx-xxxx
save_reply_draft      in_review               -xxxx-xxxx
save_reply_draft      reviewed                YxxxxYxxxx
save_reply_draft      replied                 -xxxx-xxxx
save_reply_draft      moderated               -xxxx-xxxx
save_reply_draft      signed_off              -xxxx-xxxx
save_reply_draft      provisionally_released  -xxxx-xxxx
save_reply_draft      published               -xxxx-xxxx
reply_submitted       not_started             -xxxx-xxxx
reply_submitted       in_progress             -xxxx-xxxx
reply_submitted       submitted               -xxxx-xxxx
reply_submitted       in_review               -xxxx-xxxx
reply_submitted       reviewed                YxxxxYxxxx
reply_submitted       replied                 -xxxx-xxxx
reply_submitted       moderated               -xxxx-xxxx
reply_submitted       signed_off              -xxxx-xxxx
reply_submitted       provisionally_released  -xxxx-xxxx
reply_submitted       published               -xxxx-xxxx
reply_deadline_passed not_started             xxxxxxxxx-
reply_deadline_passed in_progress             xxxxxxxxx-
reply_deadline_passed submitted               xxxxxxxxx-
reply_deadline_passed in_review               xxxxxxxxx-
reply_deadline_passed reviewed                xxxxxxxxxY
reply_deadline_passed replied                 xxxxxxxxx-
reply_deadline_passed moderated               xxxxxxxxx-
reply_deadline_passed signed_off              xxxxxxxxx-
reply_deadline_passed provisionally_released  xxxxxxxxx-
reply_deadline_passed published               xxxxxxxxx-
save_moderation_draft not_started             xxxx-xxxxx
save_moderation_draft in_progress             xxxx-xxxxx
save_moderation_draft submitted               xxxx-xxxxx
save_moderation_draft in_review               xxxx-xxxxx
save_moderation_draft reviewed                xxxx-xxxxx
save_moderation_draft replied                 xxxxYxxxxx
save_moderation_draft moderated               xxxx-xxxxx
save_moderation_draft signed_off              xxxx-xxxxx
save_moderation_draft provisionally_released  xxxx-xxxxx
save_moderation_draft published               xxxx-xxxxx
moderation_submitted  not_started             xxxx-xxxxx
moderation_submitted  in_progress             xxxx-xxxxx
moderation_submitted  submitted               xxxx-xxxxx
moderation_submitted  in_review               xxxx-xxxxx
moderation_submitted  reviewed                xxxx-xxxxx
moderation_submitted  replied                 xxxxYxxxxx
moderation_submitted  moderated               xxxx-xxxxx
moderation_submitted  signed_off              xxxx-xxxxx
moderation_submitted  provisionally_released  xxxx-xxxxx
moderation_submitted  published               xxxx-xxxxx
sign_off              not_started             xxxxxx-xxx
sign_off              in_progress             xxxxxx-xxx
sign_off              submitted               xxxxxx-xxx
sign_off              in_review               xxxxxx-xxx
sign_off              reviewed                xxxxxx-xxx
sign_off              replied                 xxxxxx-xxx
sign_off              moderated               xxxxxxYxxx
sign_off              signed_off              xxxxxx-xxx
sign_off              provisionally_released  xxxxxx-xxx
sign_off              published               xxxxxx-xxx
return_to_moderator   not_started             xxxxxx-xxx
return_to_moderator   in_progress             xxxxxx-xxx
return_to_moderator   submitted               xxxxxx-xxx
return_to_moderator   in_review               xxxxxx-xxx
return_to_moderator   reviewed                xxxxxx-xxx
return_to_moderator   replied                 xxxxxx-xxx
return_to_moderator   moderated               xxxxxxYxxx
return_to_moderator   signed_off              xxxxxx-xxx
return_to_moderator   provisionally_released  xxxxxx-xxx
return_to_moderator   published               xxxxxx-xxx
provisional_release   not_started             xxxxxxxx-x
provisional_release   in_progress             xxxxxxxx-x
provisional_release   submitted               xxxxxxxx-x
provisional_release   in_review               xxxxxxxx-x
provisional_release   reviewed                xxxxxxxx-x
provisional_release   replied                 xxxxxxxx-x
provisional_release   moderated               xxxxxxxx-x
provisional_release   signed_off              xxxxxxxxYx
provisional_release   provisionally_released  xxxxxxxx-x
provisional_release   published               xxxxxxxx-x
publish               not_started             xxxxxxxx-x
publish               in_progress             xxxxxxxx-x
publish               submitted               xxxxxxxx-x
publish               in_review               xxxxxxxx-x
publish               reviewed                xxxxxxxx-x
publish               replied                 xxxxxxxx-x
publish               moderated               xxxxxxxx-x
publish               signed_off              xxxxxxxxYx
publish               provisionally_released  xxxxxxxxYx
publish               published               xxxxxxxx-x
correct               not_started             xxxxxxxx-x
correct               in_progress             xxxxxxxx-x
correct               submitted               xxxxxxxx-x
correct               in_review               xxxxxxxx-x
correct               reviewed                xxxxxxxx-x
correct               replied                 xxxxxxxx-x
correct               moderated               xxxxxxxx-x
correct               signed_off              xxxxxxxx-x
correct               provisionally_released  xxxxxxxx-x
correct               published               xxxxxxxxYx
uphold_query          not_started             xxxx-xxxxx
uphold_query          in_progress             xxxx-xxxxx
uphold_query          submitted               xxxx-xxxxx
uphold_query          in_review               xxxx-xxxxx
uphold_query          reviewed                xxxx-xxxxx
uphold_query          replied                 xxxx-xxxxx
uphold_query          moderated               xxxx-xxxxx
uphold_query          signed_off              xxxx-xxxxx
uphold_query          provisionally_released  xxxxYxxxxx
uphold_query          published               xxxx-xxxxx
";

fn participant(column: char) -> rules::lifecycle::Participant {
    use rules::lifecycle::Participant;
    let person = |roles: &[Role], own: bool, assigned: bool, moderated: bool| Participant::Person {
        roles: roles.to_vec(),
        of_assessed_organisation: own,
        assigned_reviewer: assigned,
        moderated_it: moderated,
    };
    match column {
        'L' => person(&[Role::TrustLead], true, false, false),
        'l' => person(&[Role::TrustLead], false, false, false),
        'R' => person(&[Role::PeerReviewer], false, true, false),
        'r' => person(&[Role::PeerReviewer], false, false, false),
        'M' => person(&[Role::Moderator], false, false, false),
        'm' => person(&[Role::Moderator, Role::TrustLead], true, false, false),
        'P' => person(&[Role::Approver], false, false, false),
        'p' => person(&[Role::Approver], false, false, true),
        'A' => person(&[Role::Admin], false, false, false),
        'S' => Participant::Service,
        other => panic!("no column {other}"),
    }
}

/// A moment when the window of the row for `event` from `status` is open (or, where there is
/// no such row, the middle of self-assessment).
fn open_moment(event: Event, status: AssessmentStatus) -> Moment<'static> {
    let base = Moment {
        phase: Phase::Submission,
        today: "2027-01-10",
        submission_deadline: "2027-01-31",
        review_deadline: "2027-02-28",
        reply_deadline: Some("2027-03-14"),
    };
    let window = LIFECYCLE
        .iter()
        .find(|row| row.event == event && row.from.contains(&status))
        .map(|row| row.when);
    match window {
        None | Some(Window::SelfAssessment) => base,
        Some(Window::PeerReview) => Moment {
            phase: Phase::PeerReview,
            today: "2027-02-10",
            ..base
        },
        Some(Window::ReplyOpen) => Moment {
            phase: Phase::Moderation,
            today: "2027-03-01",
            ..base
        },
        Some(Window::ReplyClosed) => Moment {
            phase: Phase::Moderation,
            today: "2027-03-20",
            ..base
        },
        Some(Window::Phases(phases)) => Moment {
            phase: phases[0],
            ..base
        },
    }
}

fn cell(event: Event, status: AssessmentStatus, column: char) -> char {
    match decide(
        event,
        status,
        &participant(column),
        &open_moment(event, status),
    ) {
        Ok(_) => 'Y',
        Err(Refusal::NotAllowed(_)) => 'x',
        Err(Refusal::NotNow(_)) => '-',
    }
}

#[test]
fn every_cell_of_the_lifecycle_is_as_stated() {
    let mut stated = std::collections::BTreeMap::new();
    for line in MATRIX.lines().filter(|line| !line.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [event, status, cells] = fields[..] else {
            panic!("a matrix line is `event status cells`: {line:?}");
        };
        let event = Event::from_key(event).unwrap_or_else(|| panic!("no event {event}"));
        let status =
            AssessmentStatus::from_key(status).unwrap_or_else(|| panic!("no status {status}"));
        assert_eq!(cells.chars().count(), COLUMNS.len(), "{line}");
        assert!(
            stated.insert((event, status), cells).is_none(),
            "{line} is stated twice"
        );
    }
    let mut differences = Vec::new();
    let mut actual_matrix = String::new();
    for event in Event::ALL {
        for status in AssessmentStatus::ALL {
            let actual: String = COLUMNS
                .chars()
                .map(|column| cell(event, status, column))
                .collect();
            actual_matrix.push_str(&format!(
                "{:<22}{:<24}{actual}\n",
                event.key(),
                status.key()
            ));
            match stated.get(&(event, status)) {
                None => {
                    differences.push(format!("{} from {}: not stated", event.key(), status.key()))
                }
                Some(cells) if *cells != actual => differences.push(format!(
                    "{} from {}: stated {cells}, is {actual} (columns {COLUMNS})",
                    event.key(),
                    status.key()
                )),
                Some(_) => {}
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} cells differ:\n{}\nThe lifecycle as it is now:\n{actual_matrix}",
        differences.len(),
        differences.join("\n")
    );
}
