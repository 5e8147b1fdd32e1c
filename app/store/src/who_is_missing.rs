//! What "who is missing" needs of a cycle: the organisations in its scope with their trust leads
//! (and whether each has ever signed in), and each ICS's assessments and peer reviewers. An open
//! cycle's scope is its assessments in its frozen organisation structure; a cycle not yet open
//! has the organisations it would open with in the current one.

use crate::ids::CycleId;
use crate::{split_list, Db};
use rules::organisations::{ics_name, readable_name, CareSetting};
use rules::who_is_missing::{IcsReviewers, OrganisationLeads};
use std::collections::BTreeMap;

/// A cycle's organisations and ICSs, for [`rules::who_is_missing::who_is_missing`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CycleCoverage {
    pub organisations: Vec<OrganisationLeads>,
    pub systems: Vec<IcsReviewers>,
    pub reviewers_per_assessment: u32,
}

#[derive(sqlx::FromRow)]
struct CycleRow {
    snapshot_id: Option<String>,
    care_settings: String,
    region_ods_codes: String,
    reviewers_per_assessment: i64,
    reviewer_capacity: i64,
}

/// An organisation in scope: its name, its ICS, and how many assessments it has (or would have).
struct InScope {
    name: String,
    ics_ods_code: String,
    assessments: u32,
}

/// The organisations in the cycle's scope by ODS code.
async fn in_scope(
    db: &Db,
    cycle_id: &CycleId,
    cycle: &CycleRow,
    snapshot: &str,
) -> Result<BTreeMap<String, InScope>, sqlx::Error> {
    let mut scope: BTreeMap<String, InScope> = BTreeMap::new();
    if cycle.snapshot_id.is_some() {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT o.ods_code, o.name, o.ics_ods_code, COUNT(a.id) FROM assessments a \
             JOIN assessed_organisations o ON o.snapshot_id = $2 AND o.ods_code = a.trust_ods_code \
             WHERE a.cycle_id = $1 GROUP BY o.ods_code, o.name, o.ics_ods_code",
        )
        .bind(cycle_id)
        .bind(snapshot)
        .fetch_all(&db.pool)
        .await?;
        for (code, name, ics, assessments) in rows {
            scope.insert(
                code,
                InScope {
                    name,
                    ics_ods_code: ics,
                    assessments: u32::try_from(assessments).unwrap_or(0),
                },
            );
        }
        return Ok(scope);
    }
    // As opening would: each trust in each care setting it provides, each ICB for its own survey.
    let settings: Vec<&str> = split_list(&cycle.care_settings).collect();
    let regions: Vec<&str> = split_list(&cycle.region_ods_codes).collect();
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT t.ods_code, t.name, t.assessed_in_icb_ods_code, t.region_ods_code, c.care_setting FROM trusts t \
         JOIN trust_care_settings c ON c.snapshot_id = t.snapshot_id AND c.trust_ods_code = t.ods_code \
         WHERE t.snapshot_id = $1 \
         UNION ALL \
         SELECT i.ods_code, i.name, i.ods_code, i.region_ods_code, CAST($2 AS TEXT) FROM icbs i \
         WHERE i.snapshot_id = $1",
    )
    .bind(snapshot)
    .bind(CareSetting::Icb.label())
    .fetch_all(&db.pool)
    .await?;
    for (code, name, ics, region, setting) in rows {
        if !settings.contains(&setting.as_str())
            || !(regions.is_empty() || regions.contains(&region.as_str()))
        {
            continue;
        }
        scope
            .entry(code)
            .or_insert(InScope {
                name,
                ics_ods_code: ics,
                assessments: 0,
            })
            .assessments += 1;
    }
    Ok(scope)
}

