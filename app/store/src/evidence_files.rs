//! Evidence documents: the record of each stored file (by SHA-256) and its virus check, the
//! attachments of documents to an assessment's domains, and the set frozen at submission. The
//! bytes themselves are in the evidence store, outside the database.

use super::lifecycle::{change_status, StatusChange, StatusChangeError};
use super::outbox::OutgoingMail;
use super::{joined_list, new_id, now_utc, split_list, Db};
use crate::ids::{AccountId, AssessmentId};
use crate::write::Audit;
use rules::evidence::{check_limits, LimitExceeded, Limits, ScanState};
use rules::lifecycle::{Allowed, AssessmentStatus};
use rules::review_assignment::ReviewProgress;
use sqlx::{Any, Transaction};
use std::collections::BTreeMap;

/// Why an attachment was not added or removed. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceFileError {
    /// The assessment does not exist, or moved on (submitted, say) since the change was judged.
    #[error(transparent)]
    StatusChange(#[from] StatusChangeError),
    #[error("a limit would be exceeded: {0:?}")]
    Limit(LimitExceeded),
    /// These bytes failed the virus check before.
    #[error("the file failed the virus check")]
    Quarantined,
    #[error("no such attachment")]
    NoSuchAttachment,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A stored file to record, as received and identified.
#[derive(Clone, Copy, Debug)]
pub struct NewDocument<'a> {
    pub sha256: &'a str,
    pub size: u64,
    /// Its kind's key, decided from the bytes.
    pub kind: &'a str,
    pub file_name: &'a str,
    /// Where its virus check starts: being checked, or not scanned when there is no scanner.
    pub scan_state: ScanState,
}

/// Where a document is attached, and what it evidences.
#[derive(Clone, Copy, Debug)]
pub struct NewAttachment<'a> {
    pub assessment_id: &'a str,
    pub domain_key: &'a str,
    pub description: &'a str,
    pub criterion_keys: &'a [String],
}

/// An attached document, as a page lists it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Attachment {
    pub id: String,
    pub assessment_id: String,
    pub domain_key: String,
    pub sha256: String,
    pub file_name: String,
    pub description: String,
    criterion_keys: String,
    pub size_bytes: i64,
    pub kind: String,
    #[sqlx(try_from = "String")]
    pub scan_state: ScanState,
    pub added_by: String,
    pub added_at: String,
    pub removed_at: Option<String>,
}

impl Attachment {
    pub fn criterion_keys(&self) -> impl Iterator<Item = &str> {
        split_list(&self.criterion_keys)
    }

    pub fn size(&self) -> u64 {
        u64::try_from(self.size_bytes).unwrap_or_default()
    }
}

const ATTACHMENT_QUERY: &str =
    "SELECT e.id, e.assessment_id, e.domain_key, e.sha256, e.file_name, \
    e.description, e.criterion_keys, d.size_bytes, d.kind, d.scan_state, \
    p.display_name AS added_by, e.added_at, e.removed_at \
    FROM evidence_attachments e JOIN documents d ON d.sha256 = e.sha256 \
    JOIN accounts p ON p.id = e.added_by";

/// The documents attached to one domain now (not removed), the first attached first.
pub async fn for_domain(
    db: &Db,
    assessment_id: &AssessmentId,
    domain_key: &str,
) -> Result<Vec<Attachment>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{ATTACHMENT_QUERY} WHERE e.assessment_id = $1 AND e.domain_key = $2 \
         AND e.removed_at IS NULL ORDER BY e.added_at, e.id"
    ))
    .bind(assessment_id)
    .bind(domain_key)
    .fetch_all(&db.pool)
    .await
}

/// How many documents each domain of an assessment has attached now, by domain key.
pub async fn counts_by_domain(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT domain_key, COUNT(*) FROM evidence_attachments \
         WHERE assessment_id = $1 AND removed_at IS NULL GROUP BY domain_key",
    )
    .bind(assessment_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The documents as the assessment was last submitted, by domain then order attached: what
/// reviewers and moderators read. Empty while it is not submitted (never, or reopened).
pub async fn submitted(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<Vec<Attachment>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{ATTACHMENT_QUERY} JOIN submitted_evidence s ON s.attachment_id = e.id \
         JOIN assessments a ON a.id = s.assessment_id AND a.submitted_at = s.submitted_at \
         WHERE s.assessment_id = $1 ORDER BY e.domain_key, e.added_at, e.id"
    ))
    .bind(assessment_id)
    .fetch_all(&db.pool)
    .await
}

