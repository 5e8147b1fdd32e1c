//! Who may do what. Decided per action and per record, never per page: every server function
//! asks one of these before it acts.

use super::accounts::Role;
use super::review_assignment::ReviewProgress;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The signed-in person a request acts for, as loaded fresh from the database for that request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub account_id: String,
    pub email: String,
    pub display_name: String,
    pub org_ods_code: Option<String>,
    pub roles: BTreeSet<Role>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    fn belongs_to(&self, org_ods_code: Option<&str>) -> bool {
        org_ods_code.is_some() && self.org_ods_code.as_deref() == org_ods_code
    }
}

/// Why an action is refused, in words for the person refused.
pub type Refusal = &'static str;

/// NHS England's roles: moderators, approvers and administrators see across trusts.
fn is_nhs_england(actor: &Actor) -> bool {
    actor.has(Role::Moderator) || actor.has(Role::Approver) || actor.has(Role::Admin)
}

const OWN_ORGANISATION: Refusal = "This is your own organisation's assessment: as NHS England staff you cannot see or act on it. Ask a colleague at NHS England.";

const NHS_ENGLAND_ONLY: Refusal = "Only NHS England can see an assessment's moderation.";

/// NHS England staff never see or act on their own organisation's assessment as NHS England:
/// its scores must not steer them, nor may they learn who reviewed it. The lifecycle's "not of
/// the assessed organisation" for the doors that read.
fn not_own_organisation(actor: &Actor, org_ods_code: &str) -> Result<(), Refusal> {
    if actor.belongs_to(Some(org_ods_code)) {
        Err(OWN_ORGANISATION)
    } else {
        Ok(())
    }
}

const ADMINS_ONLY: Refusal = "Only NHS England administrators can manage accounts.";

/// Listing, and changing the roles or status of, any account.
pub fn may_manage_accounts(actor: &Actor) -> Result<(), Refusal> {
    if actor.has(Role::Admin) {
        Ok(())
    } else {
        Err(ADMINS_ONLY)
    }
}

/// Inviting a person with `roles` for `org_ods_code`: administrators may invite anyone; a trust
/// lead may name a deputy trust lead for their own organisation, and nothing more.
pub fn may_invite(
    actor: &Actor,
    org_ods_code: Option<&str>,
    roles: &[Role],
) -> Result<(), Refusal> {
    if actor.has(Role::Admin) {
        return Ok(());
    }
    if actor.has(Role::TrustLead) {
        if !actor.belongs_to(org_ods_code) {
            return Err("Trust leads can only invite people to their own organisation.");
        }
        if roles.iter().any(|role| *role != Role::TrustLead) {
            return Err(
                "Trust leads can only invite a deputy trust lead. Ask NHS England for other roles.",
            );
        }
        return Ok(());
    }
    Err("Only NHS England administrators and trust leads can invite people.")
}

/// An administrator must not remove their own administrator role or disable themselves, so the
/// service is never left with nobody who can manage it by accident.
pub fn may_change_own_account(
    actor: &Actor,
    target_account_id: &str,
    keeps_admin: bool,
    stays_active: bool,
) -> Result<(), Refusal> {
    if actor.account_id == target_account_id && !(keeps_admin && stays_active) {
        return Err("You cannot remove your own administrator role or disable your own account. Ask another administrator.");
    }
    Ok(())
}

/// Creating cycles, moving them through their phases and extending deadlines.
pub fn may_manage_cycles(actor: &Actor) -> Result<(), Refusal> {
    if actor.has(Role::Admin) {
        Ok(())
    } else {
        Err("Only NHS England administrators can run assessment cycles.")
    }
}

/// Reading one trust's assessment: that trust's leads, and NHS England's moderators, approvers
/// and administrators not of that trust. What may be done to it is the lifecycle's to say
/// (`lifecycle::decide`).
pub fn may_view_assessment(actor: &Actor, trust_ods_code: &str) -> Result<(), Refusal> {
    let own_leads = may_work_on_own_assessments(actor, Some(trust_ods_code));
    if own_leads.is_err() && is_nhs_england(actor) {
        return not_own_organisation(actor, trust_ods_code);
    }
    own_leads
}

/// Answering for a trust (a request for more evidence, say): its own leads only.
pub fn may_answer_for_trust(actor: &Actor, trust_ods_code: &str) -> Result<(), Refusal> {
    may_work_on_own_assessments(actor, Some(trust_ods_code))
}

