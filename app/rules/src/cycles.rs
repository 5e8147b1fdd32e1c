//! Cycles: their phases, their dates, and when a phase may begin.
//!
//! Dates are `YYYY-MM-DD` text, so comparing the text compares the dates. A deadline day is open
//! until its end: a deadline of 2027-01-31 still accepts work on 31 January.

use super::organisations::CareSetting;
use serde::{Deserialize, Serialize};

stored_enum! {
    /// Where a cycle is. Phases only move forward, one at a time.
    pub enum Phase {
        Setup = ("setup", "Setting up"),
        Submission = ("submission", "Self-assessment"),
        PeerReview = ("peer_review", "Peer review"),
        Moderation = ("moderation", "Moderation"),
        SignOff = ("sign_off", "Sign-off"),
        Published = ("published", "Published"),
    }
}

impl Phase {
    pub fn next(self) -> Option<Phase> {
        Phase::ALL
            .into_iter()
            .skip_while(|phase| *phase != self)
            .nth(1)
    }
}

/// A cycle's dates, each `YYYY-MM-DD`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleDates {
    pub opens_on: String,
    pub submission_deadline: String,
    pub review_deadline: String,
    pub moderation_deadline: String,
    pub publication_on: String,
}

impl CycleDates {
    /// `(form field id, label, date)` in the order the dates must fall.
    fn in_order(&self) -> [(&'static str, &'static str, &str); 5] {
        [
            ("opens-on", "The opening date", &self.opens_on),
            (
                "submission-deadline",
                "The submission deadline",
                &self.submission_deadline,
            ),
            (
                "review-deadline",
                "The review deadline",
                &self.review_deadline,
            ),
            (
                "moderation-deadline",
                "The moderation deadline",
                &self.moderation_deadline,
            ),
            (
                "publication-on",
                "The publication date",
                &self.publication_on,
            ),
        ]
    }
}

/// A cycle as pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cycle {
    pub id: String,
    pub name: String,
    pub framework_version: String,
    pub dates: CycleDates,
    pub care_settings: Vec<CareSetting>,
    /// Empty for all of England.
    pub region_ods_codes: Vec<String>,
    pub reviewers_per_assessment: i64,
    pub reviewer_capacity: i64,
    pub phase: Phase,
    pub is_historical: bool,
    /// The last day trusts may reply to their reviews: as set, or [`default_reply_deadline`].
    pub reply_deadline: String,
}

impl Cycle {
    /// Today and the cycle's dates, as the lifecycle judges events against them, for an
    /// assessment without an extension.
    pub fn moment<'a>(&'a self, today: &'a str) -> crate::lifecycle::Moment<'a> {
        crate::lifecycle::Moment {
            phase: self.phase,
            today,
            submission_deadline: &self.dates.submission_deadline,
            review_deadline: &self.dates.review_deadline,
            reply_deadline: Some(&self.reply_deadline),
        }
    }
}

/// How long trusts have to reply after the review deadline, unless an administrator says
/// otherwise.
const REPLY_DAYS: i64 = 14;

/// The date `days` after `date` (both `YYYY-MM-DD`), if `date` is a real one.
pub fn add_days(date: &str, days: i64) -> Option<String> {
    parse_date(date)?
        .checked_add(jiff::Span::new().days(days))
        .ok()
        .map(format_date)
}

/// A calendar date written exactly `YYYY-MM-DD` (no other spelling ISO 8601 allows).
pub(crate) fn parse_date(text: &str) -> Option<jiff::civil::Date> {
    jiff::civil::Date::strptime("%Y-%m-%d", text)
        .ok()
        .filter(|date| format_date(*date) == text)
}

pub(crate) fn format_date(date: jiff::civil::Date) -> String {
    date.strftime("%Y-%m-%d").to_string()
}

/// The reply deadline of a cycle whose administrator has not set one: two weeks after the review
/// deadline, but always before the moderation deadline (the day before it, if that is sooner).
pub fn default_reply_deadline(review_deadline: &str, moderation_deadline: &str) -> String {
    let (Some(review), Some(moderation)) =
        (parse_date(review_deadline), parse_date(moderation_deadline))
    else {
        return review_deadline.to_string();
    };
    let two_weeks = review.saturating_add(jiff::Span::new().days(REPLY_DAYS));
    let day_before_moderation = moderation.saturating_sub(jiff::Span::new().days(1));
    format_date(two_weeks.min(day_before_moderation).max(review))
}

