//! The life of an assessment, as one table: which event moves which status to which, who may
//! cause it and when. `decide` is the only judge of a status change; the store's one primitive
//! for writing a status (`store::lifecycle::change_status`) is handed its answer.

use crate::access::Actor;
use crate::accounts::Role;
use crate::cycles::Phase;

stored_enum! {
    /// Where an assessment is in its life.
    pub enum AssessmentStatus {
        NotStarted = ("not_started", "Not started"),
        InProgress = ("in_progress", "In progress"),
        Submitted = ("submitted", "Submitted"),
        InReview = ("in_review", "In review"),
        Reviewed = ("reviewed", "Reviewed"),
        Replied = ("replied", "Replied"),
        Moderated = ("moderated", "Moderated"),
        SignedOff = ("signed_off", "Signed off"),
        ProvisionallyReleased = ("provisionally_released", "Provisionally released"),
        Published = ("published", "Published"),
    }
}

impl AssessmentStatus {
    /// Whether the trust is still writing it: answers can change and it can be submitted.
    pub fn is_draft(self) -> bool {
        matches!(
            self,
            AssessmentStatus::NotStarted | AssessmentStatus::InProgress
        )
    }
}

stored_enum! {
    /// What moves an assessment from one status to another.
    pub enum Event {
        Save = ("save", "Save answers"),
        Submit = ("submit", "Submit"),
        Reopen = ("reopen", "Reopen"),
        ConfirmReviewers = ("confirm_reviewers", "Confirm reviewers"),
        SaveReviewDraft = ("save_review_draft", "Save a review"),
        LastReviewSubmitted = ("last_review_submitted", "Last review submitted"),
        CloseReview = ("close_review", "Close peer review"),
        ReopenReview = ("reopen_review", "Reopen a review"),
        SaveReplyDraft = ("save_reply_draft", "Save a reply"),
        ReplySubmitted = ("reply_submitted", "Reply submitted"),
        ReplyDeadlinePassed = ("reply_deadline_passed", "Reply deadline passed"),
        SaveModerationDraft = ("save_moderation_draft", "Save moderation"),
        ModerationSubmitted = ("moderation_submitted", "Moderation submitted"),
        SignOff = ("sign_off", "Signed off"),
        ReturnToModerator = ("return_to_moderator", "Returned to moderator"),
        ProvisionalRelease = ("provisional_release", "Provisional release"),
        Publish = ("publish", "Publication"),
        Correct = ("correct", "Correction"),
        UpholdQuery = ("uphold_query", "Query upheld"),
    }
}

impl Event {
    /// What the audit trail calls the status change.
    pub fn audit_action(self) -> &'static str {
        match self {
            Event::Save => "start assessment",
            Event::Submit => "submit assessment",
            Event::Reopen => "reopen assessment",
            Event::ConfirmReviewers => "put assessment in review",
            Event::SaveReviewDraft => "save a review",
            Event::LastReviewSubmitted => "complete peer review",
            Event::CloseReview => "close peer review with the reviews received",
            Event::ReopenReview => "reopen a submitted review",
            Event::SaveReplyDraft => "save a reply",
            Event::ReplySubmitted => "record the trust's reply",
            Event::ReplyDeadlinePassed => "record no reply received",
            Event::SaveModerationDraft => "save moderation",
            Event::ModerationSubmitted => "submit moderation",
            Event::SignOff => "sign off assessment",
            Event::ReturnToModerator => "return assessment to moderator",
            Event::ProvisionalRelease => "release assessment provisionally",
            Event::Publish => "publish assessment",
            Event::Correct => "reopen published assessment for correction",
            Event::UpholdQuery => "reopen moderation to answer a query",
        }
    }

    /// What the event does, to finish "only … can …" and "you cannot … now".
    fn purpose(self) -> &'static str {
        match self {
            Event::Save => "change its answers",
            Event::Submit => "submit it",
            Event::Reopen => "reopen it",
            Event::ConfirmReviewers => "confirm its reviewers",
            Event::SaveReviewDraft => "review it",
            Event::LastReviewSubmitted => "submit a review of it",
            Event::CloseReview => "close its peer review",
            Event::ReopenReview => "reopen one of its reviews",
            Event::SaveReplyDraft | Event::ReplySubmitted => "reply to its reviews",
            Event::ReplyDeadlinePassed => "close its reply",
            Event::SaveModerationDraft => "moderate it",
            Event::ModerationSubmitted => "submit its moderation",
            Event::SignOff => "sign it off",
            Event::ReturnToModerator => "return it to the moderator",
            Event::ProvisionalRelease => "release its results provisionally",
            Event::Publish => "publish its results",
            Event::Correct => "correct its published results",
            Event::UpholdQuery => "reopen its moderation for a query",
        }
    }
}

