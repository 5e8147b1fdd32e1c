//! People in bulk: keeping an uploaded file of people, its check page, and confirming it.
//! Administrators only. The upload is a multipart form post to the server shell
//! (`server/src/http/people_upload.rs`), which reads the CSV or XLSX file into rows and hands
//! them to [`stage_upload`].

use crate::error::AppError;
use crate::rules::people_import::{ImportReport, Judgement};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::context::Cx,
    super::{credentials, mail_text, public_url},
    crate::rules::{
        access::{self, Actor},
        accounts::LinkPurpose,
        people_import::{judge, map_columns, Sheet},
    },
    crate::store::{
        outbox::MailWithSecret,
        people_import::{self as store, PeopleImportError},
        Db,
    },
};

/// The largest file accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// Why an upload was not kept, carried back to the upload page in its address (`?problem=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadProblem {
    NoFile,
    TooLarge,
    NotASpreadsheet,
    Unreadable,
    NoRows,
    MissingColumns,
}

impl UploadProblem {
    pub const ALL: [UploadProblem; 6] = [
        UploadProblem::NoFile,
        UploadProblem::TooLarge,
        UploadProblem::NotASpreadsheet,
        UploadProblem::Unreadable,
        UploadProblem::NoRows,
        UploadProblem::MissingColumns,
    ];

    pub fn key(self) -> &'static str {
        match self {
            UploadProblem::NoFile => "no-file",
            UploadProblem::TooLarge => "too-large",
            UploadProblem::NotASpreadsheet => "file-type",
            UploadProblem::Unreadable => "unreadable",
            UploadProblem::NoRows => "no-rows",
            UploadProblem::MissingColumns => "columns",
        }
    }

    pub fn from_key(key: &str) -> Option<UploadProblem> {
        UploadProblem::ALL
            .into_iter()
            .find(|problem| problem.key() == key)
    }

    pub fn message(self) -> &'static str {
        match self {
            UploadProblem::NoFile => "Select a CSV or Excel file of people",
            UploadProblem::TooLarge => "The selected file must be smaller than 5 MB",
            UploadProblem::NotASpreadsheet => "The selected file must be a CSV or an Excel (.xlsx) file",
            UploadProblem::Unreadable => "The selected file could not be read. Save it again as CSV (UTF-8) or .xlsx and upload it again",
            UploadProblem::NoRows => "The selected file has no rows of people under its first row",
            UploadProblem::MissingColumns => "The first row of the file must name its columns: Email, Name and Roles, and if needed Organisation, Care settings and Capacity. Download the template to see the format",
        }
    }
}

/// An uploaded file of people as its page shows it: before confirming, every row judged against
/// the accounts as they stand now; after, what confirming did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleImportView {
    pub id: String,
    pub file_name: String,
    pub file_sha256: String,
    pub check: Option<Judgement>,
    pub report: Option<ImportReport>,
}

/// Keeps the rows read from an uploaded file for `actor` to check, if they can be read: the
/// caller has checked that `actor` may manage accounts. Returns the upload's id.
#[cfg(feature = "ssr")]
pub async fn stage_upload(
    db: &Db,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    sheet: &Sheet,
) -> Result<String, Result<UploadProblem, AppError>> {
    use sha2::{Digest, Sha256};
    if map_columns(&sheet.headers).is_err() {
        return Err(Ok(UploadProblem::MissingColumns));
    }
    if sheet
        .rows
        .iter()
        .all(|row| row.iter().all(|cell| cell.trim().is_empty()))
    {
        return Err(Ok(UploadProblem::NoRows));
    }
    let sha256 = hex::encode(Sha256::digest(bytes));
    store::stage(db, &actor.account_id, file_name, &sha256, sheet)
        .await
        .map_err(|error| Err(error.into()))
}

#[cfg(feature = "ssr")]
impl From<PeopleImportError> for AppError {
    fn from(error: PeopleImportError) -> Self {
        match error {
            PeopleImportError::NoSuchImport => AppError::NotFound(
                "There is no such upload. An upload not confirmed within a day is deleted: upload the file again.".into(),
            ),
            PeopleImportError::AlreadyConfirmed => {
                AppError::Invalid("This file has already been imported.".into())
            }
            PeopleImportError::FileChanged => AppError::Invalid(
                "This is not the file that was checked. Upload the file again.".into(),
            ),
            PeopleImportError::Unreadable(words) => AppError::Invalid(words),
            PeopleImportError::Database(error) => error.into(),
        }
    }
}

/// An upload of the asker's, with its check or what confirming it did.
#[server]
pub async fn get_people_import(id: String) -> Result<PeopleImportView, AppError> {
    let Cx { actor, db } = Cx::require(access::may_manage_accounts).await?;
    let staged = store::staged(&db, &id, &actor.account_id)
        .await?
        .ok_or(PeopleImportError::NoSuchImport)?;
    let check = match &staged.report {
        Some(_) => None,
        None => {
            let (existing, known) = store::as_they_stand(&db).await?;
            Some(judge(&staged.sheet, &existing, &known).map_err(AppError::Invalid)?)
        }
    };
    Ok(PeopleImportView {
        id: staged.id,
        file_name: staged.file_name,
        file_sha256: staged.file_sha256,
        check,
        report: staged.report,
    })
}

/// Confirms an upload the asker checked: its rows are judged again against the accounts as they
/// stand now, new people are invited and changed people updated, all at once.
#[server]
pub async fn confirm_people_import(import_id: String, file_sha256: String) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::require(access::may_manage_accounts).await?;
    let public_url = public_url()?;
    let inviter = actor.display_name.clone();
    store::confirm(
        &db,
        &actor.account_id,
        &import_id,
        &file_sha256,
        judge,
        |person| {
            let token = credentials::new_link_secret();
            let link = format!("{public_url}/set-password?token={token}");
            let mail = MailWithSecret::new(link, |link| {
                mail_text::Invitation {
                    to: &person.email,
                    name: &person.display_name,
                    inviter: &inviter,
                    link,
                    expires_in_days: LinkPurpose::Invitation.lifetime_hours() / 24,
                }
                .mail()
            });
            (token, mail)
        },
    )
    .await?;
    leptos_axum::redirect(&crate::routes::Route::PeopleImportCheck { id: &import_id }.href());
    Ok(())
}