/// Seeing and working on one's own trust's assessments: its leads.
fn may_work_on_own_assessments(actor: &Actor, trust_ods_code: Option<&str>) -> Result<(), Refusal> {
    if actor.has(Role::TrustLead) && actor.belongs_to(trust_ods_code) {
        Ok(())
    } else {
        Err("Only the trust's own leads can answer its assessment.")
    }
}

/// A peer reviewer's care-setting expertise, capacity and declared conflicts of interest: the
/// reviewer themselves, and administrators for anyone.
pub fn may_manage_reviewer_profile(actor: &Actor, account_id: &str) -> Result<(), Refusal> {
    if actor.has(Role::Admin) || (actor.has(Role::PeerReviewer) && actor.account_id == account_id) {
        Ok(())
    } else {
        Err("Only the peer reviewer themselves and NHS England administrators can see or change a reviewer's expertise and conflicts of interest.")
    }
}

/// Withdrawing a declared conflict of interest: administrators any; a reviewer only one they
/// declared themselves. One that NHS England declared for them stays until NHS England withdraws
/// it, or a reviewer could undo the check on their own independence.
pub fn may_withdraw_conflict(actor: &Actor, declared_by: &str) -> Result<(), Refusal> {
    if actor.has(Role::Admin) || (actor.has(Role::PeerReviewer) && actor.account_id == declared_by)
    {
        Ok(())
    } else {
        Err("NHS England declared this conflict of interest for you, so only NHS England can withdraw it. Contact the service team if it is wrong.")
    }
}

/// Declaring again a conflict already declared, which replaces its reason and makes the actor its
/// declarer: whoever may withdraw it (given who declared it). Otherwise a reviewer could declare
/// again a conflict NHS England declared for them, become its declarer, then withdraw it.
pub fn may_declare_conflict_again(actor: &Actor, declared_by: &str) -> Result<(), Refusal> {
    match may_withdraw_conflict(actor, declared_by) {
        Ok(()) => Ok(()),
        Err(_) => Err("NHS England has already declared this conflict of interest for you, so it stays as they declared it and nothing was changed. Contact the service team if it is wrong."),
    }
}

/// Proposing, changing and confirming who reviews what, and replacing reviewers who decline.
pub fn may_assign_reviewers(actor: &Actor) -> Result<(), Refusal> {
    if actor.has(Role::Admin) {
        Ok(())
    } else {
        Err("Only NHS England administrators can assign peer reviewers.")
    }
}

/// Seeing and declining reviews: only the peer reviewer they are assigned to.
pub fn may_act_on_own_review(actor: &Actor, reviewer_id: &str) -> Result<(), Refusal> {
    if actor.has(Role::PeerReviewer) && actor.account_id == reviewer_id {
        Ok(())
    } else {
        Err("Only the peer reviewer it is assigned to can do this.")
    }
}

/// Reading a peer review of `trust_ods_code`'s assessment: the reviewer it is assigned to while
/// it is theirs (not declined or replaced), and NHS England's moderators, approvers and
/// administrators not of that trust. Nobody else, the trust's own leads included: they see
/// reviews anonymised, once the review is complete.
pub fn may_read_review(
    actor: &Actor,
    reviewer_id: &str,
    still_assigned: bool,
    trust_ods_code: &str,
) -> Result<(), Refusal> {
    let own = actor.has(Role::PeerReviewer) && actor.account_id == reviewer_id && still_assigned;
    if own {
        Ok(())
    } else if is_nhs_england(actor) {
        not_own_organisation(actor, trust_ods_code)
    } else {
        Err("You do not have access to this review: only the peer reviewer it is assigned to, and NHS England, can see it.")
    }
}

/// Reading an evidence document attached to `trust_ods_code`'s assessment: the trust's leads;
/// the peer reviewer whose review of it is `own_review` (the reader's, if it is assigned to
/// them) while that review is open and after they submit it, not once it closed without them;
/// and NHS England's moderators, approvers and administrators not of that trust. Nobody else.
pub fn may_read_evidence(
    actor: &Actor,
    trust_ods_code: &str,
    own_review: Option<ReviewProgress>,
) -> Result<(), Refusal> {
    if may_work_on_own_assessments(actor, Some(trust_ods_code)).is_ok() {
        return Ok(());
    }
    let reviewing = actor.has(Role::PeerReviewer)
        && own_review.is_some_and(|progress| progress != ReviewProgress::Closed);
    if reviewing {
        Ok(())
    } else if is_nhs_england(actor) {
        not_own_organisation(actor, trust_ods_code)
    } else {
        Err("You do not have access to this file: only the trust's leads, its assigned peer reviewers and NHS England can open it.")
    }
}