/// Who may cause an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// A trust lead of the organisation assessed.
    OwnTrustLead,
    /// A peer reviewer assigned to the assessment who has not declined.
    AssignedReviewer,
    /// NHS England staff in one of these roles, not from the organisation assessed.
    NhsEngland(&'static [Role]),
    /// An approver who is neither from the organisation assessed nor its moderator: four eyes.
    /// Its moderator is anyone who had a hand in its moderation (saved a domain of it, submitted
    /// it, answered a query on it), not only who submitted last. One account may be both
    /// moderator and approver; this is what keeps the two pairs of eyes apart.
    SecondApprover,
    /// The service itself, on a schedule.
    Service,
}

/// When an event may happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// The cycle is in self-assessment or peer review and the trust's submission deadline (with
    /// any extension) has not passed.
    SelfAssessment,
    /// The cycle is in peer review and the review deadline has not passed.
    PeerReview,
    /// The cycle is in peer review or moderation and the reply deadline, where the cycle has
    /// one, has not passed.
    ReplyOpen,
    /// The cycle has a reply deadline and it has passed.
    ReplyClosed,
    /// The cycle is in one of these phases.
    Phases(&'static [Phase]),
}

/// One row of the lifecycle: `event` moves an assessment in any of `from` to `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub event: Event,
    pub from: &'static [AssessmentStatus],
    pub to: AssessmentStatus,
    pub who: Who,
    pub when: Window,
}

use AssessmentStatus as S;

const NHS_ENGLAND_REOPENERS: &[Role] = &[Role::Moderator, Role::Admin];
const ADMINS: &[Role] = &[Role::Admin];
const MODERATORS: &[Role] = &[Role::Moderator];

