//! Assessments and their answers: saving a domain (refusing a save made from an older version),
//! submitting and reopening. Their status changes go through `lifecycle::change_status`.

use super::lifecycle::{change_status, StatusChange, StatusChangeError};
use super::outbox::OutgoingMail;
use super::{now_utc, Db};
use crate::ids::{AssessmentId, CycleId, OdsCode};
use crate::write::Audit;
use rules::assessments::{Answer, AssessmentHeader, DomainAnswers};
use rules::cycles::{default_reply_deadline, Phase};
use rules::lifecycle::{Allowed, AssessmentStatus};
use rules::organisations::{readable_name, CareSetting};
use std::collections::BTreeMap;

/// Why a change to an assessment was not made. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum AssessmentError {
    /// The assessment does not exist, or its status changed after the caller looked (the one
    /// "moved on" error every status change gives).
    #[error(transparent)]
    StatusChange(#[from] StatusChangeError),
    /// Someone saved the domain after the version the save started from.
    #[error("the domain was saved since that version")]
    Conflict(Box<SavedDomain>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A domain's answers as stored, with who saved them last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavedDomain {
    pub answers: DomainAnswers,
    /// 0 when nothing has been saved yet.
    pub version: i64,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

const HEADER_QUERY: &str = "SELECT a.id, a.cycle_id, c.name AS cycle_name, c.framework_version, \
    c.phase, a.trust_ods_code, t.name AS trust_name, a.care_setting, a.status, \
    c.submission_deadline, c.review_deadline, c.moderation_deadline, c.reply_deadline, \
    e.deadline AS extended_deadline, a.submitted_at, \
    s.display_name AS submitted_by \
    FROM assessments a JOIN cycles c ON c.id = a.cycle_id \
    LEFT JOIN assessed_organisations t \
      ON t.snapshot_id = c.snapshot_id AND t.ods_code = a.trust_ods_code \
    LEFT JOIN deadline_extensions e ON e.cycle_id = a.cycle_id AND e.trust_ods_code = a.trust_ods_code \
    LEFT JOIN accounts s ON s.id = a.submitted_by";

/// An assessment's header as [`HEADER_QUERY`] reads it.
#[derive(sqlx::FromRow)]
struct HeaderRow {
    id: String,
    cycle_id: String,
    cycle_name: String,
    framework_version: String,
    #[sqlx(try_from = "String")]
    phase: Phase,
    trust_ods_code: String,
    trust_name: Option<String>,
    #[sqlx(try_from = "String")]
    care_setting: CareSetting,
    #[sqlx(try_from = "String")]
    status: AssessmentStatus,
    submission_deadline: String,
    review_deadline: String,
    moderation_deadline: String,
    reply_deadline: Option<String>,
    extended_deadline: Option<String>,
    submitted_at: Option<String>,
    submitted_by: Option<String>,
}

impl From<HeaderRow> for AssessmentHeader {
    fn from(row: HeaderRow) -> Self {
        AssessmentHeader {
            reply_deadline: row.reply_deadline.unwrap_or_else(|| {
                default_reply_deadline(&row.review_deadline, &row.moderation_deadline)
            }),
            id: row.id,
            cycle_id: row.cycle_id,
            cycle_name: row.cycle_name,
            framework_version: row.framework_version,
            phase: row.phase,
            trust_name: row
                .trust_name
                .map_or_else(|| row.trust_ods_code.clone(), |name| readable_name(&name)),
            trust_ods_code: row.trust_ods_code,
            care_setting: row.care_setting,
            status: row.status,
            submission_deadline: row.submission_deadline,
            review_deadline: row.review_deadline,
            extended_deadline: row.extended_deadline,
            submitted_at: row.submitted_at,
            submitted_by: row.submitted_by,
        }
    }
}

pub async fn header(db: &Db, id: &AssessmentId) -> Result<Option<AssessmentHeader>, sqlx::Error> {
    Ok(
        sqlx::query_as::<_, HeaderRow>(&format!("{HEADER_QUERY} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?
            .map(Into::into),
    )
}

fn headers(rows: Vec<HeaderRow>) -> Vec<AssessmentHeader> {
    rows.into_iter().map(Into::into).collect()
}

/// A trust's assessments in every cycle, the newest cycle first.
pub async fn for_trust(
    db: &Db,
    trust_ods_code: &OdsCode,
) -> Result<Vec<AssessmentHeader>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{HEADER_QUERY} WHERE a.trust_ods_code = $1 ORDER BY c.opens_on DESC, a.care_setting"
    ))
    .bind(trust_ods_code)
    .fetch_all(&db.pool)
    .await
    .map(headers)
}

/// A cycle's assessments, by trust and care setting.
pub async fn for_cycle(db: &Db, cycle_id: &CycleId) -> Result<Vec<AssessmentHeader>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{HEADER_QUERY} WHERE a.cycle_id = $1 ORDER BY a.trust_ods_code, a.care_setting"
    ))
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await
    .map(headers)
}

