//! The authorization matrix: every server function × every kind of user, against the real
//! server functions over HTTP. A server function missing from the table fails the test, so no
//! new endpoint can skip this.

use app::api::evidence::*;
use app::api::evidence_files::RemoveEvidence;
use app::api::moderation::*;
use app::api::people_import::*;
use app::api::provisional::*;
use app::api::release::*;
use app::api::replies::*;
use app::api::results::*;
use app::api::reviewers::*;
use app::api::reviews::*;
use app::api::second_factor::*;
use app::api::sign_off::*;
use app::api::signals::*;
use app::api::{
    accounts::*, assessments::*, assignments::*, cycles::*, dashboard::*, organisations::*,
};
use app::rules::accounts::Role;
use app::rules::lifecycle::AssessmentStatus;
use app::store::{AssessmentId, CycleId};
use e2e::fixtures::{AccountBuilder, AssessmentBuilder, CycleBuilder, PASSWORD};
use e2e::requests::{api_client, pairs, post, Answer, NO_FIELDS};
use e2e::{start_server, TestServer};
use leptos::server_fn::ServerFn;
use std::collections::BTreeMap;
use std::collections::BTreeSet;

/// Who is asking. The trust lead's own organisation is RR8; "other" rows act on R0A.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Subject {
    Anonymous,
    TrustLead,
    PeerReviewer,
    Moderator,
    Approver,
    Admin,
    /// One account of R1K (the trust whose assessment is under review) holding every NHS England
    /// role: it may do anywhere but at R1K what NHS England may, and nothing at R1K, its own.
    OwnTrustStaff,
}

const SUBJECTS: [Subject; 7] = [
    Subject::Anonymous,
    Subject::TrustLead,
    Subject::PeerReviewer,
    Subject::Moderator,
    Subject::Approver,
    Subject::Admin,
    Subject::OwnTrustStaff,
];

/// Allowed for: a = anonymous, l = trust lead, r = peer reviewer, m = moderator, p = approver,
/// d = admin, e = NHS England staff of R1K. Everything else must be refused with "sign in" or
/// "you do not have access".
struct Row {
    path: &'static str,
    case: &'static str,
    allowed: &'static str,
    fields: fn(&Context, Subject) -> Vec<(String, String)>,
}