/// One attachment, removed or not, and whether it is in the set last submitted.
pub async fn attachment(db: &Db, id: &str) -> Result<Option<(Attachment, bool)>, sqlx::Error> {
    let Some(attachment): Option<Attachment> =
        sqlx::query_as(&format!("{ATTACHMENT_QUERY} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?
    else {
        return Ok(None);
    };
    let submitted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM submitted_evidence s \
         JOIN assessments a ON a.id = s.assessment_id AND a.submitted_at = s.submitted_at \
         WHERE s.attachment_id = $1",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await?;
    Ok(Some((attachment, submitted > 0)))
}

/// Records a received file, if its bytes are new, and attaches it to a domain, if the
/// assessment is still in a status the save was allowed in (attaching starts an assessment not
/// started) and within `limits`; audited with who, which file and which criteria. Returns the
/// attachment's id and whether the document was new.
pub async fn attach(
    db: &Db,
    actor: &str,
    allowed: Allowed,
    document: NewDocument<'_>,
    attachment: NewAttachment<'_>,
    limits: &Limits,
) -> Result<(String, bool), EvidenceFileError> {
    let mut w = db.write(actor).await?;
    change_status(
        w.tx(),
        StatusChange::new(attachment.assessment_id, actor, allowed),
    )
    .await?;
    let (assessment_bytes, domain_files) = usage(w.tx(), &attachment).await?;
    check_limits(limits, document.size, assessment_bytes, domain_files)
        .map_err(EvidenceFileError::Limit)?;
    let known: Option<String> =
        sqlx::query_scalar("SELECT scan_state FROM documents WHERE sha256 = $1")
            .bind(document.sha256)
            .fetch_optional(&mut *w)
            .await?;
    if known.as_deref() == Some(ScanState::Quarantined.key()) {
        return Err(EvidenceFileError::Quarantined);
    }
    let now = now_utc();
    let new_document = known.is_none();
    if new_document {
        sqlx::query(
            "INSERT INTO documents (sha256, size_bytes, kind, file_name, uploaded_by, uploaded_at, scan_state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(document.sha256)
        .bind(i64::try_from(document.size).unwrap_or(i64::MAX))
        .bind(document.kind)
        .bind(document.file_name)
        .bind(actor)
        .bind(&now)
        .bind(document.scan_state.key())
        .execute(&mut *w)
        .await?;
    }
    let id = new_id();
    let criteria = joined_list(attachment.criterion_keys);
    sqlx::query(
        "INSERT INTO evidence_attachments \
         (id, assessment_id, domain_key, sha256, file_name, description, criterion_keys, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(attachment.assessment_id)
    .bind(attachment.domain_key)
    .bind(document.sha256)
    .bind(document.file_name)
    .bind(attachment.description)
    .bind(&criteria)
    .bind(actor)
    .bind(&now)
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new(
            "assessment",
            &format!("{}/{}", attachment.assessment_id, attachment.domain_key),
            "attach evidence",
        )
        .after(format!(
            "{} (sha256 {}, {} bytes{}) for {}: {}",
            document.file_name,
            document.sha256,
            document.size,
            if new_document {
                ", new"
            } else {
                ", stored before"
            },
            if criteria.is_empty() {
                "the section"
            } else {
                &criteria
            },
            attachment.description
        )),
    )
    .await?;
    w.commit().await?;
    Ok((id, new_document))
}

/// The bytes attached to the assessment now, and the number of files attached to the domain.
async fn usage(
    tx: &mut Transaction<'static, Any>,
    attachment: &NewAttachment<'_>,
) -> Result<(u64, u64), sqlx::Error> {
    let (assessment_bytes, domain_files): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(d.size_bytes), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN e.domain_key = $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM evidence_attachments e JOIN documents d ON d.sha256 = e.sha256 \
         WHERE e.assessment_id = $1 AND e.removed_at IS NULL",
    )
    .bind(attachment.assessment_id)
    .bind(attachment.domain_key)
    .fetch_one(&mut **tx)
    .await?;
    Ok((
        u64::try_from(assessment_bytes).unwrap_or_default(),
        u64::try_from(domain_files).unwrap_or_default(),
    ))
}

/// Removes an attachment from its domain, if the assessment is still in a status the save was
/// allowed in; the row and the stored bytes are kept for the record. Audited with the file.
pub async fn remove(
    db: &Db,
    actor: &str,
    allowed: Allowed,
    assessment_id: &AssessmentId,
    attachment_id: &str,
) -> Result<Attachment, EvidenceFileError> {
    let mut w = db.write(actor).await?;
    change_status(
        w.tx(),
        StatusChange::new(assessment_id.as_str(), actor, allowed),
    )
    .await?;
    let attachment: Attachment = sqlx::query_as(&format!(
        "{ATTACHMENT_QUERY} WHERE e.id = $1 AND e.assessment_id = $2 AND e.removed_at IS NULL"
    ))
    .bind(attachment_id)
    .bind(assessment_id)
    .fetch_optional(&mut *w)
    .await?
    .ok_or(EvidenceFileError::NoSuchAttachment)?;
    sqlx::query("UPDATE evidence_attachments SET removed_by = $1, removed_at = $2 WHERE id = $3")
        .bind(actor)
        .bind(now_utc())
        .bind(attachment_id)
        .execute(&mut *w)
        .await?;
    w.audit(
        Audit::new(
            "assessment",
            &format!("{assessment_id}/{}", attachment.domain_key),
            "remove evidence",
        )
        .before(format!(
            "{} (sha256 {})",
            attachment.file_name, attachment.sha256
        )),
    )
    .await?;
    w.commit().await?;
    Ok(attachment)
}

/// Freezes the documents attached to an assessment as submitted at `submitted_at`: called by
/// `assessments::submit` in its transaction. Returns how many.
pub(crate) async fn freeze(
    tx: &mut Transaction<'static, Any>,
    assessment_id: &AssessmentId,
    submitted_at: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO submitted_evidence (assessment_id, submitted_at, attachment_id, sha256) \
         SELECT assessment_id, $2, id, sha256 FROM evidence_attachments \
         WHERE assessment_id = $1 AND removed_at IS NULL",
    )
    .bind(assessment_id)
    .bind(submitted_at)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// A document waiting for its virus check, with who uploaded it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AwaitingScan {
    pub sha256: String,
    pub file_name: String,
    pub uploaded_at: String,
    pub uploader_email: String,
    pub uploader_name: String,
}

/// Documents being checked, the oldest first.
pub async fn awaiting_scan(db: &Db) -> Result<Vec<AwaitingScan>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.sha256, d.file_name, d.uploaded_at, a.email AS uploader_email, \
         a.display_name AS uploader_name FROM documents d JOIN accounts a ON a.id = d.uploaded_by \
         WHERE d.scan_state = $1 ORDER BY d.uploaded_at, d.sha256",
    )
    .bind(ScanState::BeingChecked.key())
    .fetch_all(&db.pool)
    .await
}

