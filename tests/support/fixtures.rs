//! What tests set up before the journey they test: accounts, cycles, assessments at a given
//! status, and answers. Each goes through the service's own store functions, as the demo data
//! does, so a fixture is always a state the service itself can reach.

use crate::requests::signed_in_client;
use crate::TestServer;
use app::rules::accounts::Role;
use app::rules::assessments::{Answer, DomainAnswers};
use app::rules::cycles::CycleDates;
use app::rules::framework::Domain;
use app::rules::lifecycle::{AssessmentStatus, Event};
use app::rules::organisations::CareSetting;
use app::store::date_in_days;
use app::store::{AccountId, AssessmentId, CycleId, ReviewSlotId};
use rules::fixtures::allowed;
use std::ops::{Bound, RangeBounds};

/// Every account a test creates has this password unless the test says otherwise.
pub const PASSWORD: &str = "coffee lantern meadow bicycle";

/// The framework version the bundled framework has, which every cycle here uses.
pub const FRAMEWORK_VERSION: &str = "2026.1";

/// The actor fixtures act as in the audit trail.
const ACTOR: &str = "tests";

/// An account to create, with a password:
/// `AccountBuilder::new("lead@rr8.nhs.uk").org("RR8").role(Role::TrustLead).create(&server)`.
/// Its display name is "Test" and its roles' labels ("Test Trust lead").
#[derive(Clone, Debug)]
pub struct AccountBuilder {
    pub(crate) email: String,
    org: Option<String>,
    roles: Vec<Role>,
    pub(crate) password: String,
    /// Whether an authenticator app is set up for it; by default, when its roles need one.
    authenticator: Option<bool>,
}

impl AccountBuilder {
    /// An account for `email` with no organisation, no roles and [`PASSWORD`].
    pub fn new(email: &str) -> Self {
        AccountBuilder {
            email: email.to_string(),
            org: None,
            roles: Vec::new(),
            password: PASSWORD.to_string(),
            authenticator: None,
        }
    }

    /// The organisation (ODS code) the account acts for.
    pub fn org(mut self, ods_code: &str) -> Self {
        self.org = Some(ods_code.to_string());
        self
    }

    /// Adds a role.
    pub fn role(mut self, role: Role) -> Self {
        self.roles.push(role);
        self
    }

    pub fn password(mut self, password: &str) -> Self {
        self.password = password.to_string();
        self
    }

    /// Leaves the account without an authenticator app even if its roles need one, so that
    /// signing in asks for one to be set up.
    pub fn without_authenticator(mut self) -> Self {
        self.authenticator = Some(false);
        self
    }

    /// Sets up an authenticator app (with the secret `second_factor::secret_for` its email)
    /// even if its roles do not need one.
    pub fn with_authenticator(mut self) -> Self {
        self.authenticator = Some(true);
        self
    }

    /// Whether [`Self::create`] sets up an authenticator app for it.
    pub fn has_authenticator(&self) -> bool {
        self.authenticator
            .unwrap_or_else(|| app::rules::second_factor::required(&self.roles))
    }

    /// Creates the account, or replaces the one with its email address; returns its id.
    pub async fn create(&self, server: &TestServer) -> String {
        use app::store::accounts::{upsert_with_password, NewAccount};
        let hash = app::api::credentials::hash_password(self.password.clone())
            .await
            .expect("hashing works");
        let labels: Vec<&str> = self.roles.iter().map(|role| role.label()).collect();
        let account = NewAccount {
            email: self.email.clone(),
            display_name: format!("Test {}", labels.join(" ")),
            org_ods_code: self.org.clone(),
            roles: self.roles.clone(),
        };
        let id = upsert_with_password(&server.state.db, ACTOR, &account, &hash)
            .await
            .expect("the account is stored");
        if self.has_authenticator() {
            let secret = crate::second_factor::secret_for(&self.email);
            app::store::second_factor::enrol(
                &server.state.db,
                &AccountId::from(&id),
                &secret,
                0,
                &[],
            )
            .await
            .expect("the authenticator app is stored");
        }
        id
    }

