//! Cycles: creating one, opening it (which freezes the organisations and creates the
//! assessments), moving it through its phases, and per-trust deadline extensions.

use super::lifecycle;
use super::outbox::OutgoingMail;
use super::{joined_list, new_id, now_utc, split_list, Db};
use crate::ids::{CycleId, OdsCode};
use crate::write::{Audit, Write};
use rules::cycles::{default_reply_deadline, Cycle, CycleDates, Phase};
use rules::lifecycle::AssessmentStatus;
use rules::organisations::CareSetting;

/// Why a cycle change could not be made. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum CycleError {
    #[error("a cycle called {0} exists")]
    NameTaken(String),
    #[error("no framework version {0}")]
    NoSuchFramework(String),
    #[error("no such cycle")]
    NoSuchCycle,
    /// The phase changed after the caller looked; it holds the phase it is in now.
    #[error("the cycle moved on to {0:?}")]
    PhaseMoved(Phase),
    #[error("no organisation snapshot to freeze")]
    NoOrganisations,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What an administrator sets when creating a cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCycle {
    pub name: String,
    pub framework_version: String,
    pub dates: CycleDates,
    pub care_settings: Vec<CareSetting>,
    pub region_ods_codes: Vec<String>,
    pub reviewers_per_assessment: i64,
    pub reviewer_capacity: i64,
}

/// A trust lead to tell that their trust's assessments are open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadToNotify {
    pub email: String,
    pub display_name: String,
    pub trust_name: String,
    pub care_settings: Vec<CareSetting>,
}

/// Creates a cycle in the setup phase, with its audit record. Returns its id.
pub async fn create(
    db: &Db,
    actor: &str,
    cycle: &NewCycle,
    is_historical: bool,
) -> Result<String, CycleError> {
    let mut w = db.write(actor).await?;
    let id = insert(&mut w, actor, cycle, is_historical).await?;
    w.commit().await?;
    Ok(id)
}

