//! Deadlines in UK time, and when to remind people of them.
//!
//! A deadline is stored as a day, `YYYY-MM-DD`, and means the end of that day in England: work is
//! on time until 23:59:59.999… Europe/London time, whether the clocks then show GMT or BST. The
//! deadline passes at the first instant of the next UK day, which is 00:00 UTC in winter and
//! 23:00 UTC the day before in summer.
//!
//! Nothing here reads a clock: the caller passes `now`, so the same rules run on the server, in
//! the browser and in tests.

use crate::cycles::{format_date, readable_date, service_date};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Europe/London's rules, compiled in from jiff's copy of the tz database (the `static` feature),
/// so that a server without /usr/share/zoneinfo and the browser, which has none, agree.
static UK: TimeZone = jiff::tz::get!("Europe/London");

/// The first instant of `date` in the UK. UK clocks change at 01:00, never at midnight, so every
/// UK day has exactly one midnight.
fn uk_start_of_day(date: Date) -> Option<Timestamp> {
    UK.to_timestamp(date.to_datetime(Time::midnight())).ok()
}

/// The UK calendar day at `now`.
fn uk_date(now: Timestamp) -> Date {
    UK.to_datetime(now).date()
}

fn days_before(date: Date, days: i64) -> Option<Date> {
    date.checked_sub(jiff::Span::new().days(days)).ok()
}

/// The instant the deadline `date` passes: the first instant of the next day in the UK. Work at
/// any earlier instant is on time.
pub fn deadline_instant(date: &str) -> Option<Timestamp> {
    uk_start_of_day(service_date(date)?.tomorrow().ok()?)
}

/// A deadline as pages show it: "23:59 on 3 June 2027"; anything that is not a date, as it is.
pub fn deadline_shown(date: &str) -> String {
    deadline_text(date).unwrap_or_else(|| crate::cycles::readable_date(date))
}

/// "23:59 on 3 June 2027" for the deadline "2027-06-03": the last minute that is on time, as the
/// clocks in England show it.
pub fn deadline_text(date: &str) -> Option<String> {
    service_date(date).map(|_| format!("23:59 on {}", readable_date(date)))
}

/// Whether the deadline `date` has passed at `now`; None if it is not a date.
pub fn is_past(date: &str, now: Timestamp) -> Option<bool> {
    deadline_instant(date).map(|deadline| now >= deadline)
}

/// Whole UK calendar days from `now`'s UK date to the deadline `date`: 0 on the day itself, 1 the
/// day before, negative once it has passed (-1 the day after). None if `date` is not a date.
pub fn days_left(date: &str, now: Timestamp) -> Option<i64> {
    let deadline = service_date(date)?;
    Some(i64::from((deadline - uk_date(now)).get_days()))
}

/// "3 days left", "1 day left", "Due today", "1 day overdue", "5 days overdue".
pub fn days_left_text(date: &str, now: Timestamp) -> Option<String> {
    let days = days_left(date, now)?;
    let plural = |count: i64| if count == 1 { "day" } else { "days" };
    Some(match days {
        0 => "Due today".to_string(),
        left if left > 0 => format!("{left} {} left", plural(left)),
        overdue => {
            let late = -overdue;
            format!("{late} {} overdue", plural(late))
        }
    })
}

/// The UK calendar date at `now`, `YYYY-MM-DD`: the `today` the lifecycle judges against. Between
/// 00:00 and 01:00 BST it is a day later than the date in UTC.
pub fn uk_today(now: Timestamp) -> String {
    format_date(uk_date(now))
}

/// The UK calendar date `days` after `now`'s UK date (negative: before), `YYYY-MM-DD`.
pub fn uk_date_in_days(now: Timestamp, days: i64) -> String {
    let today = uk_date(now);
    let date = today
        .checked_add(jiff::Span::new().days(days))
        .unwrap_or(today);
    format_date(date)
}

stored_enum! {
    /// A reminder email about a deadline. In the order they come due; the key is part of the
    /// database's unique key for a sent reminder, so it must never change.
    pub enum ReminderKind {
        SevenDaysBefore = ("7-days", "7 days before the deadline"),
        TwoDaysBefore = ("2-days", "2 days before the deadline"),
        Overdue = ("overdue", "After the deadline"),
    }
}

