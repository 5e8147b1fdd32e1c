//! Files of people uploaded by an administrator: kept between the check page and confirming
//! (the rows as text, the file's SHA-256, the uploader, a day to confirm), the accounts and
//! organisations a file is judged against, and confirming one: every new account with its
//! invitation and every update, in one unit of work.

use crate::accounts::insert_link;
use crate::outbox::MailWithSecret;
use crate::write::Audit;
use crate::AccountId;
use crate::{joined_list, new_id, now_utc, split_list, timestamp, Db};
use jiff::{SignedDuration, Timestamp};
use rules::accounts::{email_key, LinkPurpose, Role};
use rules::organisations::CareSetting;
use rules::people_import::{
    roles_in_words, ExistingPerson, ImportReport, Judgement, Outcome, PersonRow, Sheet,
};
use rules::reviewers::{describe, normalised, ReviewerProfile};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, BTreeSet};

/// How long an upload waits to be confirmed.
pub const KEPT_FOR_HOURS: i64 = 24;

/// Why an upload could not be confirmed. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum PeopleImportError {
    /// Not there, not the asker's, or expired.
    #[error("no such upload")]
    NoSuchImport,
    #[error("already confirmed")]
    AlreadyConfirmed,
    /// The page confirmed was of another file than the one kept.
    #[error("the file checked is not the file kept")]
    FileChanged,
    /// The rows cannot be read (the rule's words).
    #[error("{0}")]
    Unreadable(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// An upload as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedImport {
    pub id: String,
    pub file_name: String,
    pub file_sha256: String,
    pub sheet: Sheet,
    pub uploaded_at: String,
    /// What confirming it did, once it is confirmed.
    pub report: Option<ImportReport>,
}

fn json_error(error: serde_json::Error) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(error))
}

/// Keeps an uploaded file's rows for `by` to check and confirm, audited; forgets uploads never
/// confirmed whose day has passed. Returns the upload's id.
pub async fn stage(
    db: &Db,
    by: &str,
    file_name: &str,
    file_sha256: &str,
    sheet: &Sheet,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    let now = Timestamp::now();
    let mut w = db.write(by).await?;
    sqlx::query("DELETE FROM people_imports WHERE confirmed_at IS NULL AND expires_at < $1")
        .bind(timestamp(now))
        .execute(&mut *w)
        .await?;
    sqlx::query(
        "INSERT INTO people_imports (id, uploaded_by, file_name, file_sha256, sheet, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(by)
    .bind(file_name)
    .bind(file_sha256)
    .bind(serde_json::to_string(sheet).map_err(json_error)?)
    .bind(timestamp(now))
    .bind(timestamp(now + SignedDuration::from_hours(KEPT_FOR_HOURS)))
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new("people import", &id, "upload people file").after(format!(
            "{file_name}: {} rows, SHA-256 {file_sha256}",
            sheet.rows.len()
        )),
    )
    .await?;
    w.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct StagedRow {
    id: String,
    file_name: String,
    file_sha256: String,
    sheet: String,
    created_at: String,
    report: Option<String>,
}

impl TryFrom<StagedRow> for StagedImport {
    type Error = sqlx::Error;

    fn try_from(row: StagedRow) -> Result<Self, sqlx::Error> {
        Ok(StagedImport {
            sheet: serde_json::from_str(&row.sheet).map_err(json_error)?,
            report: row
                .report
                .map(|report| serde_json::from_str(&report))
                .transpose()
                .map_err(json_error)?,
            id: row.id,
            file_name: row.file_name,
            file_sha256: row.file_sha256,
            uploaded_at: row.created_at,
        })
    }
}

/// An upload of `owner`'s: confirmed, or still waiting and not expired.
pub async fn staged(db: &Db, id: &str, owner: &str) -> Result<Option<StagedImport>, sqlx::Error> {
    sqlx::query_as::<_, StagedRow>(
        "SELECT id, file_name, file_sha256, sheet, created_at, report FROM people_imports \
         WHERE id = $1 AND uploaded_by = $2 AND (confirmed_at IS NOT NULL OR expires_at > $3)",
    )
    .bind(id)
    .bind(owner)
    .bind(now_utc())
    .fetch_optional(&db.pool)
    .await?
    .map(StagedImport::try_from)
    .transpose()
}

/// Every account by email key, as a file could change it, with its id.
async fn accounts_by_email(
    connection: &mut AnyConnection,
) -> Result<BTreeMap<String, (String, ExistingPerson)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct AccountRow {
        id: String,
        email_key: String,
        display_name: String,
        org_ods_code: Option<String>,
        is_active: i64,
    }
    let accounts: Vec<AccountRow> =
        sqlx::query_as("SELECT id, email_key, display_name, org_ods_code, is_active FROM accounts")
            .fetch_all(&mut *connection)
            .await?;
    let mut roles: BTreeMap<String, Vec<Role>> = BTreeMap::new();
    for (account_id, role) in
        sqlx::query_as::<_, (String, String)>("SELECT account_id, role FROM account_roles")
            .fetch_all(&mut *connection)
            .await?
    {
        if let Some(role) = Role::from_key(&role) {
            roles.entry(account_id).or_default().push(role);
        }
    }
    let mut profiles: BTreeMap<String, ReviewerProfile> = BTreeMap::new();
    for (account_id, expertise, capacity) in sqlx::query_as::<_, (String, String, Option<i64>)>(
        "SELECT account_id, expertise, capacity FROM reviewer_profiles",
    )
    .fetch_all(&mut *connection)
    .await?
    {
        let settings: Vec<CareSetting> = split_list(&expertise)
            .filter_map(CareSetting::from_label)
            .collect();
        profiles.insert(
            account_id,
            ReviewerProfile {
                expertise: normalised(&settings),
                capacity,
            },
        );
    }
    Ok(accounts
        .into_iter()
        .map(|row| {
            let mut account_roles = roles.remove(&row.id).unwrap_or_default();
            account_roles.sort();
            let person = ExistingPerson {
                display_name: row.display_name,
                org_ods_code: row.org_ods_code,
                roles: account_roles,
                is_active: row.is_active == 1,
                profile: profiles.remove(&row.id),
            };
            (row.email_key, (row.id, person))
        })
        .collect())
}

