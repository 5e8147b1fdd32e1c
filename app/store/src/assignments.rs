//! Who reviews which assessment: the solver's input as the store holds it, an administrator's
//! proposed plan (kept as 'proposed' rows so swaps survive a reload), confirming it, reviewers
//! declining, and replacing them.

use super::lifecycle::{change_status, StatusChange, StatusChangeError};
use super::outbox::OutgoingMail;
use super::{new_id, now_utc, reviewers, Db};
use crate::ids::{AccountId, AssessmentId, CycleId, ReviewSlotId};
use crate::write::Audit;
use rules::assignment::{
    eligible_reviewers, Assessment, AssignmentInput, AssignmentPlan, Conflict, ProposedReview,
    Reviewer,
};
use rules::lifecycle::{Allowed, AssessmentStatus};
use rules::organisations::{readable_name, CareSetting};
use rules::review_assignment::{AssignmentStatus, ReviewSlot};
use std::collections::BTreeMap;

/// Why an assignment change could not be made. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum AssignmentError {
    #[error("no such cycle")]
    NoSuchCycle,
    /// The review's place is no longer in this status, which the change needs.
    #[error("the review is no longer {0:?}")]
    NotInStatus(AssignmentStatus),
    /// The review was replaced already, or submitted, so there is nothing to replace.
    #[error("the review cannot be replaced now")]
    NotReplaceable,
    /// An assessment of the proposal left the status it was proposed in; nothing was confirmed.
    #[error("an assessment moved on to {0:?}")]
    AssessmentMovedOn(AssessmentStatus),
    /// Places of the proposal break the hard rules of who may review what (a conflict declared,
    /// an account disabled, a role removed since it was proposed); nothing was confirmed.
    #[error("{0} places of the proposal break the rules")]
    BreaksTheRules(usize),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What the solver needs for a cycle, as it stands now, and the names pages show.
#[derive(Clone, Debug, Default)]
pub struct CycleAssignmentData {
    /// Every assessment in or waiting for review, and every reviewer at full capacity.
    pub input: AssignmentInput,
    /// Submitted assessments with no confirmed reviewers yet: the ones a proposal is for.
    pub awaiting_reviewers: Vec<String>,
    /// Every slot of the cycle: proposed, assigned and declined.
    pub slots: Vec<ReviewSlot>,
    /// Assessment id → (trust name, care setting).
    pub assessment_names: BTreeMap<String, (String, CareSetting)>,
    /// Reviewer id → (name, organisation name).
    pub reviewer_names: BTreeMap<String, (String, String)>,
    /// Reviewer id → (email address, name), for telling them what they have been given.
    pub reviewer_contacts: BTreeMap<String, (String, String)>,
}

impl CycleAssignmentData {
    /// The solver's input for a new proposal: the assessments awaiting reviewers, and each
    /// reviewer's capacity less the reviews they already hold in the cycle.
    pub fn proposal_input(&self) -> AssignmentInput {
        let mut held: BTreeMap<&str, u32> = BTreeMap::new();
        for slot in self
            .slots
            .iter()
            .filter(|s| s.status == AssignmentStatus::Assigned)
        {
            *held.entry(slot.reviewer_id.as_str()).or_default() += 1;
        }
        let mut input = self.input.clone();
        input
            .assessments
            .retain(|assessment| self.awaiting_reviewers.contains(&assessment.id));
        for reviewer in &mut input.reviewers {
            let taken = held.get(reviewer.id.as_str()).copied().unwrap_or(0);
            reviewer.capacity = reviewer.capacity.saturating_sub(taken);
        }
        input
    }

    /// Who could take a proposed slot instead of its reviewer, best first.
    pub fn swap_candidates(&self, slot: &ReviewSlot) -> Vec<ProposedReview> {
        let mut plan = self.plan_of(&[AssignmentStatus::Proposed]);
        plan.assignments.retain(|review| {
            !(review.assessment_id == slot.assessment_id && review.reviewer_id == slot.reviewer_id)
        });
        eligible_reviewers(&self.proposal_input(), &plan, &slot.assessment_id)
    }