/// Records the virus check's verdict on a document being checked: clean, or quarantined with
/// the signature found, when `notices` (to the uploader and administrators) are queued in the
/// same transaction. Audited. A document no longer being checked is left as it is.
pub async fn record_scan(
    db: &Db,
    sha256: &str,
    signature: Option<&str>,
    notices: &[OutgoingMail],
) -> Result<(), sqlx::Error> {
    let mut w = db.write("system").await?;
    let state = if signature.is_some() {
        ScanState::Quarantined
    } else {
        ScanState::Clean
    };
    let changed = sqlx::query(
        "UPDATE documents SET scan_state = $1, scan_signature = $2, scanned_at = $3 \
         WHERE sha256 = $4 AND scan_state = $5",
    )
    .bind(state.key())
    .bind(signature)
    .bind(now_utc())
    .bind(sha256)
    .bind(ScanState::BeingChecked.key())
    .execute(&mut *w)
    .await?
    .rows_affected();
    if changed == 0 {
        return w.rollback().await;
    }
    w.audit(
        Audit::new("document", sha256, "virus check")
            .before(ScanState::BeingChecked.label().to_string())
            .after(match signature {
                Some(signature) => format!("{}: {signature}", state.label()),
                None => state.label().to_string(),
            }),
    )
    .await?;
    if state == ScanState::Quarantined {
        w.enqueue(notices).await?;
    }
    w.commit().await
}

