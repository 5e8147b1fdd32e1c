//! What a form's redirect tells the page it lands on ("saved", "sent", …), carried in the
//! address's query so that it works without JavaScript. A server function names it as a `Flash`
//! on its [`Route`](crate::routes::Route); the page reads it back with [`use_flash`].

use crate::rules::cycles::Phase;
use crate::url::percent_encode;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::fmt;

/// One success message to show once, after a form worked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flash {
    /// A domain's answers, review, reply or moderated level were saved.
    Saved {
        domain: String,
    },
    Submitted,
    Reopened,
    /// A password reset link was sent (if there is such an account).
    Sent,
    SignedOut,
    PasswordSet,
    Invited {
        email: String,
    },
    Updated(Update),
    Proposed,
    Swapped,
    Confirmed,
    Replaced,
    Declined,
    Created,
    PhaseChanged(Phase),
    /// A trust's submission deadline was extended.
    DeadlineExtended {
        trust: String,
    },
    /// A reviewer's deadline was extended.
    ReviewExtended,
    ReplyDeadlineSet,
    Reminded {
        people: usize,
    },
    Retried,
    Excluded,
    Released {
        assessments: usize,
    },
    Published {
        version: i64,
    },
    /// A query was raised on a domain's provisional score; the page opens at that domain.
    Queried {
        domain: String,
    },
    Answered,
    Asked,
    SignedOff {
        assessments: usize,
    },
    Returned,
    Closed,
    /// An evidence file was attached to a domain.
    EvidenceAttached {
        file: String,
    },
    /// An evidence file was removed from a domain.
    EvidenceRemoved {
        file: String,
    },
}

/// What changed on an account or a person's page (`?updated=…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    Roles,
    Status,
    Authenticator,
    SignedOutElsewhere,
    Password,
    Expertise,
    ConflictDeclared,
    ConflictWithdrawn,
}

impl Update {
    const ALL: [Update; 8] = [
        Update::Roles,
        Update::Status,
        Update::Authenticator,
        Update::SignedOutElsewhere,
        Update::Password,
        Update::Expertise,
        Update::ConflictDeclared,
        Update::ConflictWithdrawn,
    ];

    fn key(self) -> &'static str {
        match self {
            Update::Roles => "roles",
            Update::Status => "status",
            Update::Authenticator => "authenticator",
            Update::SignedOutElsewhere => "signed_out_elsewhere",
            Update::Password => "password",
            Update::Expertise => "expertise",
            Update::ConflictDeclared => "conflict-declared",
            Update::ConflictWithdrawn => "conflict-withdrawn",
        }
    }
}

impl Flash {
    /// The query parameter's name and value, as the address carries them.
    fn parameter(&self) -> (&'static str, String) {
        let flag = |name| (name, "1".to_string());
        match self {
            Flash::Saved { domain } => ("saved", domain.clone()),
            Flash::Submitted => flag("submitted"),
            Flash::Reopened => flag("reopened"),
            Flash::Sent => flag("sent"),
            Flash::SignedOut => flag("signed_out"),
            Flash::PasswordSet => flag("password_set"),
            Flash::Invited { email } => ("invited", percent_encode(email)),
            Flash::Updated(update) => ("updated", update.key().to_string()),
            Flash::Proposed => flag("proposed"),
            Flash::Swapped => flag("swapped"),
            Flash::Confirmed => flag("confirmed"),
            Flash::Replaced => flag("replaced"),
            Flash::Declined => flag("declined"),
            Flash::Created => flag("created"),
            Flash::PhaseChanged(phase) => ("phase", phase.key().to_string()),
            Flash::DeadlineExtended { trust } => ("extended", trust.clone()),
            Flash::ReviewExtended => flag("extended"),
            Flash::ReplyDeadlineSet => flag("reply_deadline"),
            Flash::Reminded { people } => ("reminded", people.to_string()),
            Flash::Retried => flag("retried"),
            Flash::Excluded => flag("excluded"),
            Flash::Released { assessments } => ("released", assessments.to_string()),
            Flash::Published { version } => ("published", version.to_string()),
            Flash::Queried { domain } => ("queried", domain.clone()),
            Flash::Answered => flag("answered"),
            Flash::Asked => flag("asked"),
            Flash::SignedOff { assessments } => ("signed", assessments.to_string()),
            Flash::Returned => flag("returned"),
            Flash::Closed => flag("closed"),
            Flash::EvidenceAttached { file } => ("attached", percent_encode(file)),
            Flash::EvidenceRemoved { file } => ("removed", percent_encode(file)),
        }
    }

    /// Where on the page to open, if not at the top.
    pub fn fragment(&self) -> Option<&str> {
        match self {
            Flash::Queried { domain } => Some(domain),
            _ => None,
        }
    }

