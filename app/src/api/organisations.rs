//! The public organisation directory. Reference data: anyone may read it, signed in or not.

use crate::error::AppError;
use crate::rules::organisations::{Directory, IcbDetail, OrgSearchHit, TrustDetail};
#[cfg(feature = "ssr")]
use crate::store::OdsCode;
use leptos::prelude::*;

/// Longest search text accepted; no organisation name comes near it.
pub const MAX_QUERY_LENGTH: usize = 100;

#[cfg(feature = "ssr")]
async fn current_snapshot_id(
    db: &crate::store::Db,
) -> Result<crate::rules::organisations::SnapshotInfo, AppError> {
    crate::store::organisations::current_snapshot(db)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(
                "No organisations have been loaded yet. An administrator needs to import them."
                    .into(),
            )
        })
}

#[server]
pub async fn get_directory() -> Result<Directory, AppError> {
    let db = super::db()?;
    let snapshot = current_snapshot_id(&db).await?;
    Ok(crate::store::organisations::directory(&db, snapshot).await?)
}

#[server]
pub async fn get_icb(ods_code: String) -> Result<IcbDetail, AppError> {
    let db = super::db()?;
    let snapshot = current_snapshot_id(&db).await?;
    let code = ods_code.trim().to_uppercase();
    crate::store::organisations::icb_detail(&db, &snapshot.id, &OdsCode::from(&code))
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "There is no integrated care board with the ODS code {}.",
                super::ods_code_as_entered(&code)
            ))
        })
}

#[server]
pub async fn get_trust(ods_code: String) -> Result<TrustDetail, AppError> {
    let db = super::db()?;
    let snapshot = current_snapshot_id(&db).await?;
    let code = ods_code.trim().to_uppercase();
    crate::store::organisations::trust_detail(&db, &snapshot.id, &OdsCode::from(&code))
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "There is no trust with the ODS code {}.",
                super::ods_code_as_entered(&code)
            ))
        })
}

#[server]
pub async fn search_organisations(query: String) -> Result<Vec<OrgSearchHit>, AppError> {
    if query.chars().count() > MAX_QUERY_LENGTH {
        return Err(AppError::Invalid(format!(
            "Search text must be {MAX_QUERY_LENGTH} characters or fewer"
        )));
    }
    let db = super::db()?;
    let snapshot = current_snapshot_id(&db).await?;
    Ok(crate::store::organisations::search(&db, &snapshot.id, &query).await?)
}