/// A reply deadline an administrator sets must be a real date after the review deadline and
/// before the moderation deadline.
pub fn check_reply_deadline(dates: &CycleDates, reply_deadline: &str) -> Result<(), String> {
    if !is_valid_date(reply_deadline)
        || reply_deadline <= dates.review_deadline.as_str()
        || reply_deadline >= dates.moderation_deadline.as_str()
    {
        return Err(format!(
            "Enter a date after the review deadline ({}) and before the moderation deadline ({}), like 2027-03-14",
            dates.review_deadline, dates.moderation_deadline
        ));
    }
    Ok(())
}

/// A problem with one form field: its id and what to do about it.
pub type FieldProblem = (&'static str, String);

/// Each date must be a real date, and each must come after the one before it.
pub fn check_dates(dates: &CycleDates) -> Result<(), FieldProblem> {
    let ordered = dates.in_order();
    for (field, label, date) in ordered {
        if !is_valid_date(date) {
            return Err((
                field,
                format!("{label} must be a real date, like 2027-01-31"),
            ));
        }
    }
    for pair in ordered.windows(2) {
        let (_, earlier_label, earlier) = pair[0];
        let (field, label, later) = pair[1];
        if later <= earlier {
            return Err((
                field,
                format!(
                    "{label} must be after {}",
                    earlier_label.replacen("The", "the", 1)
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `text` is a calendar date written `YYYY-MM-DD`, in the years this service can use.
pub fn is_valid_date(text: &str) -> bool {
    service_date(text).is_some()
}

/// The day a stored `YYYY-MM-DD` names, if it is a real date in the years the service uses.
pub(crate) fn service_date(text: &str) -> Option<jiff::civil::Date> {
    parse_date(text).filter(|date| (2000..=2100).contains(&date.year()))
}

/// The phase a cycle may move to on `today`, or why it may not move yet. A phase begins on its
/// date: self-assessment on the opening day, peer review the day after the submission deadline,
/// and so on; publication on the publication day.
pub fn may_advance(current: Phase, dates: &CycleDates, today: &str) -> Result<Phase, String> {
    let next = current
        .next()
        .ok_or_else(|| "The cycle is published: there is no later phase.".to_string())?;
    let (ready, when) = match next {
        Phase::Setup => unreachable!("setup is never a next phase"),
        Phase::Submission => (
            today >= dates.opens_on.as_str(),
            format!("on {}", dates.opens_on),
        ),
        Phase::PeerReview => (
            today > dates.submission_deadline.as_str(),
            format!(
                "after the submission deadline, {}",
                dates.submission_deadline
            ),
        ),
        Phase::Moderation => (
            today > dates.review_deadline.as_str(),
            format!("after the review deadline, {}", dates.review_deadline),
        ),
        Phase::SignOff => (
            today > dates.moderation_deadline.as_str(),
            format!(
                "after the moderation deadline, {}",
                dates.moderation_deadline
            ),
        ),
        Phase::Published => (
            today >= dates.publication_on.as_str(),
            format!("on {}", dates.publication_on),
        ),
    };
    if ready {
        Ok(next)
    } else {
        Err(format!("{} can only begin {when}.", next.label()))
    }
}

/// "31 January 2027" for "2027-01-31" (or a moment on that day); anything unexpected is shown
/// as it is.
pub fn readable_date(date: &str) -> String {
    match date.get(..10).and_then(parse_date) {
        Some(parsed) => parsed.strftime("%-d %B %Y").to_string(),
        None => date.to_string(),
    }
}

/// "22 November 2026 at 10:42 UTC" for a stored moment (RFC 3339 in UTC).
pub fn readable_moment(moment: &str) -> String {
    match (moment.get(..10), moment.get(11..16)) {
        (Some(date), Some(time)) => format!("{} at {time} UTC", readable_date(date)),
        _ => moment.to_string(),
    }
}

/// The submission deadline for one trust: its extension where it has a later one.
pub fn effective_deadline<'a>(cycle_deadline: &'a str, extension: Option<&'a str>) -> &'a str {
    match extension {
        Some(extended) if extended > cycle_deadline => extended,
        _ => cycle_deadline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dates() -> CycleDates {
        CycleDates {
            opens_on: "2026-12-01".into(),
            submission_deadline: "2027-01-31".into(),
            review_deadline: "2027-02-28".into(),
            moderation_deadline: "2027-03-31".into(),
            publication_on: "2027-04-15".into(),
        }
    }

    #[test]
    fn dates_must_be_real_and_in_order() {
        assert_eq!(check_dates(&dates()), Ok(()));
        let mut wrong = dates();
        wrong.review_deadline = "2027-02-30".into();
        assert_eq!(check_dates(&wrong).unwrap_err().0, "review-deadline");
        let mut wrong = dates();
        wrong.submission_deadline = "2026-11-30".into();
        let (field, message) = check_dates(&wrong).unwrap_err();
        assert_eq!(field, "submission-deadline");
        assert_eq!(
            message,
            "The submission deadline must be after the opening date"
        );
        let mut same_day = dates();
        same_day.publication_on = same_day.moderation_deadline.clone();
        assert_eq!(check_dates(&same_day).unwrap_err().0, "publication-on");
    }

    #[test]
    fn only_calendar_dates_are_valid() {
        for good in ["2028-02-29", "2027-12-31", "2000-01-01"] {
            assert!(is_valid_date(good), "{good}");
        }
        for bad in [
            "2027-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-1-01",
            "27-01-01",
            "2027/01/01",
            "",
            "2027-01-01T00:00",
            "1999-12-31",
        ] {
            assert!(!is_valid_date(bad), "{bad}");
        }
    }

    #[test]
    fn each_phase_begins_on_its_date_and_not_before() {
        let dates = dates();
        assert_eq!(
            may_advance(Phase::Setup, &dates, "2026-12-01"),
            Ok(Phase::Submission)
        );
        assert!(may_advance(Phase::Setup, &dates, "2026-11-30").is_err());
        // The deadline day itself is still for submitting.
        let refused = may_advance(Phase::Submission, &dates, "2027-01-31").unwrap_err();
        assert_eq!(
            refused,
            "Peer review can only begin after the submission deadline, 2027-01-31."
        );
        assert_eq!(
            may_advance(Phase::Submission, &dates, "2027-02-01"),
            Ok(Phase::PeerReview)
        );
        assert_eq!(
            may_advance(Phase::SignOff, &dates, "2027-04-15"),
            Ok(Phase::Published)
        );
        assert!(may_advance(Phase::Published, &dates, "2030-01-01").is_err());
    }

    #[test]
    fn dates_read_as_people_write_them() {
        assert_eq!(readable_date("2027-01-31"), "31 January 2027");
        assert_eq!(readable_date("2026-11-02"), "2 November 2026");
        assert_eq!(readable_date("not a date"), "not a date");
        assert_eq!(readable_date("2028-02-29T09:30:00Z"), "29 February 2028");
        assert_eq!(
            readable_moment("2026-11-22T10:42:05.123456Z"),
            "22 November 2026 at 10:42 UTC"
        );
    }

    #[test]
    fn an_extension_only_ever_moves_a_deadline_later() {
        assert_eq!(effective_deadline("2027-01-31", None), "2027-01-31");
        assert_eq!(
            effective_deadline("2027-01-31", Some("2027-02-14")),
            "2027-02-14"
        );
        assert_eq!(
            effective_deadline("2027-01-31", Some("2027-01-15")),
            "2027-01-31"
        );
    }

    proptest! {
        #[test]
        fn phases_move_forward_one_at_a_time(index in 0usize..6, today in "20[2-3][0-9]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])") {
            let current = Phase::ALL[index];
            if let Ok(next) = may_advance(current, &dates(), &today) {
                prop_assert_eq!(Phase::ALL[index + 1], next);
            }
            prop_assert_eq!(Phase::from_key(current.key()), Some(current));
        }
    }

    #[test]
    fn the_default_reply_deadline_is_two_weeks_after_review_but_before_moderation() {
        assert_eq!(
            default_reply_deadline("2027-02-28", "2027-03-31"),
            "2027-03-14"
        );
        assert_eq!(
            default_reply_deadline("2027-02-28", "2027-03-05"),
            "2027-03-04"
        );
        assert_eq!(
            default_reply_deadline("2027-12-25", "2028-02-01"),
            "2028-01-08"
        );
    }

    #[test]
    fn a_reply_deadline_lies_between_the_review_and_moderation_deadlines() {
        let dates = CycleDates {
            opens_on: "2026-11-01".into(),
            submission_deadline: "2027-01-31".into(),
            review_deadline: "2027-02-28".into(),
            moderation_deadline: "2027-03-31".into(),
            publication_on: "2027-04-15".into(),
        };
        assert!(check_reply_deadline(&dates, "2027-03-14").is_ok());
        for wrong in ["2027-02-28", "2027-03-31", "2027-02-30", "soon"] {
            assert!(check_reply_deadline(&dates, wrong).is_err(), "{wrong}");
        }
    }
}