struct Context {
    /// Another peer reviewer at R0A: for the peer reviewer, "another reviewer's" account.
    target_account: String,
    /// Each signed-in subject's own account id, by the subject's letter.
    own_accounts: BTreeMap<char, String>,
    cycle: String,
    /// The trust lead's own trust's assessment (RR8), and another trust's (R0A).
    own_assessment: String,
    other_assessment: String,
    /// A review of R1K's assessment assigned to the peer reviewer, and one assigned to another.
    review_slot: String,
    other_review_slot: String,
    /// R1K's assessment, in review: the own trust's of the NHS England staff of R1K.
    staff_assessment: String,
    /// RR8's query on one of its scores, and R1K's.
    query: String,
    staff_query: String,
    /// A domain of those reviews.
    domain_key: String,
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Context {
    /// The subject's own account id; empty for anonymous, who has none.
    fn own_account(&self, subject: Subject) -> String {
        self.own_accounts
            .get(&letter(subject))
            .cloned()
            .unwrap_or_default()
    }
}

fn letter(subject: Subject) -> char {
    match subject {
        Subject::Anonymous => 'a',
        Subject::TrustLead => 'l',
        Subject::PeerReviewer => 'r',
        Subject::Moderator => 'm',
        Subject::Approver => 'p',
        Subject::Admin => 'd',
        Subject::OwnTrustStaff => 'e',
    }
}

fn table() -> Vec<Row> {
    vec![
        Row {
            path: GetDirectory::PATH,
            case: "public directory",
            allowed: "alrmpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: GetIcb::PATH,
            case: "public ICB",
            allowed: "alrmpde",
            fields: |_, _| fields(&[("ods_code", "QWO")]),
        },
        Row {
            path: GetTrust::PATH,
            case: "public trust",
            allowed: "alrmpde",
            fields: |_, _| fields(&[("ods_code", "RR8")]),
        },
        Row {
            path: SearchOrganisations::PATH,
            case: "public search",
            allowed: "alrmpde",
            fields: |_, _| fields(&[("query", "leeds")]),
        },
        Row {
            path: CurrentAccount::PATH,
            case: "who am I",
            allowed: "alrmpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: SignIn::PATH,
            case: "sign in (wrong password)",
            allowed: "alrmpde",
            fields: |_, _| {
                fields(&[
                    ("email", "nobody@x.nhs.uk"),
                    ("password", "wrong wrong wrong"),
                    ("next", ""),
                ])
            },
        },
        Row {
            path: SignOut::PATH,
            case: "sign out",
            allowed: "alrmpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: RequestPasswordReset::PATH,
            case: "ask for a reset",
            allowed: "alrmpde",
            fields: |_, _| fields(&[("email", "nobody@x.nhs.uk")]),
        },
        Row {
            path: CheckLink::PATH,
            case: "check a link",
            allowed: "alrmpde",
            fields: |_, _| fields(&[("token", "no-such-token")]),
        },
        Row {
            path: SetPassword::PATH,
            case: "use a link",
            allowed: "alrmpde",
            fields: |_, _| {
                fields(&[
                    ("token", "no-such-token"),
                    ("password", PASSWORD),
                    ("confirm_password", PASSWORD),
                ])
            },
        },
        Row {
            path: InvitePerson::PATH,
            case: "invite a trust lead to the lead's own trust",
            allowed: "lde",
            fields: |_, subject| {
                let email = format!("deputy-{}@rr8.nhs.uk", letter(subject));
                fields(&[
                    ("email", &email),
                    ("display_name", "Deputy"),
                    ("org_ods_code", "RR8"),
                    ("trust_lead", "on"),
                ])
            },
        },
        Row {
            path: InvitePerson::PATH,
            case: "invite a trust lead to another trust",
            allowed: "de",
            fields: |_, subject| {
                let email = format!("lead-{}@r0a.nhs.uk", letter(subject));
                fields(&[
                    ("email", &email),
                    ("display_name", "Lead"),
                    ("org_ods_code", "R0A"),
                    ("trust_lead", "on"),
                ])
            },
        },
        Row {
            path: InvitePerson::PATH,
            case: "invite an administrator",
            allowed: "de",
            fields: |_, subject| {
                let email = format!("admin-{}@england.nhs.uk", letter(subject));
                fields(&[
                    ("email", &email),
                    ("display_name", "Admin"),
                    ("admin", "on"),
                ])
            },
        },
        Row {
            path: ListPeople::PATH,
            case: "list people",
            allowed: "de",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: GetPerson::PATH,
            case: "see a person",
            allowed: "de",
            fields: |c, _| fields(&[("account_id", &c.target_account)]),
        },
        Row {
            path: GetPeopleImport::PATH,
            case: "see an upload of people",
            allowed: "de",
            fields: |_, _| fields(&[("id", "no-such-upload")]),
        },
        Row {
            path: ConfirmPeopleImport::PATH,
            case: "confirm an upload of people",
            allowed: "de",
            fields: |_, _| fields(&[("import_id", "no-such-upload"), ("file_sha256", "0")]),
        },
        Row {
            path: ChangeRoles::PATH,
            case: "change a person's roles",
            allowed: "de",
            fields: |c, _| {
                fields(&[
                    ("account_id", &c.target_account),
                    ("reason", "Moved team"),
                    ("peer_reviewer", "on"),
                ])
            },
        },
        Row {
            path: SetPersonActive::PATH,
            case: "disable a person",
            allowed: "de",
            fields: |c, _| {
                fields(&[
                    ("account_id", &c.target_account),
                    ("active", "true"),
                    ("reason", "Back from leave"),
                ])
            },
        },
        Row {
            path: MyAssessments::PATH,
            case: "list my assessments",
            allowed: "lrmpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: GetAssessment::PATH,
            case: "read my trust's assessment",
            allowed: "lmpde",
            fields: |c, _| fields(&[("id", &c.own_assessment)]),
        },
        Row {
            path: GetAssessment::PATH,
            case: "read another trust's assessment",
            allowed: "mpde",
            fields: |c, _| fields(&[("id", &c.other_assessment)]),
        },
        Row {
            path: GetDomain::PATH,
            case: "read a domain of my trust's assessment",
            allowed: "lmpde",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.own_assessment),
                    ("domain_key", "digital-strategy"),
                ])
            },
        },
        Row {
            path: GetDomain::PATH,
            case: "read a domain of another trust's assessment",
            allowed: "mpde",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.other_assessment),
                    ("domain_key", "digital-strategy"),
                ])
            },
        },
        Row {
            path: SaveDomainAnswers::PATH,
            case: "answer my trust's assessment",
            allowed: "l",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.own_assessment),
                    ("domain_key", "digital-strategy"),
                    ("version", "0"),
                    ("answers[digital-strategy-2a][met]", "not-met"),
                    ("answers[digital-strategy-2a][evidence]", ""),
                ])
            },
        },
        Row {
            path: SaveDomainAnswers::PATH,
            case: "answer another trust's assessment",
            allowed: "",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.other_assessment),
                    ("domain_key", "digital-strategy"),
                    ("version", "0"),
                ])
            },
        },
        Row {
            path: RemoveEvidence::PATH,
            case: "remove a file from my trust's assessment",
            allowed: "l",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.own_assessment),
                    ("attachment_id", "no-such-file"),
                ])
            },
        },
        Row {
            path: RemoveEvidence::PATH,
            case: "remove a file from another trust's assessment",
            allowed: "",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.other_assessment),
                    ("attachment_id", "no-such-file"),
                ])
            },
        },
        Row {
            path: SubmitAssessment::PATH,
            case: "submit my trust's assessment",
            allowed: "l",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.own_assessment),
                    ("declaration", "confirmed"),
                ])
            },
        },
        Row {
            path: SubmitAssessment::PATH,
            case: "submit another trust's assessment",
            allowed: "",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.other_assessment),
                    ("declaration", "confirmed"),
                ])
            },
        },
        Row {
            path: ReopenAssessment::PATH,
            case: "reopen an assessment",
            allowed: "mde",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.own_assessment),
                    ("reason", "Missing evidence"),
                ])
            },
        },
        Row {
            path: ListCycles::PATH,
            case: "list cycles",
            allowed: "de",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: FrameworkChoices::PATH,
            case: "list framework versions",
            allowed: "de",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: CreateCycle::PATH,
            case: "create a cycle",
            allowed: "de",
            fields: |_, _| {
                fields(&[
                    ("name", ""),
                    ("framework_version", "2026.1"),
                    ("opens_on", ""),
                    ("submission_deadline", ""),
                    ("review_deadline", ""),
                    ("moderation_deadline", ""),
                    ("publication_on", ""),
                    ("regions", ""),
                    ("reviewers_per_assessment", "2"),
                    ("reviewer_capacity", "3"),
                ])
            },
        },
        Row {
            path: GetCycle::PATH,
            case: "see a cycle",
            allowed: "de",
            fields: |c, _| fields(&[("id", &c.cycle)]),
        },
        Row {
            path: GetWhoIsMissing::PATH,
            case: "see who is missing from a cycle",
            allowed: "de",
            fields: |c, _| fields(&[("cycle_id", &c.cycle)]),
        },
        Row {
            path: AdvanceCycle::PATH,
            case: "move a cycle on",
            allowed: "de",
            // Quoting a phase the cycle is not in, so an allowed call changes nothing.
            fields: |c, _| fields(&[("cycle_id", &c.cycle), ("from_phase", "published")]),
        },
        Row {
            path: ExtendDeadline::PATH,
            case: "extend a trust's deadline",
            allowed: "de",
            fields: |c, _| {
                fields(&[
                    ("cycle_id", &c.cycle),
                    ("trust_ods_code", "RR8"),
                    ("deadline", ""),
                    ("reason", ""),
                ])
            },
        },
        Row {
            path: GetReviewerProfile::PATH,
            case: "see my own reviewer profile",
            allowed: "rde",
            fields: |c, s| fields(&[("account_id", &c.own_account(s))]),
        },
        Row {
            path: GetReviewerProfile::PATH,
            case: "see another reviewer's profile",
            allowed: "de",
            fields: |c, _| fields(&[("account_id", &c.target_account)]),
        },
        Row {
            path: SaveReviewerProfile::PATH,
            case: "save my own care settings",
            allowed: "rde",
            fields: |c, s| {
                fields(&[
                    ("account_id", &c.own_account(s)),
                    ("acute", "on"),
                    ("capacity", "3"),
                ])
            },
        },
        Row {
            path: SaveReviewerProfile::PATH,
            case: "save another reviewer's care settings",
            allowed: "de",
            fields: |c, _| {
                fields(&[
                    ("account_id", &c.target_account),
                    ("community", "on"),
                    ("capacity", ""),
                ])
            },
        },
        Row {
            path: DeclareConflict::PATH,
            case: "declare my own conflict of interest",
            allowed: "rde",
            fields: |c, s| {
                fields(&[
                    ("account_id", &c.own_account(s)),
                    ("trust_ods_code", "RR8"),
                    ("reason", "Worked there until 2025"),
                ])
            },
        },
        Row {
            path: DeclareConflict::PATH,
            case: "declare another reviewer's conflict of interest",
            allowed: "de",
            fields: |c, _| {
                fields(&[
                    ("account_id", &c.target_account),
                    ("trust_ods_code", "RR8"),
                    ("reason", "Their partner is on its board"),
                ])
            },
        },
        Row {
            path: WithdrawConflict::PATH,
            case: "withdraw my own conflict of interest",
            allowed: "rde",
            fields: |c, s| {
                fields(&[
                    ("account_id", &c.own_account(s)),
                    ("trust_ods_code", "RY6"),
                    ("reason", "Declared in error"),
                ])
            },
        },
        Row {
            path: WithdrawConflict::PATH,
            case: "withdraw another reviewer's conflict of interest",
            allowed: "de",
            fields: |c, _| {
                fields(&[
                    ("account_id", &c.target_account),
                    ("trust_ods_code", "RY6"),
                    ("reason", "Declared in error"),
                ])
            },
        },
        Row {
            path: GetAssignment::PATH,
            case: "see a cycle's reviewer assignment",
            allowed: "de",
            fields: |c, _| fields(&[("cycle_id", &c.cycle)]),
        },
        Row {
            path: ProposeAssignment::PATH,
            case: "propose reviewers",
            allowed: "de",
            fields: |c, _| fields(&[("cycle_id", &c.cycle)]),
        },
        Row {
            path: SwapReviewer::PATH,
            case: "swap a proposed reviewer",
            allowed: "de",
            fields: |c, _| {
                fields(&[
                    ("slot_id", &c.review_slot),
                    ("reviewer_id", &c.target_account),
                    ("reason", "Balance"),
                ])
            },
        },
        Row {
            path: ConfirmAssignment::PATH,
            case: "confirm reviewers",
            allowed: "de",
            fields: |c, _| fields(&[("cycle_id", &c.cycle)]),
        },
        Row {
            path: ReplaceReviewer::PATH,
            case: "replace a reviewer who declined",
            allowed: "de",
            fields: |c, _| {
                fields(&[
                    ("slot_id", &c.review_slot),
                    ("reviewer_id", &c.target_account),
                ])
            },
        },
        Row {
            path: MyReviews::PATH,
            case: "list my reviews",
            allowed: "r",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: DeclineReview::PATH,
            case: "decline a review assigned to me",
            allowed: "r",
            // No reason: an allowed call is refused for that and changes nothing.
            fields: |c, _| fields(&[("slot_id", &c.review_slot), ("reason", "")]),
        },
        Row {
            path: DeclineReview::PATH,
            case: "decline another reviewer's review",
            allowed: "",
            fields: |c, _| fields(&[("slot_id", &c.other_review_slot), ("reason", "On leave")]),
        },
        Row {
            path: GetReview::PATH,
            case: "read my review",
            allowed: "rmpd",
            fields: |c, _| fields(&[("slot_id", &c.review_slot)]),
        },
        Row {
            path: GetReview::PATH,
            case: "read another reviewer's review",
            allowed: "mpd",
            fields: |c, _| fields(&[("slot_id", &c.other_review_slot)]),
        },
        Row {
            path: GetDomainReview::PATH,
            case: "read a domain of my review",
            allowed: "rmpd",
            fields: |c, _| fields(&[("slot_id", &c.review_slot), ("domain_key", &c.domain_key)]),
        },
        Row {
            path: GetDomainReview::PATH,
            case: "read a domain of another reviewer's review",
            allowed: "mpd",
            fields: |c, _| {
                fields(&[
                    ("slot_id", &c.other_review_slot),
                    ("domain_key", &c.domain_key),
                ])
            },
        },
        Row {
            path: SaveDomainReview::PATH,
            case: "save a domain of my review",
            allowed: "r",
            // The cycle is not in peer review yet: an allowed call is refused for that.
            fields: |c, _| {
                fields(&[
                    ("slot_id", &c.review_slot),
                    ("domain_key", &c.domain_key),
                    ("version", "0"),
                ])
            },
        },
        Row {
            path: SaveDomainReview::PATH,
            case: "save a domain of another reviewer's review",
            allowed: "",
            fields: |c, _| {
                fields(&[
                    ("slot_id", &c.other_review_slot),
                    ("domain_key", &c.domain_key),
                    ("version", "0"),
                ])
            },
        },
        Row {
            path: SubmitReview::PATH,
            case: "submit my review",
            allowed: "r",
            fields: |c, _| fields(&[("slot_id", &c.review_slot), ("verdict", "accurate")]),
        },
        Row {
            path: SubmitReview::PATH,
            case: "submit another reviewer's review",
            allowed: "",
            fields: |c, _| fields(&[("slot_id", &c.other_review_slot), ("verdict", "accurate")]),
        },
        Row {
            path: ExtendReviewDeadline::PATH,
            case: "give a reviewer more time",
            allowed: "d",
            // No date: an allowed call is refused for that and changes nothing.
            fields: |c, _| {
                fields(&[
                    ("slot_id", &c.review_slot),
                    ("deadline", ""),
                    ("reason", "Ill"),
                ])
            },
        },
        Row {
            path: ReopenReview::PATH,
            case: "reopen a submitted review",
            allowed: "d",
            fields: |c, _| fields(&[("slot_id", &c.review_slot), ("reason", "")]),
        },
        Row {
            path: CloseReview::PATH,
            case: "close an assessment's peer review",
            allowed: "d",
            fields: |c, _| fields(&[("slot_id", &c.review_slot), ("reason", "")]),
        },
        Row {
            path: GetReply::PATH,
            case: "read my trust's reply (not reviewed yet)",
            allowed: "lmpde",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment)]),
        },
        Row {
            path: GetReply::PATH,
            case: "read another trust's reply",
            allowed: "mpde",
            fields: |c, _| fields(&[("assessment_id", &c.other_assessment)]),
        },
        Row {
            path: GetDomainReply::PATH,
            case: "read a section of my trust's reply",
            allowed: "lmpde",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.own_assessment),
                    ("domain_key", &c.domain_key),
                ])
            },
        },
        Row {
            path: GetDomainReply::PATH,
            case: "read a section of another trust's reply",
            allowed: "mpde",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.other_assessment),
                    ("domain_key", &c.domain_key),
                ])
            },
        },
        Row {
            path: SaveDomainReply::PATH,
            case: "answer an adjustment for my trust",
            allowed: "l",
            // Not reviewed yet: an allowed call is refused for that and changes nothing.
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.own_assessment),
                    ("domain_key", &c.domain_key),
                    ("version", "0"),
                    ("response", "accept"),
                ])
            },
        },
        Row {
            path: SaveDomainReply::PATH,
            case: "answer an adjustment for another trust",
            allowed: "",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.other_assessment),
                    ("domain_key", &c.domain_key),
                    ("version", "0"),
                    ("response", "accept"),
                ])
            },
        },
        Row {
            path: SubmitReply::PATH,
            case: "submit my trust's reply",
            allowed: "l",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment)]),
        },
        Row {
            path: SubmitReply::PATH,
            case: "submit another trust's reply",
            allowed: "",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.other_assessment),
                    ("declaration", "confirmed"),
                ])
            },
        },
        Row {
            path: SetReplyDeadline::PATH,
            case: "set a cycle's reply deadline",
            allowed: "de",
            fields: |c, _| fields(&[("cycle_id", &c.cycle), ("reply_deadline", "")]),
        },
        Row {
            path: ModerationQueue::PATH,
            case: "see the moderation queue",
            allowed: "me",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: ModerationQueue::PATH,
            case: "see the moderation queue ordered by risk",
            allowed: "me",
            fields: |_, _| fields(&[("order", "risk")]),
        },
        Row {
            path: GetAssessmentSignals::PATH,
            case: "read the signals about another trust's assessment",
            allowed: "mpde",
            fields: |context, _| fields(&[("assessment_id", &context.other_assessment)]),
        },
        Row {
            path: GetReviewSignals::PATH,
            case: "read the signals beside my review",
            allowed: "rmpd",
            fields: |context, _| fields(&[("slot_id", &context.review_slot)]),
        },
        Row {
            path: GetReviewSignals::PATH,
            case: "read the signals beside another reviewer's review",
            allowed: "mpd",
            fields: |context, _| fields(&[("slot_id", &context.other_review_slot)]),
        },
        Row {
            path: GetInsights::PATH,
            case: "read the insights across trusts, ICSs and reviewers",
            allowed: "mpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: GetModeration::PATH,
            case: "read an assessment's moderation",
            allowed: "mpde",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment)]),
        },
        Row {
            path: GetDomainModeration::PATH,
            case: "read a section's moderation",
            allowed: "mpde",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.own_assessment),
                    ("domain_key", &c.domain_key),
                ])
            },
        },
        Row {
            path: SaveDomainModeration::PATH,
            case: "moderate a section",
            allowed: "me",
            // Not replied yet: an allowed call is refused for that and changes nothing.
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.own_assessment),
                    ("domain_key", &c.domain_key),
                    ("version", "0"),
                    ("score", "2"),
                ])
            },
        },
        Row {
            path: SubmitModeration::PATH,
            case: "submit a moderation",
            allowed: "me",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment)]),
        },
        Row {
            path: SignOffQueue::PATH,
            case: "see the sign-off queue",
            allowed: "pe",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: GetSignOff::PATH,
            case: "read an assessment's changes for sign-off",
            allowed: "mpde",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment)]),
        },
        Row {
            path: SignOff::PATH,
            case: "sign off assessments",
            allowed: "pe",
            // Not moderated yet: refused for that, nothing changes.
            fields: |c, _| {
                let mut pairs = fields(&[("declaration", "confirmed")]);
                pairs.push((
                    format!("assessments[{SIGN_OFF_FIELD_PREFIX}{}]", c.own_assessment),
                    "on".into(),
                ));
                pairs
            },
        },
        Row {
            path: ReturnToModerator::PATH,
            case: "return an assessment to its moderator",
            allowed: "pe",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment), ("reason", "")]),
        },
        Row {
            path: ReopenSignedOff::PATH,
            case: "reopen scores (none signed off here)",
            // Moderators may reopen a submitted assessment, so on this one they are refused as
            // "not now"; for signed-off scores the moderation tests show only administrators.
            allowed: "mde",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment), ("reason", "")]),
        },
        Row {
            path: EvidenceRequests::PATH,
            case: "read my trust's requests for more evidence",
            allowed: "lmpde",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment)]),
        },
        Row {
            path: AskForEvidence::PATH,
            case: "ask a trust for more evidence",
            allowed: "me",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment)]),
        },
        Row {
            path: AnswerEvidenceRequest::PATH,
            case: "answer a request for more evidence (there is none)",
            // No such request: not found, for everyone signed in.
            allowed: "lrmpde",
            fields: |_, _| fields(&[("request_id", "no-such-request"), ("answer", "")]),
        },
        Row {
            path: MySessions::PATH,
            case: "list my sessions",
            allowed: "lrmpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: ChangePassword::PATH,
            case: "change my password (current one missing)",
            allowed: "lrmpde",
            fields: |_, _| fields(&[("current_password", "")]),
        },
        Row {
            path: SignOutEverywhereElse::PATH,
            case: "sign out everywhere else",
            allowed: "lrmpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: ConfirmSignInCode::PATH,
            case: "enter a sign-in code (no sign-in waiting for one)",
            allowed: "alrmpde",
            fields: |_, _| fields(&[("code", "123456")]),
        },
        Row {
            path: StartAuthenticatorSetup::PATH,
            case: "start setting up my authenticator app",
            allowed: "lrmpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: GetAuthenticatorSetup::PATH,
            case: "read my authenticator app being set up",
            allowed: "lrmpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: ConfirmAuthenticatorSetup::PATH,
            case: "finish setting up my authenticator app (wrong code)",
            allowed: "lrmpde",
            fields: |_, _| fields(&[("code", "000000")]),
        },
        Row {
            path: MySecondFactor::PATH,
            case: "read my two-step sign-in",
            allowed: "lrmpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: RemoveAuthenticator::PATH,
            case: "remove another person's authenticator app",
            allowed: "de",
            fields: |context, _| {
                fields(&[
                    ("account_id", &context.target_account),
                    ("reason", "Lost phone and recovery codes"),
                ])
            },
        },
        Row {
            path: MyDashboard::PATH,
            case: "read my dashboard",
            allowed: "lrmpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: RemindNow::PATH,
            case: "remind the people of an overdue task (no such task)",
            allowed: "de",
            fields: |_, _| fields(&[("task", "review:no-such-review")]),
        },
        Row {
            path: FailedEmails::PATH,
            case: "list the emails that could not be sent",
            allowed: "de",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: RetryEmail::PATH,
            case: "send an email again",
            allowed: "de",
            fields: |_, _| fields(&[("id", "no-such-email")]),
        },
        Row {
            path: GetRelease::PATH,
            case: "read a cycle's release page",
            allowed: "de",
            fields: |c, _| fields(&[("cycle_id", &c.cycle)]),
        },
        Row {
            path: ExcludeFromResults::PATH,
            case: "leave an assessment out of the results (no reason given)",
            allowed: "de",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment), ("reason", "")]),
        },
        Row {
            path: ReleaseProvisionally::PATH,
            case: "release results provisionally (nothing signed off)",
            allowed: "de",
            fields: |c, _| fields(&[("cycle_id", &c.cycle), ("working_days", "5")]),
        },
        Row {
            path: PublishResults::PATH,
            case: "publish results (nothing released)",
            allowed: "de",
            fields: |c, _| fields(&[("cycle_id", &c.cycle), ("note", "")]),
        },
        Row {
            path: ReopenForCorrection::PATH,
            case: "reopen a published assessment for correction (none published)",
            allowed: "de",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment), ("reason", "")]),
        },
        Row {
            path: GetFinalScores::PATH,
            case: "read my trust's final scores before release",
            allowed: "mpde",
            fields: |c, _| fields(&[("assessment_id", &c.own_assessment)]),
        },
        Row {
            path: GetFinalScores::PATH,
            case: "read another trust's final scores",
            allowed: "mpde",
            fields: |c, _| fields(&[("assessment_id", &c.other_assessment)]),
        },
        Row {
            path: RaiseQuery::PATH,
            case: "query my trust's score (not released: not now)",
            allowed: "l",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.own_assessment),
                    ("domain_key", &c.domain_key),
                    ("question", "Why?"),
                ])
            },
        },
        Row {
            path: RaiseQuery::PATH,
            case: "query another trust's score",
            allowed: "",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.other_assessment),
                    ("domain_key", &c.domain_key),
                    ("question", "Why?"),
                ])
            },
        },
        Row {
            path: OpenQueries::PATH,
            case: "list the queries to answer",
            allowed: "me",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: AnswerQuery::PATH,
            case: "answer a query (there is none)",
            allowed: "me",
            fields: |_, _| fields(&[("query_id", "no-such-query"), ("answer", "No")]),
        },
        Row {
            path: AnswerQuery::PATH,
            case: "answer RR8's query",
            allowed: "me",
            fields: |c, _| fields(&[("query_id", &c.query), ("answer", "Because")]),
        },
        Row {
            path: AnswerQuery::PATH,
            case: "answer R1K's query",
            allowed: "m",
            fields: |c, _| fields(&[("query_id", &c.staff_query), ("answer", "Because")]),
        },
        // R1K's records: NHS England staff of R1K never see or act on their own trust's, so a
        // door without that rule fails here.
        Row {
            path: GetAssessment::PATH,
            case: "read R1K's assessment",
            allowed: "mpd",
            fields: |c, _| fields(&[("id", &c.staff_assessment)]),
        },
        Row {
            path: GetDomain::PATH,
            case: "read a domain of R1K's assessment",
            allowed: "mpd",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.staff_assessment),
                    ("domain_key", "digital-strategy"),
                ])
            },
        },
        Row {
            path: GetReply::PATH,
            case: "read R1K's reply",
            allowed: "mpd",
            fields: |c, _| fields(&[("assessment_id", &c.staff_assessment)]),
        },
        Row {
            path: GetAssessmentSignals::PATH,
            case: "read the signals about R1K's assessment",
            allowed: "mpd",
            fields: |c, _| fields(&[("assessment_id", &c.staff_assessment)]),
        },
        Row {
            path: GetModeration::PATH,
            case: "read R1K's moderation",
            allowed: "mpd",
            fields: |c, _| fields(&[("assessment_id", &c.staff_assessment)]),
        },
        Row {
            path: GetDomainModeration::PATH,
            case: "read a section of R1K's moderation",
            allowed: "mpd",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.staff_assessment),
                    ("domain_key", &c.domain_key),
                ])
            },
        },
        Row {
            path: SaveDomainModeration::PATH,
            case: "moderate a section of R1K's assessment",
            allowed: "m",
            fields: |c, _| {
                fields(&[
                    ("assessment_id", &c.staff_assessment),
                    ("domain_key", &c.domain_key),
                    ("version", "0"),
                    ("score", "2"),
                ])
            },
        },
        Row {
            path: SubmitModeration::PATH,
            case: "submit R1K's moderation",
            allowed: "m",
            fields: |c, _| fields(&[("assessment_id", &c.staff_assessment)]),
        },
        Row {
            path: EvidenceRequests::PATH,
            case: "read R1K's requests for more evidence",
            allowed: "mpd",
            fields: |c, _| fields(&[("assessment_id", &c.staff_assessment)]),
        },
        Row {
            path: AskForEvidence::PATH,
            case: "ask R1K for more evidence",
            allowed: "m",
            fields: |c, _| fields(&[("assessment_id", &c.staff_assessment)]),
        },
        Row {
            path: GetSignOff::PATH,
            case: "read R1K's changes for sign-off",
            allowed: "mpd",
            fields: |c, _| fields(&[("assessment_id", &c.staff_assessment)]),
        },
        Row {
            path: ReturnToModerator::PATH,
            case: "return R1K's assessment to its moderator",
            allowed: "p",
            fields: |c, _| fields(&[("assessment_id", &c.staff_assessment), ("reason", "")]),
        },
        Row {
            path: GetFinalScores::PATH,
            case: "read R1K's final scores",
            allowed: "mpd",
            fields: |c, _| fields(&[("assessment_id", &c.staff_assessment)]),
        },
        Row {
            path: ResultsIndex::PATH,
            case: "public list of published results",
            allowed: "alrmpde",
            fields: |_, _| fields(&[]),
        },
        Row {
            path: NationalResults::PATH,
            case: "public national results (none published: not found)",
            allowed: "alrmpde",
            fields: |c, _| fields(&[("cycle_id", &c.cycle)]),
        },
        Row {
            path: TrustLeague::PATH,
            case: "public trust league table",
            allowed: "alrmpde",
            fields: |c, _| fields(&[("cycle_id", &c.cycle)]),
        },
        Row {
            path: IcsResults::PATH,
            case: "public ICS results",
            allowed: "alrmpde",
            fields: |c, _| fields(&[("cycle_id", &c.cycle), ("code", "QWO")]),
        },
        Row {
            path: TrustResults::PATH,
            case: "public trust results",
            allowed: "alrmpde",
            fields: |c, _| fields(&[("cycle_id", &c.cycle), ("code", "RR8")]),
        },
    ]
}

