//! The addresses of the service's pages, by what they show: redirects in the API and links in
//! the pages are built from these, so each address is spelled in one place. The paths match the
//! routes in `pages::App`.

use crate::flash::Flash;
use std::fmt;

/// A page, with the ids its address needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    SignIn,
    SignInCode,
    SetUpApp,
    ForgottenPassword,
    Dashboard,
    FailedMail,
    Account,
    Authenticator,
    People,
    Person { id: &'a str },
    PeopleImport,
    PeopleImportCheck { id: &'a str },
    Cycle { id: &'a str },
    Assignment { cycle: &'a str },
    Release { cycle: &'a str },
    WhoIsMissing { cycle: &'a str },
    Reviews,
    Review { slot: &'a str },
    ReviewDomain { slot: &'a str, key: &'a str },
    ReviewCheck { slot: &'a str },
    ReviewSubmitted { slot: &'a str },
    ModerationQueue,
    Queries,
    Moderation { id: &'a str },
    ModerationDomain { id: &'a str, key: &'a str },
    SignOffQueue,
    SignOff { id: &'a str },
    Assessments,
    Assessment { id: &'a str },
    AssessmentDomain { id: &'a str, key: &'a str },
    AssessmentCheck { id: &'a str },
    AssessmentSubmitted { id: &'a str },
    EvidenceRequests { id: &'a str },
    FinalScores { id: &'a str },
    Reply { id: &'a str },
    ReplyDomain { id: &'a str, key: &'a str },
    ReplyCheck { id: &'a str },
    ReplySubmitted { id: &'a str },
    NationalResults { cycle: &'a str },
}

impl Route<'_> {
    /// The page's address, for a link.
    pub fn href(&self) -> String {
        self.to_string()
    }

    /// The page's address carrying `flash`, for the redirect after a form worked.
    pub fn with(&self, flash: Flash) -> String {
        match flash.fragment() {
            Some(fragment) => format!("{self}?{flash}#{fragment}"),
            None => format!("{self}?{flash}"),
        }
    }
}

impl fmt::Display for Route<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::SignIn => write!(formatter, "/sign-in"),
            Route::SignInCode => write!(formatter, "/sign-in/code"),
            Route::SetUpApp => write!(formatter, "/sign-in/set-up-app"),
            Route::ForgottenPassword => write!(formatter, "/forgotten-password"),
            Route::Dashboard => write!(formatter, "/dashboard"),
            Route::FailedMail => write!(formatter, "/admin/mail"),
            Route::Account => write!(formatter, "/account"),
            Route::Authenticator => write!(formatter, "/account/authenticator"),
            Route::People => write!(formatter, "/admin/people"),
            Route::Person { id } => write!(formatter, "/admin/people/{id}"),
            Route::PeopleImport => write!(formatter, "/admin/people-import"),
            Route::PeopleImportCheck { id } => write!(formatter, "/admin/people-import/{id}"),
            Route::Cycle { id } => write!(formatter, "/admin/cycles/{id}"),
            Route::Assignment { cycle } => write!(formatter, "/admin/cycles/{cycle}/assignment"),
            Route::Release { cycle } => write!(formatter, "/admin/cycles/{cycle}/results"),
            Route::WhoIsMissing { cycle } => write!(formatter, "/admin/cycles/{cycle}/missing"),
            Route::Reviews => write!(formatter, "/reviews"),
            Route::Review { slot } => write!(formatter, "/reviews/{slot}"),
            Route::ReviewDomain { slot, key } => write!(formatter, "/reviews/{slot}/domains/{key}"),
            Route::ReviewCheck { slot } => write!(formatter, "/reviews/{slot}/check"),
            Route::ReviewSubmitted { slot } => write!(formatter, "/reviews/{slot}/submitted"),
            Route::ModerationQueue => write!(formatter, "/moderation"),
            Route::Queries => write!(formatter, "/moderation/queries"),
            Route::Moderation { id } => write!(formatter, "/moderation/{id}"),
            Route::ModerationDomain { id, key } => {
                write!(formatter, "/moderation/{id}/domains/{key}")
            }
            Route::SignOffQueue => write!(formatter, "/sign-off"),
            Route::SignOff { id } => write!(formatter, "/sign-off/{id}"),
            Route::Assessments => write!(formatter, "/assessments"),
            Route::Assessment { id } => write!(formatter, "/assessments/{id}"),
            Route::AssessmentDomain { id, key } => {
                write!(formatter, "/assessments/{id}/domains/{key}")
            }
            Route::AssessmentCheck { id } => write!(formatter, "/assessments/{id}/check"),
            Route::AssessmentSubmitted { id } => write!(formatter, "/assessments/{id}/submitted"),
            Route::EvidenceRequests { id } => write!(formatter, "/assessments/{id}/evidence"),
            Route::FinalScores { id } => write!(formatter, "/assessments/{id}/results"),
            Route::Reply { id } => write!(formatter, "/assessments/{id}/reply"),
            Route::ReplyDomain { id, key } => {
                write!(formatter, "/assessments/{id}/reply/domains/{key}")
            }
            Route::ReplyCheck { id } => write!(formatter, "/assessments/{id}/reply/check"),
            Route::ReplySubmitted { id } => write!(formatter, "/assessments/{id}/reply/submitted"),
            Route::NationalResults { cycle } => write!(formatter, "/results/{cycle}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_with_a_flash_is_the_address_the_pages_read() {
        assert_eq!(
            Route::Assessment { id: "a1" }.with(Flash::Saved {
                domain: "digital-strategy".into()
            }),
            "/assessments/a1?saved=digital-strategy"
        );
        assert_eq!(
            Route::FinalScores { id: "a1" }.with(Flash::Queried {
                domain: "records".into()
            }),
            "/assessments/a1/results?queried=records#records"
        );
        assert_eq!(
            Route::ForgottenPassword.with(Flash::Sent),
            "/forgotten-password?sent=1"
        );
        assert_eq!(
            Route::ReviewDomain {
                slot: "s1",
                key: "records"
            }
            .href(),
            "/reviews/s1/domains/records"
        );
    }
}
