//! Evidence documents attached to a domain: what the trust's and the reviewer's domain pages list,
//! removing one, why an upload was refused (carried back to the page in its address), and for
//! the server's upload and download routes, who may attach to a domain and who may read a file.

use crate::error::AppError;
use crate::rules::evidence::{checked_description, LimitExceeded, Limits, ScanState};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::assessments::{existing_assessment, find_domain, judge},
    super::context::{Cx, ReadableAssessment},
    crate::rules::{
        access::{self, Actor},
        accounts::Role,
        assessments::AssessmentHeader,
        evidence::size_shown,
        framework::Domain,
        lifecycle::{Allowed, Event},
    },
    crate::store::{self, evidence_files::Attachment, AccountId, AssessmentId, Db},
};

/// One attached file, as a page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFile {
    pub id: String,
    pub file_name: String,
    /// Its kind, in words: "PDF", "Word document".
    pub kind: String,
    /// Its size, in words: "1.2 MB".
    pub size: String,
    pub description: String,
    /// The criteria of the domain it evidences; none for the domain as a whole.
    pub criterion_keys: Vec<String>,
    pub state: ScanState,
}

impl EvidenceFile {
    /// Where it is downloaded from, once it may be served.
    pub fn download_href(&self) -> Option<String> {
        self.state.servable().then(|| download_href(&self.id))
    }

    pub fn supports(&self, criterion_key: &str) -> bool {
        self.criterion_keys.iter().any(|key| key == criterion_key)
    }
}

/// The address one attached file is downloaded from (the server's route).
pub fn download_href(attachment_id: &str) -> String {
    format!("/evidence/{attachment_id}")
}

/// The address of the upload form's post for one domain (the server's route).
pub fn upload_href(assessment_id: &str, domain_key: &str) -> String {
    format!("/assessments/{assessment_id}/domains/{domain_key}/evidence")
}

/// A domain's attached files, and what the trust's page needs for its attach form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainEvidence {
    pub files: Vec<EvidenceFile>,
    pub limits: Limits,
    /// Whether files are checked for viruses (the service has a scanner).
    pub scanned: bool,
}

/// What the upload route's settings give the pages: the limits and whether there is a scanner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvidenceSettings {
    pub limits: Limits,
    pub scanned: bool,
}

/// The kinds accepted, as a refusal and the form's hint name them.
pub const ACCEPTED: &str =
    "PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG file";

/// Why a file was not attached, as the upload route's redirect carries it back to the domain
/// page (`?refused=<key>&file=<name>`), where [`AttachRefusal::error`] puts it into words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachRefusal {
    NoFile,
    Description,
    Criteria,
    Empty,
    Program,
    Archive,
    OtherType,
    /// An accepted kind under a name that says it is another kind (or has no extension).
    NameDisagrees,
    /// An Office or OpenDocument package that is not the one document it should be.
    NotAsNamed,
    Unrecognised,
    Limit(LimitExceeded),
    /// The same bytes failed the virus check before.
    Quarantined,
    /// The assessment can no longer be changed (it was submitted meanwhile, say).
    Locked,
}

impl AttachRefusal {
    const KEYED: [(&'static str, AttachRefusal); 12] = [
        ("no-file", AttachRefusal::NoFile),
        ("description", AttachRefusal::Description),
        ("criteria", AttachRefusal::Criteria),
        ("empty", AttachRefusal::Empty),
        ("program", AttachRefusal::Program),
        ("archive", AttachRefusal::Archive),
        ("other-type", AttachRefusal::OtherType),
        ("name-disagrees", AttachRefusal::NameDisagrees),
        ("not-as-named", AttachRefusal::NotAsNamed),
        ("unrecognised", AttachRefusal::Unrecognised),
        ("quarantined", AttachRefusal::Quarantined),
        ("locked", AttachRefusal::Locked),
    ];

    pub fn key(self) -> &'static str {
        match self {
            AttachRefusal::Limit(LimitExceeded::FileTooLarge { .. }) => "too-large",
            AttachRefusal::Limit(LimitExceeded::AssessmentFull { .. }) => "assessment-full",
            AttachRefusal::Limit(LimitExceeded::DomainFull { .. }) => "domain-full",
            other => Self::KEYED
                .iter()
                .find(|(_, refusal)| *refusal == other)
                .map_or("unrecognised", |(key, _)| key),
        }
    }

    /// The refusal a key names, with the limits the page knows.
    pub fn from_key(key: &str, limits: &Limits) -> Option<AttachRefusal> {
        let limit = |exceeded| Some(AttachRefusal::Limit(exceeded));
        match key {
            "too-large" => limit(LimitExceeded::FileTooLarge {
                limit: limits.max_file_bytes,
            }),
            "assessment-full" => limit(LimitExceeded::AssessmentFull {
                limit: limits.max_assessment_bytes,
            }),
            "domain-full" => limit(LimitExceeded::DomainFull {
                limit: limits.max_files_per_domain,
            }),
            _ => Self::KEYED
                .iter()
                .find(|(known, _)| *known == key)
                .map(|(_, refusal)| *refusal),
        }
    }