/// The active administrators: `(email, name)`, who are told of a quarantined file.
pub async fn administrators(db: &Db) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.email, a.display_name FROM accounts a \
         JOIN account_roles r ON r.account_id = a.id AND r.role = 'admin' \
         WHERE a.is_active = 1 ORDER BY a.email",
    )
    .fetch_all(&db.pool)
    .await
}

/// Records in the audit trail that `actor` downloaded an attachment.
pub async fn record_download(
    db: &Db,
    actor: &str,
    attachment: &Attachment,
) -> Result<(), sqlx::Error> {
    let mut w = db.write(actor).await?;
    w.audit(
        Audit::new("evidence", &attachment.id, "download evidence").after(format!(
            "{} (sha256 {})",
            attachment.file_name, attachment.sha256
        )),
    )
    .await?;
    w.commit().await
}

/// Records in the audit trail that `actor` (an account, or "anonymous") was refused `what` (an
/// attachment to read, or an assessment to attach to), and why.
pub async fn record_refusal(
    db: &Db,
    actor: &str,
    what: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let mut w = db.write(actor).await?;
    w.audit(Audit::new("evidence", what, "refused").reason(reason.to_string()))
        .await?;
    w.commit().await
}

/// How far `reviewer_id`'s review of the assessment has got, if it is assigned to them.
pub async fn review_progress(
    db: &Db,
    assessment_id: &AssessmentId,
    reviewer_id: &AccountId,
) -> Result<Option<ReviewProgress>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct ProgressRow {
        submitted_at: Option<String>,
        domains_saved: i64,
        #[sqlx(try_from = "String")]
        status: AssessmentStatus,
    }
    let row: Option<ProgressRow> = sqlx::query_as(
        "SELECT v.submitted_at, a.status, \
         (SELECT COUNT(*) FROM domain_reviews d WHERE d.assignment_id = r.id) AS domains_saved \
         FROM review_assignments r JOIN assessments a ON a.id = r.assessment_id \
         LEFT JOIN review_verdicts v ON v.assignment_id = r.id \
         WHERE r.assessment_id = $1 AND r.reviewer_id = $2 AND r.status = 'assigned'",
    )
    .bind(assessment_id)
    .bind(reviewer_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|row| {
        ReviewProgress::of(
            row.submitted_at.is_some(),
            row.domains_saved,
            row.status == AssessmentStatus::InReview,
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::upsert_with_password;
    use crate::assessments;
    use crate::cycles;
    use crate::organisations::{import_snapshot, tests::sample};
    use crate::test_support::test_databases;
    use crate::testing::{AccountBuilder, CycleBuilder};
    use crate::CycleId;
    use crate::{audit, frameworks, outbox};
    use rules::accounts::Role;
    use rules::fixtures::{allowed, SMALL_FRAMEWORK};
    use rules::framework::parse_framework;
    use rules::lifecycle::Event;

    /// Organisations, the small framework, a lead at RR8 and its acute assessment, opened.
    /// Returns the lead's account id and the assessment's id.
    async fn opened_assessment(db: &Db) -> (String, String) {
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
            .roles(&[Role::TrustLead])
            .build();
        let lead = upsert_with_password(db, "tester", &lead, "hash")
            .await
            .unwrap();
        let cycle = cycles::create(db, "admin", &CycleBuilder::default().build(), false)
            .await
            .unwrap();
        cycles::open(db, "admin", &CycleId::from(&cycle), |lead| OutgoingMail {
            html: String::new(),
            to: lead.email.clone(),
            subject: String::new(),
            body: String::new(),
        })
        .await
        .unwrap();
        let assessment = assessments::for_cycle(db, &CycleId::from(&cycle))
            .await
            .unwrap()[0]
            .id
            .clone();
        (lead, assessment)
    }

    fn board_paper(sha256: &str) -> NewDocument<'_> {
        NewDocument {
            sha256,
            size: 1000,
            kind: "pdf",
            file_name: "board-paper.pdf",
            scan_state: ScanState::BeingChecked,
        }
    }

    fn to_strategy<'a>(assessment_id: &'a str, criteria: &'a [String]) -> NewAttachment<'a> {
        NewAttachment {
            assessment_id,
            domain_key: "digital-strategy",
            description: "Board paper approving the strategy",
            criterion_keys: criteria,
        }
    }

    fn save() -> Allowed {
        allowed(Event::Save, AssessmentStatus::NotStarted)
    }

    #[tokio::test]
    async fn the_same_bytes_attached_twice_are_one_document_and_removing_keeps_it() {
        for (db, _folder) in test_databases().await {
            let (lead, id) = opened_assessment(&db).await;
            let criteria = ["strategy-2a".to_string(), "strategy-3a".to_string()];
            let (first, new) = attach(
                &db,
                &lead,
                save(),
                board_paper("aa11"),
                to_strategy(&id, &criteria),
                &Limits::default(),
            )
            .await
            .unwrap();
            assert!(new);
            assert_eq!(
                assessments::header(&db, &AssessmentId::from(&id))
                    .await
                    .unwrap()
                    .unwrap()
                    .status,
                AssessmentStatus::InProgress,
                "attaching starts the assessment"
            );
            let record = &audit::recent(&db.pool, 1).await.unwrap()[0];
            assert_eq!(record.action, "attach evidence");
            assert_eq!(
                record.after.as_deref(),
                Some("board-paper.pdf (sha256 aa11, 1000 bytes, new) for strategy-2a|strategy-3a: Board paper approving the strategy")
            );
            let (second, new) = attach(
                &db,
                &lead,
                allowed(Event::Save, AssessmentStatus::InProgress),
                board_paper("aa11"),
                to_strategy(&id, &criteria[..1]),
                &Limits::default(),
            )
            .await
            .unwrap();
            assert!(!new, "the same bytes are stored once");
            let documents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
                .fetch_one(&db.pool)
                .await
                .unwrap();
            assert_eq!(documents, 1);
            let listed = for_domain(&db, &AssessmentId::from(&id), "digital-strategy")
                .await
                .unwrap();
            assert_eq!(
                listed.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
                [first.as_str(), second.as_str()]
            );
            assert_eq!(
                listed[0].criterion_keys().collect::<Vec<_>>(),
                ["strategy-2a", "strategy-3a"]
            );
            assert_eq!(listed[0].added_by, "Leah Lead");
            assert_eq!(listed[0].scan_state, ScanState::BeingChecked);
            assert_eq!(
                counts_by_domain(&db, &AssessmentId::from(&id))
                    .await
                    .unwrap()["digital-strategy"],
                2
            );

            let removed = remove(
                &db,
                &lead,
                allowed(Event::Save, AssessmentStatus::InProgress),
                &AssessmentId::from(&id),
                &first,
            )
            .await
            .unwrap();
            assert_eq!(removed.file_name, "board-paper.pdf");
            assert_eq!(
                for_domain(&db, &AssessmentId::from(&id), "digital-strategy")
                    .await
                    .unwrap()
                    .len(),
                1
            );
            let (kept, submitted) = attachment(&db, &first).await.unwrap().unwrap();
            assert!(kept.removed_at.is_some(), "the row is kept");
            assert!(!submitted);
            assert!(matches!(
                remove(
                    &db,
                    &lead,
                    allowed(Event::Save, AssessmentStatus::InProgress),
                    &AssessmentId::from(&id),
                    &first
                )
                .await,
                Err(EvidenceFileError::NoSuchAttachment)
            ));
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn submission_freezes_the_set_reviewers_read_until_reopened() {
        for (db, _folder) in test_databases().await {
            let (lead, id) = opened_assessment(&db).await;
            let in_progress = || allowed(Event::Save, AssessmentStatus::InProgress);
            let (kept, _) = attach(
                &db,
                &lead,
                save(),
                board_paper("aa11"),
                to_strategy(&id, &[]),
                &Limits::default(),
            )
            .await
            .unwrap();
            let (dropped, _) = attach(
                &db,
                &lead,
                in_progress(),
                board_paper("bb22"),
                to_strategy(&id, &[]),
                &Limits::default(),
            )
            .await
            .unwrap();
            remove(
                &db,
                &lead,
                in_progress(),
                &AssessmentId::from(&id),
                &dropped,
            )
            .await
            .unwrap();
            assert!(
                submitted(&db, &AssessmentId::from(&id))
                    .await
                    .unwrap()
                    .is_empty(),
                "not submitted yet"
            );
            assessments::submit(
                &db,
                &lead,
                &AssessmentId::from(&id),
                allowed(Event::Submit, AssessmentStatus::InProgress),
                "overall 1".into(),
                &[],
            )
            .await
            .unwrap();
            let frozen = submitted(&db, &AssessmentId::from(&id)).await.unwrap();
            assert_eq!(
                frozen.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
                [kept.as_str()]
            );
            assert_eq!(frozen[0].sha256, "aa11");
            assert!(attachment(&db, &kept).await.unwrap().unwrap().1);
            assert!(matches!(
                attach(
                    &db,
                    &lead,
                    in_progress(),
                    board_paper("cc33"),
                    to_strategy(&id, &[]),
                    &Limits::default()
                )
                .await,
                Err(EvidenceFileError::StatusChange(StatusChangeError::MovedOn(
                    AssessmentStatus::Submitted
                )))
            ));
            assert!(matches!(
                remove(&db, &lead, in_progress(), &AssessmentId::from(&id), &kept).await,
                Err(EvidenceFileError::StatusChange(StatusChangeError::MovedOn(
                    AssessmentStatus::Submitted
                )))
            ));
            assert_eq!(
                for_domain(&db, &AssessmentId::from(&id), "digital-strategy")
                    .await
                    .unwrap()
                    .len(),
                1
            );

            assessments::reopen(
                &db,
                "moderator",
                &AssessmentId::from(&id),
                allowed(Event::Reopen, AssessmentStatus::Submitted),
                "More",
                &[],
            )
            .await
            .unwrap();
            assert!(
                submitted(&db, &AssessmentId::from(&id))
                    .await
                    .unwrap()
                    .is_empty(),
                "reopened: nothing is submitted"
            );
            remove(&db, &lead, in_progress(), &AssessmentId::from(&id), &kept)
                .await
                .unwrap();
            let (new, _) = attach(
                &db,
                &lead,
                in_progress(),
                board_paper("cc33"),
                to_strategy(&id, &[]),
                &Limits::default(),
            )
            .await
            .unwrap();
            assessments::submit(
                &db,
                &lead,
                &AssessmentId::from(&id),
                allowed(Event::Submit, AssessmentStatus::InProgress),
                "again".into(),
                &[],
            )
            .await
            .unwrap();
            let frozen = submitted(&db, &AssessmentId::from(&id)).await.unwrap();
            assert_eq!(
                frozen.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
                [new.as_str()]
            );
            let sets: i64 =
                sqlx::query_scalar("SELECT COUNT(DISTINCT submitted_at) FROM submitted_evidence")
                    .fetch_one(&db.pool)
                    .await
                    .unwrap();
            assert_eq!(sets, 2, "the first submission's set is kept for the record");
        }
    }

    #[tokio::test]
    async fn limits_are_kept_and_a_quarantined_file_is_refused_for_good() {
        for (db, _folder) in test_databases().await {
            let (lead, id) = opened_assessment(&db).await;
            let limits = Limits {
                max_file_bytes: 1500,
                max_assessment_bytes: 2500,
                max_files_per_domain: 2,
            };
            attach(
                &db,
                &lead,
                save(),
                board_paper("aa11"),
                to_strategy(&id, &[]),
                &limits,
            )
            .await
            .unwrap();
            let in_progress = || allowed(Event::Save, AssessmentStatus::InProgress);
            attach(
                &db,
                &lead,
                in_progress(),
                board_paper("bb22"),
                to_strategy(&id, &[]),
                &limits,
            )
            .await
            .unwrap();
            assert!(matches!(
                attach(
                    &db,
                    &lead,
                    in_progress(),
                    board_paper("cc33"),
                    to_strategy(&id, &[]),
                    &limits
                )
                .await,
                Err(EvidenceFileError::Limit(LimitExceeded::DomainFull {
                    limit: 2
                }))
            ));
            let elsewhere = NewAttachment {
                domain_key: "other",
                ..to_strategy(&id, &[])
            };
            assert!(matches!(
                attach(
                    &db,
                    &lead,
                    in_progress(),
                    board_paper("cc33"),
                    elsewhere,
                    &limits
                )
                .await,
                Err(EvidenceFileError::Limit(LimitExceeded::AssessmentFull {
                    limit: 2500
                }))
            ));

            let waiting = awaiting_scan(&db).await.unwrap();
            assert_eq!(waiting.len(), 2);
            assert_eq!(waiting[0].uploader_email, "lead@nhs.net");
            let notice = OutgoingMail {
                html: String::new(),
                to: "admin@nhs.net".into(),
                subject: "Quarantined".into(),
                body: String::new(),
            };
            let before = outbox::unsent_count(&db.pool).await.unwrap();
            record_scan(
                &db,
                "aa11",
                Some("Eicar-Test-Signature"),
                std::slice::from_ref(&notice),
            )
            .await
            .unwrap();
            record_scan(&db, "bb22", None, std::slice::from_ref(&notice))
                .await
                .unwrap();
            assert_eq!(
                outbox::unsent_count(&db.pool).await.unwrap(),
                before + 1,
                "only the quarantine is told"
            );
            // A verdict on a document no longer being checked changes nothing.
            record_scan(&db, "bb22", Some("late"), &[notice])
                .await
                .unwrap();
            let states: Vec<ScanState> =
                for_domain(&db, &AssessmentId::from(&id), "digital-strategy")
                    .await
                    .unwrap()
                    .iter()
                    .map(|a| a.scan_state)
                    .collect();
            assert_eq!(states, [ScanState::Quarantined, ScanState::Clean]);
            assert!(awaiting_scan(&db).await.unwrap().is_empty());
            let record = &audit::recent(&db.pool, 2).await.unwrap()[1];
            assert_eq!(
                record.after.as_deref(),
                Some("Failed the virus check: Eicar-Test-Signature")
            );
            let other = NewAttachment {
                domain_key: "other",
                ..to_strategy(&id, &[])
            };
            assert!(matches!(
                attach(
                    &db,
                    &lead,
                    in_progress(),
                    NewDocument {
                        size: 1,
                        ..board_paper("aa11")
                    },
                    other,
                    &limits
                )
                .await,
                Err(EvidenceFileError::Quarantined)
            ));
        }
    }

    #[tokio::test]
    async fn an_assessment_that_moved_on_is_not_attached_to() {
        for (db, _folder) in test_databases().await {
            let (lead, id) = opened_assessment(&db).await;
            assessments::submit(
                &db,
                &lead,
                &AssessmentId::from(&id),
                allowed(Event::Submit, AssessmentStatus::NotStarted),
                "x".into(),
                &[],
            )
            .await
            .unwrap();
            let refused = attach(
                &db,
                &lead,
                save(),
                board_paper("aa11"),
                to_strategy(&id, &[]),
                &Limits::default(),
            )
            .await;
            assert!(
                matches!(refused, Err(EvidenceFileError::StatusChange(_))),
                "{refused:?}"
            );
            let documents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
                .fetch_one(&db.pool)
                .await
                .unwrap();
            assert_eq!(documents, 0, "nothing is recorded");
        }
    }
}
