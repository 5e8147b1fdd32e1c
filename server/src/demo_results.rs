//! The demo's published results: an earlier cycle's scores for every trust and care setting in the
//! current organisation snapshot and every ICB's own survey, synthetic but the same on every machine, so the results pages,
//! league tables and year-on-year changes have something to show.

use app::rules::cycles::CycleDates;
use app::rules::organisations::CareSetting;
use app::rules::scoring::{overall_score, pillar_score};
use app::store::cycles::{self, NewCycle};
use app::store::published::{import_historical_cycle, PublishedAssessment};
use app::store::{frameworks, Db};

const NAME: &str = "DMA 2024/25 (demo results)";
const PUBLISHED_ON: &str = "2025-06-30";

/// A level from 1 to 5 for a trust's domain, from a hash of the two (FNV-1a): stable, varied,
/// and weighted towards the middle as real scores are.
fn demo_level(trust: &str, domain: &str) -> u8 {
    let hash = trust
        .bytes()
        .chain([b'/'])
        .chain(domain.bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    [1, 2, 2, 3, 3, 3, 4, 4, 5][(hash % 9) as usize]
}

/// Imports the demo's earlier published cycle, once; later starts leave it as it is.
pub async fn seed_demo_published_results(db: &Db) -> anyhow::Result<()> {
    if cycles::list(db)
        .await?
        .iter()
        .any(|cycle| cycle.name == NAME)
    {
        return Ok(());
    }
    let version = frameworks::versions(db)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no framework is loaded"))?
        .version;
    let framework = frameworks::cached(db, &version)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the framework {version} is loaded"))?;
    // Each trust in each care setting it provides, and each ICB's own survey.
    let provided: Vec<(String, String)> = sqlx::query_as(
        "SELECT s.trust_ods_code AS ods_code, s.care_setting FROM trust_care_settings s \
         JOIN org_snapshots o ON o.id = s.snapshot_id WHERE o.is_current = 1 \
         UNION ALL \
         SELECT i.ods_code, CAST($1 AS TEXT) AS care_setting FROM icbs i \
         JOIN org_snapshots o ON o.id = i.snapshot_id WHERE o.is_current = 1 \
         ORDER BY ods_code, care_setting",
    )
    .bind(CareSetting::Icb.label())
    .fetch_all(&db.pool)
    .await?;
    let hundredths = |score: f64| (score * 100.0).round() as i64;
    let mut assessments = Vec::new();
    let mut settings = Vec::new();
    for (trust, label) in provided {
        let Some(setting) = CareSetting::from_label(&label) else {
            continue;
        };
        if !settings.contains(&setting) {
            settings.push(setting);
        }
        let mut pillars = Vec::new();
        let mut weighted = Vec::new();
        let mut domains = Vec::new();
        for pillar in &framework.pillars {
            let levels: Vec<u8> = pillar
                .domains
                .iter()
                .filter(|domain| domain.applies_to(setting))
                .map(|domain| {
                    let level = demo_level(&trust, &domain.key);
                    domains.push((domain.key.clone(), i64::from(level) * 100));
                    level
                })
                .collect();
            if let Some(score) = pillar_score(&levels) {
                pillars.push((pillar.key.clone(), hundredths(score)));
                weighted.push((pillar.weight, score));
            }
        }
        let Some(overall) = overall_score(&weighted) else {
            continue;
        };
        assessments.push(PublishedAssessment {
            trust_ods_code: trust,
            care_setting: setting,
            overall: hundredths(overall),
            pillars,
            domains,
        });
    }
    let cycle = NewCycle {
        name: NAME.into(),
        framework_version: version,
        dates: CycleDates {
            opens_on: PUBLISHED_ON.into(),
            submission_deadline: PUBLISHED_ON.into(),
            review_deadline: PUBLISHED_ON.into(),
            moderation_deadline: PUBLISHED_ON.into(),
            publication_on: PUBLISHED_ON.into(),
        },
        care_settings: settings,
        region_ods_codes: Vec::new(),
        reviewers_per_assessment: 0,
        reviewer_capacity: 0,
    };
    let (_, imported) = import_historical_cycle(
        db,
        "demo",
        &cycle,
        &assessments,
        "the demo's synthetic results",
    )
    .await?;
    println!("DEMO=1: published {imported} assessments' synthetic results as {NAME}.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::store::CycleId;

    #[test]
    fn demo_levels_are_stable_and_use_the_whole_scale() {
        assert_eq!(
            demo_level("RR8", "digital-strategy"),
            demo_level("RR8", "digital-strategy")
        );
        let levels: std::collections::BTreeSet<u8> = (0..200)
            .map(|i| demo_level(&format!("T{i}"), "digital-strategy"))
            .collect();
        assert_eq!(levels.into_iter().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    }

    #[tokio::test]
    async fn the_demo_publishes_results_for_every_trust_once() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", folder.path().join("dma.db").display());
        let db = crate::open_database(&url).await.unwrap();
        seed_demo_published_results(&db).await.unwrap();
        seed_demo_published_results(&db).await.unwrap();
        let cycles = app::store::results::published_cycles(&db).await.unwrap();
        assert_eq!(cycles.len(), 1, "seeded once");
        let results = app::store::results::stored_results(&db, &CycleId::from(&cycles[0].id), 1)
            .await
            .unwrap();
        assert!(results.len() > 200, "{} assessments", results.len());
        assert!(results.iter().all(|r| !r.imported_pillars.is_empty()));
        assert!(
            results.iter().any(|r| r.care_setting == CareSetting::Icb),
            "ICBs' own surveys too"
        );
    }
}
