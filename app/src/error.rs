//! The one error type the server returns to people: each variant says what went wrong in words a
//! user can act on. Internals (SQL, file paths) go to the log only.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The thing asked for does not exist; the text names it.
    #[error("{0}")]
    NotFound(String),
    /// The input cannot be accepted; the text says why and how to put it right.
    #[error("{0}")]
    Invalid(String),
    /// One form field cannot be accepted: `field` is the input's id, so the error summary can
    /// link to it and the field can show the message beside it. `entered` is what the person
    /// entered in the form, by input name, so the page can show it again: without JavaScript the
    /// page is loaded afresh to show the error, and nothing typed may be lost.
    #[error("{message}")]
    InvalidField {
        field: String,
        message: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        entered: Vec<(String, String)>,
    },
    /// The action needs a signed-in person and there is none (or the session has ended).
    #[error("Sign in to continue. If you were signed in, your session may have timed out.")]
    SignInRequired,
    /// The signed-in person may not do this to this record; the text says why.
    #[error("{0}")]
    Forbidden(String),
    /// Someone else saved the same thing first; nothing was saved. `changes` lists, in words,
    /// how their saved answers differ from the ones sent, and `current_version` is what a
    /// deliberate second save must quote to replace them.
    #[error("{message}")]
    Conflict {
        message: String,
        changes: Vec<String>,
        current_version: i64,
    },
    /// Too many requests of this kind are waiting (password checks in a flood); nothing was
    /// done, and the same request a little later will be.
    #[error("The service is busy. Try again in a minute.")]
    Busy,
    /// Something broke on our side; details are in the server log.
    #[error("Sorry, there is a problem with the service. Try again later.")]
    Internal,
    /// The request did not reach the service or its answer could not be read.
    #[error("The service could not be reached. Check your connection and try again.")]
    Unreachable,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        leptos::logging::warn!("server function transport error: {error}");
        match error {
            // The fields sent could not be read (a page older than the service, or a request
            // not made by its pages): say so, rather than that the service is unreachable.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => AppError::unreadable(),
            // On the server this is the request's body; in the browser, the service's answer.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(_) => AppError::unreadable(),
            _ => AppError::Unreachable,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

impl AppError {
    /// A request whose fields could not be read.
    pub fn unreadable() -> AppError {
        AppError::Invalid("This form could not be read. Reload the page and try again.".into())
    }

    pub fn field(field: &str, message: impl Into<String>) -> AppError {
        AppError::InvalidField {
            field: field.to_string(),
            message: message.into(),
            entered: Vec::new(),
        }
    }

    /// The same error, carrying what was entered in the form (input name, value) so the page
    /// can show it again. Only a field error carries it.
    pub fn keeping(self, entered: &[(&str, &str)]) -> AppError {
        match self {
            AppError::InvalidField { field, message, .. } => AppError::InvalidField {
                field,
                message,
                entered: entered
                    .iter()
                    .filter(|(_, value)| !value.is_empty())
                    .map(|(name, value)| (name.to_string(), value.to_string()))
                    .collect(),
            },
            other => other,
        }
    }

    /// What was entered in the input called `name`, if this error carries it.
    pub fn entered(&self, name: &str) -> Option<&str> {
        match self {
            AppError::InvalidField { entered, .. } => entered
                .iter()
                .find(|(input, _)| input == name)
                .map(|(_, value)| value.as_str()),
            _ => None,
        }
    }

    /// Whether this error carries what was entered in its form.
    pub fn has_entered(&self) -> bool {
        matches!(self, AppError::InvalidField { entered, .. } if !entered.is_empty())
    }

    /// The message for one form field, if this error is about it.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            AppError::InvalidField {
                field: f, message, ..
            } if f == field => Some(message.clone()),
            _ => None,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