/// Every assessment in `status`, in any cycle.
pub async fn with_status(
    db: &Db,
    status: AssessmentStatus,
) -> Result<Vec<AssessmentHeader>, sqlx::Error> {
    sqlx::query_as(&format!("{HEADER_QUERY} WHERE a.status = $1 ORDER BY a.id"))
        .bind(status.key())
        .fetch_all(&db.pool)
        .await
        .map(headers)
}

async fn load_domain(
    connection: &mut sqlx::AnyConnection,
    assessment_id: &AssessmentId,
    domain_key: &str,
) -> Result<SavedDomain, sqlx::Error> {
    let saved: Option<(i64, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT d.version, d.updated_at, a.display_name FROM domain_answers d \
         LEFT JOIN accounts a ON a.id = d.updated_by \
         WHERE d.assessment_id = $1 AND d.domain_key = $2",
    )
    .bind(assessment_id)
    .bind(domain_key)
    .fetch_optional(&mut *connection)
    .await?;
    let Some((version, updated_at, updated_by)) = saved else {
        return Ok(SavedDomain::default());
    };
    let answers: Vec<AnswerRow> = sqlx::query_as(
        "SELECT criterion_key, met, evidence FROM criterion_answers \
         WHERE assessment_id = $1 AND domain_key = $2",
    )
    .bind(assessment_id)
    .bind(domain_key)
    .fetch_all(&mut *connection)
    .await?;
    Ok(SavedDomain {
        answers: answers.into_iter().map(AnswerRow::keyed).collect(),
        version,
        updated_at,
        updated_by,
    })
}

/// A criterion's stored answer; `met` is 0 or 1, or none before it is chosen.
#[derive(sqlx::FromRow)]
struct AnswerRow {
    criterion_key: String,
    met: Option<i64>,
    evidence: String,
}

impl AnswerRow {
    fn keyed(self) -> (String, Answer) {
        (
            self.criterion_key,
            Answer {
                met: self.met.map(|met| met != 0),
                evidence: self.evidence,
            },
        )
    }
}

/// One domain's saved answers and version.
pub async fn domain(
    db: &Db,
    assessment_id: &AssessmentId,
    domain_key: &str,
) -> Result<SavedDomain, sqlx::Error> {
    let mut connection = db.pool.acquire().await?;
    load_domain(&mut connection, assessment_id, domain_key).await
}