    /// Creates the account and signs it in on a fresh client; returns the client.
    pub async fn signed_in(&self, server: &TestServer) -> reqwest::Client {
        self.signed_in_with_id(server).await.0
    }

    /// Creates the account and signs it in on a fresh client; returns the client and the
    /// account's id.
    pub async fn signed_in_with_id(&self, server: &TestServer) -> (reqwest::Client, String) {
        let id = self.create(server).await;
        (
            signed_in_client(server, &self.email, &self.password).await,
            id,
        )
    }
}

/// A cycle to create: by default "DMA 2026/27", acute assessments only, all of England, opened
/// 30 days ago with the submission deadline in 30 days and the review, moderation and
/// publication dates 30, 60 and 90 days after it, 2 reviewers per assessment and at most 3
/// reviews per reviewer.
#[derive(Clone, Debug)]
pub struct CycleBuilder {
    name: String,
    framework_version: String,
    /// Days from today of the opening date, the submission, review and moderation deadlines,
    /// and the publication date.
    opens_on: i64,
    submission_deadline: i64,
    review_deadline: i64,
    moderation_deadline: i64,
    publication_on: i64,
    care_settings: Vec<CareSetting>,
    region_ods_codes: Vec<String>,
    reviewers_per_assessment: i64,
    reviewer_capacity: i64,
}

impl Default for CycleBuilder {
    fn default() -> Self {
        CycleBuilder {
            name: "DMA 2026/27".into(),
            framework_version: FRAMEWORK_VERSION.into(),
            opens_on: -30,
            submission_deadline: 30,
            review_deadline: 60,
            moderation_deadline: 90,
            publication_on: 120,
            care_settings: vec![CareSetting::Acute],
            region_ods_codes: Vec::new(),
            reviewers_per_assessment: 2,
            reviewer_capacity: 3,
        }
    }
}