/// The moderation queue: NHS England's moderators. Which assessment they may moderate, and
/// when, is the lifecycle's to say (never their own organisation's).
pub fn may_moderate(actor: &Actor) -> Result<(), Refusal> {
    if actor.has(Role::Moderator) {
        Ok(())
    } else {
        Err("Only NHS England moderators can moderate assessments.")
    }
}

/// Answering a trust's query on its provisional scores: NHS England's moderators, never for
/// their own organisation.
pub fn may_answer_query(actor: &Actor, trust_ods_code: &str) -> Result<(), Refusal> {
    may_moderate(actor)?;
    not_own_organisation(actor, trust_ods_code)
}

/// Reading an assessment's final scores and why they are what they are: NHS England (not of the
/// trust) at any time (there is nothing to read before moderation), the trust's leads once the
/// scores are released, provisionally or in publication.
pub fn may_see_final_scores(
    actor: &Actor,
    trust_ods_code: &str,
    status: crate::lifecycle::AssessmentStatus,
) -> Result<(), Refusal> {
    use crate::lifecycle::AssessmentStatus as S;
    if may_view_moderation(actor, trust_ods_code).is_ok() {
        return Ok(());
    }
    may_work_on_own_assessments(actor, Some(trust_ods_code))?;
    if matches!(status, S::ProvisionallyReleased | S::Published) {
        Ok(())
    } else {
        Err("The final scores are not released yet. You will be emailed when they are.")
    }
}

/// Reading a trust's assessment's moderation (reviewers named, the trust's reply beside them):
/// NHS England's moderators, approvers and administrators not of that trust, never the trust.
pub fn may_view_moderation(actor: &Actor, trust_ods_code: &str) -> Result<(), Refusal> {
    if !is_nhs_england(actor) {
        return Err(NHS_ENGLAND_ONLY);
    }
    not_own_organisation(actor, trust_ods_code)
}

/// Gaming signals about an organisation: NHS England (moderators, approvers, administrators),
/// but never about their own organisation, whose scores they must not be steered on.
pub fn may_see_signals(actor: &Actor, org_ods_code: &str) -> Result<(), Refusal> {
    if !is_nhs_england(actor) {
        Err(NHS_ENGLAND_ONLY)
    } else if actor.belongs_to(Some(org_ods_code)) {
        Err("Signals about your own organisation are not shown to you.")
    } else {
        Ok(())
    }
}

/// Signals about an ICS, to a reader whose own organisation is in `own_ics` (if in any): as about
/// an organisation, never about their own ICS, whose index takes in their own organisation.
pub fn may_see_ics_signals(
    actor: &Actor,
    own_ics: Option<&str>,
    ics_ods_code: &str,
) -> Result<(), Refusal> {
    may_see_insights(actor)?;
    if own_ics == Some(ics_ods_code) {
        Err("Signals about your own ICS are not shown to you.")
    } else {
        Ok(())
    }
}

/// Patterns across trusts, ICSs and reviewers (the insights page): NHS England. What in them
/// is about the reader's own organisation is left out (`may_see_signals`,
/// `may_see_ics_signals`).
pub fn may_see_insights(actor: &Actor) -> Result<(), Refusal> {
    if is_nhs_england(actor) {
        Ok(())
    } else {
        Err("Only NHS England can see patterns across trusts, ICSs and reviewers.")
    }
}

/// A cycle's full data file: NHS England. In it, their own organisation's reviewers are
/// numbered, not named (`may_view_moderation` refuses them its reviewers).
pub fn may_download_full_data(actor: &Actor) -> Result<(), Refusal> {
    if is_nhs_england(actor) {
        Ok(())
    } else {
        Err("Only NHS England can download the full data file.")
    }
}

