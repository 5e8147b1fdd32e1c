//! Published scores, and importing an earlier cycle's published results as a closed historical
//! cycle so that this year's scores can be compared with last year's.

use super::cycles::{self, CycleError, NewCycle};
use super::lifecycle;
use super::Db;
use crate::ids::AssessmentId;
use crate::write::Audit;
use crate::CycleId;
use crate::OdsCode;
use rules::cycles::Phase;
use rules::lifecycle::AssessmentStatus;
use rules::organisations::CareSetting;

/// What a published score is the score of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScoreScope {
    /// The whole assessment; its key is empty.
    Overall,
    Pillar,
    Domain,
}

impl ScoreScope {
    pub const ALL: [ScoreScope; 3] = [ScoreScope::Overall, ScoreScope::Pillar, ScoreScope::Domain];

    pub fn key(self) -> &'static str {
        match self {
            ScoreScope::Overall => "overall",
            ScoreScope::Pillar => "pillar",
            ScoreScope::Domain => "domain",
        }
    }

    pub fn from_key(key: &str) -> Option<ScoreScope> {
        ScoreScope::ALL.into_iter().find(|scope| scope.key() == key)
    }
}

/// One assessment's published scores, in hundredths (2.67 is 267), as read from a results file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedAssessment {
    /// The trust's ODS code, or the ICB's for an ICB's own survey.
    pub trust_ods_code: String,
    pub care_setting: CareSetting,
    pub overall: i64,
    /// `(pillar key, score)` for every pillar that applies to the care setting.
    pub pillars: Vec<(String, i64)>,
    /// `(domain key, score)` for the domains whose score is known.
    pub domains: Vec<(String, i64)>,
}

impl PublishedAssessment {
    /// Every score with its scope and key, the overall score first.
    fn scores(&self) -> impl Iterator<Item = (ScoreScope, &str, i64)> {
        let pillars = self
            .pillars
            .iter()
            .map(|(key, score)| (ScoreScope::Pillar, key.as_str(), *score));
        let domains = self
            .domains
            .iter()
            .map(|(key, score)| (ScoreScope::Domain, key.as_str(), *score));
        std::iter::once((ScoreScope::Overall, "", self.overall))
            .chain(pillars)
            .chain(domains)
    }
}

