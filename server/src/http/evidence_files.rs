//! Evidence files over HTTP: the upload from the domain page's plain multipart form, streamed to
//! a temporary file (never held whole in memory), identified from its bytes, kept in the evidence
//! store and recorded; and the download of one attached file, authorised for that record,
//! audited, and served as an attachment the browser may not sniff, run or cache.

use super::downloads::refusal;
use super::SandboxedFile;
use crate::evidence::EvidenceFiles;
use app::api::evidence_files::{attach_target, readable_attachment, AttachRefusal};
use app::api::guard;
use app::error::AppError;
use app::flash::Flash;
use app::routes::Route;
use app::rules::evidence::{checked_description, ScanState};
use app::state::AppState;
use app::store::evidence_files::{self, EvidenceFileError, NewAttachment, NewDocument};
use app::store::lifecycle::StatusChangeError;
use app::url::percent_encode;
use axum::{
    body::Body,
    extract::{multipart::Field, Multipart, Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Extension,
};
use documents::{identify, DocumentKind, NotAccepted, ReceiveError};
use futures::StreamExt;
use std::sync::Arc;
use tower_sessions::Session;

/// The longest file name kept; longer ones are cut (keeping the extension's end is not needed:
/// the kind was decided from the bytes and the name's extension checked before).
const FILE_NAME_LIMIT: usize = 200;

/// `POST /assessments/{id}/domains/{key}/evidence`: attaches the uploaded file, then back to the
/// domain page saying so, or saying why not with what was entered.
pub(super) async fn upload(
    State(state): State<AppState>,
    Extension(files): Extension<Arc<EvidenceFiles>>,
    session: Session,
    Path((assessment_id, domain_key)): Path<(String, String)>,
    multipart: Multipart,
) -> Response {
    let actor = match guard::actor_of(&session, &state.db).await {
        Ok(Some(actor)) => actor,
        Ok(None) => return refusal(AppError::SignInRequired),
        Err(error) => return refusal(error),
    };
    let back = |refusal: AttachRefusal, upload: &Upload| {
        let criteria = upload.criteria.join("|");
        Redirect::to(&format!(
            "{}?refused={}&file={}&description={}&criteria={}#evidence",
            Route::AssessmentDomain {
                id: &assessment_id,
                key: &domain_key
            },
            refusal.key(),
            percent_encode(&upload.file_name),
            percent_encode(&upload.description),
            percent_encode(&criteria),
        ))
        .into_response()
    };
    let target = match attach_target(&state.db, &actor, &assessment_id, &domain_key).await {
        Ok(target) => target,
        Err(AppError::Invalid(_)) => return back(AttachRefusal::Locked, &Upload::default()),
        Err(error) => return refusal(error),
    };
    let upload = match read_upload(multipart, &files).await {
        Ok(upload) => upload,
        Err(UploadError::Refused(refused, upload)) => return back(refused, &upload),
        Err(UploadError::Broken(error)) => {
            tracing::warn!(%error, "an evidence upload could not be read");
            return (
                StatusCode::BAD_REQUEST,
                "The upload did not arrive whole. Go back and try again.",
            )
                .into_response();
        }
    };
    let Some(received) = &upload.received else {
        return back(AttachRefusal::NoFile, &upload);
    };
    let Ok(description) = checked_description(&upload.description) else {
        return back(AttachRefusal::Description, &upload);
    };
    if !upload.criteria.iter().all(|key| {
        target
            .domain
            .criteria()
            .any(|criterion| &criterion.key == key)
    }) {
        return back(AttachRefusal::Criteria, &upload);
    }
    let kind = match identify(&received.file, &upload.file_name) {
        Ok(kind) => kind,
        Err(not_accepted) => return back(refusal_of(&not_accepted), &upload),
    };
    if let Err(error) = files.store.put(received).await {
        tracing::error!(%error, "storing an evidence file");
        return refusal(AppError::Internal);
    }
    let scan_state = if files.scanner.is_some() {
        ScanState::BeingChecked
    } else {
        ScanState::NotScanned
    };
    let attached = evidence_files::attach(
        &state.db,
        &actor.account_id,
        target.allowed,
        NewDocument {
            sha256: &received.sha256,
            size: received.size,
            kind: kind.key(),
            file_name: &upload.file_name,
            scan_state,
        },
        NewAttachment {
            assessment_id: &assessment_id,
            domain_key: &domain_key,
            description,
            criterion_keys: &upload.criteria,
        },
        &files.limits,
    )
    .await;
    match attached {
        Ok(_) => {
            files.scan_soon();
            Redirect::to(&format!(
                "{}#evidence",
                Route::AssessmentDomain {
                    id: &assessment_id,
                    key: &domain_key
                }
                .with(Flash::EvidenceAttached {
                    file: upload.file_name.clone()
                })
            ))
            .into_response()
        }
        Err(EvidenceFileError::Limit(exceeded)) => back(AttachRefusal::Limit(exceeded), &upload),
        Err(EvidenceFileError::Quarantined) => back(AttachRefusal::Quarantined, &upload),
        Err(EvidenceFileError::StatusChange(StatusChangeError::MovedOn(_))) => {
            back(AttachRefusal::Locked, &upload)
        }
        Err(error) => refusal(error.into()),
    }
}

/// What the form sent: the file (received into a temporary file), its name, the description and
/// the criteria ticked.
#[derive(Default)]
struct Upload {
    received: Option<documents::Received>,
    file_name: String,
    description: String,
    criteria: Vec<String>,
}

enum UploadError {
    /// Refused with what had been read, so the page can show it again.
    Refused(AttachRefusal, Upload),
    Broken(String),
}

/// Reads the form's fields in whatever order they come, streaming the file to disk.
async fn read_upload(
    mut multipart: Multipart,
    files: &EvidenceFiles,
) -> Result<Upload, UploadError> {
    let mut upload = Upload::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(upload),
            Err(error) => return Err(UploadError::Broken(error.to_string())),
        };
        let name = field.name().map(str::to_string);
        match name.as_deref() {
            Some("file") => {
                let name = field.file_name().map(file_name_shown).unwrap_or_default();
                // A form posted with no file chosen sends an empty part with no name.
                if name.is_empty() {
                    continue;
                }
                upload.file_name = name;
                match documents::receive(
                    Box::pin(field),
                    files.limits.max_file_bytes,
                    &files.temp_dir,
                )
                .await
                {
                    Ok(received) => upload.received = Some(received),
                    Err(ReceiveError::TooLarge { limit }) => {
                        let exceeded = app::rules::evidence::LimitExceeded::FileTooLarge { limit };
                        return Err(UploadError::Refused(AttachRefusal::Limit(exceeded), upload));
                    }
                    Err(error) => return Err(UploadError::Broken(error.to_string())),
                }
            }
            Some("description") => upload.description = short_text(field, 4096).await?,
            Some("criteria") => upload.criteria.push(short_text(field, 200).await?),
            _ => {}
        }
    }
}