/// The lifecycle. An event missing for a status cannot happen to an assessment in that status.
/// Saving a draft of a review, a reply or moderation leaves the status as it is, but has a row
/// of its own, so a save is judged as a save and not as the submission it may never become.
pub const LIFECYCLE: &[Transition] = &[
    Transition {
        event: Event::Save,
        from: &[S::NotStarted, S::InProgress],
        to: S::InProgress,
        who: Who::OwnTrustLead,
        when: Window::SelfAssessment,
    },
    Transition {
        event: Event::Submit,
        from: &[S::NotStarted, S::InProgress],
        to: S::Submitted,
        who: Who::OwnTrustLead,
        when: Window::SelfAssessment,
    },
    Transition {
        event: Event::Reopen,
        from: &[S::Submitted],
        to: S::InProgress,
        who: Who::NhsEngland(NHS_ENGLAND_REOPENERS),
        when: Window::Phases(&[Phase::Submission, Phase::PeerReview]),
    },
    Transition {
        event: Event::Reopen,
        from: &[S::SignedOff],
        to: S::Replied,
        who: Who::NhsEngland(ADMINS),
        when: Window::Phases(&[Phase::Moderation, Phase::SignOff]),
    },
    Transition {
        event: Event::ConfirmReviewers,
        from: &[S::Submitted],
        to: S::InReview,
        who: Who::NhsEngland(ADMINS),
        when: Window::Phases(&[Phase::Submission, Phase::PeerReview]),
    },
    Transition {
        event: Event::SaveReviewDraft,
        from: &[S::InReview],
        to: S::InReview,
        who: Who::AssignedReviewer,
        when: Window::PeerReview,
    },
    Transition {
        event: Event::LastReviewSubmitted,
        from: &[S::InReview],
        to: S::Reviewed,
        who: Who::AssignedReviewer,
        when: Window::PeerReview,
    },
    Transition {
        event: Event::CloseReview,
        from: &[S::InReview],
        to: S::Reviewed,
        who: Who::NhsEngland(ADMINS),
        when: Window::Phases(&[Phase::PeerReview, Phase::Moderation]),
    },
    Transition {
        event: Event::ReopenReview,
        from: &[S::InReview, S::Reviewed],
        to: S::InReview,
        who: Who::NhsEngland(ADMINS),
        when: Window::Phases(&[Phase::PeerReview, Phase::Moderation]),
    },
    Transition {
        event: Event::SaveReplyDraft,
        from: &[S::Reviewed],
        to: S::Reviewed,
        who: Who::OwnTrustLead,
        when: Window::ReplyOpen,
    },
    Transition {
        event: Event::ReplySubmitted,
        from: &[S::Reviewed],
        to: S::Replied,
        who: Who::OwnTrustLead,
        when: Window::ReplyOpen,
    },
    Transition {
        event: Event::ReplyDeadlinePassed,
        from: &[S::Reviewed],
        to: S::Replied,
        who: Who::Service,
        when: Window::ReplyClosed,
    },
    Transition {
        event: Event::SaveModerationDraft,
        from: &[S::Replied],
        to: S::Replied,
        who: Who::NhsEngland(MODERATORS),
        when: Window::Phases(&[Phase::Moderation]),
    },
    Transition {
        event: Event::ModerationSubmitted,
        from: &[S::Replied],
        to: S::Moderated,
        who: Who::NhsEngland(MODERATORS),
        when: Window::Phases(&[Phase::Moderation]),
    },
    Transition {
        event: Event::SignOff,
        from: &[S::Moderated],
        to: S::SignedOff,
        who: Who::SecondApprover,
        when: Window::Phases(&[Phase::Moderation, Phase::SignOff]),
    },
    Transition {
        event: Event::ReturnToModerator,
        from: &[S::Moderated],
        to: S::Replied,
        who: Who::SecondApprover,
        when: Window::Phases(&[Phase::Moderation, Phase::SignOff]),
    },
    Transition {
        event: Event::ProvisionalRelease,
        from: &[S::SignedOff],
        to: S::ProvisionallyReleased,
        who: Who::NhsEngland(ADMINS),
        when: Window::Phases(&[Phase::SignOff]),
    },
    Transition {
        event: Event::Publish,
        from: &[S::ProvisionallyReleased],
        to: S::Published,
        who: Who::NhsEngland(ADMINS),
        when: Window::Phases(&[Phase::SignOff, Phase::Published]),
    },
    Transition {
        event: Event::Publish,
        from: &[S::SignedOff],
        to: S::Published,
        who: Who::NhsEngland(ADMINS),
        when: Window::Phases(&[Phase::Published]),
    },
    Transition {
        event: Event::UpholdQuery,
        from: &[S::ProvisionallyReleased],
        to: S::Replied,
        who: Who::NhsEngland(MODERATORS),
        when: Window::Phases(&[Phase::SignOff]),
    },
    Transition {
        event: Event::Correct,
        from: &[S::Published],
        to: S::Replied,
        who: Who::NhsEngland(ADMINS),
        when: Window::Phases(&[Phase::Published]),
    },
];