/// The sign-off queue: NHS England's approvers, who may be moderators too. Which assessment they
/// may sign off is the lifecycle's to say (never one they had a hand in moderating, nor their
/// own organisation's).
pub fn may_sign_off(actor: &Actor) -> Result<(), Refusal> {
    if actor.has(Role::Approver) {
        Ok(())
    } else {
        Err("Only NHS England approvers can sign off moderated scores.")
    }
}

/// What a signed-in person may do across the service, as the access rules decide it, so that
/// menus and pages show what the server functions will allow instead of guessing from roles.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Work on their own trust's assessments.
    pub answer_own_assessments: bool,
    /// Keep a peer reviewer's profile and see the reviews assigned to them.
    pub review: bool,
    /// Create and run cycles, and assign reviewers.
    pub run_cycles: bool,
    /// See and change anyone's account, and invite anyone.
    pub manage_accounts: bool,
    /// Invite a deputy trust lead for their own organisation (and nothing more).
    pub invite_deputies: bool,
    /// See the moderation queue and moderate assessments.
    pub moderate: bool,
    /// See moderated assessments awaiting sign-off and decide on them.
    pub sign_off: bool,
    /// See patterns across trusts, ICSs and reviewers.
    pub see_insights: bool,
}

/// The signed-in person and what they may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub actor: Actor,
    pub can: Capabilities,
}

impl SignedIn {
    pub fn new(actor: Actor) -> SignedIn {
        let own_org = actor.org_ods_code.as_deref();
        let can = Capabilities {
            answer_own_assessments: may_work_on_own_assessments(&actor, own_org).is_ok(),
            review: may_manage_reviewer_profile(&actor, &actor.account_id).is_ok()
                && may_act_on_own_review(&actor, &actor.account_id).is_ok(),
            run_cycles: may_manage_cycles(&actor).is_ok() && may_assign_reviewers(&actor).is_ok(),
            manage_accounts: may_manage_accounts(&actor).is_ok(),
            invite_deputies: !actor.has(Role::Admin)
                && may_invite(&actor, own_org, &[Role::TrustLead]).is_ok(),
            moderate: may_moderate(&actor).is_ok(),
            sign_off: may_sign_off(&actor).is_ok(),
            see_insights: may_see_insights(&actor).is_ok(),
        };
        SignedIn { actor, can }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: &[Role], org: Option<&str>) -> Actor {
        Actor {
            account_id: "a1".into(),
            email: "jo@nhs.net".into(),
            display_name: "Jo".into(),
            org_ods_code: org.map(Into::into),
            roles: roles.iter().copied().collect(),
        }
    }

    #[test]
    fn an_evidence_file_is_read_by_the_trust_its_reviewers_and_nhs_england_not_of_it() {
        use ReviewProgress as P;
        let lead = actor(&[Role::TrustLead], Some("RR8"));
        assert!(may_read_evidence(&lead, "RR8", None).is_ok());
        assert!(may_read_evidence(&actor(&[Role::TrustLead], Some("R0A")), "RR8", None).is_err());
        let reviewer = actor(&[Role::PeerReviewer], Some("R0A"));
        for progress in [P::NotStarted, P::InProgress, P::Submitted] {
            assert!(
                may_read_evidence(&reviewer, "RR8", Some(progress)).is_ok(),
                "{progress:?}"
            );
        }
        assert!(may_read_evidence(&reviewer, "RR8", Some(P::Closed)).is_err());
        assert!(
            may_read_evidence(&reviewer, "RR8", None).is_err(),
            "not assigned"
        );
        // A review's progress counts only for a peer reviewer.
        assert!(may_read_evidence(&actor(&[], Some("R0A")), "RR8", Some(P::InProgress)).is_err());
        for role in [Role::Moderator, Role::Approver, Role::Admin] {
            assert!(may_read_evidence(&actor(&[role], Some("X26")), "RR8", None).is_ok());
            assert_eq!(
                may_read_evidence(&actor(&[role], Some("RR8")), "RR8", None),
                Err(OWN_ORGANISATION),
                "{role:?} of the trust"
            );
        }
        assert!(may_read_evidence(&actor(&[], None), "RR8", None).is_err());
    }