/// A text field's value, refusing one longer than `limit` bytes rather than reading it all.
async fn short_text(mut field: Field<'_>, limit: usize) -> Result<String, UploadError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|error| UploadError::Broken(error.to_string()))?;
        bytes.extend_from_slice(&chunk);
        if bytes.len() > limit {
            return Err(UploadError::Broken(format!(
                "a text field is longer than {limit} bytes"
            )));
        }
    }
    String::from_utf8(bytes).map_err(|_| UploadError::Broken("a text field is not UTF-8".into()))
}

/// The name a file is listed and downloaded under: the last part of what the browser sent (some
/// send a whole path), without control characters, at most [`FILE_NAME_LIMIT`] characters.
fn file_name_shown(sent: &str) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or(sent);
    last.chars()
        .filter(|c| !c.is_control())
        .take(FILE_NAME_LIMIT)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Why the bytes are not accepted, as the page says it.
fn refusal_of(not_accepted: &NotAccepted) -> AttachRefusal {
    match not_accepted {
        NotAccepted::Empty => AttachRefusal::Empty,
        NotAccepted::Program { .. } => AttachRefusal::Program,
        NotAccepted::Archive { .. } => AttachRefusal::Archive,
        NotAccepted::OtherType { .. } => AttachRefusal::OtherType,
        NotAccepted::OfficeFileNotAsNamed => AttachRefusal::NotAsNamed,
        NotAccepted::NameDisagrees { .. } => AttachRefusal::NameDisagrees,
        NotAccepted::Unrecognised | NotAccepted::Unreadable { .. } => AttachRefusal::Unrecognised,
    }
}

/// `GET /evidence/{attachment}`: the file, to a reader the access rule allows for its
/// assessment, once it may be served; audited. Served as an attachment, never sniffed, sandboxed
/// if opened, never cached.
pub(super) async fn download(
    State(state): State<AppState>,
    Extension(files): Extension<Arc<EvidenceFiles>>,
    session: Session,
    Path(attachment_id): Path<String>,
) -> Response {
    let actor = match guard::actor_of(&session, &state.db).await {
        Ok(actor) => actor,
        Err(error) => return refusal(error),
    };
    let attachment = match readable_attachment(&state.db, actor.as_ref(), &attachment_id).await {
        Ok(attachment) => attachment,
        Err(error) => return refusal(error),
    };
    let bytes = match files.store.get(&attachment.sha256).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, sha256 = %attachment.sha256, "reading an evidence file");
            return refusal(AppError::Internal);
        }
    };
    let reader = actor.map(|actor| actor.account_id).unwrap_or_default();
    if let Err(error) = evidence_files::record_download(&state.db, &reader, &attachment).await {
        tracing::error!(%error, "recording an evidence download");
        return refusal(AppError::Internal);
    }
    let content_type = DocumentKind::from_key(&attachment.kind)
        .map_or("application/octet-stream", DocumentKind::content_type);
    let mut response = Body::from_stream(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(attachment.size()));
    if let Ok(disposition) = HeaderValue::from_str(&content_disposition(&attachment.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, private"),
    );
    response.extensions_mut().insert(SandboxedFile);
    response
}

/// `attachment` with the name: an ASCII fallback, and the real name in RFC 5987 form.
fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        percent_encode(file_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_is_its_last_part_without_control_characters() {
        assert_eq!(
            file_name_shown("C:\\Users\\jo\\board paper.pdf"),
            "board paper.pdf"
        );
        assert_eq!(file_name_shown("../../etc/passwd"), "passwd");
        assert_eq!(file_name_shown("a\r\nb.pdf"), "ab.pdf");
        assert_eq!(file_name_shown(&"x".repeat(300)).len(), FILE_NAME_LIMIT);
    }

    #[test]
    fn the_download_name_is_quoted_safely() {
        assert_eq!(
            content_disposition("Board \"paper\" é.pdf"),
            "attachment; filename=\"Board _paper_ _.pdf\"; filename*=UTF-8''Board%20%22paper%22%20%C3%A9.pdf"
        );
    }
}
