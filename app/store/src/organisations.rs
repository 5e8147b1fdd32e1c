//! Organisations: dated snapshots of regions → ICBs → trusts, and the queries the directory needs.

use super::{new_id, now_utc, Db};
use crate::ids::OdsCode;
use crate::write::Audit;
use rules::organisations::{
    readable_name, CareSetting, Directory, IcbDetail, IcbSummary, OrgHierarchy, OrgKind,
    OrgSearchHit, RegionWithIcbs, SnapshotInfo, TrustDetail, TrustSummary,
};
use std::collections::BTreeMap;

/// Most organisations one search returns.
pub const SEARCH_LIMIT: i64 = 50;

/// Stores a complete hierarchy as a new snapshot and makes it the current one, in one
/// transaction with its audit record: either all of it is stored or none.
pub async fn import_snapshot(
    db: &Db,
    hierarchy: &OrgHierarchy,
    label: &str,
    as_of: &str,
    actor: &str,
) -> Result<SnapshotInfo, sqlx::Error> {
    let snapshot = SnapshotInfo {
        id: new_id(),
        label: label.to_string(),
        as_of: as_of.to_string(),
    };
    let mut w = db.write(actor).await?;
    let previous: Option<String> =
        sqlx::query_scalar("SELECT id FROM org_snapshots WHERE is_current = 1")
            .fetch_optional(&mut *w)
            .await?;
    sqlx::query("UPDATE org_snapshots SET is_current = 0 WHERE is_current = 1")
        .execute(&mut *w)
        .await?;
    sqlx::query(
        "INSERT INTO org_snapshots (id, label, as_of, imported_at, is_current) \
         VALUES ($1, $2, $3, $4, 1)",
    )
    .bind(&snapshot.id)
    .bind(label)
    .bind(as_of)
    .bind(now_utc())
    .execute(&mut *w)
    .await?;
    for region in &hierarchy.regions {
        sqlx::query(
            "INSERT INTO regions (snapshot_id, ods_code, name, ons_code) VALUES ($1, $2, $3, $4)",
        )
        .bind(&snapshot.id)
        .bind(&region.ods_code)
        .bind(&region.name)
        .bind(&region.ons_code)
        .execute(&mut *w)
        .await?;
    }
    for icb in &hierarchy.icbs {
        sqlx::query(
            "INSERT INTO icbs (snapshot_id, ods_code, name, ons_code, region_ods_code) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&snapshot.id)
        .bind(&icb.ods_code)
        .bind(&icb.name)
        .bind(&icb.ons_code)
        .bind(&icb.region_ods_code)
        .execute(&mut *w)
        .await?;
    }
    for trust in &hierarchy.trusts {
        sqlx::query(
            "INSERT INTO trusts (snapshot_id, ods_code, name, icb_ods_code, region_ods_code, \
             assessed_in_icb_ods_code, opened_on) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&snapshot.id)
        .bind(&trust.ods_code)
        .bind(&trust.name)
        .bind(&trust.icb_ods_code)
        .bind(&trust.region_ods_code)
        .bind(&trust.assessed_in_icb_ods_code)
        .bind(&trust.opened_on)
        .execute(&mut *w)
        .await?;
        for setting in &trust.care_settings {
            sqlx::query(
                "INSERT INTO trust_care_settings (snapshot_id, trust_ods_code, care_setting) \
                 VALUES ($1, $2, $3)",
            )
            .bind(&snapshot.id)
            .bind(&trust.ods_code)
            .bind(setting.label())
            .execute(&mut *w)
            .await?;
        }
    }
    w.audit(
        Audit::new("org_snapshot", &snapshot.id, "import organisations")
            .before(previous)
            .after(format!(
                "{label} (as at {as_of}): {} regions, {} ICBs, {} trusts",
                hierarchy.regions.len(),
                hierarchy.icbs.len(),
                hierarchy.trusts.len()
            )),
    )
    .await?;
    w.commit().await?;
    Ok(snapshot)
}

/// The snapshot in use for new cycles and the public directory, if any has been loaded.
pub async fn current_snapshot(db: &Db) -> Result<Option<SnapshotInfo>, sqlx::Error> {
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT id, label, as_of FROM org_snapshots WHERE is_current = 1")
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(id, label, as_of)| SnapshotInfo { id, label, as_of }))
}