/// Every saved answer of an assessment, by domain key.
pub async fn all_answers(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<BTreeMap<String, DomainAnswers>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct DomainAnswerRow {
        domain_key: String,
        #[sqlx(flatten)]
        answer: AnswerRow,
    }
    let rows: Vec<DomainAnswerRow> = sqlx::query_as(
        "SELECT domain_key, criterion_key, met, evidence FROM criterion_answers WHERE assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_all(&db.pool)
    .await?;
    let mut answers: BTreeMap<String, DomainAnswers> = BTreeMap::new();
    for row in rows {
        let (key, answer) = row.answer.keyed();
        answers
            .entry(row.domain_key)
            .or_default()
            .insert(key, answer);
    }
    Ok(answers)
}

/// Replaces a domain's answers, if the assessment is still in the status the save was allowed
/// in and nobody has saved the domain since `expected_version`. Returns the new version.
/// `summary` describes the answers for the audit trail.
#[allow(clippy::too_many_arguments)]
pub async fn save_domain(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    domain_key: &str,
    expected_version: i64,
    answers: &DomainAnswers,
    summary: String,
) -> Result<i64, AssessmentError> {
    let mut w = db.write(actor).await?;
    change_status(
        w.tx(),
        StatusChange::new(assessment_id.as_str(), actor, allowed),
    )
    .await?;
    let saved = load_domain(w.tx(), assessment_id, domain_key).await?;
    if saved.version != expected_version {
        return Err(AssessmentError::Conflict(Box::new(saved)));
    }
    let now = now_utc();
    let version = expected_version + 1;
    if expected_version == 0 {
        sqlx::query(
            "INSERT INTO domain_answers (assessment_id, domain_key, version, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
    } else {
        sqlx::query(
            "UPDATE domain_answers SET version = $3, updated_at = $4, updated_by = $5 \
             WHERE assessment_id = $1 AND domain_key = $2",
        )
    }
    .bind(assessment_id)
    .bind(domain_key)
    .bind(version)
    .bind(&now)
    .bind(actor)
    .execute(&mut *w)
    .await?;
    sqlx::query("DELETE FROM criterion_answers WHERE assessment_id = $1 AND domain_key = $2")
        .bind(assessment_id)
        .bind(domain_key)
        .execute(&mut *w)
        .await?;
    for (criterion_key, answer) in answers {
        sqlx::query(
            "INSERT INTO criterion_answers (assessment_id, domain_key, criterion_key, met, evidence) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(assessment_id)
        .bind(domain_key)
        .bind(criterion_key)
        .bind(answer.met.map(i64::from))
        .bind(&answer.evidence)
        .execute(&mut *w)
        .await?;
    }
    w.audit(
        Audit::new(
            "assessment",
            &format!("{assessment_id}/{domain_key}"),
            "save answers",
        )
        .before((expected_version > 0).then(|| format!("version {expected_version}")))
        .after(format!("version {version}: {summary}")),
    )
    .await?;
    w.commit().await?;
    Ok(version)
}

/// Submits an assessment as the lifecycle allowed: it becomes read-only, and the evidence
/// documents attached are frozen as submitted. `scores` describes
/// them for the audit trail; `receipts` are queued in the same transaction.
pub async fn submit(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    scores: String,
    receipts: &[OutgoingMail],
) -> Result<(), AssessmentError> {
    let mut w = db.write(actor).await?;
    change_status(
        w.tx(),
        StatusChange::new(assessment_id.as_str(), actor, allowed).detail(scores),
    )
    .await?;
    let now = now_utc();
    sqlx::query("UPDATE assessments SET submitted_at = $1, submitted_by = $2 WHERE id = $3")
        .bind(&now)
        .bind(actor)
        .bind(assessment_id)
        .execute(&mut *w)
        .await?;
    let files = super::evidence_files::freeze(w.tx(), assessment_id, &now).await?;
    w.audit(
        Audit::new("assessment", assessment_id, "freeze evidence")
            .after(format!("{files} evidence files as submitted")),
    )
    .await?;
    w.enqueue(receipts).await?;
    w.commit().await?;
    Ok(())
}

/// Reopens an assessment as the lifecycle allowed, with the reason, audited; `notices` (to the
/// trust's leads) are queued in the same transaction. Reopened for the trust to change, it is
/// no longer submitted.
pub async fn reopen(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    reason: &str,
    notices: &[OutgoingMail],
) -> Result<(), AssessmentError> {
    let mut w = db.write(actor).await?;
    change_status(
        w.tx(),
        StatusChange::new(assessment_id.as_str(), actor, allowed).reason(reason),
    )
    .await?;
    if allowed.to().is_draft() {
        sqlx::query(
            "UPDATE assessments SET submitted_at = NULL, submitted_by = NULL WHERE id = $1",
        )
        .bind(assessment_id)
        .execute(&mut *w)
        .await?;
    }
    w.enqueue(notices).await?;
    w.commit().await?;
    Ok(())
}

/// The active trust leads of a trust: `(email, name)`.
pub async fn trust_leads(
    db: &Db,
    trust_ods_code: &OdsCode,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let mut connection = db.pool.acquire().await?;
    leads_of(&mut connection, trust_ods_code).await
}

pub(crate) async fn leads_of(
    connection: &mut sqlx::AnyConnection,
    trust_ods_code: &OdsCode,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.email, a.display_name FROM accounts a \
         JOIN account_roles r ON r.account_id = a.id AND r.role = 'trust_lead' \
         WHERE a.org_ods_code = $1 AND a.is_active = 1 ORDER BY a.email",
    )
    .bind(trust_ods_code)
    .fetch_all(connection)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycles::{self, CycleError, NewCycle};
    use crate::organisations::{import_snapshot, tests::sample};
    use crate::test_support::test_databases;
    use crate::testing::{AccountBuilder, CycleBuilder};
    use crate::{accounts, audit, frameworks, outbox};
    use rules::fixtures::{allowed, SMALL_FRAMEWORK};
    use rules::framework::parse_framework;
    use rules::lifecycle::Event;

    fn new_cycle(settings: &[CareSetting]) -> NewCycle {
        CycleBuilder::default().care_settings(settings).build()
    }

    fn notice(lead: &cycles::LeadToNotify) -> OutgoingMail {
        OutgoingMail {
            html: String::new(),
            to: lead.email.clone(),
            subject: format!("{} is open", lead.trust_name),
            body: String::new(),
        }
    }

    /// A database with organisations, the small framework, a lead at RR8 and an opened cycle
    /// covering acute and community care. Returns the cycle id.
    async fn opened_cycle(db: &Db) -> String {
        import_snapshot(db, &sample(), "test", "2026-04-01", "tester")
            .await
            .unwrap();
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        frameworks::load(db, "tester", &framework, SMALL_FRAMEWORK)
            .await
            .unwrap();
        let lead = AccountBuilder::new("lead@nhs.net")
            .named("Leah Lead")
            .at(Some("RR8"))
            .roles(&[rules::accounts::Role::TrustLead])
            .build();
        accounts::upsert_with_password(db, "tester", &lead, "hash")
            .await
            .unwrap();
        let id = cycles::create(
            db,
            "admin",
            &new_cycle(&[CareSetting::Acute, CareSetting::Community]),
            false,
        )
        .await
        .unwrap();
        let created = cycles::open(db, "admin", &CycleId::from(&id), notice)
            .await
            .unwrap();
        assert_eq!(created, 2, "RR8 acute and RY6 community");
        id
    }

    fn answers(met: bool) -> DomainAnswers {
        ["strategy-2a", "strategy-3a"]
            .into_iter()
            .map(|key| {
                (
                    key.to_string(),
                    Answer {
                        met: Some(met),
                        evidence: format!("evidence for {key}"),
                    },
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn opening_a_cycle_creates_assessments_in_scope_and_tells_the_leads() {
        for (db, _folder) in test_databases().await {
            let cycle_id = opened_cycle(&db).await;
            let cycle = cycles::get(&db, &CycleId::from(&cycle_id))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(cycle.phase, Phase::Submission);
            let assessments = for_cycle(&db, &CycleId::from(&cycle_id)).await.unwrap();
            let scope: Vec<(&str, CareSetting)> = assessments
                .iter()
                .map(|a| (a.trust_ods_code.as_str(), a.care_setting))
                .collect();
            assert_eq!(
                scope,
                [("RR8", CareSetting::Acute), ("RY6", CareSetting::Community)]
            );
            assert_eq!(
                assessments[0].trust_name,
                "Leeds Teaching Hospitals NHS Trust"
            );
            assert_eq!(assessments[0].status, AssessmentStatus::NotStarted);
            assert_eq!(
                outbox::unsent_count(&db.pool).await.unwrap(),
                1,
                "RR8's one lead"
            );
            assert!(matches!(
                cycles::open(&db, "admin", &CycleId::from(&cycle_id), notice).await,
                Err(CycleError::PhaseMoved(Phase::Submission))
            ));
            assert!(matches!(
                cycles::create(&db, "admin", &new_cycle(&[CareSetting::Acute]), false).await,
                Err(CycleError::NameTaken(_))
            ));
        }
    }

    #[tokio::test]
    async fn a_save_from_an_old_version_is_refused_and_overwrites_nothing() {
        for (db, _folder) in test_databases().await {
            let cycle_id = opened_cycle(&db).await;
            let id = for_cycle(&db, &CycleId::from(&cycle_id)).await.unwrap()[0]
                .id
                .clone();
            let first = save_domain(
                &db,
                "lead-1",
                &AssessmentId::from(&id),
                allowed(Event::Save, AssessmentStatus::InProgress),
                "digital-strategy",
                0,
                &answers(true),
                "2 met".into(),
            )
            .await
            .unwrap();
            assert_eq!(first, 1);
            // A second person who also opened version 0 tries to save.
            let refused = save_domain(
                &db,
                "lead-2",
                &AssessmentId::from(&id),
                allowed(Event::Save, AssessmentStatus::InProgress),
                "digital-strategy",
                0,
                &answers(false),
                "0 met".into(),
            )
            .await;
            let Err(AssessmentError::Conflict(saved)) = refused else {
                panic!("expected a conflict, got {refused:?}");
            };
            assert_eq!(saved.version, 1);
            assert_eq!(saved.answers, answers(true));
            assert_eq!(
                domain(&db, &AssessmentId::from(&id), "digital-strategy")
                    .await
                    .unwrap()
                    .answers,
                answers(true)
            );
            // Saving from the version they now have works.
            assert_eq!(
                save_domain(
                    &db,
                    "lead-2",
                    &AssessmentId::from(&id),
                    allowed(Event::Save, AssessmentStatus::InProgress),
                    "digital-strategy",
                    1,
                    &answers(false),
                    "0 met".into()
                )
                .await
                .unwrap(),
                2
            );
            let all = all_answers(&db, &AssessmentId::from(&id)).await.unwrap();
            assert_eq!(all["digital-strategy"], answers(false));
            assert_eq!(
                header(&db, &AssessmentId::from(&id))
                    .await
                    .unwrap()
                    .unwrap()
                    .status,
                AssessmentStatus::InProgress
            );
            let records = audit::recent(&db.pool, 1).await.unwrap();
            assert_eq!(records[0].action, "save answers");
            assert_eq!(records[0].after.as_deref(), Some("version 2: 0 met"));
        }
    }

    #[tokio::test]
    async fn concurrent_saves_of_one_domain_never_both_win() {
        for (db, _folder) in test_databases().await {
            let cycle_id = opened_cycle(&db).await;
            let id = for_cycle(&db, &CycleId::from(&cycle_id)).await.unwrap()[0]
                .id
                .clone();
            let saves = (0..8).map(|n| {
                let db = db.clone();
                let id = id.clone();
                tokio::spawn(async move {
                    save_domain(
                        &db,
                        &format!("lead-{n}"),
                        &AssessmentId::from(&id),
                        allowed(Event::Save, AssessmentStatus::InProgress),
                        "digital-strategy",
                        0,
                        &answers(n % 2 == 0),
                        format!("save {n}"),
                    )
                    .await
                })
            });
            let mut won = 0;
            for save in saves {
                match save.await.unwrap() {
                    Ok(version) => {
                        assert_eq!(version, 1);
                        won += 1;
                    }
                    Err(AssessmentError::Conflict(_)) => {}
                    Err(other) => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(won, 1);
            assert_eq!(
                audit::verify_chain(&db.pool).await.unwrap(),
                None,
                "the audit chain is intact"
            );
        }
    }

    #[tokio::test]
    async fn a_submitted_assessment_is_read_only_until_reopened() {
        for (db, _folder) in test_databases().await {
            let cycle_id = opened_cycle(&db).await;
            let id = for_cycle(&db, &CycleId::from(&cycle_id)).await.unwrap()[0]
                .id
                .clone();
            save_domain(
                &db,
                "lead-1",
                &AssessmentId::from(&id),
                allowed(Event::Save, AssessmentStatus::InProgress),
                "digital-strategy",
                0,
                &answers(true),
                "2 met".into(),
            )
            .await
            .unwrap();
            let receipt = OutgoingMail {
                html: String::new(),
                to: "lead@nhs.net".into(),
                subject: "Submitted".into(),
                body: String::new(),
            };
            submit(
                &db,
                "lead-1",
                &AssessmentId::from(&id),
                allowed(Event::Submit, AssessmentStatus::InProgress),
                "overall 2.0".into(),
                std::slice::from_ref(&receipt),
            )
            .await
            .unwrap();
            let submitted = header(&db, &AssessmentId::from(&id))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(submitted.status, AssessmentStatus::Submitted);
            assert!(submitted.submitted_at.is_some());
            assert!(matches!(
                save_domain(
                    &db,
                    "lead-1",
                    &AssessmentId::from(&id),
                    allowed(Event::Save, AssessmentStatus::InProgress),
                    "digital-strategy",
                    1,
                    &answers(false),
                    "x".into()
                )
                .await,
                Err(AssessmentError::StatusChange(StatusChangeError::MovedOn(
                    AssessmentStatus::Submitted
                )))
            ));
            assert!(matches!(
                submit(
                    &db,
                    "lead-1",
                    &AssessmentId::from(&id),
                    allowed(Event::Submit, AssessmentStatus::InProgress),
                    "again".into(),
                    &[]
                )
                .await,
                Err(AssessmentError::StatusChange(StatusChangeError::MovedOn(
                    AssessmentStatus::Submitted
                )))
            ));
            reopen(
                &db,
                "moderator-1",
                &AssessmentId::from(&id),
                allowed(Event::Reopen, AssessmentStatus::Submitted),
                "Evidence for 3a is missing",
                &[receipt],
            )
            .await
            .unwrap();
            let reopened = header(&db, &AssessmentId::from(&id))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(reopened.status, AssessmentStatus::InProgress);
            assert_eq!(reopened.submitted_at, None);
            let record = &audit::recent(&db.pool, 1).await.unwrap()[0];
            assert_eq!(record.action, "reopen assessment");
            assert_eq!(record.reason.as_deref(), Some("Evidence for 3a is missing"));
            assert!(matches!(
                reopen(
                    &db,
                    "moderator-1",
                    &AssessmentId::from(&id),
                    allowed(Event::Reopen, AssessmentStatus::Submitted),
                    "again",
                    &[]
                )
                .await,
                Err(AssessmentError::StatusChange(StatusChangeError::MovedOn(
                    AssessmentStatus::InProgress
                )))
            ));
            // The answers survive the round trip.
            assert_eq!(
                domain(&db, &AssessmentId::from(&id), "digital-strategy")
                    .await
                    .unwrap()
                    .version,
                1
            );
        }
    }

    #[tokio::test]
    async fn an_extension_applies_to_one_trust_and_phases_move_once() {
        for (db, _folder) in test_databases().await {
            let cycle_id = opened_cycle(&db).await;
            cycles::extend_deadline(
                &db,
                "admin",
                &CycleId::from(&cycle_id),
                &OdsCode::from("RR8"),
                "2027-02-14",
                "Cyber incident",
            )
            .await
            .unwrap();
            let assessments = for_cycle(&db, &CycleId::from(&cycle_id)).await.unwrap();
            assert_eq!(assessments[0].deadline(), "2027-02-14");
            assert_eq!(assessments[1].deadline(), "2027-01-31");
            cycles::extend_deadline(
                &db,
                "admin",
                &CycleId::from(&cycle_id),
                &OdsCode::from("RR8"),
                "2027-02-21",
                "Still recovering",
            )
            .await
            .unwrap();
            let record = &audit::recent(&db.pool, 1).await.unwrap()[0];
            assert_eq!(record.before.as_deref(), Some("2027-02-14"));
            assert_eq!(record.after.as_deref(), Some("2027-02-21"));

            cycles::change_phase(
                &db,
                "admin",
                &CycleId::from(&cycle_id),
                Phase::Submission,
                Phase::PeerReview,
            )
            .await
            .unwrap();
            assert!(matches!(
                cycles::change_phase(
                    &db,
                    "admin",
                    &CycleId::from(&cycle_id),
                    Phase::Submission,
                    Phase::PeerReview
                )
                .await,
                Err(CycleError::PhaseMoved(Phase::PeerReview))
            ));
            assert_eq!(
                for_trust(&db, &OdsCode::from("RR8")).await.unwrap()[0].phase,
                Phase::PeerReview
            );
        }
    }
}
