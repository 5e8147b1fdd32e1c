//! People and their roles.

use serde::{Deserialize, Serialize};

stored_enum! {
    /// What a person may do in the service. One person may hold several roles.
    pub enum Role {
        /// A trust's digital lead or their deputy: completes and submits the trust's assessments.
        TrustLead = ("trust_lead", "Trust lead"),
        /// Digital staff of a trust or ICB who review other systems' assessments.
        PeerReviewer = ("peer_reviewer", "Peer reviewer"),
        /// NHS England: reconciles scores into moderated scores.
        Moderator = ("moderator", "Moderator"),
        /// NHS England: signs off moderated scores and publishes a cycle.
        Approver = ("approver", "Approver"),
        /// NHS England service owner: runs cycles, the framework, organisations and accounts.
        Admin = ("admin", "Administrator"),
    }
}

impl Role {
    /// Trust leads and peer reviewers act for an organisation; NHS England roles do not.
    pub fn needs_organisation(self) -> bool {
        matches!(self, Role::TrustLead | Role::PeerReviewer)
    }
}

/// The form of an email address used to compare addresses: trimmed and lower-case, so that
/// "Jo.Bloggs@NHS.net" and "jo.bloggs@nhs.net " are one account.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// What the audit trail keeps of the text typed as an email address in a failed or refused
/// sign-in: the address, if it is one; otherwise not the text, which may be a password typed in
/// the wrong box, and the trail keeps what it is given for ever.
pub fn email_for_audit(typed: &str) -> String {
    if check_email(typed).is_ok() {
        email_key(typed)
    } else {
        NOT_AN_EMAIL_ADDRESS.to_string()
    }
}

/// What [`email_for_audit`] keeps of text that is not an email address.
pub const NOT_AN_EMAIL_ADDRESS: &str = "(text that is not an email address)";

/// A light check that catches typing mistakes; the invitation email proves the address works.
pub fn check_email(email: &str) -> Result<(), &'static str> {
    let email = email.trim();
    if email.is_empty() {
        return Err("Enter an email address");
    }
    // "Name <x@evil.example>" is a mailbox, not an address: mail would go to x@evil.example
    // while the account showed the whole text. Characters that only a display name, a comment
    // or a list of addresses uses are refused.
    if email
        .chars()
        .any(|character| "<>()[],;:\"\\".contains(character))
    {
        return Err("Enter the email address only, like name@nhs.net, without a name or brackets");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err("Enter an email address in the correct format, like name@nhs.net");
    };
    let well_formed = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= 254;
    if well_formed {
        Ok(())
    } else {
        Err("Enter an email address in the correct format, like name@nhs.net")
    }
}

/// Invitations a trust lead may send in a day: enough to bring in a trust's whole team, few
/// enough that a trust lead's stolen account cannot mail thousands of people from the service.
pub const TRUST_LEAD_INVITATIONS_PER_DAY: i64 = 50;

/// Whether someone with `roles` may send another invitation, given how many they sent in the
/// last 24 hours. NHS England administrators onboard the whole country, every trust and ICB at
/// once, so they have no daily limit (they sign in with a second factor); anyone else who may
/// invite (a trust lead) has [`TRUST_LEAD_INVITATIONS_PER_DAY`].
pub fn invitation_allowed<'a>(
    roles: impl IntoIterator<Item = &'a Role>,
    sent_in_last_day: i64,
) -> Result<(), String> {
    let is_admin = roles.into_iter().any(|role| *role == Role::Admin);
    if is_admin || sent_in_last_day < TRUST_LEAD_INVITATIONS_PER_DAY {
        Ok(())
    } else {
        Err(format!(
            "You have sent {TRUST_LEAD_INVITATIONS_PER_DAY} invitations today, the most a trust lead may send in a day. Try again tomorrow, or ask NHS England to invite the rest."
        ))
    }
}

