//! What each person does, request after request, with a pause between: the kinds of request
//! timed, and the saves the service acknowledged (to be checked in the database afterwards).

use crate::people::Part;
use app::api::accounts::InvitePerson;
use app::api::assessments::SaveDomainAnswers;
use app::api::reviews::SaveDomainReview;
use app::rules::framework::Domain;
use e2e::fixtures::answer_fields;
use leptos::server_fn::ServerFn;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A kind of request, timed separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    SaveAnswers,
    AnswersPage,
    SaveReview,
    ReviewPage,
    ModerationSideBySide,
    ModerationSummary,
    Invite,
    PublicResults,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::SaveAnswers,
        Kind::AnswersPage,
        Kind::SaveReview,
        Kind::ReviewPage,
        Kind::ModerationSideBySide,
        Kind::ModerationSummary,
        Kind::Invite,
        Kind::PublicResults,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::SaveAnswers => "lead saves a domain",
            Kind::AnswersPage => "lead reads a domain",
            Kind::SaveReview => "reviewer saves a domain",
            Kind::ReviewPage => "reviewer reads a domain",
            Kind::ModerationSideBySide => "moderator side by side",
            Kind::ModerationSummary => "moderator assessment",
            Kind::Invite => "admin invites (email)",
            Kind::PublicResults => "public results page",
        }
    }

    /// Whether it changes data (the 250 ms target) rather than reads (the 50 ms target).
    pub fn is_save(self) -> bool {
        matches!(self, Kind::SaveAnswers | Kind::SaveReview | Kind::Invite)
    }
}

/// A save the service said it had made.
#[derive(Clone, Debug)]
pub enum Acknowledged {
    /// This version of the domain's answers, every criterion met up to `met_up_to`.
    Answers {
        assessment: String,
        domain: String,
        version: i64,
        met_up_to: u8,
    },
    /// This version of the domain's review, disagreeing with the first criterion or not.
    Review {
        slot: String,
        domain: String,
        version: i64,
        disagrees: bool,
    },
    /// An invitation, which emails `email`.
    Invitation { email: String },
}

/// One request's outcome.
pub struct Timed {
    pub kind: Kind,
    pub latency: Duration,
    pub error: Option<String>,
}

/// What one person did over the run.
#[derive(Default)]
pub struct Record {
    pub requests: Vec<Timed>,
    pub acknowledged: Vec<Acknowledged>,
    /// Saves refused as conflicting after an earlier save's answer was lost (crash runs only):
    /// the version is read again from the database.
    pub resynchronised: usize,
}

/// One person at work: their client, what they work on, and where they are.
pub struct Person {
    pub number: usize,
    pub client: reqwest::Client,
    pub part: Part,
    pub base_url: String,
    pub domains: Arc<Vec<Domain>>,
    /// The version last acknowledged for each domain.
    versions: Vec<i64>,
    step: usize,
    rng: fastrand::Rng,
}

impl Person {
    pub fn new(
        number: usize,
        client: reqwest::Client,
        part: Part,
        base_url: &str,
        domains: Arc<Vec<Domain>>,
    ) -> Person {
        Person {
            number,
            client,
            part,
            base_url: base_url.to_string(),
            versions: vec![0; domains.len()],
            domains,
            step: 0,
            rng: fastrand::Rng::with_seed(number as u64),
        }
    }

    /// Works until `until`, pausing about `think` between requests (uniformly from half to one
    /// and a half times it; the first pause is from none to all of it, so people do not start
    /// together). `db` reads a version again after a lost answer when `crashes` are expected.
    pub async fn work(
        mut self,
        until: Instant,
        think: Duration,
        crashes: Option<app::store::Db>,
    ) -> Record {
        let mut record = Record::default();
        tokio::time::sleep(think.mul_f64(self.rng.f64())).await;
        while Instant::now() < until {
            self.next(&mut record, crashes.as_ref()).await;
            tokio::time::sleep(think.mul_f64(0.5 + self.rng.f64())).await;
        }
        record
    }