impl CycleBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// The opening date, `days` from today (negative: in the past).
    pub fn opens_in_days(mut self, days: i64) -> Self {
        self.opens_on = days;
        self
    }

    /// The submission deadline `days` from today (negative: already passed), with the review,
    /// moderation and publication dates moved to 30, 60 and 90 days after it.
    pub fn deadlines_from_days(mut self, days: i64) -> Self {
        self.submission_deadline = days;
        self.review_deadline = days + 30;
        self.moderation_deadline = days + 60;
        self.publication_on = days + 90;
        self
    }

    /// The submission deadline alone, `days` from today; the other dates stay as they are.
    pub fn submission_deadline_in_days(mut self, days: i64) -> Self {
        self.submission_deadline = days;
        self
    }

    pub fn care_settings(mut self, settings: &[CareSetting]) -> Self {
        self.care_settings = settings.to_vec();
        self
    }

    /// The regions (ODS codes) the cycle covers; none, the default, is all of England.
    pub fn regions(mut self, ods_codes: &[&str]) -> Self {
        self.region_ods_codes = ods_codes.iter().map(|code| code.to_string()).collect();
        self
    }

    pub fn reviewers_per_assessment(mut self, count: i64) -> Self {
        self.reviewers_per_assessment = count;
        self
    }

    pub fn reviewer_capacity(mut self, reviews: i64) -> Self {
        self.reviewer_capacity = reviews;
        self
    }

    fn dates(&self) -> CycleDates {
        CycleDates {
            opens_on: date_in_days(self.opens_on),
            submission_deadline: date_in_days(self.submission_deadline),
            review_deadline: date_in_days(self.review_deadline),
            moderation_deadline: date_in_days(self.moderation_deadline),
            publication_on: date_in_days(self.publication_on),
        }
    }

    /// The cycle as the store takes it.
    fn new_cycle(&self) -> app::store::cycles::NewCycle {
        app::store::cycles::NewCycle {
            name: self.name.clone(),
            framework_version: self.framework_version.clone(),
            dates: self.dates(),
            care_settings: self.care_settings.clone(),
            region_ods_codes: self.region_ods_codes.clone(),
            reviewers_per_assessment: self.reviewers_per_assessment,
            reviewer_capacity: self.reviewer_capacity,
        }
    }

    /// The cycle as the fields of the CreateCycle form.
    pub fn form(&self) -> Vec<(String, String)> {
        let dates = self.dates();
        let mut fields = vec![
            ("name", self.name.clone()),
            ("framework_version", self.framework_version.clone()),
            ("opens_on", dates.opens_on),
            ("submission_deadline", dates.submission_deadline),
            ("review_deadline", dates.review_deadline),
            ("moderation_deadline", dates.moderation_deadline),
            ("publication_on", dates.publication_on),
        ];
        for setting in &self.care_settings {
            fields.push((app::api::cycles::care_setting_field(*setting), "on".into()));
        }
        fields.extend([
            ("regions", self.region_ods_codes.join(",")),
            (
                "reviewers_per_assessment",
                self.reviewers_per_assessment.to_string(),
            ),
            ("reviewer_capacity", self.reviewer_capacity.to_string()),
        ]);
        fields
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect()
    }

    /// Creates the cycle, in its setup phase; returns its id.
    pub async fn create(&self, server: &TestServer) -> String {
        app::store::cycles::create(&server.state.db, ACTOR, &self.new_cycle(), false)
            .await
            .expect("the cycle is created")
    }

    /// Creates the cycle and opens it, which creates its assessments and queues an email to
    /// each lead; returns its id.
    pub async fn open(&self, server: &TestServer) -> String {
        let id = self.create(server).await;
        app::store::cycles::open(&server.state.db, ACTOR, &CycleId::from(&id), |lead| {
            app::store::outbox::OutgoingMail {
                html: String::new(),
                to: lead.email.clone(),
                subject: "Cycle open".into(),
                body: String::new(),
            }
        })
        .await
        .expect("the cycle opens");
        id
    }

    /// Creates and opens the cycle, then moves it on to peer review; returns its id.
    pub async fn in_peer_review(&self, server: &TestServer) -> String {
        use app::rules::cycles::Phase;
        let id = self.open(server).await;
        app::store::cycles::change_phase(
            &server.state.db,
            ACTOR,
            &CycleId::from(&id),
            Phase::Submission,
            Phase::PeerReview,
        )
        .await
        .expect("the cycle moves on to peer review");
        id
    }

    /// Moves a cycle in peer review on to moderation.
    pub async fn into_moderation(server: &TestServer, cycle_id: &str) {
        use app::rules::cycles::Phase;
        app::store::cycles::change_phase(
            &server.state.db,
            ACTOR,
            &CycleId::from(cycle_id),
            Phase::PeerReview,
            Phase::Moderation,
        )
        .await
        .expect("the cycle moves on to moderation");
    }
}

/// A trust's acute assessment in an open cycle, taken to a status through the store functions
/// the service uses: answered ([`AssessmentStatus::InProgress`]), submitted, and assigned to
/// reviewers and confirmed ([`AssessmentStatus::InReview`]).
///
/// `AssessmentBuilder::new(&cycle, "RR8").status(AssessmentStatus::Submitted).build(&server)`
#[derive(Clone, Debug)]
pub struct AssessmentBuilder {
    cycle_id: String,
    trust: String,
    status: AssessmentStatus,
    answered: Option<(Bound<usize>, Bound<usize>)>,
    reviewers: Vec<String>,
    /// The level the trust's answers reach in each answered domain.
    self_level: u8,
    /// The level every reviewer finds in every domain, if the test sets one.
    reviewed_level: Option<u8>,
    /// Files attached to the first domain before submission: uploader, file name, bytes.
    evidence: Vec<(String, String, Vec<u8>)>,
}

impl AssessmentBuilder {
    /// The trust's acute assessment in the cycle, not started.
    pub fn new(cycle_id: &str, trust: &str) -> Self {
        AssessmentBuilder {
            cycle_id: cycle_id.to_string(),
            trust: trust.to_string(),
            status: AssessmentStatus::NotStarted,
            answered: None,
            reviewers: Vec::new(),
            self_level: 2,
            reviewed_level: None,
            evidence: Vec::new(),
        }
    }