    #[test]
    fn signals_are_for_nhs_england_and_never_about_their_own_organisation() {
        for role in [Role::Moderator, Role::Approver, Role::Admin] {
            assert!(may_see_signals(&actor(&[role], None), "RR8").is_ok());
            assert!(may_see_insights(&actor(&[role], None)).is_ok());
            let own = may_see_signals(&actor(&[role], Some("RR8")), "RR8");
            assert_eq!(
                own,
                Err("Signals about your own organisation are not shown to you.")
            );
        }
        for role in [Role::TrustLead, Role::PeerReviewer] {
            assert!(may_see_signals(&actor(&[role], Some("R0A")), "RR8").is_err());
            assert!(may_see_insights(&actor(&[role], Some("R0A"))).is_err());
        }
    }

    #[test]
    fn only_admins_manage_accounts() {
        assert!(may_manage_accounts(&actor(&[Role::Admin], None)).is_ok());
        for role in [
            Role::TrustLead,
            Role::PeerReviewer,
            Role::Moderator,
            Role::Approver,
        ] {
            assert!(
                may_manage_accounts(&actor(&[role], Some("RR8"))).is_err(),
                "{role:?}"
            );
        }
    }

    #[test]
    fn a_trust_sees_its_final_scores_only_once_released_and_never_another_trusts() {
        use crate::lifecycle::AssessmentStatus as S;
        let lead = actor(&[Role::TrustLead], Some("RR8"));
        for status in S::ALL {
            let released = matches!(status, S::ProvisionallyReleased | S::Published);
            assert_eq!(
                may_see_final_scores(&lead, "RR8", status).is_ok(),
                released,
                "{status:?}"
            );
            assert!(may_see_final_scores(&lead, "R0A", status).is_err());
            assert!(may_see_final_scores(&actor(&[Role::Moderator], None), "RR8", status).is_ok());
            assert!(may_see_final_scores(
                &actor(&[Role::PeerReviewer], Some("R0A")),
                "RR8",
                status
            )
            .is_err());
        }
    }

    #[test]
    fn trust_leads_invite_only_deputies_for_their_own_trust() {
        let lead = actor(&[Role::TrustLead], Some("RR8"));
        assert!(may_invite(&lead, Some("RR8"), &[Role::TrustLead]).is_ok());
        assert!(
            may_invite(&lead, Some("R0A"), &[Role::TrustLead]).is_err(),
            "another trust"
        );
        assert!(
            may_invite(&lead, Some("RR8"), &[Role::Admin]).is_err(),
            "a higher role"
        );
        assert!(
            may_invite(&lead, None, &[Role::TrustLead]).is_err(),
            "no organisation"
        );
        assert!(may_invite(
            &actor(&[Role::Admin], None),
            Some("R0A"),
            &[Role::Moderator]
        )
        .is_ok());
        assert!(may_invite(
            &actor(&[Role::PeerReviewer], Some("RR8")),
            Some("RR8"),
            &[Role::TrustLead]
        )
        .is_err());
    }

    #[test]
    fn admins_cannot_lock_themselves_out() {
        let admin = actor(&[Role::Admin], None);
        assert!(may_change_own_account(&admin, "a1", false, true).is_err());
        assert!(may_change_own_account(&admin, "a1", true, false).is_err());
        assert!(may_change_own_account(&admin, "a1", true, true).is_ok());
        assert!(may_change_own_account(&admin, "someone-else", false, false).is_ok());
    }

    #[test]
    fn only_a_trusts_own_leads_and_nhs_england_read_its_assessment() {
        let lead = actor(&[Role::TrustLead], Some("RR8"));
        assert!(may_view_assessment(&lead, "RR8").is_ok());
        assert!(may_view_assessment(&lead, "R0A").is_err());
        let reviewer = actor(&[Role::PeerReviewer], Some("RR8"));
        assert!(may_view_assessment(&reviewer, "RR8").is_err());
        for role in [Role::Admin, Role::Moderator, Role::Approver] {
            let staff = actor(&[role], None);
            assert!(may_view_assessment(&staff, "RR8").is_ok(), "{role:?}");
        }
    }