    /// Makes the next request of this person's routine.
    async fn next(&mut self, record: &mut Record, crashes: Option<&app::store::Db>) {
        let step = self.step;
        self.step += 1;
        let domain_index = (step - step / 4) % self.domains.len();
        let domain = self.domains[domain_index].clone();
        // Every fourth request reads a page; the rest save, changing the domain every time.
        let reading = step % 4 == 3;
        let round_even = (step / self.domains.len()).is_multiple_of(2);
        match self.part.clone() {
            Part::Lead { assessment } if reading => {
                let path = format!("/assessments/{assessment}/domains/{}", domain.key);
                self.get(Kind::AnswersPage, &path, record).await;
            }
            Part::Lead { assessment } => {
                let met_up_to = if round_even { 3 } else { 2 };
                let version = self.versions[domain_index];
                let fields = answer_fields(&assessment, &domain, version, met_up_to);
                let saved = self
                    .save_domain(
                        Kind::SaveAnswers,
                        &fields,
                        domain_index,
                        &assessment,
                        &domain.key,
                        record,
                        crashes,
                    )
                    .await;
                if let Some(version) = saved {
                    record.acknowledged.push(Acknowledged::Answers {
                        assessment,
                        domain: domain.key,
                        version,
                        met_up_to,
                    });
                }
            }
            Part::Reviewer { slot } if reading => {
                let path = format!("/reviews/{slot}/domains/{}", domain.key);
                self.get(Kind::ReviewPage, &path, record).await;
            }
            Part::Reviewer { slot } => {
                let disagrees = round_even;
                let version = self.versions[domain_index];
                let fields = review_fields(&slot, &domain, version, disagrees);
                let saved = self
                    .save_domain(
                        Kind::SaveReview,
                        &fields,
                        domain_index,
                        &slot,
                        &domain.key,
                        record,
                        crashes,
                    )
                    .await;
                if let Some(version) = saved {
                    record.acknowledged.push(Acknowledged::Review {
                        slot,
                        domain: domain.key,
                        version,
                        disagrees,
                    });
                }
            }
            Part::Moderator { assessments } => {
                let assessment = &assessments[(step / 2) % assessments.len()];
                if step.is_multiple_of(2) {
                    let path = format!("/moderation/{assessment}");
                    self.get(Kind::ModerationSummary, &path, record).await;
                } else {
                    let path = format!("/moderation/{assessment}/domains/{}", domain.key);
                    self.get(Kind::ModerationSideBySide, &path, record).await;
                }
            }
            Part::Admin => {
                let email = format!("invited{}-{step}@rr8.nhs.uk", self.number);
                let fields = vec![
                    ("email".to_string(), email.clone()),
                    ("display_name".to_string(), format!("Invited {step}")),
                    ("org_ods_code".to_string(), "RR8".to_string()),
                    ("trust_lead".to_string(), "on".to_string()),
                ];
                // An invitation answers with a redirect to the person's page, not a version.
                if let Saved::Version(_) | Saved::Redirected = self
                    .save(Kind::Invite, InvitePerson::PATH, &fields, record)
                    .await
                {
                    record.acknowledged.push(Acknowledged::Invitation { email });
                }
            }
            Part::Public {
                cycle,
                trusts,
                icbs,
            } => {
                let path = match step % 4 {
                    0 => format!("/results/{cycle}"),
                    1 => format!("/results/{cycle}/trusts/{}", trusts[step % trusts.len()]),
                    2 => format!("/results/{cycle}/ics/{}", icbs[step % icbs.len()]),
                    _ => "/results".to_string(),
                };
                self.get(Kind::PublicResults, &path, record).await;
            }
        }
    }

    /// Saves domain `index` (of `owner`, an assessment or a review slot) with `fields`, which
    /// quote the version last acknowledged for it; returns the new version if acknowledged. When
    /// crashes are expected, a conflict means an earlier save committed without its answer
    /// arriving: the stored version is read again so the next save can go on from it.
    #[allow(clippy::too_many_arguments)]
    async fn save_domain(
        &mut self,
        kind: Kind,
        fields: &[(String, String)],
        index: usize,
        owner: &str,
        domain: &str,
        record: &mut Record,
        crashes: Option<&app::store::Db>,
    ) -> Option<i64> {
        let (path, stored) = match kind {
            Kind::SaveAnswers => (
                SaveDomainAnswers::PATH,
                "SELECT version FROM domain_answers WHERE assessment_id = $1 AND domain_key = $2",
            ),
            _ => (
                SaveDomainReview::PATH,
                "SELECT version FROM domain_reviews WHERE assignment_id = $1 AND domain_key = $2",
            ),
        };
        match (self.save(kind, path, fields, record).await, crashes) {
            (Saved::Version(version), _) => {
                self.versions[index] = version;
                Some(version)
            }
            (Saved::Conflict, Some(db)) => {
                self.versions[index] = stored_version(db, stored, owner, domain).await;
                record.resynchronised += 1;
                None
            }
            _ => None,
        }
    }