    /// A file the trust attaches to the first acute domain, as a whole, before anything else,
    /// uploaded by `uploader` (an account id): kept in the server's evidence store as an upload
    /// is, and recorded "not scanned".
    pub fn evidence(mut self, uploader: &str, file_name: &str, bytes: &[u8]) -> Self {
        self.evidence
            .push((uploader.to_string(), file_name.to_string(), bytes.to_vec()));
        self
    }

    /// The level the trust's answers reach in each answered domain (2 unless set): every
    /// criterion up to it met.
    pub fn self_level(mut self, level: u8) -> Self {
        self.self_level = level;
        self
    }

    /// Every reviewer finds every domain met up to `level` (judging the criteria the trust did
    /// not mark met as met), instead of the one adjustment described at [`Self::status`].
    pub fn reviewers_find(mut self, level: u8) -> Self {
        self.reviewed_level = Some(level);
        self
    }

    /// Not started, in progress, submitted, in review, reviewed, replied, moderated or signed
    /// off. In review and later need [`Self::reviewer`]. Reviewed: every reviewer confirms every
    /// domain and submits, the first judging the first domain's first level-2 criterion not met,
    /// so that domain is adjusted. Replied: the trust then submits its reply, accepting that
    /// adjustment. Moderated: a moderator keeps every answered domain's level but sets the first
    /// to 1, as the reviewer said. Signed off: an approver then signs it off.
    pub fn status(mut self, status: AssessmentStatus) -> Self {
        self.status = status;
        self
    }

    /// Which of the acute domains, in framework order, are answered (met up to level 2) before
    /// anything else; by default the first when in progress, none otherwise. Answering any makes
    /// it in progress.
    pub fn answer_domains(mut self, domains: impl RangeBounds<usize>) -> Self {
        self.answered = Some((domains.start_bound().cloned(), domains.end_bound().cloned()));
        if self.status == AssessmentStatus::NotStarted {
            self.status = AssessmentStatus::InProgress;
        }
        self
    }

    /// A reviewer (account id) the assessment is assigned to when it goes into review.
    pub fn reviewer(mut self, account_id: &str) -> Self {
        self.reviewers.push(account_id.to_string());
        self
    }