    /// The refusal in words, on the attach form's field it concerns, with the description and
    /// criteria entered so that the form shows them again.
    pub fn error(self, file_name: &str, entered: Vec<(String, String)>) -> AppError {
        let not_accepted = |what: &str| {
            format!("{file_name} is not a document we accept: it is {what}. Attach a {ACCEPTED}.")
        };
        let (field, message) = match self {
            AttachRefusal::NoFile => ("evidence-file", "Choose a file to attach".to_string()),
            AttachRefusal::Description => (
                "evidence-description",
                checked_description("").unwrap_err(),
            ),
            AttachRefusal::Criteria => (
                "evidence-criteria",
                "Choose only criteria of this section".to_string(),
            ),
            AttachRefusal::Empty => ("evidence-file", format!("{file_name} is empty. Attach a file with the evidence in it.")),
            AttachRefusal::Program => ("evidence-file", not_accepted("a program")),
            AttachRefusal::Archive => ("evidence-file", not_accepted("an archive, such as a zip file: attach the documents in it one by one")),
            AttachRefusal::OtherType => ("evidence-file", not_accepted("a kind of file we do not take")),
            AttachRefusal::NameDisagrees => ("evidence-file", format!("{file_name} is not the kind of file its name says. Give it the extension of what it is (such as .pdf or .docx), or attach the document it should be.")),
            AttachRefusal::NotAsNamed => ("evidence-file", format!("{file_name} is not a document we can open as its name says. Save it again from Word, Excel, PowerPoint or LibreOffice, then attach it.")),
            AttachRefusal::Unrecognised => ("evidence-file", format!("{file_name} is not a document we recognise. Attach a {ACCEPTED}.")),
            AttachRefusal::Limit(exceeded) => ("evidence-file", exceeded.message(file_name)),
            AttachRefusal::Quarantined => ("evidence-file", format!("{file_name} failed the virus check, so it cannot be attached.")),
            AttachRefusal::Locked => ("evidence-file", format!("{file_name} was not attached: this assessment can no longer be changed.")),
        };
        AppError::InvalidField {
            field: field.to_string(),
            message,
            entered,
        }
    }
}

/// Removes an attached file from the domain while the assessment may be changed; the stored
/// bytes and the record are kept. Back to the domain page, which says so.
#[server]
pub async fn remove_evidence(assessment_id: String, attachment_id: String) -> Result<(), AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework: _,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    let allowed = judge(&actor, &header, Event::Save)?;
    let removed = store::evidence_files::remove(
        &db,
        &actor.account_id,
        allowed,
        &AssessmentId::from(&assessment_id),
        &attachment_id,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::AssessmentDomain {
            id: &assessment_id,
            key: &removed.domain_key,
        }
        .with(crate::flash::Flash::EvidenceRemoved {
            file: removed.file_name,
        }),
    );
    Ok(())
}

/// An attachment as a page lists it.
#[cfg(feature = "ssr")]
pub(crate) fn evidence_file(attachment: Attachment) -> EvidenceFile {
    EvidenceFile {
        kind: documents::DocumentKind::from_key(&attachment.kind)
            .map_or_else(|| attachment.kind.clone(), |kind| kind.label().to_string()),
        size: size_shown(attachment.size()),
        criterion_keys: attachment.criterion_keys().map(str::to_string).collect(),
        id: attachment.id,
        file_name: attachment.file_name,
        description: attachment.description,
        state: attachment.scan_state,
    }
}

/// The files attached to a domain now, for the trust's page.
#[cfg(feature = "ssr")]
pub(crate) async fn attached_to_domain(
    db: &Db,
    assessment_id: &str,
    domain_key: &str,
) -> Result<DomainEvidence, AppError> {
    let files =
        store::evidence_files::for_domain(db, &AssessmentId::from(assessment_id), domain_key)
            .await?;
    let settings = leptos::prelude::use_context::<EvidenceSettings>();
    Ok(DomainEvidence {
        files: files.into_iter().map(evidence_file).collect(),
        limits: settings.map(|s| s.limits).unwrap_or_default(),
        scanned: settings.is_some_and(|s| s.scanned),
    })
}

/// A domain's files as the assessment was submitted, for reviewers.
#[cfg(feature = "ssr")]
pub(crate) async fn submitted_to_domain(
    db: &Db,
    assessment_id: &str,
    domain_key: &str,
) -> Result<Vec<EvidenceFile>, AppError> {
    Ok(
        store::evidence_files::submitted(db, &AssessmentId::from(assessment_id))
            .await?
            .into_iter()
            .filter(|attachment| attachment.domain_key == domain_key)
            .map(evidence_file)
            .collect(),
    )
}