/// The readable name of a trust or ICB in the current snapshot.
pub async fn current_org_name(db: &Db, ods_code: &OdsCode) -> Result<Option<String>, sqlx::Error> {
    let name: Option<String> = sqlx::query_scalar(
        "SELECT t.name FROM trusts t JOIN org_snapshots s ON s.id = t.snapshot_id AND s.is_current = 1 WHERE t.ods_code = $1 \
         UNION ALL \
         SELECT i.name FROM icbs i JOIN org_snapshots s ON s.id = i.snapshot_id AND s.is_current = 1 WHERE i.ods_code = $1",
    )
    .bind(ods_code)
    .fetch_optional(&db.pool)
    .await?;
    Ok(name.map(|name| readable_name(&name)))
}

/// The ODS codes of every trust, or every ICB, in the current snapshot.
pub async fn current_ods_codes(
    db: &Db,
    kind: OrgKind,
) -> Result<std::collections::BTreeSet<String>, sqlx::Error> {
    let table = match kind {
        OrgKind::Trust => "trusts",
        OrgKind::Icb => "icbs",
    };
    let codes: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT o.ods_code FROM {table} o \
         JOIN org_snapshots s ON s.id = o.snapshot_id AND s.is_current = 1"
    ))
    .fetch_all(&db.pool)
    .await?;
    Ok(codes.into_iter().collect())
}

/// Every region with its ICBs and their number of trusts, in name order.
pub async fn directory(db: &Db, snapshot: SnapshotInfo) -> Result<Directory, sqlx::Error> {
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT r.ods_code AS region_code, r.name AS region_name, i.ods_code, i.name, \
         (SELECT COUNT(*) FROM trusts t WHERE t.snapshot_id = i.snapshot_id \
            AND t.icb_ods_code = i.ods_code) AS trust_count \
         FROM regions r JOIN icbs i ON i.snapshot_id = r.snapshot_id AND i.region_ods_code = r.ods_code \
         WHERE r.snapshot_id = $1 ORDER BY r.name, i.name",
    )
    .bind(&snapshot.id)
    .fetch_all(&db.pool)
    .await?;
    let mut regions: Vec<RegionWithIcbs> = Vec::new();
    for (region_code, region_name, ods_code, name, trust_count) in rows {
        if regions
            .last()
            .is_none_or(|region| region.ods_code != region_code)
        {
            regions.push(RegionWithIcbs {
                ods_code: region_code,
                name: region_name,
                icbs: Vec::new(),
            });
        }
        let region = regions.last_mut().expect("a region was just pushed");
        region.icbs.push(IcbSummary {
            ods_code,
            name: readable_name(&name),
            trust_count,
        });
    }
    Ok(Directory { snapshot, regions })
}

/// One ICB with the trusts in its system, or None if the code is not in the snapshot.
pub async fn icb_detail(
    db: &Db,
    snapshot_id: &str,
    ods_code: &OdsCode,
) -> Result<Option<IcbDetail>, sqlx::Error> {
    let Some((icb_code, name, ons_code, region_name)) =
        sqlx::query_as::<_, (String, String, String, String)>(
            "SELECT i.ods_code, i.name, i.ons_code, r.name AS region_name FROM icbs i \
         JOIN regions r ON r.snapshot_id = i.snapshot_id AND r.ods_code = i.region_ods_code \
         WHERE i.snapshot_id = $1 AND i.ods_code = $2",
        )
        .bind(snapshot_id)
        .bind(ods_code)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let trusts: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT ods_code, name, icb_ods_code FROM trusts \
         WHERE snapshot_id = $1 AND (icb_ods_code = $2 OR assessed_in_icb_ods_code = $2) ORDER BY name",
    )
    .bind(snapshot_id)
    .bind(ods_code)
    .fetch_all(&db.pool)
    .await?;
    let settings = care_settings_by_trust(db, snapshot_id).await?;
    let mut detail = IcbDetail {
        ods_code: icb_code,
        name: readable_name(&name),
        ons_code,
        region_name,
        trusts: Vec::new(),
        also_assessed_here: Vec::new(),
    };
    for (code, name, parent) in trusts {
        let summary = TrustSummary {
            care_settings: settings.get(&code).cloned().unwrap_or_default(),
            name: readable_name(&name),
            ods_code: code,
        };
        if parent == ods_code.as_str() {
            detail.trusts.push(summary);
        } else {
            detail.also_assessed_here.push(summary);
        }
    }
    Ok(Some(detail))
}

