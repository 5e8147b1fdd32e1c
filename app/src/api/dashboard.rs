//! What needs the signed-in person now: a section for each role they hold, each line a link to
//! the page or list behind it, with its deadline. People use the service a few days a year, under
//! deadline; they should not have to remember what is waiting for them.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::store::{AccountId, AssessmentId, CycleId, OdsCode};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::context::Cx;
#[cfg(feature = "ssr")]
use {
    crate::rules::access::Actor,
    crate::rules::accounts::Role,
    crate::rules::cycles::{readable_date, Phase},
    crate::rules::lifecycle::AssessmentStatus,
    crate::rules::review_assignment::ReviewProgress,
    crate::store::{self, Db},
    std::collections::BTreeMap,
};

/// One thing waiting: a link, and what it is waiting for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardLine {
    pub text: String,
    pub href: String,
    pub detail: String,
    /// For an overdue task on an administrator's dashboard: its key, for "Remind now".
    pub remind: Option<String>,
}

/// What one role has waiting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardSection {
    pub heading: String,
    pub lines: Vec<DashboardLine>,
    /// What to say when nothing is waiting.
    pub nothing: String,
}

#[cfg(feature = "ssr")]
fn line(
    text: impl Into<String>,
    href: impl Into<String>,
    detail: impl Into<String>,
) -> DashboardLine {
    DashboardLine {
        text: text.into(),
        href: href.into(),
        detail: detail.into(),
        remind: None,
    }
}

/// "1 assessment", "3 assessments".
#[cfg(feature = "ssr")]
fn counted(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// A deadline as shown on the dashboard, in UK time with the days left: "by 23:59 on 3 June
/// 2027 (3 days left)".
#[cfg(feature = "ssr")]
fn by(date: &str) -> String {
    use crate::rules::deadlines::{days_left_text, deadline_text};
    let now = jiff::Timestamp::now();
    match (deadline_text(date), days_left_text(date, now)) {
        (Some(deadline), Some(left)) => {
            let mut left = left.chars();
            let first = left
                .next()
                .map(|c| c.to_lowercase().to_string())
                .unwrap_or_default();
            format!("by {deadline} ({first}{})", left.as_str())
        }
        _ => format!("by {}", readable_date(date)),
    }
}

/// A section per role the signed-in person holds, in the order of the roles.
#[server]
pub async fn my_dashboard() -> Result<Vec<DashboardSection>, AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    let mut sections = Vec::new();
    for role in &actor.roles {
        match role {
            Role::TrustLead => sections.push(trust_lead(&db, &actor).await?),
            Role::PeerReviewer => sections.push(reviewer(&db, &actor).await?),
            Role::Moderator => sections.push(moderator(&db).await?),
            Role::Approver => sections.push(approver(&db).await?),
            Role::Admin => sections.push(admin(&db).await?),
        }
    }
    Ok(sections)
}

#[cfg(feature = "ssr")]
async fn trust_lead(db: &Db, actor: &Actor) -> Result<DashboardSection, AppError> {
    let mut lines = Vec::new();
    let trust = actor.org_ods_code.as_deref().unwrap_or_default();
    for header in store::assessments::for_trust(db, &OdsCode::from(trust)).await? {
        let page = format!("/assessments/{}", header.id);
        let (href, detail) = match header.status {
            AssessmentStatus::NotStarted | AssessmentStatus::InProgress => {
                let deadline = header
                    .extended_deadline
                    .as_deref()
                    .unwrap_or(&header.submission_deadline);
                (
                    page.clone(),
                    format!("{}: submit {}", header.status.label(), by(deadline)),
                )
            }
            AssessmentStatus::Reviewed => (
                format!("{page}/reply"),
                format!(
                    "Reviewed: reply to the reviews {}",
                    by(&header.reply_deadline)
                ),
            ),
            AssessmentStatus::ProvisionallyReleased => {
                let window =
                    store::results::provisional_release(db, &CycleId::from(&header.cycle_id))
                        .await?;
                (
                    format!("{page}/results"),
                    match window {
                        Some(window) => format!(
                            "Provisional scores released: raise any query {}",
                            by(&window.queries_close_on)
                        ),
                        None => "Provisional scores released".to_string(),
                    },
                )
            }
            AssessmentStatus::Published => continue,
            status => (
                page.clone(),
                format!("{}: nothing for you to do now", status.label()),
            ),
        };
        lines.push(line(header.title(), href, detail));
        for request in
            store::evidence_requests::for_assessment(db, &AssessmentId::from(&header.id)).await?
        {
            if request.answer.is_none() {
                lines.push(line(
                    format!("{}: NHS England asked for more evidence", header.title()),
                    format!("{page}/evidence"),
                    format!("Answer {}", by(&request.deadline)),
                ));
            }
        }
    }
    Ok(DashboardSection {
        heading: "Your trust's assessments".into(),
        lines,
        nothing: "Your trust has no assessment open.".into(),
    })
}