    #[test]
    fn capabilities_follow_the_access_rules() {
        let lead = SignedIn::new(actor(&[Role::TrustLead], Some("RR8"))).can;
        assert!(lead.answer_own_assessments && lead.invite_deputies);
        assert!(!lead.review && !lead.run_cycles && !lead.manage_accounts);
        let orphan_lead = SignedIn::new(actor(&[Role::TrustLead], None)).can;
        assert_eq!(
            orphan_lead,
            Capabilities::default(),
            "no organisation, nothing to lead"
        );
        let admin = SignedIn::new(actor(&[Role::Admin], None)).can;
        assert!(admin.run_cycles && admin.manage_accounts && !admin.invite_deputies);
        let both = SignedIn::new(actor(&[Role::TrustLead, Role::PeerReviewer], Some("RR8"))).can;
        assert!(both.answer_own_assessments && both.review);
        assert_eq!(
            SignedIn::new(actor(&[Role::Moderator], None)).can,
            Capabilities {
                moderate: true,
                see_insights: true,
                ..Capabilities::default()
            }
        );
        assert_eq!(
            SignedIn::new(actor(&[Role::Approver], None)).can,
            Capabilities {
                sign_off: true,
                see_insights: true,
                ..Capabilities::default()
            }
        );
    }

    #[test]
    fn reviewers_manage_their_own_profile_and_admins_anyones() {
        let reviewer = actor(&[Role::PeerReviewer], Some("RR8"));
        assert!(may_manage_reviewer_profile(&reviewer, "a1").is_ok());
        assert!(
            may_manage_reviewer_profile(&reviewer, "another-reviewer").is_err(),
            "another reviewer's profile"
        );
        let admin = actor(&[Role::Admin], None);
        assert!(may_manage_reviewer_profile(&admin, "another-reviewer").is_ok());
        assert!(may_manage_reviewer_profile(&admin, "a1").is_ok());
        for role in [Role::TrustLead, Role::Moderator, Role::Approver] {
            let other = actor(&[role], Some("RR8"));
            assert!(
                may_manage_reviewer_profile(&other, "a1").is_err(),
                "{role:?} on their own account"
            );
            assert!(
                may_manage_reviewer_profile(&other, "another-reviewer").is_err(),
                "{role:?}"
            );
        }
        let lead_and_reviewer = actor(&[Role::TrustLead, Role::PeerReviewer], Some("RR8"));
        assert!(may_manage_reviewer_profile(&lead_and_reviewer, "a1").is_ok());
    }

    #[test]
    fn only_admins_run_cycles() {
        assert!(may_manage_cycles(&actor(&[Role::Admin], None)).is_ok());
        assert!(may_manage_cycles(&actor(&[Role::Moderator], None)).is_err());
    }

    #[test]
    fn a_reviewer_withdraws_only_the_conflicts_they_declared() {
        let reviewer = actor(&[Role::PeerReviewer], Some("R0A"));
        assert!(may_withdraw_conflict(&reviewer, "a1").is_ok());
        assert!(may_withdraw_conflict(&reviewer, "an-admin").is_err());
        assert!(may_withdraw_conflict(&actor(&[Role::Admin], None), "a1").is_ok());
    }

    #[test]
    fn a_reviewer_declares_again_only_the_conflicts_they_declared() {
        let reviewer = actor(&[Role::PeerReviewer], Some("R0A"));
        assert!(may_declare_conflict_again(&reviewer, "a1").is_ok());
        let refusal = may_declare_conflict_again(&reviewer, "an-admin").unwrap_err();
        assert!(refusal.contains("nothing was changed"), "{refusal}");
        let admin = actor(&[Role::Admin], None);
        assert!(may_declare_conflict_again(&admin, "a1").is_ok());
        assert!(may_declare_conflict_again(&admin, "another-admin").is_ok());
    }

    #[test]
    fn only_admins_assign_and_only_the_reviewer_declines() {
        assert!(may_assign_reviewers(&actor(&[Role::Admin], None)).is_ok());
        assert!(may_assign_reviewers(&actor(&[Role::Moderator], None)).is_err());
        let reviewer = actor(&[Role::PeerReviewer], Some("R0A"));
        assert!(may_act_on_own_review(&reviewer, "a1").is_ok());
        assert!(may_act_on_own_review(&reviewer, "someone-else").is_err());
        assert!(may_act_on_own_review(&actor(&[Role::Admin], None), "a1").is_err());
    }

    #[test]
    fn a_review_is_read_by_its_reviewer_while_assigned_and_by_nhs_england() {
        let reviewer = actor(&[Role::PeerReviewer], Some("RX1"));
        assert!(may_read_review(&reviewer, "a1", true, "RR8").is_ok());
        assert!(
            may_read_review(&reviewer, "a1", false, "RR8").is_err(),
            "declined"
        );
        assert!(may_read_review(&reviewer, "someone-else", true, "RR8").is_err());
        for role in [Role::Admin, Role::Moderator, Role::Approver] {
            assert!(may_read_review(&actor(&[role], None), "someone-else", true, "RR8").is_ok());
        }
        let lead = actor(&[Role::TrustLead], Some("RR8"));
        let refusal = may_read_review(&lead, "someone-else", true, "RR8").unwrap_err();
        assert!(refusal.starts_with("You do not have access"));
    }