/// The most reminders one person gets about one task.
pub const MAX_REMINDERS: usize = 3;

impl ReminderKind {
    /// The instant this reminder comes due for `deadline`: the start of the UK day 7 days before
    /// it, the start of the UK day 2 days before it, or the instant the deadline passes.
    pub fn due_from(self, deadline: &str) -> Option<Timestamp> {
        let date = service_date(deadline)?;
        match self {
            ReminderKind::SevenDaysBefore => uk_start_of_day(days_before(date, 7)?),
            ReminderKind::TwoDaysBefore => uk_start_of_day(days_before(date, 2)?),
            ReminderKind::Overdue => deadline_instant(deadline),
        }
    }

    /// The reminder whose time it is at `days_left` days before the deadline (negative once it
    /// has passed), if any.
    fn at(days_left: i64) -> Option<ReminderKind> {
        match days_left {
            left if left < 0 => Some(ReminderKind::Overdue),
            0..=2 => Some(ReminderKind::TwoDaysBefore),
            3..=7 => Some(ReminderKind::SevenDaysBefore),
            _ => None,
        }
    }
}

/// The one reminder to send now about `deadline` to a person who has been sent `already_sent`,
/// if any. Called by a job that runs now and then; whatever it returns the caller sends and
/// records, and passes back in `already_sent` next time.
///
/// Each reminder has its moment: 7 days before (when [`days_left`] is 7 or less), 2 days before
/// (2 or less) and overdue (once the deadline has passed). Only the latest moment that has come
/// counts: if the job was down through the 7-day moment and runs again after the 2-day one, it
/// sends the 2-day reminder and never a stale, late 7-day one; once the deadline has passed, only
/// the overdue one. Reminders only move forward: a kind earlier than one already sent is never
/// sent (so a deadline extended after a reminder does not bring an earlier, now misleading, one
/// back). So each kind is sent at most once, and never more than [`MAX_REMINDERS`] in all, even if
/// `already_sent` repeats a kind. Nothing is sent to someone who has finished, or about a
/// deadline that is not a date.
pub fn reminder_due(
    deadline: &str,
    now: Timestamp,
    finished: bool,
    already_sent: &[ReminderKind],
) -> Option<ReminderKind> {
    if finished || already_sent.len() >= MAX_REMINDERS {
        return None;
    }
    let due = ReminderKind::at(days_left(deadline, now)?)?;
    let sent_same_or_later = already_sent.iter().any(|sent| *sent >= due);
    (!sent_same_or_later).then_some(due)
}