/// Checks the roles asked for make sense with the organisation given.
pub fn check_roles(roles: &[Role], org_ods_code: Option<&str>) -> Result<(), &'static str> {
    if roles.is_empty() {
        return Err("Select at least one role");
    }
    if org_ods_code.is_none() && roles.iter().any(|role| role.needs_organisation()) {
        return Err("Enter the ODS code of the person's organisation: trust leads and peer reviewers act for an organisation");
    }
    Ok(())
}

/// An account as administrators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub org_ods_code: Option<String>,
    pub org_name: Option<String>,
    pub roles: Vec<Role>,
    pub is_active: bool,
    /// False until the person has used their invitation link.
    pub has_password: bool,
    pub created_at: String,
}

stored_enum! {
    /// What a single-use emailed link is for.
    pub enum LinkPurpose {
        Invitation = "invitation",
        PasswordReset = "password_reset",
    }
}

impl LinkPurpose {
    /// How long a link stays usable: a week to accept an invitation, a day to reset a password.
    pub fn lifetime_hours(self) -> i64 {
        match self {
            LinkPurpose::Invitation => 7 * 24,
            LinkPurpose::PasswordReset => 24,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_keys_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_key(role.key()), Some(role));
        }
        assert_eq!(Role::from_key("superuser"), None);
    }

    #[test]
    fn the_audit_keeps_an_address_and_never_other_typed_text() {
        assert_eq!(email_for_audit(" Jo.Bloggs@NHS.net "), "jo.bloggs@nhs.net");
        for typed in [
            "Correct horse battery staple",
            "",
            "hunter2@",
            "jo bloggs@nhs.net",
        ] {
            assert_eq!(email_for_audit(typed), NOT_AN_EMAIL_ADDRESS, "{typed:?}");
        }
    }

    #[test]
    fn email_keys_ignore_case_and_spaces() {
        assert_eq!(email_key(" Jo.Bloggs@NHS.net "), "jo.bloggs@nhs.net");
    }

    #[test]
    fn email_format_is_checked() {
        assert!(check_email("jo.bloggs@nhs.net").is_ok());
        for bad in [
            "",
            "jo.bloggs",
            "jo@nhs",
            "@nhs.net",
            "jo@.net",
            "jo bloggs@nhs.net",
            "jo@nhs.net.",
        ] {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_name_or_a_second_address_around_the_address_is_refused() {
        for mailbox in [
            "Jo Bloggs <jo@evil.example>",
            "Jo<jo@evil.example>",
            "jo@nhs.net<jo@evil.example>",
            "\"jo@nhs.net\"@evil.example",
            "jo@nhs.net,jo@evil.example",
            "jo@nhs.net;jo@evil.example",
            "jo(comment)@nhs.net",
            "jo@[192.0.2.1]",
            "jo\\@nhs.net",
        ] {
            assert_eq!(
                check_email(mailbox),
                Err("Enter the email address only, like name@nhs.net, without a name or brackets"),
                "{mailbox:?}"
            );
        }
        assert!(check_email("jo.o'brien+dma@nhs.net").is_ok());
    }

    #[test]
    fn a_trust_lead_may_send_50_invitations_a_day_and_an_administrator_any_number() {
        let lead = [Role::TrustLead, Role::PeerReviewer];
        assert!(invitation_allowed(&lead, 49).is_ok());
        assert_eq!(
            invitation_allowed(&lead, 50),
            Err("You have sent 50 invitations today, the most a trust lead may send in a day. Try again tomorrow, or ask NHS England to invite the rest.".into())
        );
        assert!(invitation_allowed(&[Role::Admin], 100_000).is_ok());
        assert!(invitation_allowed(&[Role::TrustLead, Role::Admin], 100_000).is_ok());
    }

    #[test]
    fn organisation_roles_need_an_organisation() {
        assert!(check_roles(&[Role::Admin], None).is_ok());
        assert!(check_roles(&[Role::TrustLead], None).is_err());
        assert!(check_roles(&[Role::TrustLead, Role::PeerReviewer], Some("RR8")).is_ok());
        assert!(check_roles(&[], Some("RR8")).is_err());
    }
}