    #[test]
    fn only_nhs_england_reads_a_moderation() {
        for role in [Role::Moderator, Role::Approver, Role::Admin] {
            assert!(may_view_moderation(&actor(&[role], None), "RR8").is_ok());
            assert!(may_download_full_data(&actor(&[role], None)).is_ok());
        }
        for role in [Role::TrustLead, Role::PeerReviewer] {
            assert!(may_view_moderation(&actor(&[role], Some("RR8")), "RR8").is_err());
            assert!(may_view_moderation(&actor(&[role], Some("RR8")), "R0A").is_err());
            assert!(may_download_full_data(&actor(&[role], Some("RR8"))).is_err());
        }
    }

    #[test]
    fn nhs_england_staff_never_see_or_act_on_their_own_organisation() {
        let nhs_england = [Role::Moderator, Role::Approver, Role::Admin];
        let staff = actor(&nhs_england, Some("RR8"));
        let own = Err(OWN_ORGANISATION);
        assert_eq!(may_view_assessment(&staff, "RR8"), own);
        assert_eq!(may_view_moderation(&staff, "RR8"), own);
        assert_eq!(may_read_review(&staff, "a-reviewer", true, "RR8"), own);
        assert_eq!(may_answer_query(&staff, "RR8"), own);
        assert!(
            may_see_final_scores(&staff, "RR8", crate::lifecycle::AssessmentStatus::Moderated)
                .is_err()
        );
        assert!(may_see_signals(&staff, "RR8").is_err());
        for other in ["R0A", "RX1"] {
            assert!(may_view_assessment(&staff, other).is_ok());
            assert!(may_view_moderation(&staff, other).is_ok());
            assert!(may_read_review(&staff, "a-reviewer", true, other).is_ok());
            assert!(may_answer_query(&staff, other).is_ok());
            assert!(may_see_signals(&staff, other).is_ok());
        }
        // Their cycle-wide views stay theirs, their own organisation left out of them.
        assert!(may_see_insights(&staff).is_ok() && may_download_full_data(&staff).is_ok());
        // A lead of the trust too sees its assessment as its leads do, and no more.
        let lead_and_staff = actor(&[Role::TrustLead, Role::Moderator], Some("RR8"));
        assert!(may_view_assessment(&lead_and_staff, "RR8").is_ok());
        assert_eq!(may_view_moderation(&lead_and_staff, "RR8"), own);
        assert_eq!(may_answer_query(&lead_and_staff, "RR8"), own);
        // Only moderators answer queries.
        assert!(may_answer_query(&actor(&[Role::Approver], None), "RR8").is_err());
    }

    #[test]
    fn nobody_sees_signals_about_their_own_ics() {
        let staff = actor(&[Role::Approver], Some("RR8"));
        assert!(may_see_ics_signals(&staff, Some("QWO"), "QWO").is_err());
        assert!(may_see_ics_signals(&staff, Some("QWO"), "QOP").is_ok());
        let national = actor(&[Role::Approver], None);
        assert!(may_see_ics_signals(&national, None, "QWO").is_ok());
        let lead = actor(&[Role::TrustLead], Some("RR8"));
        assert!(may_see_ics_signals(&lead, None, "QOP").is_err());
    }

    #[test]
    fn moderators_moderate_and_approvers_sign_off() {
        assert!(may_moderate(&actor(&[Role::Moderator], None)).is_ok());
        assert!(may_sign_off(&actor(&[Role::Approver], None)).is_ok());
        for role in [
            Role::Admin,
            Role::TrustLead,
            Role::PeerReviewer,
            Role::Approver,
        ] {
            assert!(may_moderate(&actor(&[role], None)).is_err(), "{role:?}");
        }
        for role in [
            Role::Admin,
            Role::TrustLead,
            Role::PeerReviewer,
            Role::Moderator,
        ] {
            assert!(may_sign_off(&actor(&[role], None)).is_err(), "{role:?}");
        }
    }
}