/// Who is causing an event, as far as the lifecycle cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Participant {
    Person {
        roles: Vec<Role>,
        /// Belongs to the organisation assessed.
        of_assessed_organisation: bool,
        /// A peer reviewer assigned to this assessment, not declined.
        assigned_reviewer: bool,
        /// Submitted this assessment's moderation.
        moderated_it: bool,
    },
    /// The service itself: a scheduled job.
    Service,
}

impl Participant {
    /// `actor` acting on an assessment of `assessed_ods_code`, with no review or moderation of it.
    pub fn person(actor: &Actor, assessed_ods_code: &str) -> Participant {
        Participant::Person {
            roles: actor.roles.iter().copied().collect(),
            of_assessed_organisation: actor.org_ods_code.as_deref() == Some(assessed_ods_code),
            assigned_reviewer: false,
            moderated_it: false,
        }
    }

    /// The same person, who is (or is not) one of the assessment's assigned reviewers.
    pub fn assigned_reviewer(self, assigned: bool) -> Participant {
        match self {
            Participant::Person {
                roles,
                of_assessed_organisation,
                moderated_it,
                ..
            } => Participant::Person {
                roles,
                of_assessed_organisation,
                assigned_reviewer: assigned,
                moderated_it,
            },
            Participant::Service => Participant::Service,
        }
    }

    /// The same person, who did (or did not) moderate the assessment.
    pub fn moderated_it(self, moderated: bool) -> Participant {
        match self {
            Participant::Person {
                roles,
                of_assessed_organisation,
                assigned_reviewer,
                ..
            } => Participant::Person {
                roles,
                of_assessed_organisation,
                assigned_reviewer,
                moderated_it: moderated,
            },
            Participant::Service => Participant::Service,
        }
    }
}

/// The day and the cycle's dates an event is judged against; dates are `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment<'a> {
    pub phase: Phase,
    pub today: &'a str,
    /// The trust's submission deadline, with any extension it was given.
    pub submission_deadline: &'a str,
    pub review_deadline: &'a str,
    /// None where the cycle has no reply deadline.
    pub reply_deadline: Option<&'a str>,
}

/// A status change `decide` allowed. Only `decide` makes one, so the store, which takes one to
/// write a status, cannot be asked for a change the lifecycle has not judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowed {
    event: Event,
    /// The statuses of the row that allowed it: who may do it and when does not depend on which
    /// of them the assessment is in, so the judgement holds while it stays in one of them.
    from: &'static [AssessmentStatus],
    to: AssessmentStatus,
}

impl Allowed {
    pub fn event(self) -> Event {
        self.event
    }

    /// Whether the judgement still holds for an assessment now in `status`: saving is allowed
    /// whether someone else's save made it "in progress" meanwhile or not, but not once it has
    /// been submitted.
    pub fn holds_in(self, status: AssessmentStatus) -> bool {
        self.from.contains(&status)
    }

    pub fn to(self) -> AssessmentStatus {
        self.to
    }
}

/// Why an event may not happen, in words for the person refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not for this person, whatever the status or date.
    NotAllowed(String),
    /// Not in this status or at this time.
    NotNow(String),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::NotAllowed(message) | Refusal::NotNow(message) => message,
        }
    }
}

impl Who {
    fn admits(self, participant: &Participant) -> bool {
        let Participant::Person {
            roles,
            of_assessed_organisation,
            assigned_reviewer,
            moderated_it,
        } = participant
        else {
            return self == Who::Service;
        };
        let has = |role: &Role| roles.contains(role);
        match self {
            Who::OwnTrustLead => has(&Role::TrustLead) && *of_assessed_organisation,
            Who::AssignedReviewer => has(&Role::PeerReviewer) && *assigned_reviewer,
            Who::NhsEngland(allowed) => allowed.iter().any(has) && !of_assessed_organisation,
            Who::SecondApprover => {
                has(&Role::Approver) && !of_assessed_organisation && !moderated_it
            }
            Who::Service => false,
        }
    }