/// Creates a historical cycle already in the published phase, holding `assessments` with their
/// published scores, against the current organisation snapshot; all in one transaction, so a
/// taken name or any failure stores nothing. `source` names the file for the audit trail.
/// Returns the cycle's id and how many assessments were stored.
pub async fn import_historical_cycle(
    db: &Db,
    actor: &str,
    cycle: &NewCycle,
    assessments: &[PublishedAssessment],
    source: &str,
) -> Result<(String, usize), CycleError> {
    let mut w = db.write(actor).await?;
    let snapshot: Option<String> =
        sqlx::query_scalar("SELECT id FROM org_snapshots WHERE is_current = 1")
            .fetch_optional(&mut *w)
            .await?;
    let snapshot = snapshot.ok_or(CycleError::NoOrganisations)?;
    let cycle_id = cycles::insert(&mut w, actor, cycle, true).await?;
    sqlx::query("UPDATE cycles SET phase = $1, snapshot_id = $2 WHERE id = $3")
        .bind(Phase::Published.key())
        .bind(&snapshot)
        .bind(&cycle_id)
        .execute(&mut *w)
        .await?;
    for assessment in assessments {
        let assessment_id = lifecycle::create_assessment(
            w.tx(),
            &CycleId::from(&cycle_id),
            &OdsCode::from(&assessment.trust_ods_code),
            assessment.care_setting,
            AssessmentStatus::Published,
        )
        .await?;
        // One statement per assessment rather than per score: a national file has about 10,000
        // scores, and PostgreSQL pays a round trip for each statement.
        let scores: Vec<_> = assessment.scores().collect();
        let placeholders: Vec<String> = (0..scores.len())
            .map(|index| {
                let first = index * 4;
                format!(
                    "(${}, ${}, ${}, ${})",
                    first + 1,
                    first + 2,
                    first + 3,
                    first + 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO published_scores (assessment_id, scope, score_key, score_hundredths) \
             VALUES {}",
            placeholders.join(", ")
        );
        let mut insert = sqlx::query(&sql);
        for (scope, key, score) in scores {
            insert = insert
                .bind(&assessment_id)
                .bind(scope.key())
                .bind(key)
                .bind(score);
        }
        insert.execute(&mut *w).await?;
    }
    sqlx::query(
        "INSERT INTO result_versions \
         (cycle_id, version, note, with_self_scores, published_by, published_at) \
         VALUES ($1, 1, $2, 0, $3, $4)",
    )
    .bind(&cycle_id)
    .bind(format!("Imported from {source}"))
    .bind(actor)
    .bind(super::now_utc())
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new("cycle", &cycle_id, "import published results").after(format!(
            "{}: {} assessments from {source}",
            cycle.name,
            assessments.len()
        )),
    )
    .await?;
    w.commit().await?;
    Ok((cycle_id, assessments.len()))
}

/// An assessment's published scores as `(scope, key, score)`: the overall score, then the
/// pillars, then the domains, each in key order. Empty when nothing has been published.
pub async fn published_scores(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<Vec<(ScoreScope, String, f64)>, sqlx::Error> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT scope, score_key, score_hundredths FROM published_scores WHERE assessment_id = $1 \
         ORDER BY CASE scope WHEN 'overall' THEN 0 WHEN 'pillar' THEN 1 ELSE 2 END, score_key",
    )
    .bind(assessment_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|(scope, key, hundredths)| {
            let scope = ScoreScope::from_key(&scope).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown score scope {scope}").into())
            })?;
            Ok((scope, key, hundredths as f64 / 100.0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessments;
    use crate::organisations::{import_snapshot, tests::sample};
    use crate::test_support::test_databases;
    use crate::testing::CycleBuilder;
    use crate::CycleId;
    use crate::{audit, frameworks};
    use rules::fixtures::SMALL_FRAMEWORK;
    use rules::framework::parse_framework;

    fn historical_cycle(name: &str) -> NewCycle {
        CycleBuilder::default()
            .named(name)
            .all_on("2025-06-30")
            .care_settings(&[CareSetting::Acute, CareSetting::Community])
            .reviewers(0, 0)
            .build()
    }

    fn results() -> Vec<PublishedAssessment> {
        vec![
            PublishedAssessment {
                trust_ods_code: "RR8".into(),
                care_setting: CareSetting::Acute,
                overall: 244,
                pillars: vec![("well-led".into(), 300), ("smart-foundations".into(), 133)],
                domains: vec![("digital-strategy".into(), 300)],
            },
            PublishedAssessment {
                trust_ods_code: "RY6".into(),
                care_setting: CareSetting::Community,
                overall: 267,
                pillars: vec![("smart-foundations".into(), 267)],
                domains: Vec::new(),
            },
        ]
    }

    async fn with_organisations_and_framework(db: &Db) {
        import_snapshot(db, &sample(), "test", "2026-04-01", "tester")
            .await
            .unwrap();
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        frameworks::load(db, "tester", &framework, SMALL_FRAMEWORK)
            .await
            .unwrap();
    }

    async fn count(db: &Db, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&db.pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn an_import_stores_a_published_cycle_its_assessments_scores_and_audit_record() {
        for (db, _folder) in test_databases().await {
            with_organisations_and_framework(&db).await;
            let (cycle_id, stored) = import_historical_cycle(
                &db,
                "command-line",
                &historical_cycle("DMA 2025/26"),
                &results(),
                "results-2025.csv",
            )
            .await
            .unwrap();
            assert_eq!(stored, 2);

            let cycle = cycles::get(&db, &CycleId::from(&cycle_id))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(cycle.phase, Phase::Published);
            assert!(cycle.is_historical);
            assert_eq!(cycle.dates.opens_on, "2025-06-30");
            let snapshot: Option<String> =
                sqlx::query_scalar("SELECT snapshot_id FROM cycles WHERE id = $1")
                    .bind(&cycle_id)
                    .fetch_one(&db.pool)
                    .await
                    .unwrap();
            let current = crate::organisations::current_snapshot(&db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(snapshot, Some(current.id));

            let stored = assessments::for_cycle(&db, &CycleId::from(&cycle_id))
                .await
                .unwrap();
            let scope: Vec<(&str, CareSetting, AssessmentStatus)> = stored
                .iter()
                .map(|a| (a.trust_ods_code.as_str(), a.care_setting, a.status))
                .collect();
            assert_eq!(
                scope,
                [
                    ("RR8", CareSetting::Acute, AssessmentStatus::Published),
                    ("RY6", CareSetting::Community, AssessmentStatus::Published)
                ]
            );
            assert_eq!(
                published_scores(&db, &AssessmentId::from(&stored[0].id))
                    .await
                    .unwrap(),
                [
                    (ScoreScope::Overall, String::new(), 2.44),
                    (ScoreScope::Pillar, "smart-foundations".into(), 1.33),
                    (ScoreScope::Pillar, "well-led".into(), 3.0),
                    (ScoreScope::Domain, "digital-strategy".into(), 3.0),
                ]
            );
            assert_eq!(
                published_scores(&db, &AssessmentId::from(&stored[1].id))
                    .await
                    .unwrap()
                    .len(),
                2
            );

            let records = audit::recent(&db.pool, 2).await.unwrap();
            assert_eq!(records[0].action, "import published results");
            assert_eq!(records[0].entity_id, cycle_id);
            assert_eq!(
                records[0].after.as_deref(),
                Some("DMA 2025/26: 2 assessments from results-2025.csv")
            );
            assert_eq!(records[1].action, "create cycle");
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn an_import_under_a_taken_name_or_that_fails_part_way_stores_nothing() {
        for (db, _folder) in test_databases().await {
            with_organisations_and_framework(&db).await;
            cycles::create(&db, "admin", &historical_cycle("DMA 2025/26"), false)
                .await
                .unwrap();
            let audit_records = count(&db, "audit_events").await;
            let refused = import_historical_cycle(
                &db,
                "command-line",
                &historical_cycle("DMA 2025/26"),
                &results(),
                "results-2025.csv",
            )
            .await;
            assert!(
                matches!(refused, Err(CycleError::NameTaken(ref name)) if name == "DMA 2025/26"),
                "{refused:?}"
            );
            // A failure part way through, here a repeated (trust, care setting), undoes it all.
            let mut repeated = results();
            repeated.push(repeated[0].clone());
            assert!(import_historical_cycle(
                &db,
                "command-line",
                &historical_cycle("DMA 2024/25"),
                &repeated,
                "results-2024.csv",
            )
            .await
            .is_err());
            assert_eq!(count(&db, "cycles").await, 1);
            assert_eq!(count(&db, "assessments").await, 0);
            assert_eq!(count(&db, "published_scores").await, 0);
            assert_eq!(count(&db, "audit_events").await, audit_records);
        }
    }
}