    /// The flash a query names, given a lookup of its (decoded) parameters; empty values count
    /// as absent. Only one flash is ever sent, so the first parameter found decides.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Option<Flash> {
        let unit = [
            ("submitted", Flash::Submitted),
            ("reopened", Flash::Reopened),
            ("sent", Flash::Sent),
            ("signed_out", Flash::SignedOut),
            ("password_set", Flash::PasswordSet),
            ("proposed", Flash::Proposed),
            ("swapped", Flash::Swapped),
            ("confirmed", Flash::Confirmed),
            ("replaced", Flash::Replaced),
            ("declined", Flash::Declined),
            ("created", Flash::Created),
            ("reply_deadline", Flash::ReplyDeadlineSet),
            ("retried", Flash::Retried),
            ("excluded", Flash::Excluded),
            ("answered", Flash::Answered),
            ("asked", Flash::Asked),
            ("returned", Flash::Returned),
            ("closed", Flash::Closed),
        ];
        let get = |name: &str| get(name).filter(|value| !value.is_empty());
        if let Some((_, flash)) = unit.into_iter().find(|(name, _)| get(name).is_some()) {
            return Some(flash);
        }
        if let Some(domain) = get("saved") {
            return Some(Flash::Saved { domain });
        }
        if let Some(domain) = get("queried") {
            return Some(Flash::Queried { domain });
        }
        if let Some(file) = get("attached") {
            return Some(Flash::EvidenceAttached { file });
        }
        if let Some(file) = get("removed") {
            return Some(Flash::EvidenceRemoved { file });
        }
        if let Some(email) = get("invited") {
            return Some(Flash::Invited { email });
        }
        if let Some(key) = get("updated") {
            return Update::ALL
                .into_iter()
                .find(|update| update.key() == key)
                .map(Flash::Updated);
        }
        if let Some(key) = get("phase") {
            return Phase::from_key(&key).map(Flash::PhaseChanged);
        }
        // A reviewer's deadline is "extended=1"; a trust's names the trust (an ODS code).
        if let Some(extended) = get("extended") {
            return Some(match extended.as_str() {
                "1" => Flash::ReviewExtended,
                _ => Flash::DeadlineExtended { trust: extended },
            });
        }
        let count = |name: &str| get(name).and_then(|value| value.parse().ok());
        if let Some(people) = count("reminded") {
            return Some(Flash::Reminded { people });
        }
        if let Some(assessments) = count("released") {
            return Some(Flash::Released { assessments });
        }
        if let Some(assessments) = count("signed") {
            return Some(Flash::SignedOff { assessments });
        }
        get("published")
            .and_then(|value| value.parse().ok())
            .map(|version| Flash::Published { version })
    }
}

/// `name=value`, as the query carries it.
impl fmt::Display for Flash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, value) = self.parameter();
        write!(formatter, "{name}={value}")
    }
}

/// The flash in the current page's address, if any.
pub fn use_flash() -> Memo<Option<Flash>> {
    let query = use_query_map();
    Memo::new(move |_| Flash::from_query(|name| query.read().get(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flash_reads_back_as_itself() {
        let flashes = [
            Flash::Saved {
                domain: "digital-strategy".into(),
            },
            Flash::Reopened,
            Flash::Invited {
                email: "jo@nhs.net".into(),
            },
            Flash::Updated(Update::ConflictDeclared),
            Flash::PhaseChanged(Phase::PeerReview),
            Flash::DeadlineExtended {
                trust: "RR8".into(),
            },
            Flash::ReviewExtended,
            Flash::Reminded { people: 3 },
            Flash::Published { version: 2 },
            Flash::SignedOff { assessments: 4 },
            Flash::EvidenceAttached {
                file: "board-paper.pdf".into(),
            },
            Flash::EvidenceRemoved {
                file: "strategy.docx".into(),
            },
        ];
        for flash in flashes {
            let text = flash.to_string();
            let (name, value) = text.split_once('=').unwrap();
            let value = value.replace("%40", "@");
            let read = Flash::from_query(|asked| (asked == name).then(|| value.clone()));
            assert_eq!(read, Some(flash), "{text}");
        }
    }

    #[test]
    fn the_query_is_spelled_as_the_forms_expect() {
        assert_eq!(Flash::Sent.to_string(), "sent=1");
        assert_eq!(
            Flash::Invited {
                email: "King's & co".into()
            }
            .to_string(),
            "invited=King%27s%20%26%20co"
        );
        assert_eq!(
            Flash::Updated(Update::SignedOutElsewhere).to_string(),
            "updated=signed_out_elsewhere"
        );
        assert_eq!(Flash::SignedOff { assessments: 2 }.to_string(), "signed=2");
    }
}