    /// Who could replace a reviewer who declined, best first.
    pub fn replacement_candidates(&self, assessment_id: &AssessmentId) -> Vec<ProposedReview> {
        eligible_reviewers(
            &self.input,
            &self.plan_of(&[AssignmentStatus::Assigned]),
            assessment_id.as_str(),
        )
    }

    /// The slots in `statuses` as a plan the rules can reason about.
    pub fn plan_of(&self, statuses: &[AssignmentStatus]) -> AssignmentPlan {
        AssignmentPlan {
            assignments: self
                .slots
                .iter()
                .filter(|slot| statuses.contains(&slot.status))
                .map(|slot| ProposedReview {
                    assessment_id: slot.assessment_id.clone(),
                    reviewer_id: slot.reviewer_id.clone(),
                    cost: slot.cost,
                    reasons: slot.reasons.clone(),
                })
                .collect(),
            total_cost: 0,
            uncovered: Vec::new(),
            load: Vec::new(),
        }
    }
}

/// Loads everything the solver and the assignment page need for one cycle. The hierarchy is the
/// cycle's frozen snapshot; "last cycle" is the one that opened most recently before it.
pub async fn cycle_data(
    db: &Db,
    cycle_id: &CycleId,
) -> Result<CycleAssignmentData, AssignmentError> {
    let (snapshot, opens_on, reviewers_per_assessment, reviewer_capacity): (
        Option<String>,
        String,
        i64,
        i64,
    ) = sqlx::query_as(
        "SELECT snapshot_id, opens_on, reviewers_per_assessment, reviewer_capacity FROM cycles WHERE id = $1",
    )
    .bind(cycle_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AssignmentError::NoSuchCycle)?;
    let snapshot = snapshot.unwrap_or_default();
    let default_capacity = u32::try_from(reviewer_capacity).unwrap_or(0);
    let mut data = CycleAssignmentData {
        input: AssignmentInput {
            reviewers_per_assessment: u32::try_from(reviewers_per_assessment).unwrap_or(0),
            ..Default::default()
        },
        ..Default::default()
    };

    // Names of ICBs and regions, for the reasons the solver gives.
    for (ods_code, name) in sqlx::query_as::<_, (String, String)>(
        "SELECT ods_code, name FROM icbs WHERE snapshot_id = $1",
    )
    .bind(&snapshot)
    .fetch_all(&db.pool)
    .await?
    {
        data.input.names.insert(ods_code, readable_name(&name));
    }
    for (ods_code, name) in sqlx::query_as::<_, (String, String)>(
        "SELECT ods_code, name FROM regions WHERE snapshot_id = $1",
    )
    .bind(&snapshot)
    .fetch_all(&db.pool)
    .await?
    {
        data.input.names.insert(ods_code, readable_name(&name));
    }

    data.slots = slots(db, cycle_id).await?;
    let confirmed: Vec<&str> = data
        .slots
        .iter()
        .filter(|slot| slot.status == AssignmentStatus::Assigned)
        .map(|slot| slot.assessment_id.as_str())
        .collect();

    #[derive(sqlx::FromRow)]
    struct AssessmentRow {
        id: String,
        trust_ods_code: String,
        care_setting: String,
        #[sqlx(try_from = "String")]
        status: AssessmentStatus,
        name: String,
        ics_ods_code: String,
        region_ods_code: String,
    }
    for row in sqlx::query_as::<_, AssessmentRow>(
        "SELECT a.id, a.trust_ods_code, a.care_setting, a.status, t.name, t.ics_ods_code, t.region_ods_code \
         FROM assessments a \
         JOIN assessed_organisations t ON t.snapshot_id = $2 AND t.ods_code = a.trust_ods_code \
         WHERE a.cycle_id = $1 ORDER BY a.trust_ods_code, a.care_setting",
    )
    .bind(cycle_id)
    .bind(&snapshot)
    .fetch_all(&db.pool)
    .await?
    {
        let id = row.id;
        let Some(care_setting) = CareSetting::from_label(&row.care_setting) else {
            continue;
        };
        data.assessment_names
            .insert(id.clone(), (readable_name(&row.name), care_setting));
        if row.status == AssessmentStatus::Submitted && !confirmed.contains(&id.as_str()) {
            data.awaiting_reviewers.push(id.clone());
        } else if row.status != AssessmentStatus::InReview {
            continue;
        }
        data.input.assessments.push(Assessment {
            id,
            trust_ods_code: row.trust_ods_code,
            icb_ods_code: row.ics_ods_code,
            region_ods_code: row.region_ods_code,
            care_setting,
        });
    }

    // Peer reviewers whose organisation is in the cycle's hierarchy: a trust (in the ICS it is
    // assessed in) or an ICB (itself).
    #[derive(sqlx::FromRow)]
    struct ReviewerRow {
        id: String,
        email: String,
        display_name: String,
        org_ods_code: String,
        icb_ods_code: String,
        region_ods_code: String,
        org_name: String,
    }
    let reviewers: Vec<ReviewerRow> = sqlx::query_as(
        "SELECT a.id, a.email, a.display_name, a.org_ods_code, \
           COALESCE(t.assessed_in_icb_ods_code, i.ods_code) AS icb_ods_code, \
           COALESCE(t.region_ods_code, i.region_ods_code) AS region_ods_code, \
           COALESCE(t.name, i.name) AS org_name \
         FROM accounts a \
         JOIN account_roles r ON r.account_id = a.id AND r.role = 'peer_reviewer' \
         LEFT JOIN trusts t ON t.snapshot_id = $1 AND t.ods_code = a.org_ods_code \
         LEFT JOIN icbs i ON i.snapshot_id = $1 AND i.ods_code = a.org_ods_code \
         WHERE a.is_active = 1 AND (t.ods_code IS NOT NULL OR i.ods_code IS NOT NULL) \
         ORDER BY a.id",
    )
    .bind(&snapshot)
    .fetch_all(&db.pool)
    .await?;
    let mut profiles = reviewers::all_profiles(db).await?;
    for row in reviewers {
        let id = row.id;
        let profile = profiles.remove(&id).unwrap_or_default();
        let display_name = row.display_name;
        data.reviewer_names.insert(
            id.clone(),
            (display_name.clone(), readable_name(&row.org_name)),
        );
        data.reviewer_contacts
            .insert(id.clone(), (row.email, display_name));
        data.input.reviewers.push(Reviewer {
            capacity: profile
                .capacity
                .and_then(|capacity| u32::try_from(capacity).ok())
                .unwrap_or(default_capacity),
            org_ods_code: row.org_ods_code,
            icb_ods_code: row.icb_ods_code,
            region_ods_code: row.region_ods_code,
            expertise: profile.expertise,
            id,
        });
    }

    // Declared conflicts, and every trust a reviewer has declined in this cycle: nobody is
    // offered an assessment of a trust they have turned down.
    let declined: Vec<(String, String)> = sqlx::query_as(
        "SELECT r.reviewer_id, a.trust_ods_code FROM review_assignments r \
         JOIN assessments a ON a.id = r.assessment_id \
         WHERE r.cycle_id = $1 AND r.status = 'declined'",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    data.input.conflicts = reviewers::all_conflicts(db)
        .await?
        .into_iter()
        .chain(declined)
        .map(|(reviewer_id, trust_ods_code)| Conflict {
            reviewer_id,
            trust_ods_code,
        })
        .collect();

    data.input.previous_reviews = sqlx::query_as(
        "SELECT r.reviewer_id, a.trust_ods_code FROM review_assignments r \
         JOIN assessments a ON a.id = r.assessment_id \
         WHERE r.status = 'assigned' AND r.cycle_id = ( \
           SELECT id FROM cycles WHERE opens_on < $1 ORDER BY opens_on DESC LIMIT 1)",
    )
    .bind(&opens_on)
    .fetch_all(&db.pool)
    .await?;
    Ok(data)
}

/// Every slot of a cycle, by assessment then reviewer.
async fn slots(db: &Db, cycle_id: &CycleId) -> Result<Vec<ReviewSlot>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct SlotRow {
        id: String,
        assessment_id: String,
        reviewer_id: String,
        #[sqlx(try_from = "String")]
        status: AssignmentStatus,
        cost: i64,
        /// One reason a line.
        reasons: String,
        decline_reason: Option<String>,
    }
    let rows: Vec<SlotRow> = sqlx::query_as(
        "SELECT id, assessment_id, reviewer_id, status, cost, reasons, decline_reason \
         FROM review_assignments WHERE cycle_id = $1 ORDER BY assessment_id, created_at, reviewer_id",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ReviewSlot {
            id: row.id,
            assessment_id: row.assessment_id,
            reviewer_id: row.reviewer_id,
            status: row.status,
            cost: row.cost,
            reasons: row.reasons.lines().map(str::to_string).collect(),
            decline_reason: row.decline_reason,
        })
        .collect())
}