    async fn get(&self, kind: Kind, path: &str, record: &mut Record) {
        let started = Instant::now();
        let request = self.client.get(format!("{}{path}", self.base_url));
        let outcome = match request.header("accept", "text/html").send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.text().await {
                    Ok(_) if status == 200 => None,
                    Ok(body) => Some(format!("GET {path}: {status} {}", excerpt(&body))),
                    Err(error) => Some(format!("GET {path}: {error}")),
                }
            }
            Err(error) => Some(format!("GET {path}: {error}")),
        };
        record.requests.push(Timed {
            kind,
            latency: started.elapsed(),
            error: outcome,
        });
    }

    async fn save(
        &self,
        kind: Kind,
        path: &str,
        fields: &[(String, String)],
        record: &mut Record,
    ) -> Saved {
        let started = Instant::now();
        let sent = self
            .client
            .post(format!("{}{path}", self.base_url))
            .form(fields)
            .send()
            .await;
        let (saved, error) = match sent {
            Err(error) => (Saved::Failed, Some(format!("POST {path}: {error}"))),
            Ok(response) => {
                let status = response.status().as_u16();
                let redirected = response.headers().contains_key("location");
                match response.text().await {
                    Err(error) => (Saved::Failed, Some(format!("POST {path}: {error}"))),
                    Ok(body) if status == 200 => {
                        match serde_json::from_str::<serde_json::Value>(&body)
                            .ok()
                            .and_then(|answer| answer["version"].as_i64())
                        {
                            Some(version) => (Saved::Version(version), None),
                            None if kind == Kind::Invite && (redirected || body == "null") => {
                                (Saved::Redirected, None)
                            }
                            None => (
                                Saved::Failed,
                                Some(format!("POST {path}: no version in {}", excerpt(&body))),
                            ),
                        }
                    }
                    Ok(_) if kind == Kind::Invite && redirected && status < 400 => {
                        (Saved::Redirected, None)
                    }
                    Ok(body) if body.contains("changed since") || body.contains("onflict") => (
                        Saved::Conflict,
                        Some(format!("POST {path}: conflict {}", excerpt(&body))),
                    ),
                    Ok(body) => (
                        Saved::Failed,
                        Some(format!("POST {path}: {status} {}", excerpt(&body))),
                    ),
                }
            }
        };
        record.requests.push(Timed {
            kind,
            latency: started.elapsed(),
            error,
        });
        saved
    }
}

/// What a save's answer said.
enum Saved {
    Version(i64),
    Redirected,
    Conflict,
    Failed,
}

/// A domain review's form: the first criterion judged not met with a reason, or agreed with.
fn review_fields(
    slot: &str,
    domain: &Domain,
    version: i64,
    disagree: bool,
) -> Vec<(String, String)> {
    let criterion = &domain.levels[0].criteria[0].key;
    let mut fields = vec![
        ("slot_id".to_string(), slot.to_string()),
        ("domain_key".to_string(), domain.key.clone()),
        ("version".to_string(), version.to_string()),
        ("confidence".to_string(), "medium".to_string()),
    ];
    if disagree {
        fields.push((format!("judgements[{criterion}][met]"), "not-met".into()));
        fields.push((
            format!("judgements[{criterion}][reason]"),
            "The evidence shows a draft only".into(),
        ));
    }
    fields
}

/// The version stored now for a domain (0 if never saved).
async fn stored_version(db: &app::store::Db, query: &str, owner: &str, domain: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(query)
        .bind(owner)
        .bind(domain)
        .fetch_optional(&db.pool)
        .await
        .expect("the database answers")
        .unwrap_or(0)
}

/// The start of a body, for an error message.
fn excerpt(body: &str) -> String {
    body.chars().take(200).collect()
}