/// One trust with where it sits, or None if the code is not in the snapshot.
pub async fn trust_detail(
    db: &Db,
    snapshot_id: &str,
    ods_code: &OdsCode,
) -> Result<Option<TrustDetail>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct TrustRow {
        ods_code: String,
        name: String,
        icb_ods_code: String,
        icb_name: String,
        region_name: String,
        assessed_in_icb_ods_code: String,
        assessed_in_icb_name: String,
        opened_on: String,
    }
    let Some(row) = sqlx::query_as::<_, TrustRow>(
        "SELECT t.ods_code, t.name, t.icb_ods_code, i.name AS icb_name, r.name AS region_name, \
         t.assessed_in_icb_ods_code, a.name AS assessed_in_icb_name, t.opened_on \
         FROM trusts t \
         JOIN icbs i ON i.snapshot_id = t.snapshot_id AND i.ods_code = t.icb_ods_code \
         JOIN icbs a ON a.snapshot_id = t.snapshot_id AND a.ods_code = t.assessed_in_icb_ods_code \
         JOIN regions r ON r.snapshot_id = t.snapshot_id AND r.ods_code = t.region_ods_code \
         WHERE t.snapshot_id = $1 AND t.ods_code = $2",
    )
    .bind(snapshot_id)
    .bind(ods_code)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let care_settings = sqlx::query_scalar::<_, String>(
        "SELECT care_setting FROM trust_care_settings WHERE snapshot_id = $1 AND trust_ods_code = $2",
    )
    .bind(snapshot_id)
    .bind(ods_code)
    .fetch_all(&db.pool)
    .await?;
    Ok(Some(TrustDetail {
        ods_code: row.ods_code,
        name: readable_name(&row.name),
        icb_ods_code: row.icb_ods_code,
        icb_name: readable_name(&row.icb_name),
        region_name: row.region_name,
        assessed_in_icb_ods_code: row.assessed_in_icb_ods_code,
        assessed_in_icb_name: readable_name(&row.assessed_in_icb_name),
        care_settings: sorted_settings(care_settings),
        opened_on: row.opened_on,
    }))
}

/// ICBs and trusts whose name contains `query` (any case) or whose ODS code is `query`;
/// exact code matches first, then ICBs, then trusts, each in name order.
pub async fn search(
    db: &Db,
    snapshot_id: &str,
    query: &str,
) -> Result<Vec<OrgSearchHit>, sqlx::Error> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let pattern = format!("%{}%", escape_like(&query.to_lowercase()));
    let code = query.to_uppercase();
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT 'icb' AS kind, i.ods_code, i.name, r.name AS parent_name FROM icbs i \
         JOIN regions r ON r.snapshot_id = i.snapshot_id AND r.ods_code = i.region_ods_code \
         WHERE i.snapshot_id = $1 AND (LOWER(i.name) LIKE $2 ESCAPE '\\' OR i.ods_code = $3) \
         UNION ALL \
         SELECT 'trust' AS kind, t.ods_code, t.name, i.name AS parent_name FROM trusts t \
         JOIN icbs i ON i.snapshot_id = t.snapshot_id AND i.ods_code = t.icb_ods_code \
         WHERE t.snapshot_id = $1 AND (LOWER(t.name) LIKE $2 ESCAPE '\\' OR t.ods_code = $3) \
         ORDER BY 1, 3 LIMIT $4",
    )
    .bind(snapshot_id)
    .bind(&pattern)
    .bind(&code)
    .bind(SEARCH_LIMIT)
    .fetch_all(&db.pool)
    .await?;
    let settings = care_settings_by_trust(db, snapshot_id).await?;
    let mut hits: Vec<OrgSearchHit> = rows
        .into_iter()
        .map(|row| search_hit(row, &settings))
        .collect();
    // A stable sort keeps the name order within each group.
    hits.sort_by_key(|hit| hit.ods_code != code);
    Ok(hits)
}