/// Submits R1K's assessment and assigns it to each of `reviewers`; returns their reviews' ids,
/// in the same order.
async fn assigned_reviews(server: &TestServer, cycle: &str, reviewers: &[&str]) -> Vec<String> {
    let mut assessment = AssessmentBuilder::new(cycle, "R1K").status(AssessmentStatus::InReview);
    for reviewer in reviewers {
        assessment = assessment.reviewer(reviewer);
    }
    assessment.build(server).await;
    let slots = app::store::assignments::cycle_data(&server.state.db, &CycleId::from(cycle))
        .await
        .unwrap()
        .slots;
    reviewers
        .iter()
        .map(|reviewer| {
            slots
                .iter()
                .find(|slot| slot.reviewer_id == *reviewer)
                .expect("a review for each reviewer")
                .id
                .clone()
        })
        .collect()
}

/// The account a subject signs in with: email, organisation and roles.
fn identity(subject: Subject) -> Option<AccountBuilder> {
    let (email, org, roles) = match subject {
        Subject::Anonymous => return None,
        Subject::TrustLead => ("lead@rr8.nhs.uk", Some("RR8"), vec![Role::TrustLead]),
        Subject::PeerReviewer => ("reviewer@r0a.nhs.uk", Some("R0A"), vec![Role::PeerReviewer]),
        Subject::Moderator => ("moderator@england.nhs.uk", None, vec![Role::Moderator]),
        Subject::Approver => ("approver@england.nhs.uk", None, vec![Role::Approver]),
        Subject::Admin => ("admin@england.nhs.uk", None, vec![Role::Admin]),
        Subject::OwnTrustStaff => (
            "staff@r1k.nhs.uk",
            Some("R1K"),
            vec![Role::Moderator, Role::Approver, Role::Admin],
        ),
    };
    let account = roles
        .into_iter()
        .fold(AccountBuilder::new(email), AccountBuilder::role);
    Some(match org {
        Some(org) => account.org(org),
        None => account,
    })
}