/// Inserts a cycle, with its audit record, in the caller's change, checking its name and
/// framework first.
pub(crate) async fn insert(
    w: &mut Write,
    actor: &str,
    cycle: &NewCycle,
    is_historical: bool,
) -> Result<String, CycleError> {
    let taken: Option<String> = sqlx::query_scalar("SELECT id FROM cycles WHERE name = $1")
        .bind(&cycle.name)
        .fetch_optional(&mut **w)
        .await?;
    if taken.is_some() {
        return Err(CycleError::NameTaken(cycle.name.clone()));
    }
    let framework: Option<String> =
        sqlx::query_scalar("SELECT version FROM frameworks WHERE version = $1")
            .bind(&cycle.framework_version)
            .fetch_optional(&mut **w)
            .await?;
    if framework.is_none() {
        return Err(CycleError::NoSuchFramework(cycle.framework_version.clone()));
    }
    let id = new_id();
    let dates = &cycle.dates;
    sqlx::query(
        "INSERT INTO cycles (id, name, framework_version, opens_on, submission_deadline, \
         review_deadline, moderation_deadline, publication_on, care_settings, region_ods_codes, \
         reviewers_per_assessment, reviewer_capacity, phase, is_historical, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&id)
    .bind(&cycle.name)
    .bind(&cycle.framework_version)
    .bind(&dates.opens_on)
    .bind(&dates.submission_deadline)
    .bind(&dates.review_deadline)
    .bind(&dates.moderation_deadline)
    .bind(&dates.publication_on)
    .bind(joined_list(cycle.care_settings.iter().map(|setting| setting.label())))
    .bind(joined_list(&cycle.region_ods_codes))
    .bind(cycle.reviewers_per_assessment)
    .bind(cycle.reviewer_capacity)
    .bind(Phase::Setup.key())
    .bind(i64::from(is_historical))
    .bind(now_utc())
    .bind(actor)
    .execute(&mut **w)
    .await?;
    w.audit(Audit::new("cycle", &id, "create cycle").after(format!(
        "{}: framework {}, opens {}, submission deadline {}",
        cycle.name, cycle.framework_version, dates.opens_on, dates.submission_deadline
    )))
    .await?;
    Ok(id)
}

const CYCLE_COLUMNS: &str = "id, name, framework_version, opens_on, submission_deadline, \
    review_deadline, moderation_deadline, publication_on, care_settings, region_ods_codes, \
    reviewers_per_assessment, reviewer_capacity, phase, is_historical, reply_deadline";

/// A cycle as [`CYCLE_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
struct CycleRow {
    id: String,
    name: String,
    framework_version: String,
    opens_on: String,
    submission_deadline: String,
    review_deadline: String,
    moderation_deadline: String,
    publication_on: String,
    /// Care setting labels, a stored list.
    care_settings: String,
    /// ODS codes, a stored list.
    region_ods_codes: String,
    reviewers_per_assessment: i64,
    reviewer_capacity: i64,
    #[sqlx(try_from = "String")]
    phase: Phase,
    is_historical: i64,
    reply_deadline: Option<String>,
}

impl From<CycleRow> for Cycle {
    fn from(row: CycleRow) -> Self {
        Cycle {
            reply_deadline: row.reply_deadline.unwrap_or_else(|| {
                default_reply_deadline(&row.review_deadline, &row.moderation_deadline)
            }),
            id: row.id,
            name: row.name,
            framework_version: row.framework_version,
            dates: CycleDates {
                opens_on: row.opens_on,
                submission_deadline: row.submission_deadline,
                review_deadline: row.review_deadline,
                moderation_deadline: row.moderation_deadline,
                publication_on: row.publication_on,
            },
            care_settings: split_list(&row.care_settings)
                .filter_map(CareSetting::from_label)
                .collect(),
            region_ods_codes: split_list(&row.region_ods_codes)
                .map(str::to_string)
                .collect(),
            reviewers_per_assessment: row.reviewers_per_assessment,
            reviewer_capacity: row.reviewer_capacity,
            phase: row.phase,
            is_historical: row.is_historical != 0,
        }
    }
}

/// Every cycle, the newest opening date first.
pub async fn list(db: &Db) -> Result<Vec<Cycle>, sqlx::Error> {
    let rows: Vec<CycleRow> = sqlx::query_as(&format!(
        "SELECT {CYCLE_COLUMNS} FROM cycles ORDER BY opens_on DESC, name"
    ))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn get(db: &Db, id: &CycleId) -> Result<Option<Cycle>, sqlx::Error> {
    Ok(
        sqlx::query_as::<_, CycleRow>(&format!("SELECT {CYCLE_COLUMNS} FROM cycles WHERE id = $1"))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?
            .map(Into::into),
    )
}

/// Opens a cycle for self-assessment: freezes the current organisation snapshot for it, creates
/// one assessment per trust and care setting in scope, and emails each trust's leads, all in
/// one transaction with its audit record. Returns how many assessments were created.
pub async fn open(
    db: &Db,
    actor: &str,
    cycle_id: &CycleId,
    mail_for: impl Fn(&LeadToNotify) -> OutgoingMail,
) -> Result<usize, CycleError> {
    let mut w = db.write(actor).await?;
    let (phase, settings, regions): (String, String, String) =
        sqlx::query_as("SELECT phase, care_settings, region_ods_codes FROM cycles WHERE id = $1")
            .bind(cycle_id)
            .fetch_optional(&mut *w)
            .await?
            .ok_or(CycleError::NoSuchCycle)?;
    let phase = Phase::from_key(&phase).ok_or(CycleError::NoSuchCycle)?;
    if phase != Phase::Setup {
        return Err(CycleError::PhaseMoved(phase));
    }
    let snapshot: Option<String> =
        sqlx::query_scalar("SELECT id FROM org_snapshots WHERE is_current = 1")
            .fetch_optional(&mut *w)
            .await?;
    let snapshot = snapshot.ok_or(CycleError::NoOrganisations)?;
    let settings: Vec<&str> = split_list(&settings).collect();
    let regions: Vec<&str> = split_list(&regions).collect();

    // Each trust in each care setting it provides, and each ICB for its own survey.
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT t.ods_code, t.name, t.region_ods_code, c.care_setting FROM trusts t \
         JOIN trust_care_settings c ON c.snapshot_id = t.snapshot_id AND c.trust_ods_code = t.ods_code \
         WHERE t.snapshot_id = $1 \
         UNION ALL \
         SELECT i.ods_code, i.name, i.region_ods_code, CAST($2 AS TEXT) AS care_setting FROM icbs i \
         WHERE i.snapshot_id = $1 \
         ORDER BY ods_code, care_setting",
    )
    .bind(&snapshot)
    .bind(CareSetting::Icb.label())
    .fetch_all(&mut *w)
    .await?;
    // Trusts in scope, each with the care settings it is assessed in, in ODS code order.
    let mut trusts: Vec<(String, String, Vec<CareSetting>)> = Vec::new();
    for (code, name, region, setting) in rows {
        if !settings.contains(&setting.as_str())
            || !(regions.is_empty() || regions.contains(&region.as_str()))
        {
            continue;
        }
        let Some(setting) = CareSetting::from_label(&setting) else {
            continue;
        };
        lifecycle::create_assessment(
            w.tx(),
            cycle_id,
            &OdsCode::from(&code),
            setting,
            AssessmentStatus::NotStarted,
        )
        .await?;
        match trusts.last_mut() {
            Some((last, _, settings)) if *last == code => settings.push(setting),
            _ => trusts.push((
                code,
                rules::organisations::readable_name(&name),
                vec![setting],
            )),
        }
    }
    let created: usize = trusts.iter().map(|(_, _, settings)| settings.len()).sum();
    for (code, trust_name, care_settings) in &trusts {
        for (email, display_name) in
            super::assessments::leads_of(w.tx(), &OdsCode::from(code)).await?
        {
            let lead = LeadToNotify {
                email,
                display_name,
                trust_name: trust_name.clone(),
                care_settings: care_settings.clone(),
            };
            w.enqueue([&mail_for(&lead)]).await?;
        }
    }
    sqlx::query("UPDATE cycles SET phase = $1, snapshot_id = $2 WHERE id = $3")
        .bind(Phase::Submission.key())
        .bind(&snapshot)
        .bind(cycle_id)
        .execute(&mut *w)
        .await?;
    w.audit(
        Audit::new("cycle", cycle_id, "open cycle")
            .before(Phase::Setup.label().to_string())
            .after(format!(
                "{}: {created} assessments for {} trusts, organisations as of snapshot {snapshot}",
                Phase::Submission.label(),
                trusts.len()
            )),
    )
    .await?;
    w.commit().await?;
    Ok(created)
}

/// Moves a cycle from `from` to `to`, if nobody has moved it meanwhile. Opening has its own
/// function, [`open`], as it does much more.
pub async fn change_phase(
    db: &Db,
    actor: &str,
    cycle_id: &CycleId,
    from: Phase,
    to: Phase,
) -> Result<(), CycleError> {
    let mut w = db.write(actor).await?;
    let changed = sqlx::query("UPDATE cycles SET phase = $1 WHERE id = $2 AND phase = $3")
        .bind(to.key())
        .bind(cycle_id)
        .bind(from.key())
        .execute(&mut *w)
        .await?
        .rows_affected();
    if changed == 0 {
        let now: Option<String> = sqlx::query_scalar("SELECT phase FROM cycles WHERE id = $1")
            .bind(cycle_id)
            .fetch_optional(&mut *w)
            .await?;
        return Err(match now.and_then(|key| Phase::from_key(&key)) {
            Some(phase) => CycleError::PhaseMoved(phase),
            None => CycleError::NoSuchCycle,
        });
    }
    w.audit(
        Audit::new("cycle", cycle_id, "change cycle phase")
            .before(from.label().to_string())
            .after(to.label().to_string()),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Sets the cycle's reply deadline, audited with the one it replaces.
pub async fn set_reply_deadline(
    db: &Db,
    actor: &str,
    cycle_id: &CycleId,
    before: &str,
    reply_deadline: &str,
) -> Result<(), CycleError> {
    let mut w = db.write(actor).await?;
    let changed = sqlx::query("UPDATE cycles SET reply_deadline = $1 WHERE id = $2")
        .bind(reply_deadline)
        .bind(cycle_id)
        .execute(&mut *w)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(CycleError::NoSuchCycle);
    }
    w.audit(
        Audit::new("cycle", cycle_id, "set reply deadline")
            .before(before.to_string())
            .after(reply_deadline.to_string()),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Gives one trust a later submission deadline in a cycle (or changes the one it has), with the
/// reason, audited.
pub async fn extend_deadline(
    db: &Db,
    actor: &str,
    cycle_id: &CycleId,
    trust_ods_code: &OdsCode,
    deadline: &str,
    reason: &str,
) -> Result<(), CycleError> {
    let mut w = db.write(actor).await?;
    let before: Option<String> = sqlx::query_scalar(
        "SELECT deadline FROM deadline_extensions WHERE cycle_id = $1 AND trust_ods_code = $2",
    )
    .bind(cycle_id)
    .bind(trust_ods_code)
    .fetch_optional(&mut *w)
    .await?;
    sqlx::query("DELETE FROM deadline_extensions WHERE cycle_id = $1 AND trust_ods_code = $2")
        .bind(cycle_id)
        .bind(trust_ods_code)
        .execute(&mut *w)
        .await?;
    sqlx::query(
        "INSERT INTO deadline_extensions (cycle_id, trust_ods_code, deadline, reason, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(cycle_id)
    .bind(trust_ods_code)
    .bind(deadline)
    .bind(reason)
    .bind(actor)
    .bind(now_utc())
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new(
            "cycle",
            &format!("{cycle_id}/{trust_ods_code}"),
            "extend submission deadline",
        )
        .before(before)
        .after(deadline.to_string())
        .reason(reason.to_string()),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Whether a trust has an assessment in the cycle.
pub async fn has_trust(
    db: &Db,
    cycle_id: &CycleId,
    trust_ods_code: &OdsCode,
) -> Result<bool, sqlx::Error> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM assessments WHERE cycle_id = $1 AND trust_ods_code = $2 LIMIT 1",
    )
    .bind(cycle_id)
    .bind(trust_ods_code)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}