/// A search hit from its row: kind ("icb" or "trust"), ODS code, name and parent's name.
fn search_hit(
    (kind, ods_code, name, parent_name): (String, String, String, String),
    settings: &BTreeMap<String, Vec<CareSetting>>,
) -> OrgSearchHit {
    let kind = match kind.as_str() {
        "icb" => OrgKind::Icb,
        _ => OrgKind::Trust,
    };
    OrgSearchHit {
        kind,
        care_settings: match kind {
            OrgKind::Trust => settings.get(&ods_code).cloned().unwrap_or_default(),
            OrgKind::Icb => Vec::new(),
        },
        name: readable_name(&name),
        parent_name: readable_name(&parent_name),
        ods_code,
    }
}

/// Care settings of every trust in a snapshot; about 300 rows nationally, so one query beats many.
async fn care_settings_by_trust(
    db: &Db,
    snapshot_id: &str,
) -> Result<BTreeMap<String, Vec<CareSetting>>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT trust_ods_code, care_setting FROM trust_care_settings WHERE snapshot_id = $1",
    )
    .bind(snapshot_id)
    .fetch_all(&db.pool)
    .await?;
    let mut by_trust: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (code, setting) in rows {
        by_trust.entry(code).or_default().push(setting);
    }
    Ok(by_trust
        .into_iter()
        .map(|(code, labels)| (code, sorted_settings(labels)))
        .collect())
}

fn sorted_settings(labels: Vec<String>) -> Vec<CareSetting> {
    let mut settings: Vec<CareSetting> = labels
        .iter()
        .filter_map(|label| CareSetting::from_label(label))
        .collect();
    settings.sort();
    settings
}