/// Where a file may be attached: the assessment, the lifecycle's judgement that its answers may
/// be saved now, and the domain.
#[cfg(feature = "ssr")]
pub struct AttachTarget {
    pub header: AssessmentHeader,
    pub allowed: Allowed,
    pub domain: Domain,
}

/// Whether `actor` may attach a file to the domain now: exactly when they may save its answers.
/// A refusal is recorded in the audit trail.
#[cfg(feature = "ssr")]
pub async fn attach_target(
    db: &Db,
    actor: &Actor,
    assessment_id: &str,
    domain_key: &str,
) -> Result<AttachTarget, AppError> {
    let header = existing_assessment(db, assessment_id).await?;
    if let Err(refusal) = access::may_view_assessment(actor, &header.trust_ods_code) {
        return Err(refused(db, actor, assessment_id, refusal).await);
    }
    let allowed = match judge(actor, &header, Event::Save) {
        Ok(allowed) => allowed,
        Err(refusal) => {
            refused(db, actor, assessment_id, refusal.message()).await;
            return Err(super::refusals::unrecorded(refusal));
        }
    };
    let framework = store::frameworks::cached(db, &header.framework_version)
        .await?
        .ok_or(AppError::Internal)?;
    let (_, domain) = find_domain(&framework, &header, domain_key)?;
    Ok(AttachTarget {
        allowed,
        domain: domain.clone(),
        header,
    })
}

/// An attached file `actor` (None: nobody signed in) may read, and may be served now: the
/// trust's leads read what is attached and what was submitted; reviewers and NHS England the
/// set as submitted. A refusal is recorded in the audit trail.
#[cfg(feature = "ssr")]
pub async fn readable_attachment(
    db: &Db,
    actor: Option<&Actor>,
    attachment_id: &str,
) -> Result<Attachment, AppError> {
    let Some(actor) = actor else {
        if let Err(error) =
            store::evidence_files::record_refusal(db, "anonymous", attachment_id, "not signed in")
                .await
        {
            tracing::error!(%error, "recording a refused download");
        }
        return Err(AppError::SignInRequired);
    };
    let not_found = || AppError::NotFound("There is no such file.".into());
    let (attachment, submitted) = store::evidence_files::attachment(db, attachment_id)
        .await?
        .ok_or_else(not_found)?;
    let header = existing_assessment(db, &attachment.assessment_id).await?;
    let own_review = if actor.has(Role::PeerReviewer) {
        store::evidence_files::review_progress(
            db,
            &AssessmentId::from(&header.id),
            &AccountId::from(&actor.account_id),
        )
        .await?
    } else {
        None
    };
    if let Err(refusal) = access::may_read_evidence(actor, &header.trust_ods_code, own_review) {
        return Err(refused(db, actor, attachment_id, refusal).await);
    }
    let own_trust = actor.has(Role::TrustLead)
        && actor.org_ods_code.as_deref() == Some(header.trust_ods_code.as_str());
    let visible = submitted || (own_trust && attachment.removed_at.is_none());
    if !visible {
        return Err(not_found());
    }
    match attachment.scan_state {
        state if state.servable() => Ok(attachment),
        ScanState::Quarantined => Err(AppError::Forbidden(
            "This file failed the virus check. It is kept apart and never opened.".into(),
        )),
        _ => Err(AppError::Invalid(
            "This file is still being checked for viruses. Try again in a minute.".into(),
        )),
    }
}

/// Records a refusal of `actor` about `what` in the audit trail, and the error they see.
#[cfg(feature = "ssr")]
async fn refused(db: &Db, actor: &Actor, what: &str, reason: &str) -> AppError {
    if let Err(error) =
        store::evidence_files::record_refusal(db, &actor.account_id, what, reason).await
    {
        tracing::error!(%error, "recording a refusal");
    }
    AppError::Forbidden(reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_back_from_its_key_and_names_the_file() {
        let limits = Limits::default();
        for refusal in AttachRefusal::KEYED
            .map(|(_, refusal)| refusal)
            .into_iter()
            .chain([
                AttachRefusal::Limit(LimitExceeded::FileTooLarge {
                    limit: limits.max_file_bytes,
                }),
                AttachRefusal::Limit(LimitExceeded::DomainFull {
                    limit: limits.max_files_per_domain,
                }),
            ])
        {
            assert_eq!(
                AttachRefusal::from_key(refusal.key(), &limits),
                Some(refusal)
            );
        }
        assert_eq!(
            AttachRefusal::Program
                .error("board-paper.exe", Vec::new())
                .to_string(),
            "board-paper.exe is not a document we accept: it is a program. Attach a PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG file."
        );
        assert_eq!(AttachRefusal::from_key("<script>", &limits), None);
    }
}
