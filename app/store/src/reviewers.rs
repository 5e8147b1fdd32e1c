//! Peer reviewers' profiles (care-setting expertise and capacity) and their declared conflicts of
//! interest with trusts. Every change is audited in its own transaction.

use super::{joined_list, now_utc, split_list, Db};
use crate::ids::{AccountId, OdsCode};
use crate::write::Audit;
use rules::access::Refusal;
use rules::organisations::{readable_name, CareSetting};
use rules::reviewers::{describe, normalised, DeclaredConflict, ReviewerProfile};
use std::collections::BTreeMap;

/// Why a reviewer's profile change could not be made. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum ReviewerError {
    #[error("no declared conflict with {0}")]
    NoSuchConflict(String),
    /// The rule handed in refused the change; the words are the rule's.
    #[error("refused: {0}")]
    Refused(Refusal),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A saved profile: expertise a stored list of care setting labels, and capacity.
#[derive(sqlx::FromRow)]
struct ProfileRow {
    expertise: String,
    capacity: Option<i64>,
}

impl From<ProfileRow> for ReviewerProfile {
    fn from(row: ProfileRow) -> Self {
        let settings: Vec<CareSetting> = split_list(&row.expertise)
            .filter_map(CareSetting::from_label)
            .collect();
        ReviewerProfile {
            expertise: normalised(&settings),
            capacity: row.capacity,
        }
    }
}

/// A reviewer's saved profile, if they have saved one.
pub async fn profile(
    db: &Db,
    account_id: &AccountId,
) -> Result<Option<ReviewerProfile>, sqlx::Error> {
    Ok(sqlx::query_as::<_, ProfileRow>(
        "SELECT expertise, capacity FROM reviewer_profiles WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(&db.pool)
    .await?
    .map(Into::into))
}

/// Every saved profile, by account id, for assigning reviewers.
pub async fn all_profiles(db: &Db) -> Result<BTreeMap<String, ReviewerProfile>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct AccountProfileRow {
        account_id: String,
        #[sqlx(flatten)]
        profile: ProfileRow,
    }
    let rows: Vec<AccountProfileRow> =
        sqlx::query_as("SELECT account_id, expertise, capacity FROM reviewer_profiles")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.account_id, row.profile.into()))
        .collect())
}

/// Creates or replaces a reviewer's profile, audited with what it was and what it is now.
pub async fn save_profile(
    db: &Db,
    actor: &str,
    account_id: &AccountId,
    profile: &ReviewerProfile,
) -> Result<(), sqlx::Error> {
    let profile = ReviewerProfile {
        expertise: normalised(&profile.expertise),
        capacity: profile.capacity,
    };
    let mut w = db.write(actor).await?;
    let before: Option<ReviewerProfile> = sqlx::query_as::<_, ProfileRow>(
        "SELECT expertise, capacity FROM reviewer_profiles WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(&mut *w)
    .await?
    .map(Into::into);
    let now = now_utc();
    let changed = if before.is_some() {
        sqlx::query(
            "UPDATE reviewer_profiles SET expertise = $1, capacity = $2, updated_at = $3 \
             WHERE account_id = $4",
        )
    } else {
        sqlx::query(
            "INSERT INTO reviewer_profiles (expertise, capacity, updated_at, account_id) \
             VALUES ($1, $2, $3, $4)",
        )
    };
    changed
        .bind(joined_list(
            normalised(&profile.expertise)
                .iter()
                .map(|setting| setting.label()),
        ))
        .bind(profile.capacity)
        .bind(&now)
        .bind(account_id)
        .execute(&mut *w)
        .await?;
    w.audit(
        Audit::new("reviewer profile", account_id, "save reviewer profile")
            .before(before.as_ref().map(describe))
            .after(describe(&profile)),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// A reviewer's declared conflicts, by trust ODS code, with the trusts' names from the current
/// organisation structure and the names of whoever declared them.
pub async fn conflicts(
    db: &Db,
    account_id: &AccountId,
) -> Result<Vec<DeclaredConflict>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct ConflictRow {
        trust_ods_code: String,
        trust_name: Option<String>,
        reason: String,
        declared_by: String,
        declared_by_name: Option<String>,
        declared_at: String,
    }
    let rows: Vec<ConflictRow> = sqlx::query_as(
        "SELECT c.trust_ods_code, t.name AS trust_name, c.reason, c.declared_by, \
         a.display_name AS declared_by_name, c.declared_at \
         FROM reviewer_conflicts c \
         LEFT JOIN org_snapshots s ON s.is_current = 1 \
         LEFT JOIN trusts t ON t.snapshot_id = s.id AND t.ods_code = c.trust_ods_code \
         LEFT JOIN accounts a ON a.id = c.declared_by \
         WHERE c.account_id = $1 ORDER BY c.trust_ods_code",
    )
    .bind(account_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| DeclaredConflict {
            trust_name: row
                .trust_name
                .map_or_else(|| row.trust_ods_code.clone(), |name| readable_name(&name)),
            trust_ods_code: row.trust_ods_code,
            reason: row.reason,
            declared_by: row.declared_by_name.unwrap_or(row.declared_by),
            declared_at: row.declared_at,
        })
        .collect())
}

/// Every declared conflict as (reviewer's account id, trust ODS code), for assigning reviewers.
pub async fn all_conflicts(db: &Db) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, trust_ods_code FROM reviewer_conflicts \
         ORDER BY account_id, trust_ods_code",
    )
    .fetch_all(&db.pool)
    .await
}