async fn insert_slot(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    actor: &str,
    cycle_id: &CycleId,
    review: &ProposedReview,
    status: AssignmentStatus,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    let now = now_utc();
    sqlx::query(
        "INSERT INTO review_assignments (id, cycle_id, assessment_id, reviewer_id, status, cost, reasons, created_at, created_by, assigned_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(cycle_id)
    .bind(&review.assessment_id)
    .bind(&review.reviewer_id)
    .bind(status.key())
    .bind(review.cost)
    .bind(review.reasons.join("\n"))
    .bind(&now)
    .bind(actor)
    .bind((status == AssignmentStatus::Assigned).then_some(&now))
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Replaces the cycle's proposed plan with `plan` (confirmed reviews stay), audited.
pub async fn propose(
    db: &Db,
    actor: &str,
    cycle_id: &CycleId,
    plan: &AssignmentPlan,
) -> Result<(), AssignmentError> {
    let mut w = db.write(actor).await?;
    sqlx::query("DELETE FROM review_assignments WHERE cycle_id = $1 AND status = 'proposed'")
        .bind(cycle_id)
        .execute(&mut *w)
        .await?;
    for review in &plan.assignments {
        insert_slot(w.tx(), actor, cycle_id, review, AssignmentStatus::Proposed).await?;
    }
    w.audit(
        Audit::new("cycle", cycle_id, "propose reviewer assignment").after(format!(
            "{} reviews proposed, total cost {}, {} assessments not fully covered",
            plan.assignments.len(),
            plan.total_cost,
            plan.uncovered.len()
        )),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Puts `replacement` in place of the reviewer of a proposed slot, with the administrator's
/// reason, audited.
pub async fn swap(
    db: &Db,
    actor: &str,
    slot_id: &ReviewSlotId,
    replacement: &ProposedReview,
    reason: &str,
) -> Result<(), AssignmentError> {
    let mut w = db.write(actor).await?;
    let before: Option<String> = sqlx::query_scalar(
        "SELECT reviewer_id FROM review_assignments WHERE id = $1 AND status = 'proposed'",
    )
    .bind(slot_id)
    .fetch_optional(&mut *w)
    .await?;
    let before = before.ok_or(AssignmentError::NotInStatus(AssignmentStatus::Proposed))?;
    sqlx::query(
        "UPDATE review_assignments SET reviewer_id = $1, cost = $2, reasons = $3 WHERE id = $4",
    )
    .bind(&replacement.reviewer_id)
    .bind(replacement.cost)
    .bind(replacement.reasons.join("\n"))
    .bind(slot_id)
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new("review assignment", slot_id, "swap proposed reviewer")
            .before(before)
            .after(replacement.reviewer_id.clone())
            .reason(reason.to_string()),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Confirms every proposed review of the cycle: they become assigned, the assessments in
/// `into_review` go into review as the lifecycle allowed, and `mails` (one per reviewer) are
/// queued, all in one transaction. If any of those assessments has left the status it was judged
/// in, or `still_allowed` refuses the cycle's assignment data read inside the transaction (the
/// hard rules, checked again), nothing is confirmed. Returns how many reviews were confirmed.
pub async fn confirm(
    db: &Db,
    actor: &str,
    cycle_id: &CycleId,
    into_review: &[(String, Allowed)],
    mails: &[OutgoingMail],
    still_allowed: impl FnOnce(&CycleAssignmentData) -> Result<(), AssignmentError>,
) -> Result<u64, AssignmentError> {
    let mut w = db.write(actor).await?;
    // Checked here, with the write lock held, on the cycle as it is now: nothing (a conflict
    // declared, an account disabled) can be written meanwhile, as every change goes through
    // `begin_write`, which writers take in turn.
    still_allowed(&cycle_data(db, cycle_id).await?)?;
    let now = now_utc();
    for (assessment_id, allowed) in into_review {
        change_status(w.tx(), StatusChange::new(assessment_id, actor, *allowed))
            .await
            .map_err(|error| match error {
                StatusChangeError::MovedOn(status) => AssignmentError::AssessmentMovedOn(status),
                StatusChangeError::NoSuchAssessment => {
                    AssignmentError::Database(sqlx::Error::RowNotFound)
                }
                StatusChangeError::Database(error) => AssignmentError::Database(error),
            })?;
    }
    let confirmed = sqlx::query(
        "UPDATE review_assignments SET status = 'assigned', assigned_at = $1 \
         WHERE cycle_id = $2 AND status = 'proposed'",
    )
    .bind(&now)
    .bind(cycle_id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    w.enqueue(mails).await?;
    w.audit(
        Audit::new("cycle", cycle_id, "confirm reviewer assignment").after(format!(
            "{confirmed} reviews assigned, {} reviewers emailed",
            mails.len()
        )),
    )
    .await?;
    w.commit().await?;
    Ok(confirmed)
}

/// A reviewer turns down an assigned review, with their reason, audited.
/// A reviewer turns down an assigned review, with the reason; `notices` (to the administrators,
/// who must replace them) are queued in the same transaction.
pub async fn decline(
    db: &Db,
    reviewer_id: &AccountId,
    slot_id: &ReviewSlotId,
    reason: &str,
    notices: &[OutgoingMail],
) -> Result<(), AssignmentError> {
    let mut w = db.write(reviewer_id).await?;
    let declined = sqlx::query(
        "UPDATE review_assignments SET status = 'declined', declined_at = $1, decline_reason = $2 \
         WHERE id = $3 AND reviewer_id = $4 AND status = 'assigned'",
    )
    .bind(now_utc())
    .bind(reason)
    .bind(slot_id)
    .bind(reviewer_id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if declined == 0 {
        return Err(AssignmentError::NotInStatus(AssignmentStatus::Assigned));
    }
    w.audit(
        Audit::new("review assignment", slot_id, "decline review")
            .before(AssignmentStatus::Assigned.label().to_string())
            .after(AssignmentStatus::Declined.label().to_string())
            .reason(reason.to_string()),
    )
    .await?;
    w.enqueue(notices).await?;
    w.commit().await?;
    Ok(())
}

/// A later deadline for a replacement reviewer, with the reason.
#[derive(Clone, Copy, Debug)]
pub struct ReplacementDeadline<'a> {
    pub deadline: &'a str,
    pub reason: &'a str,
}

/// Assigns `replacement` in place of a review that was declined, or that is assigned but not
/// submitted (an overdue reviewer, whom the caller has judged overdue): the old place is marked
/// replaced and a new assigned one made, once. The replacement gets `deadline` where given.
/// `mails` are queued and the change audited, all in one transaction.
pub async fn replace(
    db: &Db,
    actor: &str,
    slot_id: &ReviewSlotId,
    replacement: &ProposedReview,
    deadline: Option<ReplacementDeadline<'_>>,
    mails: &[OutgoingMail],
) -> Result<(), AssignmentError> {
    let mut w = db.write(actor).await?;
    #[derive(sqlx::FromRow)]
    struct ReplacedRow {
        cycle_id: String,
        #[sqlx(try_from = "String")]
        status: AssignmentStatus,
        submitted_at: Option<String>,
    }
    let ReplacedRow {
        cycle_id,
        status,
        submitted_at: submitted,
    } = sqlx::query_as(
        "SELECT r.cycle_id, r.status, v.submitted_at FROM review_assignments r \
         LEFT JOIN review_verdicts v ON v.assignment_id = r.id WHERE r.id = $1",
    )
    .bind(slot_id)
    .fetch_optional(&mut *w)
    .await?
    .ok_or(AssignmentError::NotReplaceable)?;
    let action = match (status, submitted) {
        (AssignmentStatus::Declined, _) => "replace declined reviewer",
        (AssignmentStatus::Assigned, None) => "replace overdue reviewer",
        _ => return Err(AssignmentError::NotReplaceable),
    };
    sqlx::query("UPDATE review_assignments SET status = 'replaced' WHERE id = $1")
        .bind(slot_id)
        .execute(&mut *w)
        .await?;
    let new_slot = insert_slot(
        w.tx(),
        actor,
        &CycleId::from(&cycle_id),
        replacement,
        AssignmentStatus::Assigned,
    )
    .await?;
    if let Some(later) = deadline {
        sqlx::query(
            "INSERT INTO review_deadline_extensions (assignment_id, deadline, reason, granted_by, granted_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&new_slot)
        .bind(later.deadline)
        .bind(later.reason)
        .bind(actor)
        .bind(now_utc())
        .execute(&mut *w)
        .await?;
    }
    w.enqueue(mails).await?;
    w.audit(
        Audit::new("review assignment", &new_slot, action)
            .before(slot_id.to_string())
            .after(replacement.reviewer_id.clone())
            .reason(deadline.map(|later| later.reason.to_string())),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// A reviewer's assigned reviews, newest cycle first.
pub async fn for_reviewer(
    db: &Db,
    reviewer_id: &AccountId,
) -> Result<Vec<rules::review_assignment::ReviewTask>, sqlx::Error> {
    use rules::review_assignment::{ReviewProgress, ReviewTask};
    #[derive(sqlx::FromRow)]
    struct TaskRow {
        id: String,
        cycle_name: String,
        review_deadline: String,
        care_setting: String,
        trust_ods_code: String,
        #[sqlx(try_from = "String")]
        status: AssessmentStatus,
        trust_name: Option<String>,
        submitted_at: Option<String>,
        domains_saved: i64,
    }
    let rows: Vec<TaskRow> = sqlx::query_as(
        "SELECT r.id, c.name AS cycle_name, COALESCE(e.deadline, c.review_deadline) AS review_deadline, \
         a.care_setting, a.trust_ods_code, a.status, t.name AS trust_name, v.submitted_at, \
         (SELECT COUNT(*) FROM domain_reviews d WHERE d.assignment_id = r.id) AS domains_saved \
         FROM review_assignments r JOIN cycles c ON c.id = r.cycle_id \
         JOIN assessments a ON a.id = r.assessment_id \
         LEFT JOIN assessed_organisations t \
           ON t.snapshot_id = c.snapshot_id AND t.ods_code = a.trust_ods_code \
         LEFT JOIN review_verdicts v ON v.assignment_id = r.id \
         LEFT JOIN review_deadline_extensions e ON e.assignment_id = r.id \
         WHERE r.reviewer_id = $1 AND r.status = 'assigned' ORDER BY c.opens_on DESC, trust_name",
    )
    .bind(reviewer_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ReviewTask {
            slot_id: row.id,
            cycle_name: row.cycle_name,
            review_deadline: row.review_deadline,
            care_setting: row.care_setting,
            trust_name: row
                .trust_name
                .map_or(row.trust_ods_code, |name| readable_name(&name)),
            progress: ReviewProgress::of(
                row.submitted_at.is_some(),
                row.domains_saved,
                row.status == AssessmentStatus::InReview,
            ),
        })
        .collect())
}

/// One slot's cycle and reviewer, if it exists.
pub async fn slot_owner(
    db: &Db,
    slot_id: &ReviewSlotId,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT cycle_id, reviewer_id FROM review_assignments WHERE id = $1")
        .bind(slot_id)
        .fetch_optional(&db.pool)
        .await
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::accounts::upsert_with_password;
    use crate::cycles;
    use crate::organisations::{import_snapshot, tests::sample};
    use crate::test_support::test_databases;
    use crate::testing::{AccountBuilder, CycleBuilder};
    use crate::{assessments, frameworks};
    use rules::accounts::Role;
    use rules::assignment::assign;
    use rules::fixtures::{allowed, SMALL_FRAMEWORK};
    use rules::framework::parse_framework;
    use rules::lifecycle::Event;

    pub(crate) async fn reviewer_at(db: &Db, email: &str, org: &str) -> String {
        let account = AccountBuilder::new(email)
            .named(&format!("Reviewer at {org}"))
            .at(Some(org))
            .roles(&[Role::PeerReviewer])
            .build();
        upsert_with_password(db, "tester", &account, "hash")
            .await
            .unwrap()
    }

    /// Organisations, the small framework, an open cycle of acute and ambulance assessments
    /// (RR8 in West Yorkshire, RX9 assessed in Derbyshire), both submitted, and reviewers at the
    /// Nottinghamshire ICB (Midlands) and at West Yorkshire's ICB.
    pub(crate) async fn submitted_cycle(db: &Db) -> (String, String, String) {
        import_snapshot(db, &sample(), "test", "2026-04-01", "tester")
            .await
            .unwrap();
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        frameworks::load(db, "tester", &framework, SMALL_FRAMEWORK)
            .await
            .unwrap();
        let cycle = CycleBuilder::default()
            .care_settings(&[CareSetting::Acute, CareSetting::Ambulance])
            .build();
        let id = cycles::create(db, "admin", &cycle, false).await.unwrap();
        cycles::open(db, "admin", &CycleId::from(&id), |lead| OutgoingMail {
            html: String::new(),
            to: lead.email.clone(),
            subject: String::new(),
            body: String::new(),
        })
        .await
        .unwrap();
        for assessment in assessments::for_cycle(db, &CycleId::from(&id))
            .await
            .unwrap()
        {
            assessments::submit(
                db,
                "lead",
                &AssessmentId::from(&assessment.id),
                allowed(Event::Submit, AssessmentStatus::NotStarted),
                "test".into(),
                &[],
            )
            .await
            .unwrap();
        }
        let midlands = reviewer_at(db, "m@qt1.nhs.uk", "QT1").await;
        let yorkshire = reviewer_at(db, "y@qwo.nhs.uk", "QWO").await;
        (id, midlands, yorkshire)
    }

    #[tokio::test]
    async fn a_plan_is_proposed_confirmed_declined_and_replaced_from_the_frozen_hierarchy() {
        for (db, _folder) in test_databases().await {
            let (cycle, midlands, yorkshire) = submitted_cycle(&db).await;
            let data = cycle_data(&db, &CycleId::from(&cycle)).await.unwrap();
            assert_eq!(data.awaiting_reviewers.len(), 2);
            assert_eq!(
                data.input.names["QWO"],
                "NHS West Yorkshire Integrated Care Board"
            );
            let ambulance = data
                .input
                .assessments
                .iter()
                .find(|a| a.trust_ods_code == "RX9")
                .unwrap()
                .clone();
            assert_eq!(ambulance.icb_ods_code, "QJ2", "the ICS it is assessed in");
            let reviewer = |id: &str| {
                data.input
                    .reviewers
                    .iter()
                    .find(|r| r.id == id)
                    .unwrap()
                    .clone()
            };
            assert_eq!(reviewer(&midlands).region_ods_code, "Y60");
            assert_eq!(reviewer(&yorkshire).icb_ods_code, "QWO");

            let plan = assign(&data.proposal_input());
            // RR8 can only have the Midlands reviewer; RX9 can have both.
            assert_eq!(plan.assignments.len(), 3);
            assert_eq!(plan.uncovered.len(), 1);
            propose(&db, "admin", &CycleId::from(&cycle), &plan)
                .await
                .unwrap();
            let into_review: Vec<_> = data
                .awaiting_reviewers
                .iter()
                .map(|id| {
                    (
                        id.clone(),
                        allowed(Event::ConfirmReviewers, AssessmentStatus::Submitted),
                    )
                })
                .collect();
            // The check handed in sees the cycle as it is, and its refusal confirms nothing.
            let refused = confirm(
                &db,
                "admin",
                &CycleId::from(&cycle),
                &into_review,
                &[],
                |now| {
                    assert_eq!(
                        now.plan_of(&[AssignmentStatus::Proposed]).assignments.len(),
                        3
                    );
                    Err(AssignmentError::BreaksTheRules(1))
                },
            )
            .await;
            assert!(matches!(refused, Err(AssignmentError::BreaksTheRules(1))));
            for assessment in assessments::for_cycle(&db, &CycleId::from(&cycle))
                .await
                .unwrap()
            {
                assert_eq!(assessment.status, AssessmentStatus::Submitted);
            }
            assert_eq!(
                confirm(
                    &db,
                    "admin",
                    &CycleId::from(&cycle),
                    &into_review,
                    &[],
                    |_| Ok(())
                )
                .await
                .unwrap(),
                3
            );
            for assessment in assessments::for_cycle(&db, &CycleId::from(&cycle))
                .await
                .unwrap()
            {
                assert_eq!(assessment.status, AssessmentStatus::InReview);
            }
            assert!(cycle_data(&db, &CycleId::from(&cycle))
                .await
                .unwrap()
                .awaiting_reviewers
                .is_empty());

            let tasks = for_reviewer(&db, &AccountId::from(&midlands))
                .await
                .unwrap();
            assert_eq!(tasks.len(), 2);
            let ambulance_task = tasks
                .iter()
                .find(|t| t.care_setting == "Ambulance")
                .unwrap();
            assert!(decline(
                &db,
                &AccountId::from(&yorkshire),
                &ReviewSlotId::from(&ambulance_task.slot_id),
                "not mine",
                &[]
            )
            .await
            .is_err());
            decline(
                &db,
                &AccountId::from(&midlands),
                &ReviewSlotId::from(&ambulance_task.slot_id),
                "On leave",
                &[],
            )
            .await
            .unwrap();
            let data = cycle_data(&db, &CycleId::from(&cycle)).await.unwrap();
            assert!(data
                .input
                .conflicts
                .iter()
                .any(|c| c.reviewer_id == midlands && c.trust_ods_code == "RX9"));
            assert!(
                data.replacement_candidates(&AssessmentId::from(&ambulance.id))
                    .is_empty(),
                "the only other reviewer is on it already, and the decliner is not asked again"
            );
            let replacement = ProposedReview {
                assessment_id: ambulance.id.clone(),
                reviewer_id: yorkshire.clone(),
                cost: 0,
                reasons: Vec::new(),
            };
            let mail = OutgoingMail {
                html: String::new(),
                to: "y@qwo.nhs.uk".into(),
                subject: String::new(),
                body: String::new(),
            };
            replace(
                &db,
                "admin",
                &ReviewSlotId::from(&ambulance_task.slot_id),
                &replacement,
                None,
                std::slice::from_ref(&mail),
            )
            .await
            .unwrap();
            assert!(matches!(
                replace(
                    &db,
                    "admin",
                    &ReviewSlotId::from(&ambulance_task.slot_id),
                    &replacement,
                    None,
                    std::slice::from_ref(&mail)
                )
                .await,
                Err(AssignmentError::NotReplaceable)
            ));
            assert_eq!(crate::audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }
}