/// The ODS codes of the trusts and ICBs in the current organisation structure.
async fn known_organisations(
    connection: &mut AnyConnection,
) -> Result<BTreeSet<String>, sqlx::Error> {
    let codes: Vec<String> = sqlx::query_scalar(
        "SELECT t.ods_code FROM trusts t JOIN org_snapshots s ON s.id = t.snapshot_id AND s.is_current = 1 \
         UNION SELECT i.ods_code FROM icbs i JOIN org_snapshots s ON s.id = i.snapshot_id AND s.is_current = 1",
    )
    .fetch_all(connection)
    .await?;
    Ok(codes.into_iter().collect())
}

/// What a file is judged against: the accounts by email key, and the trusts and ICBs known.
pub async fn as_they_stand(
    db: &Db,
) -> Result<(BTreeMap<String, ExistingPerson>, BTreeSet<String>), sqlx::Error> {
    let mut connection = db.pool.acquire().await?;
    let accounts = accounts_by_email(&mut connection)
        .await?
        .into_iter()
        .map(|(key, (_, person))| (key, person))
        .collect();
    Ok((accounts, known_organisations(&mut connection).await?))
}

/// The rule that judges a file against the accounts and organisations as they stand.
pub type Judge =
    fn(&Sheet, &BTreeMap<String, ExistingPerson>, &BTreeSet<String>) -> Result<Judgement, String>;