    /// Takes the assessment to its status; returns its id. Going into review proposes and
    /// confirms the cycle's assignment, so do that for one assessment per cycle.
    pub async fn build(&self, server: &TestServer) -> String {
        use app::store::{assessments, assignments};
        use AssessmentStatus::*;
        let db = &server.state.db;
        let id = server.acute_assessment(&self.cycle_id, &self.trust).await;
        assert!(
            matches!(self.status, NotStarted | InProgress | Submitted | InReview | Reviewed | Replied | Moderated | SignedOff),
            "the builder takes an assessment to not started, in progress, submitted, in review, reviewed, replied, moderated or signed off, not {:?}",
            self.status
        );
        let answered = match (self.answered, self.status) {
            (Some(range), _) => range,
            (None, InProgress) => (Bound::Unbounded, Bound::Excluded(1)),
            (None, _) => (Bound::Unbounded, Bound::Excluded(0)),
        };
        let domains = acute_domains(server).await;
        for domain in &domains[answered] {
            assessments::save_domain(
                db,
                ACTOR,
                &AssessmentId::from(&id),
                allowed(Event::Save, NotStarted),
                &domain.key,
                0,
                &domain_answers(domain, self.self_level),
                "set up by the test".into(),
            )
            .await
            .expect("the answers are saved");
        }
        for (uploader, file_name, bytes) in &self.evidence {
            attach_evidence(server, &id, &domains[0].key, uploader, file_name, bytes).await;
        }
        if matches!(
            self.status,
            Submitted | InReview | Reviewed | Replied | Moderated | SignedOff
        ) {
            assessments::submit(
                db,
                ACTOR,
                &AssessmentId::from(&id),
                allowed(Event::Submit, NotStarted),
                "test".into(),
                &[],
            )
            .await
            .expect("the assessment is submitted");
        }
        if matches!(
            self.status,
            InReview | Reviewed | Replied | Moderated | SignedOff
        ) {
            use app::rules::assignment::{AssignmentPlan, ProposedReview};
            assert!(
                !self.reviewers.is_empty(),
                "an assessment in review needs a reviewer"
            );
            let plan = AssignmentPlan {
                assignments: self
                    .reviewers
                    .iter()
                    .map(|reviewer| ProposedReview {
                        assessment_id: id.clone(),
                        reviewer_id: reviewer.clone(),
                        cost: 0,
                        reasons: Vec::new(),
                    })
                    .collect(),
                total_cost: 0,
                uncovered: Vec::new(),
                load: Vec::new(),
            };
            assignments::propose(db, ACTOR, &CycleId::from(&self.cycle_id), &plan)
                .await
                .expect("the reviewers are proposed");
            let into_review = [(id.clone(), allowed(Event::ConfirmReviewers, Submitted))];
            assignments::confirm(
                db,
                ACTOR,
                &CycleId::from(&self.cycle_id),
                &into_review,
                &[],
                |_| Ok(()),
            )
            .await
            .expect("the assignment is confirmed");
        }
        if matches!(self.status, Reviewed | Replied | Moderated | SignedOff) {
            review_everything(server, &id, &domains, self.reviewed_level).await;
        }
        if matches!(self.status, Replied | Moderated | SignedOff) {
            use app::rules::reply::{DomainReply, ReplyOutcome, Response};
            use app::store::replies;
            let reply = allowed(Event::ReplySubmitted, Reviewed);
            let accept = DomainReply {
                response: Response::Accept,
                comment: String::new(),
                evidence: String::new(),
            };
            replies::save_domain_reply(
                db,
                ACTOR,
                &AssessmentId::from(&id),
                reply,
                &domains[0].key,
                0,
                &accept,
            )
            .await
            .expect("the reply is saved");
            replies::finish(
                db,
                ACTOR,
                &AssessmentId::from(&id),
                reply,
                ReplyOutcome::Submitted,
                &[],
            )
            .await
            .expect("the reply is submitted");
        }
        if matches!(self.status, Moderated | SignedOff) {
            moderate_and_sign_off(server, &id, &domains, self.status == SignedOff).await;
        }
        let header = assessments::header(db, &AssessmentId::from(&id))
            .await
            .unwrap()
            .expect("the assessment exists");
        assert_eq!(header.status, self.status, "the fixture reached its status");
        id
    }
}

/// Attaches `bytes` to a domain as `uploader` would by uploading them, unscanned.
async fn attach_evidence(
    server: &TestServer,
    assessment_id: &str,
    domain_key: &str,
    uploader: &str,
    file_name: &str,
    bytes: &[u8],
) {
    use app::store::evidence_files::{attach, NewAttachment, NewDocument};
    let body = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(bytes.to_vec()))]);
    let received = documents::receive(body, u64::MAX, &std::env::temp_dir())
        .await
        .expect("the file is received");
    let kind = documents::identify(&received.file, file_name).expect("a document accepted");
    server
        .evidence
        .store
        .put(&received)
        .await
        .expect("the file is stored");
    attach(
        &server.state.db,
        uploader,
        allowed(Event::Save, AssessmentStatus::NotStarted),
        NewDocument {
            sha256: &received.sha256,
            size: received.size,
            kind: kind.key(),
            file_name,
            scan_state: app::rules::evidence::ScanState::NotScanned,
        },
        NewAttachment {
            assessment_id,
            domain_key,
            description: "Attached by the test",
            criterion_keys: &[],
        },
        &app::rules::evidence::Limits::default(),
    )
    .await
    .expect("the file is attached");
}