    fn refusal(self, event: Event, participant: &Participant) -> String {
        let purpose = event.purpose();
        let (own_organisation, moderated) = match participant {
            Participant::Person {
                of_assessed_organisation,
                moderated_it,
                ..
            } => (*of_assessed_organisation, *moderated_it),
            Participant::Service => (false, false),
        };
        match self {
            Who::OwnTrustLead => match event {
                Event::Save | Event::Submit => {
                    "Only the trust's own leads can answer its assessment.".to_string()
                }
                _ => format!("Only the trust's own leads can {purpose}."),
            },
            Who::AssignedReviewer => {
                format!("Only a peer reviewer assigned to this assessment can {purpose}.")
            }
            Who::NhsEngland(_) | Who::SecondApprover if own_organisation => format!(
                "You cannot {purpose}: it is your own organisation's assessment. Ask a colleague at NHS England."
            ),
            Who::SecondApprover if moderated => format!(
                "You had a hand in moderating this assessment (you saved a section of it, submitted it or answered a query on it), so another approver must {purpose}."
            ),
            Who::NhsEngland(roles) => format!(
                "Only NHS England {} can {purpose}.",
                plural_roles(roles)
            ),
            Who::SecondApprover => format!("Only an NHS England approver can {purpose}."),
            Who::Service => format!("Nobody can {purpose}: the service does it when the reply deadline passes."),
        }
    }
}

