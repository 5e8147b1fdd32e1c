//! Framework files for tests, here and in the crates that build on these rules.

/// The framework shipped with the service.
pub const DEFAULT_FRAMEWORK: &str = include_str!("../../../server/data/framework/dma-2026.toml");

/// A small valid framework: "well-led" applies to Acute and ICB, "smart-foundations" to the
/// four provider settings, and only Acute has both.
pub const SMALL_FRAMEWORK: &str = r#"
version = "2026.1"
title = "Test framework"

[[pillars]]
key = "well-led"
name = "Well Led"
weight = 2.0

  [[pillars.domains]]
  key = "digital-strategy"
  name = "Digital strategy"
  care_settings = ["Acute", "ICB"]

[[pillars.domains.levels]]
level = 2
summary = "Strategy in development"
criteria = [{ key = "strategy-2a", text = "A draft strategy exists.", evidence = "The draft." }]

[[pillars.domains.levels]]
level = 3
summary = "Strategy approved"
criteria = [{ key = "strategy-3a", text = "The board approved it.", evidence = "Minutes." }]

[[pillars.domains.levels]]
level = 4
summary = "Delivery measured"
criteria = [{ key = "strategy-4a", text = "Progress is reported.", evidence = "Papers." }]

[[pillars.domains.levels]]
level = 5
summary = "Shaping the system"
criteria = [{ key = "strategy-5a", text = "Partners adopted it.", evidence = "Letters." }]

[[pillars]]
key = "smart-foundations"
name = "Ensure Smart Foundations"
weight = 1

  [[pillars.domains]]
  key = "infrastructure"
  name = "Infrastructure"
  care_settings = ["Acute", "Community", "Mental Health", "Ambulance"]

[[pillars.domains.levels]]
level = 2
summary = "Basic"
criteria = [{ key = "infra-2a", text = "Wi-fi works.", evidence = "Survey." }]

[[pillars.domains.levels]]
level = 3
summary = "Reliable"
criteria = [
  { key = "infra-3a", text = "Systems are monitored.", evidence = "Dashboards." },
  { key = "infra-3b", text = "Outages are rare.", evidence = "Incident log." },
]

[[pillars.domains.levels]]
level = 4
summary = "Resilient"
criteria = [{ key = "infra-4a", text = "Failover is tested.", evidence = "Test reports." }]

[[pillars.domains.levels]]
level = 5
summary = "Leading"
criteria = [{ key = "infra-5a", text = "Partners share it.", evidence = "Agreements." }]
"#;

/// The lifecycle's permission for `event` on an assessment in `from`, as its rightful actor
/// would get it on a day the event's window is open.
pub fn allowed(
    event: crate::lifecycle::Event,
    from: crate::lifecycle::AssessmentStatus,
) -> crate::lifecycle::Allowed {
    use crate::cycles::Phase;
    use crate::lifecycle::{decide, Event, Moment, Participant, Who, Window};
    let row = crate::lifecycle::LIFECYCLE
        .iter()
        .find(|row| row.event == event && row.from.contains(&from));
    let participant = if row.is_some_and(|row| row.who == Who::Service) {
        Participant::Service
    } else {
        Participant::Person {
            roles: crate::accounts::Role::ALL.to_vec(),
            of_assessed_organisation: matches!(
                event,
                Event::Save | Event::Submit | Event::SaveReplyDraft | Event::ReplySubmitted
            ),
            assigned_reviewer: true,
            moderated_it: false,
        }
    };
    // A day on which the row's window is open.
    let window = row.map(|row| row.when);
    let (phase, today) = match window {
        Some(Window::PeerReview) => (Phase::PeerReview, "2027-02-10"),
        Some(Window::ReplyOpen) => (Phase::Moderation, "2027-03-01"),
        Some(Window::ReplyClosed) => (Phase::Moderation, "2027-03-20"),
        Some(Window::Phases(phases)) => (phases[0], "2027-02-10"),
        Some(Window::SelfAssessment) | None => (Phase::Submission, "2026-11-02"),
    };
    let moment = Moment {
        phase,
        today,
        submission_deadline: "2027-01-31",
        review_deadline: "2027-02-28",
        reply_deadline: Some("2027-03-14"),
    };
    decide(event, from, &participant, &moment).expect("the lifecycle allows it")
}