/// RR8's acute assessment signed off in a cycle (of region Y63) moved on to the sign-off phase;
/// with `alone`, every other assessment of the cycle is left out of its results. Returns the
/// cycle's id and the assessment's.
pub async fn signed_off(server: &TestServer, alone: bool) -> (String, String) {
    use app::rules::cycles::Phase;
    let cycle = CycleBuilder::new()
        .regions(&["Y63"])
        .in_peer_review(server)
        .await;
    let reviewer = AccountBuilder::new("reviewer@r0a.nhs.uk")
        .org("R0A")
        .role(Role::PeerReviewer)
        .create(server)
        .await;
    let assessment = AssessmentBuilder::new(&cycle, "RR8")
        .status(AssessmentStatus::SignedOff)
        .answer_domains(..)
        .reviewer(&reviewer)
        .build(server)
        .await;
    let db = &server.state.db;
    for (from, to) in [
        (Phase::PeerReview, Phase::Moderation),
        (Phase::Moderation, Phase::SignOff),
    ] {
        app::store::cycles::change_phase(db, ACTOR, &CycleId::from(&cycle), from, to)
            .await
            .expect("the cycle moves on");
    }
    if alone {
        for header in app::store::assessments::for_cycle(db, &CycleId::from(&cycle))
            .await
            .unwrap()
        {
            if header.id != assessment {
                app::store::results::exclude(
                    db,
                    ACTOR,
                    &AssessmentId::from(&header.id),
                    "Not in this test",
                )
                .await
                .expect("the assessment is left out");
            }
        }
    }
    (cycle, assessment)
}

/// A moderator (an account made for it) sets every domain: the first to level 1 with a
/// rationale, the rest at the trust's own level; and submits. With `sign_off`, an approver (another
/// account) signs it off. Also takes a replied assessment reopened for correction back to signed
/// off.
pub async fn moderate_and_sign_off(
    server: &TestServer,
    assessment: &str,
    domains: &[Domain],
    sign_off: bool,
) {
    use app::rules::assessments::is_met_in;
    use app::rules::moderation::DomainModeration;
    use app::rules::scoring::domain_score;
    use app::store::{assessments, moderation};
    let db = &server.state.db;
    let id = app::store::new_id();
    let suffix = &id[..8];
    let moderator = AccountBuilder::new(&format!("moderator-{suffix}@england.nhs.uk"))
        .role(Role::Moderator)
        .create(server)
        .await;
    let answers = assessments::all_answers(db, &AssessmentId::from(assessment))
        .await
        .unwrap();
    let moderate = allowed(Event::ModerationSubmitted, AssessmentStatus::Replied);
    for (position, domain) in domains.iter().enumerate() {
        let own = domain_score(
            is_met_in(&answers.get(&domain.key).cloned().unwrap_or_default()),
            domain,
        );
        let moderation = if position == 0 {
            DomainModeration {
                score: 1,
                criteria: vec![domain.levels[0].criteria[0].key.clone()],
                rationale: "The strategy is a draft, as the reviewer found".into(),
            }
        } else {
            DomainModeration {
                score: own,
                criteria: Vec::new(),
                rationale: String::new(),
            }
        };
        let version =
            moderation::domain_moderation(db, &AssessmentId::from(assessment), &domain.key)
                .await
                .unwrap()
                .version;
        moderation::save_domain_moderation(
            db,
            &moderator,
            &AssessmentId::from(assessment),
            moderate,
            &domain.key,
            version,
            &moderation,
        )
        .await
        .expect("the domain is moderated");
    }
    moderation::submit(
        db,
        &moderator,
        &AssessmentId::from(assessment),
        moderate,
        "test".into(),
    )
    .await
    .expect("the moderation is submitted");
    if sign_off {
        let approver = AccountBuilder::new(&format!("approver-{suffix}@england.nhs.uk"))
            .role(Role::Approver)
            .create(server)
            .await;
        moderation::decide(
            db,
            &approver,
            &[(
                assessment.to_string(),
                allowed(Event::SignOff, AssessmentStatus::Moderated),
            )],
            moderation::Decision::SignOff,
        )
        .await
        .expect("the assessment is signed off");
    }
}