fn plural_roles(roles: &[Role]) -> String {
    let names: Vec<String> = roles
        .iter()
        .map(|role| format!("{}s", role.label().to_lowercase()))
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

impl Window {
    fn check(self, moment: &Moment) -> Result<(), String> {
        let phase = moment.phase;
        match self {
            Window::SelfAssessment => {
                match phase {
                    Phase::Setup => return Err("This cycle has not opened yet.".into()),
                    Phase::Submission | Phase::PeerReview => {}
                    _ => return Err("Self-assessment has closed for this cycle.".into()),
                }
                let deadline = moment.submission_deadline;
                if moment.today > deadline {
                    return Err(format!(
                        "The deadline for this assessment was {deadline}, so it can no longer be changed. Ask NHS England for an extension."
                    ));
                }
                Ok(())
            }
            Window::PeerReview => {
                if phase != Phase::PeerReview {
                    return Err(format!(
                        "The cycle is in {}, not peer review.",
                        phase.label().to_lowercase()
                    ));
                }
                let deadline = moment.review_deadline;
                if moment.today > deadline {
                    return Err(format!(
                        "The review deadline was {deadline}. Ask NHS England for an extension."
                    ));
                }
                Ok(())
            }
            Window::ReplyOpen => {
                if !matches!(phase, Phase::PeerReview | Phase::Moderation) {
                    return Err(format!(
                        "Replies are taken during peer review and moderation; the cycle is in {}.",
                        phase.label().to_lowercase()
                    ));
                }
                match moment.reply_deadline {
                    Some(deadline) if moment.today > deadline => Err(format!(
                        "The reply deadline was {deadline}, so the reply is closed."
                    )),
                    _ => Ok(()),
                }
            }
            Window::ReplyClosed => match moment.reply_deadline {
                Some(deadline) if moment.today > deadline => Ok(()),
                Some(deadline) => Err(format!("The reply deadline, {deadline}, has not passed.")),
                None => Err("This cycle has no reply deadline.".into()),
            },
            Window::Phases(phases) => {
                if phases.contains(&phase) {
                    Ok(())
                } else {
                    let names: Vec<String> = phases
                        .iter()
                        .map(|phase| phase.label().to_lowercase())
                        .collect();
                    Err(format!(
                        "That can only happen while the cycle is in {}; it is in {}.",
                        names.join(" or "),
                        phase.label().to_lowercase()
                    ))
                }
            }
        }
    }
}

/// Whether `participant` may cause `event` to an assessment in `status` at `moment`, and the
/// status that follows. A refusal for the person (`NotAllowed`) comes before one for the status
/// or the date (`NotNow`), so nobody learns where another organisation's assessment stands.
pub fn decide(
    event: Event,
    status: AssessmentStatus,
    participant: &Participant,
    moment: &Moment,
) -> Result<Allowed, Refusal> {
    let rows: Vec<&Transition> = LIFECYCLE.iter().filter(|row| row.event == event).collect();
    if !rows.iter().any(|row| row.who.admits(participant)) {
        let who = rows.first().map_or(Who::Service, |row| row.who);
        return Err(Refusal::NotAllowed(who.refusal(event, participant)));
    }
    let Some(row) = rows.iter().find(|row| row.from.contains(&status)) else {
        return Err(Refusal::NotNow(status_refusal(event, status, &rows)));
    };
    if !row.who.admits(participant) {
        return Err(Refusal::NotAllowed(row.who.refusal(event, participant)));
    }
    row.when.check(moment).map_err(Refusal::NotNow)?;
    Ok(Allowed {
        event,
        from: row.from,
        to: row.to,
    })
}

fn status_refusal(event: Event, status: AssessmentStatus, rows: &[&Transition]) -> String {
    let now = status.label().to_lowercase();
    if matches!(event, Event::Save | Event::Submit) {
        return format!(
            "This assessment is {now}, so it cannot be changed. Ask NHS England to reopen it if something needs correcting."
        );
    }
    let needed: Vec<String> = rows
        .iter()
        .flat_map(|row| row.from)
        .map(|status| status.label().to_lowercase())
        .collect();
    format!(
        "You cannot {} now: the assessment is {now}, and that needs it to be {}.",
        event.purpose(),
        needed.join(" or ")
    )
}

/// The lifecycle as a Markdown table, for docs/product.md (a test keeps the two the same).
pub fn as_markdown() -> String {
    let mut table =
        String::from("| event | from | to | who | when |\n| --- | --- | --- | --- | --- |\n");
    for row in LIFECYCLE {
        let from: Vec<&str> = row.from.iter().map(|status| status.label()).collect();
        let who = match row.who {
            Who::OwnTrustLead => "a lead of the trust assessed".to_string(),
            Who::AssignedReviewer => "a peer reviewer assigned to it".to_string(),
            Who::NhsEngland(roles) => {
                format!("NHS England {}, not of the trust", plural_roles(roles))
            }
            Who::SecondApprover => "an approver, not of the trust, not its moderator".to_string(),
            Who::Service => "the service".to_string(),
        };
        let when = match row.when {
            Window::SelfAssessment => {
                "self-assessment or peer review, by the trust's deadline".to_string()
            }
            Window::PeerReview => "peer review, by the review deadline".to_string(),
            Window::ReplyOpen => "peer review or moderation, by the reply deadline".to_string(),
            Window::ReplyClosed => "after the reply deadline".to_string(),
            Window::Phases(phases) => phases
                .iter()
                .map(|phase| phase.label().to_lowercase())
                .collect::<Vec<_>>()
                .join(" or "),
        };
        table.push_str(&format!(
            "| {} | {} | {} | {who} | {when} |\n",
            row.event.label(),
            from.join(", "),
            row.to.label()
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn person(roles: &[Role], own: bool) -> Participant {
        Participant::Person {
            roles: roles.to_vec(),
            of_assessed_organisation: own,
            assigned_reviewer: false,
            moderated_it: false,
        }
    }

    /// The status an allowed event leads to.
    fn decide_to(
        event: Event,
        status: AssessmentStatus,
        participant: &Participant,
        moment: &Moment,
    ) -> Result<AssessmentStatus, Refusal> {
        decide(event, status, participant, moment).map(Allowed::to)
    }

    fn moment(phase: Phase, today: &str) -> Moment<'_> {
        Moment {
            phase,
            today,
            submission_deadline: "2027-01-31",
            review_deadline: "2027-02-28",
            reply_deadline: Some("2027-03-14"),
        }
    }

    #[test]
    fn every_status_but_the_first_is_reached_by_some_event_and_every_event_has_a_row() {
        for status in AssessmentStatus::ALL.into_iter().skip(1) {
            assert!(
                LIFECYCLE.iter().any(|row| row.to == status),
                "nothing leads to {status:?}"
            );
        }
        for event in Event::ALL {
            assert!(
                LIFECYCLE.iter().any(|row| row.event == event),
                "{event:?} has no row"
            );
        }
    }

    #[test]
    fn one_event_never_has_two_rows_for_one_status() {
        for event in Event::ALL {
            for status in AssessmentStatus::ALL {
                let rows = LIFECYCLE
                    .iter()
                    .filter(|row| row.event == event && row.from.contains(&status))
                    .count();
                assert!(rows <= 1, "{event:?} from {status:?} is ambiguous");
            }
        }
    }

    #[test]
    fn a_lead_saves_and_submits_their_own_trusts_draft_until_the_deadline() {
        let lead = person(&[Role::TrustLead], true);
        let open = moment(Phase::Submission, "2027-01-31");
        assert_eq!(
            decide_to(Event::Save, S::NotStarted, &lead, &open),
            Ok(S::InProgress)
        );
        assert_eq!(
            decide_to(Event::Submit, S::InProgress, &lead, &open),
            Ok(S::Submitted)
        );
        let late = decide(
            Event::Save,
            S::InProgress,
            &lead,
            &moment(Phase::Submission, "2027-02-01"),
        );
        assert!(
            matches!(&late, Err(Refusal::NotNow(message)) if message.contains("2027-01-31")),
            "{late:?}"
        );
        let extended = Moment {
            submission_deadline: "2027-02-14",
            ..moment(Phase::PeerReview, "2027-02-01")
        };
        assert!(decide(Event::Save, S::InProgress, &lead, &extended).is_ok());
        let submitted = decide(Event::Save, S::Submitted, &lead, &open).unwrap_err();
        assert!(
            submitted.message().contains("cannot be changed"),
            "{submitted:?}"
        );
        assert!(matches!(
            decide(
                Event::Save,
                S::InProgress,
                &person(&[Role::TrustLead], false),
                &open
            ),
            Err(Refusal::NotAllowed(_))
        ));
    }

    #[test]
    fn the_person_is_refused_before_the_status_is_mentioned() {
        let reviewer = person(&[Role::PeerReviewer], false);
        let refusal = decide(
            Event::Reopen,
            S::InProgress,
            &reviewer,
            &moment(Phase::Submission, "2027-01-01"),
        )
        .unwrap_err();
        assert_eq!(
            refusal,
            Refusal::NotAllowed(
                "Only NHS England moderators and administrators can reopen it.".into()
            )
        );
    }

    #[test]
    fn nhs_england_never_acts_on_its_own_organisations_assessment() {
        let lead_and_moderator = person(&[Role::TrustLead, Role::Moderator], true);
        let refusal = decide(
            Event::Reopen,
            S::Submitted,
            &lead_and_moderator,
            &moment(Phase::Submission, "2027-01-01"),
        )
        .unwrap_err();
        assert!(
            refusal.message().contains("your own organisation"),
            "{refusal:?}"
        );
        assert!(decide(
            Event::Reopen,
            S::Submitted,
            &person(&[Role::Moderator], false),
            &moment(Phase::Submission, "2027-01-01"),
        )
        .is_ok());
    }

    #[test]
    fn four_eyes_the_moderator_cannot_sign_off_what_they_moderated() {
        let approver = person(&[Role::Approver, Role::Moderator], false);
        let signing = moment(Phase::SignOff, "2027-04-01");
        assert_eq!(
            decide_to(Event::SignOff, S::Moderated, &approver, &signing),
            Ok(S::SignedOff)
        );
        let refusal = decide(
            Event::SignOff,
            S::Moderated,
            &approver.clone().moderated_it(true),
            &signing,
        )
        .unwrap_err();
        assert!(
            refusal.message().contains("another approver"),
            "{refusal:?}"
        );
        assert!(decide(
            Event::ReturnToModerator,
            S::Moderated,
            &approver.moderated_it(true),
            &signing
        )
        .is_err());
    }

    #[test]
    fn after_sign_off_only_an_admin_reopens_back_to_moderation() {
        let signing = moment(Phase::SignOff, "2027-04-01");
        assert_eq!(
            decide_to(
                Event::Reopen,
                S::SignedOff,
                &person(&[Role::Admin], false),
                &signing
            ),
            Ok(S::Replied)
        );
        assert!(matches!(
            decide(
                Event::Reopen,
                S::SignedOff,
                &person(&[Role::Moderator], false),
                &signing
            ),
            Err(Refusal::NotAllowed(_))
        ));
    }

    #[test]
    fn the_reply_closes_itself_only_after_the_reply_deadline() {
        let service = Participant::Service;
        assert!(decide(
            Event::ReplyDeadlinePassed,
            S::Reviewed,
            &service,
            &moment(Phase::Moderation, "2027-03-14")
        )
        .is_err());
        assert_eq!(
            decide_to(
                Event::ReplyDeadlinePassed,
                S::Reviewed,
                &service,
                &moment(Phase::Moderation, "2027-03-15")
            ),
            Ok(S::Replied)
        );
        assert!(matches!(
            decide(
                Event::ReplySubmitted,
                S::Reviewed,
                &service,
                &moment(Phase::Moderation, "2027-03-01")
            ),
            Err(Refusal::NotAllowed(_))
        ));
    }

    #[test]
    fn the_product_docs_show_this_lifecycle() {
        let product = include_str!("../../../docs/product.md");
        assert!(
            product.contains(&as_markdown()),
            "docs/product.md's lifecycle table is out of date; replace it with:\n{}",
            as_markdown()
        );
    }

    fn any_participant() -> impl Strategy<Value = Participant> {
        prop_oneof![
            Just(Participant::Service),
            (
                proptest::sample::subsequence(Role::ALL.to_vec(), 0..=5),
                any::<bool>(),
                any::<bool>(),
                any::<bool>()
            )
                .prop_map(|(roles, own, assigned, moderated)| Participant::Person {
                    roles,
                    of_assessed_organisation: own,
                    assigned_reviewer: assigned,
                    moderated_it: moderated,
                }),
        ]
    }

    proptest! {
        /// Whatever is asked, an allowed change follows a row of the table, and nobody without
        /// a role acts for NHS England.
        #[test]
        fn every_allowed_change_is_a_row_of_the_table(
            event in proptest::sample::select(Event::ALL.to_vec()),
            status in proptest::sample::select(AssessmentStatus::ALL.to_vec()),
            participant in any_participant(),
            phase in proptest::sample::select(Phase::ALL.to_vec()),
            day in 1u32..28,
            month in 1u32..6,
        ) {
            let today = format!("2027-{month:02}-{day:02}");
            let moment = moment(phase, &today);
            if let Ok(to) = decide_to(event, status, &participant, &moment) {
                prop_assert!(LIFECYCLE.iter().any(|row| row.event == event
                    && row.from.contains(&status)
                    && row.to == to
                    && row.who.admits(&participant)));
                if let Participant::Person { roles, of_assessed_organisation, .. } = &participant {
                    prop_assert!(!roles.is_empty());
                    if *of_assessed_organisation {
                        prop_assert!(matches!(
                            event,
                            Event::Save
                                | Event::Submit
                                | Event::SaveReplyDraft
                                | Event::ReplySubmitted
                                | Event::SaveReviewDraft
                                | Event::LastReviewSubmitted
                        ));
                    }
                }
            }
        }
    }
}