/// The key under which a reminder an administrator sends now ("Remind now") is recorded, for a
/// person who has had the reminders keyed `already_sent` about the task; None once they have had
/// [`MAX_REMINDERS`], however they came. The first one sent now after the deadline is the overdue
/// reminder, so the job does not send that one too; any later one takes the next free count,
/// "manual-3" for the third, so two administrators pressing at once claim the same key and only
/// one is sent.
pub fn remind_now_key(already_sent: &[String]) -> Option<String> {
    if already_sent.len() >= MAX_REMINDERS {
        return None;
    }
    let overdue = ReminderKind::Overdue.key();
    if !already_sent.iter().any(|key| key == overdue) {
        return Some(overdue.to_string());
    }
    Some(format!("manual-{}", already_sent.len() + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_show_a_deadline_as_its_last_minute_and_anything_else_as_it_is() {
        assert_eq!(deadline_shown("2027-06-03"), "23:59 on 3 June 2027");
        assert_eq!(deadline_shown("soon"), "soon");
    }
    use proptest::prelude::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn instant(date: &str) -> String {
        deadline_instant(date).unwrap().to_string()
    }

    #[test]
    fn a_deadline_passes_at_the_end_of_its_day_in_england() {
        // Summer (BST, UTC+1) and winter (GMT).
        assert_eq!(instant("2027-06-03"), "2027-06-03T23:00:00Z");
        assert_eq!(instant("2027-01-31"), "2027-02-01T00:00:00Z");
        assert_eq!(instant("2027-12-31"), "2028-01-01T00:00:00Z");
        assert_eq!(instant("2028-02-28"), "2028-02-29T00:00:00Z");
        for wrong in [
            "2027-02-29",
            "2027-6-3",
            "soon",
            "",
            "1999-12-31",
            "2027-06-03T12:00",
        ] {
            assert_eq!(deadline_instant(wrong), None, "{wrong}");
            assert_eq!(deadline_text(wrong), None, "{wrong}");
            assert_eq!(is_past(wrong, at("2027-06-03T12:00:00Z")), None, "{wrong}");
            assert_eq!(
                days_left(wrong, at("2027-06-03T12:00:00Z")),
                None,
                "{wrong}"
            );
        }
    }

    #[test]
    fn on_the_days_the_clocks_change_a_deadline_still_ends_at_midnight_in_england() {
        // The clocks go forward at 01:00 GMT on these days: midnight that night is BST.
        assert_eq!(instant("2026-03-29"), "2026-03-29T23:00:00Z");
        assert_eq!(instant("2027-03-28"), "2027-03-28T23:00:00Z");
        // The clocks go back at 02:00 BST on these days: midnight that night is GMT.
        assert_eq!(instant("2026-10-25"), "2026-10-26T00:00:00Z");
        assert_eq!(instant("2027-10-31"), "2027-11-01T00:00:00Z");
        // The days before: midnight still in the old time.
        assert_eq!(instant("2027-03-27"), "2027-03-28T00:00:00Z");
        assert_eq!(instant("2027-10-30"), "2027-10-30T23:00:00Z");

        let forward = "2027-03-28";
        assert_eq!(
            is_past(forward, at("2027-03-28T22:59:59.999999999Z")),
            Some(false)
        );
        assert_eq!(is_past(forward, at("2027-03-28T23:00:00Z")), Some(true));
        let back = "2027-10-31";
        assert_eq!(is_past(back, at("2027-10-31T23:59:59Z")), Some(false));
        assert_eq!(is_past(back, at("2027-11-01T00:00:00Z")), Some(true));
    }

    #[test]
    fn the_deadline_reads_as_the_last_minute_on_time() {
        assert_eq!(deadline_text("2027-06-03").unwrap(), "23:59 on 3 June 2027");
        assert_eq!(
            deadline_text("2027-10-31").unwrap(),
            "23:59 on 31 October 2027"
        );
    }

    #[test]
    fn today_is_the_date_in_england() {
        assert_eq!(uk_today(at("2027-06-03T23:30:00Z")), "2027-06-04");
        assert_eq!(uk_today(at("2027-06-03T22:59:59Z")), "2027-06-03");
        assert_eq!(uk_today(at("2027-01-15T23:30:00Z")), "2027-01-15");
        assert_eq!(uk_today(at("2027-01-16T00:00:00Z")), "2027-01-16");
        // Half past midnight BST, the first night of summer time.
        assert_eq!(uk_today(at("2027-03-28T23:30:00Z")), "2027-03-29");
    }

    #[test]
    fn days_left_count_uk_calendar_days() {
        let deadline = "2027-06-03";
        let left = |now: &str| days_left(deadline, at(now)).unwrap();
        let text = |now: &str| days_left_text(deadline, at(now)).unwrap();
        assert_eq!(left("2027-05-31T09:00:00Z"), 3);
        assert_eq!(text("2027-05-31T09:00:00Z"), "3 days left");
        // 23:30 UTC on 1 June is already 2 June in England.
        assert_eq!(text("2027-06-01T23:30:00Z"), "1 day left");
        assert_eq!(text("2027-06-03T00:00:00Z"), "Due today");
        assert_eq!(text("2027-06-03T22:59:59Z"), "Due today");
        assert_eq!(text("2027-06-03T23:00:00Z"), "1 day overdue");
        assert_eq!(left("2027-06-08T12:00:00Z"), -5);
        assert_eq!(text("2027-06-08T12:00:00Z"), "5 days overdue");
        // Across the clocks going back: 2027-10-31 is 25 hours long but one day.
        assert_eq!(days_left("2027-11-01", at("2027-10-30T22:59:59Z")), Some(2));
        assert_eq!(days_left("2027-11-01", at("2027-10-30T23:00:00Z")), Some(1));
        assert_eq!(days_left("2027-11-01", at("2027-10-31T23:59:59Z")), Some(1));
        assert_eq!(days_left("2027-11-01", at("2027-11-01T00:00:00Z")), Some(0));
    }

    #[test]
    fn reminder_keys_are_stable() {
        let keys: Vec<&str> = ReminderKind::ALL.iter().map(|kind| kind.key()).collect();
        assert_eq!(keys, ["7-days", "2-days", "overdue"]);
        for kind in ReminderKind::ALL {
            assert_eq!(ReminderKind::from_key(kind.key()), Some(kind));
            assert!(!kind.label().is_empty());
        }
    }

    fn due_from(kind: ReminderKind, deadline: &str) -> String {
        kind.due_from(deadline).unwrap().to_string()
    }

    #[test]
    fn each_reminder_comes_due_at_the_start_of_its_uk_day() {
        use ReminderKind::*;
        let deadline = "2027-06-10";
        assert_eq!(due_from(SevenDaysBefore, deadline), "2027-06-02T23:00:00Z");
        assert_eq!(due_from(TwoDaysBefore, deadline), "2027-06-07T23:00:00Z");
        assert_eq!(due_from(Overdue, deadline), "2027-06-10T23:00:00Z");
        // The 7-day moment is before the clocks go forward, the others after.
        let deadline = "2027-04-02";
        assert_eq!(due_from(SevenDaysBefore, deadline), "2027-03-26T00:00:00Z");
        assert_eq!(due_from(TwoDaysBefore, deadline), "2027-03-30T23:00:00Z");
        assert_eq!(due_from(Overdue, deadline), "2027-04-02T23:00:00Z");
        assert_eq!(Overdue.due_from("2027-02-30"), None);
    }

    #[test]
    fn a_reminder_is_due_at_its_moment_and_not_before() {
        use ReminderKind::*;
        let deadline = "2027-06-10";
        let due = |now: &str, sent: &[ReminderKind]| reminder_due(deadline, at(now), false, sent);
        assert_eq!(due("2027-06-01T12:00:00Z", &[]), None);
        assert_eq!(due("2027-06-02T22:59:59Z", &[]), None);
        assert_eq!(due("2027-06-02T23:00:00Z", &[]), Some(SevenDaysBefore));
        assert_eq!(due("2027-06-05T12:00:00Z", &[]), Some(SevenDaysBefore));
        assert_eq!(due("2027-06-05T12:00:00Z", &[SevenDaysBefore]), None);
        assert_eq!(due("2027-06-07T22:59:59Z", &[SevenDaysBefore]), None);
        assert_eq!(
            due("2027-06-07T23:00:00Z", &[SevenDaysBefore]),
            Some(TwoDaysBefore)
        );
        assert_eq!(
            due("2027-06-10T22:59:59Z", &[SevenDaysBefore]),
            Some(TwoDaysBefore)
        );
        let both = [SevenDaysBefore, TwoDaysBefore];
        assert_eq!(due("2027-06-10T22:59:59Z", &both), None);
        assert_eq!(due("2027-06-10T23:00:00Z", &both), Some(Overdue));
        assert_eq!(due("2027-07-10T09:00:00Z", &both), Some(Overdue));
        let all = [SevenDaysBefore, TwoDaysBefore, Overdue];
        assert_eq!(due("2027-07-10T09:00:00Z", &all), None);
    }

    #[test]
    fn a_reminder_missed_while_the_job_was_down_is_not_sent_late() {
        use ReminderKind::*;
        let deadline = "2027-06-10";
        let due = |now: &str, sent: &[ReminderKind]| reminder_due(deadline, at(now), false, sent);
        // Down through the 7-day moment: only the 2-day reminder, then the overdue one.
        assert_eq!(due("2027-06-09T08:00:00Z", &[]), Some(TwoDaysBefore));
        assert_eq!(due("2027-06-09T09:00:00Z", &[TwoDaysBefore]), None);
        assert_eq!(due("2027-06-12T09:00:00Z", &[TwoDaysBefore]), Some(Overdue));
        // Down until after the deadline: only the overdue one.
        assert_eq!(due("2027-06-11T08:00:00Z", &[]), Some(Overdue));
        assert_eq!(due("2027-06-11T08:00:00Z", &[Overdue]), None);
        // A deadline extended after the 2-day reminder does not bring the 7-day one back.
        assert_eq!(
            reminder_due(
                "2027-06-15",
                at("2027-06-09T08:00:00Z"),
                false,
                &[TwoDaysBefore]
            ),
            None
        );
    }

    #[test]
    fn no_reminder_for_the_finished_or_the_fully_reminded() {
        use ReminderKind::*;
        let now = at("2027-06-12T09:00:00Z");
        assert_eq!(reminder_due("2027-06-10", now, true, &[]), None);
        assert_eq!(
            reminder_due("2027-06-10", now, false, &[SevenDaysBefore; 3]),
            None
        );
        assert_eq!(reminder_due("not a date", now, false, &[]), None);
    }

    #[test]
    fn reminding_now_counts_towards_the_three_and_stops_there() {
        let keys = |sent: &[&str]| sent.iter().map(|key| key.to_string()).collect::<Vec<_>>();
        // The first press is the overdue reminder, whatever came before.
        assert_eq!(remind_now_key(&[]).as_deref(), Some("overdue"));
        assert_eq!(
            remind_now_key(&keys(&["7-days", "2-days"])).as_deref(),
            Some("overdue")
        );
        // After the overdue reminder, the next free count.
        assert_eq!(
            remind_now_key(&keys(&["overdue"])).as_deref(),
            Some("manual-2")
        );
        assert_eq!(
            remind_now_key(&keys(&["overdue", "manual-2"])).as_deref(),
            Some("manual-3")
        );
        // Three is the most, however they were sent.
        assert_eq!(
            remind_now_key(&keys(&["overdue", "manual-2", "manual-3"])),
            None
        );
        assert_eq!(
            remind_now_key(&keys(&["7-days", "2-days", "overdue"])),
            None
        );
        // Pressing again and again never passes three.
        let mut sent = Vec::new();
        for _ in 0..10 {
            if let Some(key) = remind_now_key(&sent) {
                assert!(!sent.contains(&key), "{key} claimed twice");
                sent.push(key);
            }
        }
        assert_eq!(sent.len(), MAX_REMINDERS);
    }

    #[test]
    fn reminders_across_the_clocks_going_forward() {
        use ReminderKind::*;
        let deadline = "2027-03-28";
        let due = |now: &str, sent: &[ReminderKind]| reminder_due(deadline, at(now), false, sent);
        // 2 days before begins at midnight GMT on 26 March.
        assert_eq!(due("2027-03-25T23:59:59Z", &[SevenDaysBefore]), None);
        assert_eq!(
            due("2027-03-26T00:00:00Z", &[SevenDaysBefore]),
            Some(TwoDaysBefore)
        );
        // The deadline passes at midnight BST, 23:00 UTC on the day of the change.
        let both = [SevenDaysBefore, TwoDaysBefore];
        assert_eq!(due("2027-03-28T22:59:59Z", &both), None);
        assert_eq!(due("2027-03-28T23:00:00Z", &both), Some(Overdue));
    }

    /// Deadlines from 2001 to 2099, so that ±10 days stay in the years the service uses.
    fn deadline_strategy() -> impl Strategy<Value = String> {
        (0i64..36_000).prop_map(|days| crate::cycles::add_days("2001-01-01", days).unwrap())
    }

    /// A UK day and its length, from one UK midnight to the next.
    fn uk_day(date: &str) -> (Timestamp, Timestamp) {
        let date = service_date(date).unwrap();
        (
            uk_start_of_day(date).unwrap(),
            uk_start_of_day(date.tomorrow().unwrap()).unwrap(),
        )
    }

    proptest! {
        #[test]
        fn a_deadline_passes_exactly_when_its_uk_day_ends(
            deadline in deadline_strategy(),
            // Within three days either side, to the nanosecond, and anywhere in the century.
            near in -259_200_000_000_000i64..259_200_000_000_000,
            far in 978_307_200i64..4_102_444_800,
        ) {
            let passes = deadline_instant(&deadline).unwrap();
            let near = passes.checked_add(jiff::SignedDuration::from_nanos(near)).unwrap();
            let far = Timestamp::from_second(far).unwrap();
            for now in [near, far, passes] {
                let today = uk_today(now);
                if today.as_str() <= deadline.as_str() {
                    prop_assert!(now < passes, "{now} is on {today}, before {deadline}");
                } else {
                    prop_assert!(now >= passes, "{now} is on {today}, after {deadline}");
                }
                let left = days_left(&deadline, now).unwrap();
                prop_assert_eq!(is_past(&deadline, now), Some(left < 0));
            }
            prop_assert_eq!(uk_today(passes), crate::cycles::add_days(&deadline, 1).unwrap());
        }

        #[test]
        fn days_left_falls_by_one_from_one_uk_midnight_to_the_next(
            deadline in deadline_strategy(),
            today in deadline_strategy(),
        ) {
            let (midnight, next_midnight) = uk_day(&today);
            let hours = midnight.duration_until(next_midnight).as_hours();
            prop_assert!((23..=25).contains(&hours), "{today} lasts {hours} hours");
            let just_before_next = next_midnight
                .checked_sub(jiff::SignedDuration::from_nanos(1))
                .unwrap();
            let left = days_left(&deadline, midnight).unwrap();
            prop_assert_eq!(days_left(&deadline, just_before_next), Some(left));
            prop_assert_eq!(days_left(&deadline, next_midnight), Some(left - 1));
            prop_assert_eq!(uk_today(midnight), today);
        }

        #[test]
        fn reminders_are_few_distinct_and_never_to_the_finished(
            deadline in deadline_strategy(),
            calls in proptest::collection::vec((-1_000_000i64..1_000_000, any::<bool>()), 0..40),
        ) {
            let passes = deadline_instant(&deadline).unwrap();
            let mut sent: Vec<ReminderKind> = Vec::new();
            for (seconds, finished) in calls {
                let now = passes.checked_add(jiff::SignedDuration::from_secs(seconds)).unwrap();
                let due = reminder_due(&deadline, now, finished, &sent);
                if finished {
                    prop_assert_eq!(due, None);
                }
                if let Some(kind) = due {
                    prop_assert!(!sent.contains(&kind), "{kind:?} twice");
                    prop_assert!(kind.due_from(&deadline).unwrap() <= now);
                    sent.push(kind);
                }
                prop_assert!(sent.len() <= MAX_REMINDERS);
            }
        }

        #[test]
        fn a_job_running_from_ten_days_before_to_ten_after_sends_each_reminder_once_in_order(
            deadline in deadline_strategy(),
            // Steps of ten minutes to 30 hours: shorter than any reminder's window.
            steps in proptest::collection::vec(600i64..108_000, 1..200),
        ) {
            let passes = deadline_instant(&deadline).unwrap();
            let start = passes.checked_sub(jiff::SignedDuration::from_hours(240)).unwrap();
            let end = passes.checked_add(jiff::SignedDuration::from_hours(240)).unwrap();
            let mut now = start;
            let mut sent = Vec::new();
            let mut steps = steps.into_iter().cycle();
            while now <= end {
                if let Some(kind) = reminder_due(&deadline, now, false, &sent) {
                    sent.push(kind);
                }
                let step = steps.next().unwrap();
                now = now.checked_add(jiff::SignedDuration::from_secs(step)).unwrap();
            }
            prop_assert_eq!(
                sent,
                vec![
                    ReminderKind::SevenDaysBefore,
                    ReminderKind::TwoDaysBefore,
                    ReminderKind::Overdue
                ]
            );
        }
    }
}