/// Every reviewer of the assessment confirms every domain and submits: with `found`, judging
/// every criterion up to that level met; otherwise the first judging the first domain's first
/// level-2 criterion not met.
async fn review_everything(
    server: &TestServer,
    assessment: &str,
    domains: &[Domain],
    found: Option<u8>,
) {
    use app::rules::review::{DomainReview, Judgement, Verdict};
    use app::store::reviews;
    let db = &server.state.db;
    let slots = reviews::slots_of(db, &AssessmentId::from(assessment))
        .await
        .unwrap();
    for (index, slot) in slots.iter().enumerate() {
        for (position, domain) in domains.iter().enumerate() {
            let mut review = DomainReview {
                confirmed: true,
                ..Default::default()
            };
            if let Some(found) = found {
                let criteria = domain.levels.iter().filter(|level| level.level <= found);
                for criterion in criteria.flat_map(|level| &level.criteria) {
                    review.judgements.insert(
                        criterion.key.clone(),
                        Judgement {
                            met: true,
                            reason: "Seen in the board papers".into(),
                        },
                    );
                }
            } else if index == 0 && position == 0 {
                review.judgements.insert(
                    domain.levels[0].criteria[0].key.clone(),
                    Judgement {
                        met: false,
                        reason: "The strategy shown is a draft".into(),
                    },
                );
            }
            reviews::save_domain_review(
                db,
                ACTOR,
                &ReviewSlotId::from(&slot.id),
                &domain.key,
                0,
                &review,
                "test".into(),
            )
            .await
            .expect("the domain is reviewed");
        }
        let verdict = if index == 0 {
            Verdict::SignificantlyOverScored
        } else {
            Verdict::Accurate
        };
        reviews::submit(
            db,
            ACTOR,
            &ReviewSlotId::from(&slot.id),
            verdict,
            if index == 0 {
                "The strategy is a draft."
            } else {
                ""
            },
            allowed(Event::LastReviewSubmitted, AssessmentStatus::InReview),
            &[],
        )
        .await
        .expect("the review is submitted");
    }
}

/// The domains an acute assessment answers, from the bundled framework, in framework order.
pub async fn acute_domains(server: &TestServer) -> Vec<Domain> {
    app::store::frameworks::cached(&server.state.db, FRAMEWORK_VERSION)
        .await
        .unwrap()
        .expect("the bundled framework is loaded")
        .domains_for(CareSetting::Acute)
        .map(|(_, domain)| domain.clone())
        .collect()
}

/// Every criterion of `domain` answered: met (with evidence) up to and including `met_up_to`,
/// not met above it.
pub fn domain_answers(domain: &Domain, met_up_to: u8) -> DomainAnswers {
    domain
        .levels
        .iter()
        .flat_map(|level| {
            level.criteria.iter().map(move |criterion| {
                let met = level.level <= met_up_to;
                let answer = Answer {
                    met: Some(met),
                    evidence: if met {
                        format!("Board paper for {}", criterion.key)
                    } else {
                        String::new()
                    },
                };
                (criterion.key.clone(), answer)
            })
        })
        .collect()
}

/// The SaveDomainAnswers form fields that answer every criterion of `domain` as
/// [`domain_answers`] does, quoting `version`.
pub fn answer_fields(
    assessment: &str,
    domain: &Domain,
    version: i64,
    met_up_to: u8,
) -> Vec<(String, String)> {
    let mut fields = vec![
        ("assessment_id".to_string(), assessment.to_string()),
        ("domain_key".to_string(), domain.key.clone()),
        ("version".to_string(), version.to_string()),
    ];
    let answers = domain_answers(domain, met_up_to);
    for level in &domain.levels {
        for criterion in &level.criteria {
            let answer = &answers[&criterion.key];
            fields.push((
                format!("answers[{}][met]", criterion.key),
                if answer.is_met() { "met" } else { "not-met" }.to_string(),
            ));
            fields.push((
                format!("answers[{}][evidence]", criterion.key),
                answer.evidence.clone(),
            ));
        }
    }
    fields
}