async fn client_for(server: &TestServer, subject: Subject) -> reqwest::Client {
    match identity(subject) {
        Some(account) => account.signed_in(server).await,
        None => api_client(),
    }
}

#[tokio::test]
async fn every_server_function_allows_exactly_whom_the_table_says() {
    let server = start_server().await;
    let rows = table();

    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    let listed: BTreeSet<String> = rows.iter().map(|row| row.path.to_string()).collect();
    let unlisted: Vec<&String> = registered.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "server functions missing from the authorization table: {unlisted:?}"
    );

    let cycle = CycleBuilder::new().open(&server).await;
    let mut own_accounts = BTreeMap::new();
    for subject in SUBJECTS {
        if let Some(account) = identity(subject) {
            own_accounts.insert(letter(subject), account.create(&server).await);
        }
    }
    let other_reviewer = AccountBuilder::new("other-reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(&server)
        .await;
    let [review_slot, other_review_slot]: [String; 2] =
        assigned_reviews(&server, &cycle, &[&own_accounts[&'r'], &other_reviewer])
            .await
            .try_into()
            .unwrap();
    let domain_key = e2e::fixtures::acute_domains(&server).await[0].key.clone();
    let own_assessment = server.acute_assessment(&cycle, "RR8").await;
    let staff_assessment = server.acute_assessment(&cycle, "R1K").await;
    let query_on = |assessment: String| {
        let (server, domain_key) = (&server, &domain_key);
        async move {
            app::store::results::raise_query(
                &server.state.db,
                "a trust lead",
                &AssessmentId::from(&assessment),
                domain_key,
                "Why?",
            )
            .await
            .unwrap()
        }
    };
    let context = Context {
        query: query_on(own_assessment.clone()).await,
        staff_query: query_on(staff_assessment.clone()).await,
        staff_assessment,
        domain_key,
        review_slot,
        other_review_slot,
        own_accounts,
        own_assessment,
        other_assessment: server.acute_assessment(&cycle, "R0A").await,
        cycle,
        target_account: AccountBuilder::new("target@r0a.nhs.uk")
            .org("R0A")
            .role(Role::PeerReviewer)
            .create(&server)
            .await,
    };
    let mut failures = Vec::new();
    for subject in SUBJECTS {
        let client = client_for(&server, subject).await;
        for row in rows.iter().filter(|row| row.path != SignOut::PATH) {
            let fields = (row.fields)(&context, subject);
            let Answer { status, body, .. } =
                post(&client, &server, row.path, &pairs(&fields)).await;
            let refused = body.contains("\"SignInRequired\"")
                || body.contains("\"Forbidden\"")
                || status == 403;
            let expected_allowed = row.allowed.contains(letter(subject));
            if refused == expected_allowed {
                failures.push(format!(
                    "{subject:?} / {}: expected {}, got {status} {body}",
                    row.case,
                    if expected_allowed {
                        "allowed"
                    } else {
                        "refused"
                    }
                ));
            }
            if !expected_allowed && subject == Subject::Anonymous {
                assert!(
                    body.contains("SignInRequired"),
                    "anonymous is asked to sign in for {}: {body}",
                    row.case
                );
            }
        }
        // Signing out last, so the session served every row above.
        let status = post(&client, &server, SignOut::PATH, NO_FIELDS)
            .await
            .status;
        assert_eq!(status, 200, "{subject:?} can sign out");
    }
    assert!(
        failures.is_empty(),
        "authorization differs from the table:\n{}",
        failures.join("\n")
    );
}