/// Confirms `owner`'s upload `id`, if it is still the file with `file_sha256`: judges its rows
/// again against the accounts as they stand now (someone may have been invited since the check),
/// then creates each new account with its roles, reviewer profile and invitation (its link and
/// email from `invitation`), and updates each changed one, each with its audit record, all in one
/// unit of work with the import's own record. Refused and unchanged rows change nothing.
pub async fn confirm(
    db: &Db,
    owner: &str,
    id: &str,
    file_sha256: &str,
    judge: Judge,
    invitation: impl Fn(&PersonRow) -> (String, MailWithSecret),
) -> Result<ImportReport, PeopleImportError> {
    let mut w = db.write(owner).await?;
    let row: Option<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT file_name, file_sha256, sheet, confirmed_at FROM people_imports \
         WHERE id = $1 AND uploaded_by = $2 AND (confirmed_at IS NOT NULL OR expires_at > $3)",
    )
    .bind(id)
    .bind(owner)
    .bind(now_utc())
    .fetch_optional(&mut *w)
    .await?;
    let Some((file_name, kept_sha256, sheet, confirmed_at)) = row else {
        return Err(PeopleImportError::NoSuchImport);
    };
    if confirmed_at.is_some() {
        return Err(PeopleImportError::AlreadyConfirmed);
    }
    if kept_sha256 != file_sha256 {
        return Err(PeopleImportError::FileChanged);
    }
    let sheet: Sheet = serde_json::from_str(&sheet).map_err(json_error)?;
    let accounts = accounts_by_email(&mut w).await?;
    let existing: BTreeMap<String, ExistingPerson> = accounts
        .iter()
        .map(|(key, (_, person))| (key.clone(), person.clone()))
        .collect();
    let known = known_organisations(&mut w).await?;
    let judgement = judge(&sheet, &existing, &known).map_err(PeopleImportError::Unreadable)?;
    let from_file = format!("from the file {file_name}");
    let now = now_utc();
    for row in &judgement.rows {
        let Some(person) = &row.person else { continue };
        let account_id = match &row.outcome {
            Outcome::New => {
                let account_id = new_id();
                sqlx::query(
                    "INSERT INTO accounts (id, email, email_key, display_name, org_ods_code, is_active, invited_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7)",
                )
                .bind(&account_id)
                .bind(&person.email)
                .bind(email_key(&person.email))
                .bind(&person.display_name)
                .bind(&person.org_ods_code)
                .bind(owner)
                .bind(&now)
                .execute(&mut *w)
                .await?;
                let (token, mail) = invitation(person);
                insert_link(
                    w.tx(),
                    &AccountId::from(&account_id),
                    LinkPurpose::Invitation,
                    &token,
                )
                .await?;
                w.enqueue_with_secret(&mail).await?;
                w.audit(
                    Audit::new("account", &account_id, "invite person")
                        .after(format!(
                            "{} <{}>, organisation {}, roles {}",
                            person.display_name,
                            person.email,
                            person.org_ods_code.as_deref().unwrap_or("none"),
                            roles_in_words(&person.roles)
                        ))
                        .reason(from_file.clone()),
                )
                .await?;
                account_id
            }
            Outcome::Update(changes) => {
                let Some((account_id, _)) = accounts.get(&email_key(&person.email)) else {
                    continue;
                };
                sqlx::query(
                    "UPDATE accounts SET display_name = $1, org_ods_code = $2, updated_at = $3 WHERE id = $4",
                )
                .bind(&person.display_name)
                .bind(&person.org_ods_code)
                .bind(&now)
                .bind(account_id)
                .execute(&mut *w)
                .await?;
                sqlx::query("DELETE FROM account_roles WHERE account_id = $1")
                    .bind(account_id)
                    .execute(&mut *w)
                    .await?;
                let words = |part: fn(&rules::people_import::Change) -> &String| {
                    changes
                        .iter()
                        .map(|change| format!("{}: {}", change.what, part(change)))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                w.audit(
                    Audit::new("account", account_id, "update person from file")
                        .before(words(|change| &change.before))
                        .after(words(|change| &change.after))
                        .reason(from_file.clone()),
                )
                .await?;
                account_id.clone()
            }
            Outcome::Unchanged | Outcome::Refused(_) => continue,
        };
        for role in &person.roles {
            sqlx::query("INSERT INTO account_roles (account_id, role) VALUES ($1, $2)")
                .bind(&account_id)
                .bind(role.key())
                .execute(&mut *w)
                .await?;
        }
        let before = accounts
            .get(&email_key(&person.email))
            .and_then(|(_, existing)| existing.profile.clone());
        if let Some(profile) = person
            .profile
            .as_ref()
            .filter(|p| before.as_ref() != Some(*p))
        {
            let statement = if before.is_some() {
                "UPDATE reviewer_profiles SET expertise = $1, capacity = $2, updated_at = $3 WHERE account_id = $4"
            } else {
                "INSERT INTO reviewer_profiles (expertise, capacity, updated_at, account_id) VALUES ($1, $2, $3, $4)"
            };
            sqlx::query(statement)
                .bind(joined_list(profile.expertise.iter().map(|s| s.label())))
                .bind(profile.capacity)
                .bind(&now)
                .bind(&account_id)
                .execute(&mut *w)
                .await?;
            w.audit(
                Audit::new("reviewer profile", &account_id, "save reviewer profile")
                    .before(before.as_ref().map(describe))
                    .after(describe(profile))
                    .reason(from_file.clone()),
            )
            .await?;
        }
    }
    let report = ImportReport::from(&judgement);
    let counts = report.counts;
    sqlx::query("UPDATE people_imports SET confirmed_at = $1, report = $2 WHERE id = $3")
        .bind(&now)
        .bind(serde_json::to_string(&report).map_err(json_error)?)
        .bind(id)
        .execute(&mut *w)
        .await?;
    w.audit(
        Audit::new("people import", id, "confirm people import").after(format!(
            "{file_name}: {} invited, {} updated, {} unchanged, {} refused",
            counts.new, counts.updates, counts.unchanged, counts.refused
        )),
    )
    .await?;
    w.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{list, upsert_with_password};
    use crate::organisations::{import_snapshot, tests::sample};
    use crate::outbox::OutgoingMail;
    use crate::test_support::test_databases;
    use crate::testing::AccountBuilder;
    use crate::{audit, outbox, reviewers};
    use rules::people_import::judge;

    fn invitation(person: &PersonRow) -> (String, MailWithSecret) {
        let token = format!("token for {}", person.email);
        let to = person.email.clone();
        let mail = MailWithSecret::new(format!("https://dma.test/{token}"), |link| OutgoingMail {
            html: String::new(),
            to,
            subject: "Invitation".into(),
            body: format!("Link: {link}"),
        });
        (token, mail)
    }

    fn file() -> Sheet {
        let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        Sheet {
            headers: row(&[
                "Email",
                "Name",
                "ODS code",
                "Roles",
                "Care settings",
                "Capacity",
            ]),
            rows: vec![
                row(&["new@rr8.nhs.uk", "Nia New", "RR8", "trust lead", "", ""]),
                row(&[
                    "rev@ry6.nhs.uk",
                    "Rev Iewer",
                    "RY6",
                    "peer reviewer",
                    "acute",
                    "2",
                ]),
                row(&[
                    "lead@rr8.nhs.uk",
                    "Lee Lead",
                    "RR8",
                    "trust lead; peer reviewer",
                    "",
                    "",
                ]),
                row(&["bad", "", "", "", "", ""]),
            ],
        }
    }

    #[tokio::test]
    async fn confirming_creates_invites_and_updates_in_one_unit_and_again_changes_nothing() {
        for (db, _folder) in test_databases().await {
            import_snapshot(&db, &sample(), "test", "2026-04-01", "tester")
                .await
                .unwrap();
            let lead = AccountBuilder::new("lead@rr8.nhs.uk")
                .named("Lee Lead")
                .at(Some("RR8"))
                .roles(&[Role::TrustLead])
                .build();
            let lead_id = upsert_with_password(&db, "tester", &lead, "hash")
                .await
                .unwrap();
            let admin_account = AccountBuilder::new("admin@england.nhs.uk")
                .roles(&[Role::Admin])
                .build();
            let admin_id = upsert_with_password(&db, "tester", &admin_account, "hash")
                .await
                .unwrap();
            let admin = admin_id.as_str();
            let id = stage(&db, admin, "people.csv", "abc", &file())
                .await
                .unwrap();
            assert_eq!(
                staged(&db, &id, "someone else").await.unwrap(),
                None,
                "the uploader's only"
            );
            let kept = staged(&db, &id, admin).await.unwrap().unwrap();
            assert_eq!((kept.sheet, kept.report), (file(), None));
            assert_eq!(
                list(&db, None, None).await.unwrap().len(),
                2,
                "nothing written yet"
            );
            let (existing, known) = as_they_stand(&db).await.unwrap();
            assert_eq!(existing["lead@rr8.nhs.uk"].roles, vec![Role::TrustLead]);
            assert!(known.contains("RR8") && known.contains("QWO"));

            assert!(matches!(
                confirm(&db, admin, &id, "another file", judge, invitation).await,
                Err(PeopleImportError::FileChanged)
            ));
            let report = confirm(&db, admin, &id, "abc", judge, invitation)
                .await
                .unwrap();
            assert_eq!(
                (
                    report.counts.new,
                    report.counts.updates,
                    report.counts.refused
                ),
                (2, 1, 1)
            );
            assert_eq!(report.refused[0].row, 5);
            assert_eq!(list(&db, None, None).await.unwrap().len(), 4);
            assert_eq!(
                outbox::unsent_count(&db.pool).await.unwrap(),
                2,
                "one invitation each"
            );
            let reviewer = list(&db, Some("RY6"), Some(Role::PeerReviewer))
                .await
                .unwrap();
            assert_eq!(
                reviewers::profile(&db, &AccountId::from(&reviewer[0].id))
                    .await
                    .unwrap()
                    .map(|p| p.capacity),
                Some(Some(2))
            );
            let updated = crate::accounts::summary(&db, &AccountId::from(&lead_id))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(updated.roles, vec![Role::TrustLead, Role::PeerReviewer]);
            assert_eq!(
                audit::recent(&db.pool, 1).await.unwrap()[0]
                    .after
                    .as_deref(),
                Some("people.csv: 2 invited, 1 updated, 0 unchanged, 1 refused")
            );
            assert!(matches!(
                confirm(&db, admin, &id, "abc", judge, invitation).await,
                Err(PeopleImportError::AlreadyConfirmed)
            ));
            assert_eq!(
                staged(&db, &id, admin).await.unwrap().unwrap().report,
                Some(report)
            );

            let again = stage(&db, admin, "people.csv", "abc", &file())
                .await
                .unwrap();
            let report = confirm(&db, admin, &again, "abc", judge, invitation)
                .await
                .unwrap();
            assert_eq!(
                (
                    report.counts.new,
                    report.counts.updates,
                    report.counts.unchanged
                ),
                (0, 0, 3)
            );
            assert_eq!(
                outbox::unsent_count(&db.pool).await.unwrap(),
                2,
                "nothing more queued"
            );
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }
}