/// Records that a reviewer must never review a trust, with the reason. Declaring the same trust
/// again replaces the reason (and who declared it, and when) if `may_declare_again` allows it
/// given who declared it (an account id); otherwise nothing changes. Audited.
pub async fn declare_conflict(
    db: &Db,
    actor: &str,
    account_id: &AccountId,
    trust_ods_code: &OdsCode,
    reason: &str,
    may_declare_again: impl FnOnce(&str) -> Result<(), Refusal>,
) -> Result<(), ReviewerError> {
    let mut w = db.write(actor).await?;
    let existing: Option<(String, String)> = sqlx::query_as(
        "SELECT reason, declared_by FROM reviewer_conflicts WHERE account_id = $1 AND trust_ods_code = $2",
    )
    .bind(account_id)
    .bind(trust_ods_code)
    .fetch_optional(&mut *w)
    .await?;
    let before: Option<String> = match existing {
        Some((declared_reason, declared_by)) => {
            may_declare_again(&declared_by).map_err(ReviewerError::Refused)?;
            Some(declared_reason)
        }
        None => None,
    };
    let changed = if before.is_some() {
        sqlx::query(
            "UPDATE reviewer_conflicts SET reason = $1, declared_by = $2, declared_at = $3 \
             WHERE account_id = $4 AND trust_ods_code = $5",
        )
    } else {
        sqlx::query(
            "INSERT INTO reviewer_conflicts (reason, declared_by, declared_at, account_id, trust_ods_code) \
             VALUES ($1, $2, $3, $4, $5)",
        )
    };
    changed
        .bind(reason)
        .bind(actor)
        .bind(now_utc())
        .bind(account_id)
        .bind(trust_ods_code)
        .execute(&mut *w)
        .await?;
    w.audit(
        Audit::new(
            "reviewer conflict",
            &format!("{account_id}/{trust_ods_code}"),
            "declare reviewer conflict",
        )
        .before(before.map(|reason| format!("declared: {reason}")))
        .after(format!("declared: {reason}"))
        .reason(reason.to_string()),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Withdraws a declared conflict, audited with the reason for withdrawing it, if `may_withdraw`
/// allows it given who declared it (an account id).
pub async fn withdraw_conflict(
    db: &Db,
    actor: &str,
    account_id: &AccountId,
    trust_ods_code: &OdsCode,
    reason: &str,
    may_withdraw: impl FnOnce(&str) -> Result<(), Refusal>,
) -> Result<(), ReviewerError> {
    let mut w = db.write(actor).await?;
    let declared: Option<(String, String)> = sqlx::query_as(
        "SELECT reason, declared_by FROM reviewer_conflicts WHERE account_id = $1 AND trust_ods_code = $2",
    )
    .bind(account_id)
    .bind(trust_ods_code)
    .fetch_optional(&mut *w)
    .await?;
    let Some((before, declared_by)) = declared else {
        return Err(ReviewerError::NoSuchConflict(trust_ods_code.to_string()));
    };
    may_withdraw(&declared_by).map_err(ReviewerError::Refused)?;
    sqlx::query("DELETE FROM reviewer_conflicts WHERE account_id = $1 AND trust_ods_code = $2")
        .bind(account_id)
        .bind(trust_ods_code)
        .execute(&mut *w)
        .await?;
    w.audit(
        Audit::new(
            "reviewer conflict",
            &format!("{account_id}/{trust_ods_code}"),
            "withdraw reviewer conflict",
        )
        .before(format!("declared: {before}"))
        .reason(reason.to_string()),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::upsert_with_password;
    use crate::audit;
    use crate::organisations::{import_snapshot, tests::sample};
    use crate::test_support::test_databases;
    use crate::testing::AccountBuilder;
    use rules::accounts::Role;
    use rules::organisations::CareSetting::{self, *};

    async fn account(db: &Db, email: &str, name: &str, roles: &[Role]) -> String {
        let account = AccountBuilder::new(email)
            .named(name)
            .at(Some("RR8"))
            .roles(roles)
            .build();
        upsert_with_password(db, "tester", &account, "hash")
            .await
            .unwrap()
    }

    fn profile_of(expertise: &[CareSetting], capacity: Option<i64>) -> ReviewerProfile {
        ReviewerProfile {
            expertise: expertise.to_vec(),
            capacity,
        }
    }

    async fn last_audit(db: &Db) -> audit::AuditRecord {
        audit::recent(&db.pool, 1).await.unwrap().remove(0)
    }

    #[tokio::test]
    async fn a_profile_is_created_then_replaced_and_each_save_is_audited() {
        for (db, _folder) in test_databases().await {
            let reviewer =
                account(&db, "rev@nhs.net", "Rita Reviewer", &[Role::PeerReviewer]).await;
            assert_eq!(
                profile(&db, &AccountId::from(&reviewer)).await.unwrap(),
                None
            );

            save_profile(
                &db,
                &reviewer,
                &AccountId::from(&reviewer),
                &profile_of(&[MentalHealth, Acute, Acute], Some(3)),
            )
            .await
            .unwrap();
            assert_eq!(
                profile(&db, &AccountId::from(&reviewer)).await.unwrap(),
                Some(profile_of(&[Acute, MentalHealth], Some(3))),
                "each setting once, in the usual order"
            );
            let record = last_audit(&db).await;
            assert_eq!(record.action, "save reviewer profile");
            assert_eq!(record.actor, reviewer);
            assert_eq!(record.entity_id, reviewer);
            assert_eq!(record.before, None);
            assert_eq!(
                record.after.as_deref(),
                Some("Acute, Mental Health; at most 3 reviews")
            );

            save_profile(
                &db,
                "admin-1",
                &AccountId::from(&reviewer),
                &profile_of(&[Ambulance], None),
            )
            .await
            .unwrap();
            assert_eq!(
                profile(&db, &AccountId::from(&reviewer)).await.unwrap(),
                Some(profile_of(&[Ambulance], None))
            );
            let record = last_audit(&db).await;
            assert_eq!(record.actor, "admin-1");
            assert_eq!(
                record.before.as_deref(),
                Some("Acute, Mental Health; at most 3 reviews")
            );
            assert_eq!(
                record.after.as_deref(),
                Some("Ambulance; the cycle's usual number of reviews")
            );

            let other = account(&db, "other@nhs.net", "Olu Other", &[Role::PeerReviewer]).await;
            save_profile(
                &db,
                &other,
                &AccountId::from(&other),
                &profile_of(&[Icb, Community], Some(1)),
            )
            .await
            .unwrap();
            let all = all_profiles(&db).await.unwrap();
            assert_eq!(all.len(), 2);
            assert_eq!(all[&reviewer], profile_of(&[Ambulance], None));
            assert_eq!(all[&other], profile_of(&[Community, Icb], Some(1)));
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn conflicts_are_declared_redeclared_listed_and_withdrawn_with_reasons() {
        for (db, _folder) in test_databases().await {
            import_snapshot(&db, &sample(), "test", "2026-04-01", "tester")
                .await
                .unwrap();
            let reviewer =
                account(&db, "rev@nhs.net", "Rita Reviewer", &[Role::PeerReviewer]).await;
            let admin = account(&db, "admin@nhs.net", "Ada Admin", &[Role::Admin]).await;
            assert!(conflicts(&db, &AccountId::from(&reviewer))
                .await
                .unwrap()
                .is_empty());

            declare_conflict(
                &db,
                &reviewer,
                &AccountId::from(&reviewer),
                &OdsCode::from("RY6"),
                "I worked there until 2025",
                |_| Ok(()),
            )
            .await
            .unwrap();
            declare_conflict(
                &db,
                &admin,
                &AccountId::from(&reviewer),
                &OdsCode::from("RR8"),
                "Their own trust",
                |_| Ok(()),
            )
            .await
            .unwrap();
            let listed = conflicts(&db, &AccountId::from(&reviewer)).await.unwrap();
            assert_eq!(listed.len(), 2);
            assert_eq!(listed[0].trust_ods_code, "RR8");
            assert_eq!(listed[0].trust_name, "Leeds Teaching Hospitals NHS Trust");
            assert_eq!(listed[0].reason, "Their own trust");
            assert_eq!(listed[0].declared_by, "Ada Admin");
            assert_eq!(listed[1].trust_ods_code, "RY6");
            assert_eq!(listed[1].trust_name, "Leeds Community Healthcare NHS Trust");
            assert_eq!(listed[1].declared_by, "Rita Reviewer");
            assert!(listed[1].declared_at.ends_with('Z'));
            let record = last_audit(&db).await;
            assert_eq!(record.action, "declare reviewer conflict");
            assert_eq!(record.actor, admin);
            assert_eq!(record.entity_id, format!("{reviewer}/RR8"));
            assert_eq!(record.before, None);
            assert_eq!(record.reason.as_deref(), Some("Their own trust"));

            // Declaring the same trust again updates the reason rather than adding a second one.
            declare_conflict(
                &db,
                &reviewer,
                &AccountId::from(&reviewer),
                &OdsCode::from("RY6"),
                "My partner is its CIO",
                |_| Ok(()),
            )
            .await
            .unwrap();
            let listed = conflicts(&db, &AccountId::from(&reviewer)).await.unwrap();
            assert_eq!(listed.len(), 2);
            assert_eq!(listed[1].reason, "My partner is its CIO");
            let record = last_audit(&db).await;
            assert_eq!(
                record.before.as_deref(),
                Some("declared: I worked there until 2025")
            );
            assert_eq!(
                record.after.as_deref(),
                Some("declared: My partner is its CIO")
            );

            let other = account(&db, "other@nhs.net", "Olu Other", &[Role::PeerReviewer]).await;
            declare_conflict(
                &db,
                &other,
                &AccountId::from(&other),
                &OdsCode::from("RX9"),
                "Secondment",
                |_| Ok(()),
            )
            .await
            .unwrap();
            let mut expected = vec![
                (reviewer.clone(), "RR8".to_string()),
                (reviewer.clone(), "RY6".to_string()),
                (other.clone(), "RX9".to_string()),
            ];
            expected.sort();
            assert_eq!(all_conflicts(&db).await.unwrap(), expected);

            withdraw_conflict(
                &db,
                &admin,
                &AccountId::from(&reviewer),
                &OdsCode::from("RR8"),
                "Declared in error",
                |_| Ok(()),
            )
            .await
            .unwrap();
            let listed = conflicts(&db, &AccountId::from(&reviewer)).await.unwrap();
            assert_eq!(listed.len(), 1);
            assert_eq!(listed[0].trust_ods_code, "RY6");
            let record = last_audit(&db).await;
            assert_eq!(record.action, "withdraw reviewer conflict");
            assert_eq!(record.entity_id, format!("{reviewer}/RR8"));
            assert_eq!(record.before.as_deref(), Some("declared: Their own trust"));
            assert_eq!(record.after, None);
            assert_eq!(record.reason.as_deref(), Some("Declared in error"));

            let seq = record.seq;
            assert!(matches!(
                withdraw_conflict(&db, &admin, &AccountId::from(&reviewer), &OdsCode::from("RR8"), "Again", |_| Ok(())).await,
                Err(ReviewerError::NoSuchConflict(code)) if code == "RR8"
            ));
            // The rule is told who declared it, and its refusal changes nothing.
            let refused = withdraw_conflict(
                &db,
                &reviewer,
                &AccountId::from(&reviewer),
                &OdsCode::from("RY6"),
                "Mine",
                |by| {
                    assert_eq!(by, reviewer, "RY6 was declared by the reviewer");
                    Err("only NHS England")
                },
            )
            .await;
            assert!(matches!(
                refused,
                Err(ReviewerError::Refused("only NHS England"))
            ));
            assert_eq!(
                conflicts(&db, &AccountId::from(&reviewer))
                    .await
                    .unwrap()
                    .len(),
                1
            );
            assert_eq!(
                last_audit(&db).await.seq,
                seq,
                "nothing withdrawn, nothing audited"
            );
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn a_trust_no_longer_in_the_structure_is_shown_by_its_code() {
        for (db, _folder) in test_databases().await {
            import_snapshot(&db, &sample(), "Before", "2026-03-31", "tester")
                .await
                .unwrap();
            let reviewer =
                account(&db, "rev@nhs.net", "Rita Reviewer", &[Role::PeerReviewer]).await;
            declare_conflict(
                &db,
                "system",
                &AccountId::from(&reviewer),
                &OdsCode::from("RY6"),
                "Worked there",
                |_| Ok(()),
            )
            .await
            .unwrap();
            let mut merged = sample();
            merged.trusts.retain(|trust| trust.ods_code != "RY6");
            import_snapshot(&db, &merged, "After", "2026-04-01", "tester")
                .await
                .unwrap();
            let listed = conflicts(&db, &AccountId::from(&reviewer)).await.unwrap();
            assert_eq!(listed[0].trust_name, "RY6");
            assert_eq!(
                listed[0].declared_by, "system",
                "no account: the actor as recorded"
            );
        }
    }
}