/// Makes `%`, `_` and `\` in user input match themselves in a LIKE pattern with ESCAPE '\'.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{audit, test_support::test_databases};
    use rules::organisations::{Icb, Region, Trust};

    fn region(code: &str, name: &str, ons: &str) -> Region {
        Region {
            ods_code: code.into(),
            name: name.into(),
            ons_code: ons.into(),
        }
    }

    fn icb(code: &str, name: &str, region: &str) -> Icb {
        Icb {
            ods_code: code.into(),
            name: name.into(),
            ons_code: "E54000001".into(),
            region_ods_code: region.into(),
        }
    }

    fn trust(
        code: &str,
        name: &str,
        icb: &str,
        region: &str,
        assessed_in: &str,
        settings: &[CareSetting],
    ) -> Trust {
        Trust {
            ods_code: code.into(),
            name: name.into(),
            icb_ods_code: icb.into(),
            region_ods_code: region.into(),
            assessed_in_icb_ods_code: assessed_in.into(),
            care_settings: settings.to_vec(),
            opened_on: "2006-07-01".into(),
        }
    }

    pub(crate) fn sample() -> OrgHierarchy {
        OrgHierarchy {
            regions: vec![
                region("Y63", "North East and Yorkshire", "E40000012"),
                region("Y60", "Midlands", "E40000011"),
            ],
            icbs: vec![
                icb("QWO", "NHS West Yorkshire Integrated Care Board", "Y63"),
                icb(
                    "QT1",
                    "NHS Nottingham and Nottinghamshire Integrated Care Board",
                    "Y60",
                ),
                icb(
                    "QJ2",
                    "NHS Derby and Derbyshire Integrated Care Board",
                    "Y60",
                ),
            ],
            trusts: vec![
                trust(
                    "RR8",
                    "LEEDS TEACHING HOSPITALS NHS TRUST",
                    "QWO",
                    "Y63",
                    "QWO",
                    &[CareSetting::Acute],
                ),
                trust(
                    "RY6",
                    "LEEDS COMMUNITY HEALTHCARE NHS TRUST",
                    "QWO",
                    "Y63",
                    "QWO",
                    &[CareSetting::MentalHealth, CareSetting::Community],
                ),
                trust(
                    "RX9",
                    "EAST MIDLANDS AMBULANCE SERVICE NHS TRUST",
                    "QT1",
                    "Y60",
                    "QJ2",
                    &[CareSetting::Ambulance],
                ),
                trust("R1_", "TEST 100% TRUST", "QT1", "Y60", "QT1", &[]),
            ],
        }
    }

    #[tokio::test]
    async fn an_import_becomes_current_keeps_earlier_snapshots_and_is_audited() {
        for (db, _folder) in test_databases().await {
            let first = import_snapshot(&db, &sample(), "Before", "2026-03-31", "tester")
                .await
                .unwrap();
            assert_eq!(current_snapshot(&db).await.unwrap(), Some(first.clone()));

            let mut merged = sample();
            merged.trusts.retain(|t| t.ods_code != "RY6");
            let second = import_snapshot(&db, &merged, "After", "2026-04-01", "tester")
                .await
                .unwrap();
            assert_eq!(current_snapshot(&db).await.unwrap(), Some(second.clone()));

            let earlier = icb_detail(&db, &first.id, &OdsCode::from("QWO"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(earlier.trusts.len(), 2, "the earlier snapshot is untouched");
            let later = icb_detail(&db, &second.id, &OdsCode::from("QWO"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(later.trusts.len(), 1);

            let records = audit::recent(&db.pool, 10).await.unwrap();
            assert_eq!(records.len(), 2);
            assert_eq!(records[0].action, "import organisations");
            assert_eq!(records[0].actor, "tester");
            assert_eq!(records[0].before.as_deref(), Some(first.id.as_str()));
            assert_eq!(
                records[0].after.as_deref(),
                Some("After (as at 2026-04-01): 2 regions, 3 ICBs, 3 trusts")
            );
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn current_ods_codes_come_from_the_current_snapshot_only() {
        for (db, _folder) in test_databases().await {
            import_snapshot(&db, &sample(), "Before", "2026-03-31", "tester")
                .await
                .unwrap();
            let mut merged = sample();
            merged.trusts.retain(|t| t.ods_code != "RY6");
            import_snapshot(&db, &merged, "After", "2026-04-01", "tester")
                .await
                .unwrap();
            let trusts = current_ods_codes(&db, OrgKind::Trust).await.unwrap();
            assert_eq!(trusts, ["R1_", "RR8", "RX9"].map(String::from).into());
            let icbs = current_ods_codes(&db, OrgKind::Icb).await.unwrap();
            assert_eq!(icbs, ["QJ2", "QT1", "QWO"].map(String::from).into());
        }
    }

    #[tokio::test]
    async fn a_failed_import_stores_nothing() {
        for (db, _folder) in test_databases().await {
            let good = import_snapshot(&db, &sample(), "Good", "2026-03-31", "tester")
                .await
                .unwrap();
            let mut broken = sample();
            broken.trusts[0].icb_ods_code = "QXX".into();
            assert!(
                import_snapshot(&db, &broken, "Broken", "2026-04-01", "tester")
                    .await
                    .is_err(),
                "foreign keys are enforced"
            );
            assert_eq!(current_snapshot(&db).await.unwrap(), Some(good));
            let snapshots: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM org_snapshots")
                .fetch_one(&db.pool)
                .await
                .unwrap();
            assert_eq!(snapshots, 1);
            assert_eq!(
                audit::recent(&db.pool, 10).await.unwrap().len(),
                1,
                "no audit record for what was rolled back"
            );
        }
    }

    #[tokio::test]
    async fn the_directory_groups_icbs_by_region_with_trust_counts() {
        for (db, _folder) in test_databases().await {
            let snapshot = import_snapshot(&db, &sample(), "Sample", "2026-03-31", "tester")
                .await
                .unwrap();
            let directory = directory(&db, snapshot).await.unwrap();
            let shape: Vec<(String, Vec<(String, i64)>)> = directory
                .regions
                .iter()
                .map(|r| {
                    (
                        r.name.clone(),
                        r.icbs
                            .iter()
                            .map(|i| (i.ods_code.clone(), i.trust_count))
                            .collect(),
                    )
                })
                .collect();
            assert_eq!(
                shape,
                vec![
                    (
                        "Midlands".to_string(),
                        vec![("QJ2".to_string(), 0), ("QT1".to_string(), 2)]
                    ),
                    (
                        "North East and Yorkshire".to_string(),
                        vec![("QWO".to_string(), 2)]
                    ),
                ]
            );
        }
    }

    #[tokio::test]
    async fn an_icb_lists_its_trusts_and_those_assessed_in_its_system() {
        for (db, _folder) in test_databases().await {
            let snapshot = import_snapshot(&db, &sample(), "Sample", "2026-03-31", "tester")
                .await
                .unwrap();
            let derby = icb_detail(&db, &snapshot.id, &OdsCode::from("QJ2"))
                .await
                .unwrap()
                .unwrap();
            assert!(derby.trusts.is_empty());
            assert_eq!(derby.also_assessed_here.len(), 1);
            assert_eq!(
                derby.also_assessed_here[0].name,
                "East Midlands Ambulance Service NHS Trust"
            );
            let leeds = icb_detail(&db, &snapshot.id, &OdsCode::from("QWO"))
                .await
                .unwrap()
                .unwrap();
            let community = leeds.trusts.iter().find(|t| t.ods_code == "RY6").unwrap();
            assert_eq!(
                community.care_settings,
                vec![CareSetting::Community, CareSetting::MentalHealth]
            );
            assert_eq!(
                icb_detail(&db, &snapshot.id, &OdsCode::from("ZZZ"))
                    .await
                    .unwrap(),
                None
            );

            let ambulance = trust_detail(&db, &snapshot.id, &OdsCode::from("RX9"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(ambulance.region_name, "Midlands");
            assert_eq!(
                ambulance.assessed_in_icb_name,
                "NHS Derby and Derbyshire Integrated Care Board"
            );
        }
    }

    #[tokio::test]
    async fn search_matches_names_in_any_case_and_exact_codes_first() {
        for (db, _folder) in test_databases().await {
            let snapshot = import_snapshot(&db, &sample(), "Sample", "2026-03-31", "tester")
                .await
                .unwrap();
            let codes =
                |hits: Vec<OrgSearchHit>| hits.into_iter().map(|h| h.ods_code).collect::<Vec<_>>();
            assert_eq!(
                codes(search(&db, &snapshot.id, "leeds").await.unwrap()),
                vec!["RY6", "RR8"]
            );
            assert_eq!(
                codes(search(&db, &snapshot.id, " rx9 ").await.unwrap()),
                vec!["RX9"]
            );
            assert_eq!(
                codes(search(&db, &snapshot.id, "qwo").await.unwrap()),
                vec!["QWO"]
            );
            assert_eq!(
                codes(search(&db, &snapshot.id, "derby").await.unwrap()),
                vec!["QJ2"]
            );
            assert_eq!(
                codes(search(&db, &snapshot.id, "100%").await.unwrap()),
                vec!["R1_"]
            );
            assert_eq!(
                codes(search(&db, &snapshot.id, "%").await.unwrap()),
                vec!["R1_"],
                "% is not a wildcard"
            );
            assert_eq!(
                codes(search(&db, &snapshot.id, "_").await.unwrap()),
                Vec::<String>::new(),
                "_ is not a wildcard"
            );
            assert!(search(&db, &snapshot.id, "   ").await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn an_edited_audit_record_breaks_the_chain() {
        for (db, _folder) in test_databases().await {
            import_snapshot(&db, &sample(), "One", "2026-03-31", "tester")
                .await
                .unwrap();
            import_snapshot(&db, &sample(), "Two", "2026-04-01", "tester")
                .await
                .unwrap();
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
            let edit = "UPDATE audit_events SET actor = 'someone else' WHERE seq = 1";
            // The database refuses to change or remove a record…
            assert!(sqlx::query(edit).execute(&db.pool).await.is_err());
            assert!(sqlx::query("DELETE FROM audit_events")
                .execute(&db.pool)
                .await
                .is_err());
            // …and if someone with the rights to remove that protection edits one anyway, the
            // chain shows where.
            let unprotect = match db.backend {
                crate::Backend::Sqlite => "DROP TRIGGER audit_events_no_update",
                crate::Backend::Postgres => "DROP TRIGGER audit_events_no_change ON audit_events",
            };
            sqlx::raw_sql(unprotect).execute(&db.pool).await.unwrap();
            sqlx::query(edit).execute(&db.pool).await.unwrap();
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), Some(1));
        }
    }
}