#[cfg(feature = "ssr")]
async fn reviewer(db: &Db, actor: &Actor) -> Result<DashboardSection, AppError> {
    let lines = store::assignments::for_reviewer(db, &AccountId::from(&actor.account_id))
        .await?
        .into_iter()
        .filter(|task| {
            matches!(
                task.progress,
                ReviewProgress::NotStarted | ReviewProgress::InProgress
            )
        })
        .map(|task| {
            line(
                format!("{} – {}", task.trust_name, task.care_setting),
                format!("/reviews/{}", task.slot_id),
                format!(
                    "{}: submit your review {}",
                    task.progress.label(),
                    by(&task.review_deadline)
                ),
            )
        })
        .collect();
    Ok(DashboardSection {
        heading: "Your reviews".into(),
        lines,
        nothing: "No review is waiting for you.".into(),
    })
}

/// `/moderation` filtered by `name=value`, as the queue's filter form sends it.
#[cfg(feature = "ssr")]
fn queue_link(path: &str, name: &str, value: &str) -> String {
    let value: String = value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                char::from(byte).to_string()
            }
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("{path}?{name}={value}")
}

#[cfg(feature = "ssr")]
async fn moderator(db: &Db) -> Result<DashboardSection, AppError> {
    let queue = store::moderation::queue(
        db,
        &[AssessmentStatus::Replied, AssessmentStatus::Moderated],
    )
    .await?;
    let today = store::today();
    let ready =
        |row: &&store::moderation::QueuedAssessment| row.status == AssessmentStatus::Replied.key();
    // (ready for moderation, moderated) per region.
    let mut by_region: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for row in &queue {
        let counts = by_region.entry(&row.region_name).or_default();
        if ready(&row) {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    let ready_count = queue.iter().filter(ready).count();
    let moderated_count = queue.len() - ready_count;
    let mut lines = Vec::new();
    if ready_count > 0 {
        lines.push(line(
            counted(
                ready_count,
                "assessment ready for moderation",
                "assessments ready for moderation",
            ),
            queue_link("/moderation", "status", "Ready for moderation"),
            "In cycles in moderation or sign-off",
        ));
    }
    if moderated_count > 0 {
        lines.push(line(
            counted(
                moderated_count,
                "assessment moderated, awaiting sign-off",
                "assessments moderated, awaiting sign-off",
            ),
            queue_link("/moderation", "status", "Moderated"),
            "In cycles in moderation or sign-off",
        ));
    }
    let overdue = queue
        .iter()
        .filter(|row| super::moderation::overdue_for_moderation(row, &today))
        .count();
    if overdue > 0 {
        lines.push(line(
            counted(
                overdue,
                "assessment past its moderation deadline",
                "assessments past their moderation deadline",
            ),
            "/moderation?overdue=1",
            "Overdue",
        ));
    }
    for (region, (ready, moderated)) in by_region {
        let mut counts = Vec::new();
        if ready > 0 {
            counts.push(format!("{ready} ready for moderation"));
        }
        if moderated > 0 {
            counts.push(format!("{moderated} moderated"));
        }
        lines.push(line(
            format!("{region}: {}", counts.join(", ")),
            queue_link("/moderation", "region", region),
            counted(ready + moderated, "assessment", "assessments"),
        ));
    }
    Ok(DashboardSection {
        heading: "Moderation".into(),
        lines,
        nothing: "No assessment is ready for moderation or awaiting sign-off.".into(),
    })
}

#[cfg(feature = "ssr")]
async fn approver(db: &Db) -> Result<DashboardSection, AppError> {
    let waiting = store::moderation::queue(db, &[AssessmentStatus::Moderated])
        .await?
        .len();
    let lines = if waiting == 0 {
        Vec::new()
    } else {
        vec![line(
            counted(
                waiting,
                "moderated assessment awaiting sign-off",
                "moderated assessments awaiting sign-off",
            ),
            "/sign-off",
            "You cannot sign off an assessment you moderated",
        )]
    };
    Ok(DashboardSection {
        heading: "Sign-off".into(),
        lines,
        nothing: "No moderated assessment is awaiting sign-off.".into(),
    })
}

/// The date a cycle in `phase` works towards next, named.
#[cfg(feature = "ssr")]
fn next_date(cycle: &crate::rules::cycles::Cycle) -> Option<(&'static str, String)> {
    use crate::rules::deadlines::deadline_shown;
    let dates = &cycle.dates;
    match cycle.phase {
        Phase::Setup => Some(("opens", readable_date(&dates.opens_on))),
        Phase::Submission => Some((
            "self-assessments due by",
            deadline_shown(&dates.submission_deadline),
        )),
        Phase::PeerReview => Some(("reviews due by", deadline_shown(&dates.review_deadline))),
        Phase::Moderation => Some((
            "moderation due by",
            deadline_shown(&dates.moderation_deadline),
        )),
        Phase::SignOff => Some(("publication", readable_date(&dates.publication_on))),
        Phase::Published => None,
    }
}

#[cfg(feature = "ssr")]
async fn admin(db: &Db) -> Result<DashboardSection, AppError> {
    let today = store::today();
    let mut lines = Vec::new();
    for cycle in store::cycles::list(db).await? {
        if cycle.is_historical || cycle.phase == Phase::Published {
            continue;
        }
        let page = format!("/admin/cycles/{}", cycle.id);
        let assignment = format!("{page}/assignment");
        let next = next_date(&cycle)
            .map(|(what, date)| format!("; {what} {date}"))
            .unwrap_or_default();
        let counts = store::dashboard::status_counts(db, &CycleId::from(&cycle.id))
            .await?
            .into_iter()
            .filter_map(|(key, count)| {
                Some(format!(
                    "{}: {count}",
                    AssessmentStatus::from_key(&key)?.label()
                ))
            })
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(line(
            format!("{}: {}{next}", cycle.name, cycle.phase.label()),
            page.clone(),
            counts,
        ));
        let overdue_submissions =
            store::dashboard::overdue_submissions(db, &CycleId::from(&cycle.id), &today).await?;
        if overdue_submissions > 0 {
            lines.push(line(
                format!(
                    "{}: {}",
                    cycle.name,
                    counted(
                        overdue_submissions as usize,
                        "self-assessment overdue",
                        "self-assessments overdue"
                    )
                ),
                page.clone(),
                "Past the trust's deadline and not submitted",
            ));
        }
        let overdue_reviews =
            store::dashboard::overdue_reviews(db, &CycleId::from(&cycle.id), &today).await?;
        if overdue_reviews > 0 {
            lines.push(line(
                format!(
                    "{}: {}",
                    cycle.name,
                    counted(
                        overdue_reviews as usize,
                        "review overdue",
                        "reviews overdue"
                    )
                ),
                assignment.clone(),
                "Give more time, or replace the reviewer",
            ));
        }
        let declined = store::dashboard::declined_reviews(db, &CycleId::from(&cycle.id)).await?;
        if declined > 0 {
            lines.push(line(
                format!(
                    "{}: {}",
                    cycle.name,
                    counted(
                        declined as usize,
                        "declined review to replace",
                        "declined reviews to replace"
                    )
                ),
                assignment,
                "A reviewer turned these down",
            ));
        }
    }
    for task in super::reminders::overdue(db, jiff::Timestamp::now()).await? {
        let deadline = crate::rules::deadlines::deadline_text(&task.deadline)
            .unwrap_or_else(|| readable_date(&task.deadline));
        lines.push(DashboardLine {
            remind: Some(task.key.clone()),
            ..line(
                format!("Overdue: {}", task.title),
                task_page(&task.key),
                format!(
                    "Was due by {deadline}; waiting for {}",
                    task.people.join(", ")
                ),
            )
        });
    }
    let failed = store::outbox::failed(&db.pool).await?.len();
    if failed > 0 {
        lines.push(line(
            counted(
                failed,
                "email that could not be sent",
                "emails that could not be sent",
            ),
            "/admin/mail",
            "Check the address, then send it again",
        ));
    }
    Ok(DashboardSection {
        heading: "Cycles and the service".into(),
        lines,
        nothing: "No cycle is running.".into(),
    })
}

/// The page of the task with `key` ("review:<id>", "submission:<id>", "reply:<id>").
#[cfg(feature = "ssr")]
fn task_page(key: &str) -> String {
    match key.split_once(':') {
        Some(("review", slot)) => format!("/reviews/{slot}"),
        Some((_, assessment)) => format!("/assessments/{assessment}"),
        None => "/dashboard".into(),
    }
}

/// Emails everyone an overdue task waits for, now. Administrators only; audited.
#[server]
pub async fn remind_now(#[server(default)] task: String) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::require(crate::rules::access::may_manage_cycles).await?;
    let emailed = super::reminders::remind_now(
        &db,
        &super::public_url()?,
        &task,
        &actor.account_id,
        jiff::Timestamp::now(),
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Dashboard.with(crate::flash::Flash::Reminded { people: emailed }),
    );
    Ok(())
}

/// An email that could not be sent, as the administrators' list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedEmail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub queued: String,
    pub attempts: i64,
    pub last_error: String,
}

/// Emails the service gave up sending. Administrators only.
#[server]
pub async fn failed_emails() -> Result<Vec<FailedEmail>, AppError> {
    let Cx { db, .. } = Cx::require(crate::rules::access::may_manage_accounts).await?;
    Ok(store::outbox::failed(&db.pool)
        .await?
        .into_iter()
        .map(|mail| FailedEmail {
            id: mail.id,
            to: mail.to_address,
            subject: mail.subject,
            queued: crate::rules::cycles::readable_moment(&mail.created_at),
            attempts: mail.attempts,
            last_error: mail.last_error.unwrap_or_default(),
        })
        .collect())
}

/// Sends an email that gave up again. Administrators only; audited.
#[server]
pub async fn retry_email(id: String) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::require(crate::rules::access::may_manage_accounts).await?;
    if !store::outbox::retry(&db, &id, &actor.account_id).await? {
        return Err(AppError::NotFound(
            "This email is not waiting to be sent again: it may have been sent already.".into(),
        ));
    }
    leptos_axum::redirect(&crate::routes::Route::FailedMail.with(crate::flash::Flash::Retried));
    Ok(())
}
