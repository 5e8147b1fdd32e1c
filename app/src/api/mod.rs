//! Server functions: the only way the browser reaches the store. Each one authenticates and
//! authorizes where its data is not public (through `guard`), validates its input, then calls the
//! store and rules.

pub mod accounts;
pub mod assessments;
pub mod assignments;
#[cfg(feature = "ssr")]
mod context;
#[cfg(feature = "ssr")]
pub mod credentials;
pub mod cycles;
pub mod dashboard;
pub mod evidence;
pub mod evidence_files;
pub mod form;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod mail_text;
pub mod moderation;
pub mod organisations;
pub mod people_import;
pub mod provisional;
#[cfg(feature = "ssr")]
mod refusals;
pub mod release;
#[cfg(feature = "ssr")]
pub mod reminders;
pub mod replies;
pub mod results;
#[cfg(feature = "ssr")]
pub mod results_export;
pub mod reviewers;
pub mod reviews;
pub mod second_factor;
pub mod sign_off;
#[cfg(feature = "ssr")]
pub mod signal_evidence;
pub mod signals;

#[cfg(feature = "ssr")]
use crate::{error::AppError, store::Db};

/// The database of the running service, as provided by the server shell.
#[cfg(feature = "ssr")]
pub(crate) fn db() -> Result<Db, AppError> {
    leptos::prelude::use_context::<crate::state::AppState>()
        .map(|state| state.db)
        .ok_or_else(|| {
            tracing::error!("AppState missing from the Leptos context");
            AppError::Internal
        })
}

/// The address people reach the service at, for links in emails.
#[cfg(feature = "ssr")]
pub(crate) fn public_url() -> Result<String, AppError> {
    leptos::prelude::use_context::<crate::state::AppState>()
        .map(|state| state.public_url)
        .ok_or(AppError::Internal)
}

/// An ODS code someone entered, as a message may repeat it back to them: the code if it has an
/// ODS code's shape; otherwise words, so that whatever else was entered (a megabyte, a script)
/// is not echoed into the page.
#[cfg(feature = "ssr")]
pub(crate) fn ods_code_as_entered(code: &str) -> String {
    if crate::rules::organisations::is_valid_ods_code(code) {
        code.to_string()
    } else {
        "you entered (an ODS code is 3 to 5 letters or digits, like RR8)".to_string()
    }
}