/// The cycle's organisations with their leads, and its ICSs with their reviewers' capacities
/// (a reviewer's own, or the cycle's usual number). `None` if there is no such cycle.
pub async fn coverage(db: &Db, cycle_id: &CycleId) -> Result<Option<CycleCoverage>, sqlx::Error> {
    let cycle: Option<CycleRow> = sqlx::query_as(
        "SELECT snapshot_id, care_settings, region_ods_codes, reviewers_per_assessment, reviewer_capacity \
         FROM cycles WHERE id = $1",
    )
    .bind(cycle_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(cycle) = cycle else { return Ok(None) };
    let snapshot = match &cycle.snapshot_id {
        Some(snapshot) => Some(snapshot.clone()),
        None => {
            sqlx::query_scalar::<_, String>("SELECT id FROM org_snapshots WHERE is_current = 1")
                .fetch_optional(&db.pool)
                .await?
        }
    };
    let Some(snapshot) = snapshot else {
        return Ok(Some(CycleCoverage::default()));
    };
    let scope = in_scope(db, cycle_id, &cycle, &snapshot).await?;

    let mut leads: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for (org, signed_in) in sqlx::query_as::<_, (String, i64)>(
        "SELECT a.org_ods_code, CASE WHEN EXISTS (SELECT 1 FROM audit_events e \
           WHERE e.entity_id = a.id AND e.action = 'sign in') THEN 1 ELSE 0 END AS signed_in \
         FROM accounts a JOIN account_roles r ON r.account_id = a.id AND r.role = 'trust_lead' \
         WHERE a.is_active = 1 AND a.org_ods_code IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?
    {
        let counts = leads.entry(org).or_default();
        counts.0 += 1;
        counts.1 += u32::from(signed_in == 1);
    }

    // Peer reviewers whose organisation is in the structure, in the ICS it is assessed in.
    let default_capacity = u32::try_from(cycle.reviewer_capacity).unwrap_or(0);
    let mut profiles = crate::reviewers::all_profiles(db).await?;
    let mut capacities: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (account_id, ics) in sqlx::query_as::<_, (String, String)>(
        "SELECT a.id, COALESCE(t.assessed_in_icb_ods_code, i.ods_code) AS ics_ods_code \
         FROM accounts a \
         JOIN account_roles r ON r.account_id = a.id AND r.role = 'peer_reviewer' \
         LEFT JOIN trusts t ON t.snapshot_id = $1 AND t.ods_code = a.org_ods_code \
         LEFT JOIN icbs i ON i.snapshot_id = $1 AND i.ods_code = a.org_ods_code \
         WHERE a.is_active = 1 AND (t.ods_code IS NOT NULL OR i.ods_code IS NOT NULL)",
    )
    .bind(&snapshot)
    .fetch_all(&db.pool)
    .await?
    {
        let capacity = profiles
            .remove(&account_id)
            .and_then(|profile| profile.capacity)
            .and_then(|capacity| u32::try_from(capacity).ok())
            .unwrap_or(default_capacity);
        capacities.entry(ics).or_default().push(capacity);
    }
    let icb_names: BTreeMap<String, String> = sqlx::query_as::<_, (String, String)>(
        "SELECT ods_code, name FROM icbs WHERE snapshot_id = $1",
    )
    .bind(&snapshot)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .collect();

    let mut systems: BTreeMap<String, IcsReviewers> = BTreeMap::new();
    let mut organisations = Vec::with_capacity(scope.len());
    for (code, organisation) in scope {
        let (active_leads, leads_signed_in) = leads.get(&code).copied().unwrap_or_default();
        let ics = organisation.ics_ods_code;
        systems
            .entry(ics.clone())
            .or_insert_with(|| IcsReviewers {
                ics_name: icb_names
                    .get(&ics)
                    .map_or_else(|| ics.clone(), |name| ics_name(&readable_name(name))),
                reviewer_capacities: capacities.remove(&ics).unwrap_or_default(),
                ics_ods_code: ics.clone(),
                assessments: 0,
            })
            .assessments += organisation.assessments;
        organisations.push(OrganisationLeads {
            ods_code: code,
            name: readable_name(&organisation.name),
            active_leads,
            leads_signed_in,
        });
    }
    Ok(Some(CycleCoverage {
        organisations,
        systems: systems.into_values().collect(),
        reviewers_per_assessment: u32::try_from(cycle.reviewers_per_assessment).unwrap_or(0),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{record_sign_in, upsert_with_password};
    use crate::organisations::{import_snapshot, tests::sample};
    use crate::test_support::test_databases;
    use crate::testing::{AccountBuilder, CycleBuilder};
    use crate::AccountId;
    use rules::accounts::Role;
    use rules::fixtures::SMALL_FRAMEWORK;
    use rules::framework::parse_framework;
    use rules::reviewers::ReviewerProfile;

    async fn person(db: &Db, email: &str, org: &str, role: Role) -> String {
        let account = AccountBuilder::new(email)
            .at(Some(org))
            .roles(&[role])
            .build();
        upsert_with_password(db, "tester", &account, "hash")
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_cycle_not_yet_open_covers_what_opening_would_create_with_leads_and_reviewers() {
        for (db, _folder) in test_databases().await {
            import_snapshot(&db, &sample(), "test", "2026-04-01", "tester")
                .await
                .unwrap();
            let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
            crate::frameworks::load(&db, "tester", &framework, SMALL_FRAMEWORK)
                .await
                .unwrap();
            let cycle = CycleBuilder::default()
                .care_settings(&[
                    CareSetting::Community,
                    CareSetting::MentalHealth,
                    CareSetting::Ambulance,
                    CareSetting::Icb,
                ])
                .build();
            let cycle = crate::cycles::create(&db, "admin", &cycle, false)
                .await
                .unwrap();
            person(&db, "lead@ry6.nhs.uk", "RY6", Role::TrustLead).await;
            let signed_in = person(&db, "lead@rx9.nhs.uk", "RX9", Role::TrustLead).await;
            record_sign_in(
                &db,
                &AccountId::from(&signed_in),
                "lead@rx9.nhs.uk",
                "127.0.0.1",
                false,
            )
            .await
            .unwrap();
            let reviewer = person(&db, "rev@rr8.nhs.uk", "RR8", Role::PeerReviewer).await;
            crate::reviewers::save_profile(
                &db,
                &reviewer,
                &AccountId::from(&reviewer),
                &ReviewerProfile {
                    expertise: vec![CareSetting::Acute],
                    capacity: Some(5),
                },
            )
            .await
            .unwrap();
            person(&db, "rev@ry6.nhs.uk", "RY6", Role::PeerReviewer).await;

            let covered = coverage(&db, &CycleId::from(&cycle))
                .await
                .unwrap()
                .unwrap();
            let leads: Vec<(&str, u32, u32)> = covered
                .organisations
                .iter()
                .map(|o| (o.ods_code.as_str(), o.active_leads, o.leads_signed_in))
                .collect();
            assert_eq!(
                leads,
                vec![
                    ("QJ2", 0, 0),
                    ("QT1", 0, 0),
                    ("QWO", 0, 0),
                    ("RX9", 1, 1),
                    ("RY6", 1, 0)
                ],
                "RR8 provides only acute care, out of scope"
            );
            let systems: Vec<(&str, u32, Vec<u32>)> = covered
                .systems
                .iter()
                .map(|ics| {
                    let mut capacities = ics.reviewer_capacities.clone();
                    capacities.sort();
                    (ics.ics_ods_code.as_str(), ics.assessments, capacities)
                })
                .collect();
            assert_eq!(
                systems,
                vec![
                    ("QJ2", 2, vec![]),
                    ("QT1", 1, vec![]),
                    ("QWO", 3, vec![3, 5]),
                ],
                "RX9 is assessed in QJ2; a reviewer without a capacity offers the cycle's 3"
            );
            assert_eq!(covered.systems[2].ics_name, "NHS West Yorkshire ICS");
            assert_eq!(covered.reviewers_per_assessment, 2);
            assert_eq!(
                coverage(&db, &CycleId::from("no-such-cycle"))
                    .await
                    .unwrap(),
                None
            );
        }
    }
}
