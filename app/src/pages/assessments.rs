//! The trust lead's journey: their assessments, the task list, a domain's questions (saved as
//! you go with JavaScript, "save and continue" without), check your answers, the declaration
//! and submission. NHS England staff read the same pages and may reopen a submitted assessment.

use crate::api::assessments::{
    get_assessment, get_domain, my_assessments, AssessmentOverview, DomainView, ReopenAssessment,
    SaveDomainAnswers, SubmitAssessment,
};
use crate::api::evidence_files::{
    upload_href, AttachRefusal, DomainEvidence, EvidenceFile, RemoveEvidence, ACCEPTED,
};
use crate::api::form::Then;
use crate::components::autosave::{Autosave, DraftSave};
use crate::components::{
    action_error, CheckAnswersRow, Checkboxes, Choice, CriterionJudgement, FormErrors, Loaded,
    SuccessBanner, SummaryRow,
};
use crate::error::AppError;
use crate::flash::{use_flash, Flash};
use crate::routes::Route;
use crate::rules::assessments::{evidence_field, DomainStatus};
use crate::rules::cycles::readable_moment;
use crate::rules::deadlines::deadline_shown;
use crate::rules::evidence::{size_shown, ScanState};
use crate::rules::framework::Domain;
use crate::rules::lifecycle::AssessmentStatus;
use crate::rules::scoring::round_for_display;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

pub(super) fn param(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync {
    let params = use_params_map();
    move || params.read().get(name).unwrap_or_default()
}

/// The assessment's status as a tag; the words carry the meaning, the colour only helps.
#[component]
pub(super) fn StatusTag(status: AssessmentStatus) -> impl IntoView {
    let colour = match status {
        AssessmentStatus::NotStarted => "nhsuk-tag--grey",
        AssessmentStatus::InProgress => "nhsuk-tag--blue",
        _ => "nhsuk-tag--green",
    };
    view! { <strong class=format!("nhsuk-tag {colour}")>{status.label()}</strong> }
}

/// A domain's number of evidence files, in words.
fn evidence_count(files: i64) -> String {
    match files {
        0 => "No evidence files".to_string(),
        1 => "1 evidence file".to_string(),
        files => format!("{files} evidence files"),
    }
}

pub(super) fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "No score".to_string(), round_for_display)
}

#[component]
pub fn AssessmentsPage() -> impl IntoView {
    let assessments = Resource::new(|| (), |_| my_assessments());
    view! {
        <Title text="Your assessments"/>
        <h1 class="nhsuk-heading-xl">"Your assessments"</h1>
        <Loaded resource=assessments let:data>
            {match data {
                list if list.is_empty() => view! {
                    <p>"You have no assessments. When NHS England opens a cycle, your trust's assessments appear here and you get an email."</p>
                }.into_any(),
                list => view! {
                    <p>"Your trust completes one assessment for each care setting it provides."</p>
                    <table class="nhsuk-table">
                        <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">"Your assessments"</caption>
                        <thead class="nhsuk-table__head">
                            <tr class="nhsuk-table__row">
                                <th class="nhsuk-table__header" scope="col">"Assessment"</th>
                                <th class="nhsuk-table__header" scope="col">"Cycle"</th>
                                <th class="nhsuk-table__header" scope="col">"Deadline"</th>
                                <th class="nhsuk-table__header" scope="col">"Status"</th>
                            </tr>
                        </thead>
                        <tbody class="nhsuk-table__body">
                            {list.into_iter().map(|assessment| view! {
                                <tr class="nhsuk-table__row">
                                    <td class="nhsuk-table__cell"><a href={Route::Assessment { id: &assessment.id }.href()}>{assessment.title()}</a></td>
                                    <td class="nhsuk-table__cell">{assessment.cycle_name.clone()}</td>
                                    <td class="nhsuk-table__cell">{deadline_shown(assessment.deadline())}</td>
                                    <td class="nhsuk-table__cell"><StatusTag status=assessment.status/></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </Loaded>
    }
}

/// The heading every page of one assessment starts with.
#[component]
fn AssessmentHeading(
    overview_title: String,
    cycle_name: String,
    heading: &'static str,
) -> impl IntoView {
    view! {
        <span class="nhsuk-caption-l">{format!("{cycle_name} – {overview_title}")}</span>
        <h1 class="nhsuk-heading-l">{heading}</h1>
    }
}

#[component]
pub fn TaskListPage() -> impl IntoView {
    let id = param("id");
    let overview = Resource::new(id, get_assessment);
    let flash = use_flash();
    let reopen = ServerAction::<ReopenAssessment>::new();
    let reopen_error = action_error(reopen.value());
    view! {
        <Loaded resource=overview error_title="Assessment" let:overview>
            {
                let banner = flash.get().and_then(|flash| match flash {
                    Flash::Saved { domain } => overview.domains().find(|d| d.key == domain).map(|d| format!("{} saved.", d.name)),
                    Flash::Reopened => Some("The assessment is reopened and the trust's leads have been emailed.".to_string()),
                    _ => None,
                });
                view! {
                    <Title text=overview.header.title()/>
                    {banner.map(|message| view! { <SuccessBanner message/> })}
                    <FormErrors error=reopen_error/>
                    <TaskList overview=overview.clone()/>
                    {overview.may_reopen.then(|| view! { <ReopenForm assessment_id=overview.header.id.clone() action=reopen error=reopen_error/> })}
                }.into_any()
            }
        </Loaded>
    }
}

#[component]
fn TaskList(overview: AssessmentOverview) -> impl IntoView {
    let header = &overview.header;
    let id = header.id.clone();
    let total = overview.domains().count();
    let completed = overview.completed_count();
    let editable = overview.locked_reason.is_none();
    view! {
        <AssessmentHeading overview_title=header.title() cycle_name=header.cycle_name.clone() heading="Your self-assessment"/>
        <dl class="nhsuk-summary-list">
            <div class="nhsuk-summary-list__row">
                <dt class="nhsuk-summary-list__key">"Status"</dt>
                <dd class="nhsuk-summary-list__value"><StatusTag status=header.status/></dd>
            </div>
            <SummaryRow key="Deadline" value=deadline_shown(header.deadline())/>
            {header.submitted_at.clone().map(|at| view! {
                <SummaryRow key="Submitted" value=format!("{} by {}", readable_moment(&at), header.submitted_by.clone().unwrap_or_default())/>
            })}
        </dl>
        {(header.status >= AssessmentStatus::Reviewed).then(|| view! {
            <div class="nhsuk-inset-text">
                <p>{if header.status == AssessmentStatus::Reviewed {
                    format!("The peer review is complete. Read the reviewers' adjustments and reply by {}.", deadline_shown(&header.reply_deadline))
                } else {
                    "The peer review is complete.".to_string()
                }}</p>
                <p><a class="nhsuk-link" href={Route::Reply { id: &id }.href()}>"Read the peer review and your reply"</a></p>
                {(header.status == AssessmentStatus::Replied).then(|| view! {
                    <p><a class="nhsuk-link" href={Route::EvidenceRequests { id: &id }.href()}>"Answer NHS England's requests for more evidence"</a></p>
                })}
                {matches!(header.status, AssessmentStatus::ProvisionallyReleased | AssessmentStatus::Published).then(|| view! {
                    <p><a class="nhsuk-link" href={Route::FinalScores { id: &id }.href()}>"Read your final scores and why each is what it is"</a></p>
                })}
            </div>
        })}
        {overview.locked_reason.clone().map(|reason| view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> })}
        <p>{format!("You have completed {completed} of {total} sections.")}</p>
        {overview.pillars.iter().map(|pillar| view! {
            <h2 class="nhsuk-heading-m">{pillar.name.clone()}</h2>
            <ul class="nhsuk-task-list">
                {pillar.domains.iter().map(|domain| {
                    let status_id = format!("{}-status", domain.key);
                    view! {
                        <li class="nhsuk-task-list__item nhsuk-task-list__item--with-link">
                            <div class="nhsuk-task-list__name-and-hint">
                                <a class="nhsuk-link nhsuk-task-list__link" href={Route::AssessmentDomain { id: &id, key: &domain.key }.href()} aria-describedby=status_id.clone()>{domain.name.clone()}</a>
                                <div class="nhsuk-task-list__hint">{evidence_count(domain.evidence_files)}</div>
                            </div>
                            <div class=if domain.status == DomainStatus::Completed { "nhsuk-task-list__status nhsuk-task-list__status--completed" } else { "nhsuk-task-list__status" } id=status_id>
                                {match domain.status {
                                    DomainStatus::Completed => view! { {format!("Completed – level {}", domain.score)} }.into_any(),
                                    DomainStatus::InProgress => view! { <strong class="nhsuk-tag nhsuk-tag--blue">"In progress"</strong> }.into_any(),
                                    DomainStatus::NotStarted => view! { <strong class="nhsuk-tag nhsuk-tag--grey">"Not started"</strong> }.into_any(),
                                }}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }).collect_view()}
        <a class="nhsuk-button" href={Route::AssessmentCheck { id: &id }.href()}>
            {if editable { "Check your answers and submit" } else { "View answers and scores" }}
        </a>
    }
}

#[component]
fn ReopenForm(
    assessment_id: String,
    action: ServerAction<ReopenAssessment>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let message = move || error.get().and_then(|error| error.message_for("reason"));
    view! {
        <h2 class="nhsuk-heading-m">"Reopen this assessment"</h2>
        <p>"Reopening returns the assessment to the trust so they can change it. Their leads are emailed the reason."</p>
        <ActionForm action>
            <input type="hidden" name="assessment_id" value=assessment_id/>
            <div class=move || if message().is_some() { "nhsuk-form-group nhsuk-form-group--error" } else { "nhsuk-form-group" }>
                <label class="nhsuk-label" for="reason">"Reason for reopening"</label>
                {move || message().map(|message| view! { <span class="nhsuk-error-message"><span class="nhsuk-u-visually-hidden">"Error: "</span>{message}</span> })}
                <textarea class="nhsuk-textarea" id="reason" name="reason" rows="3"></textarea>
            </div>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Reopen assessment"</button>
        </ActionForm>
    }
}

#[component]
pub fn DomainPage() -> impl IntoView {
    let id = param("id");
    let key = param("key");
    let view_data = Resource::new(move || (id(), key()), |(id, key)| get_domain(id, key));
    // "Save and continue" without JavaScript comes back here with its error in the address.
    let returned_error = ServerAction::<SaveDomainAnswers>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    let flash = use_flash();
    let query = use_query_map();
    view! {
        <Loaded resource=view_data error_title="Section" let:data>
            {
                let banner = flash.get().and_then(|flash| match flash {
                    Flash::EvidenceAttached { file } if data.evidence.scanned => Some(format!("{file} is attached. It is being checked for viruses: reviewers can open it once it passes.")),
                    Flash::EvidenceAttached { file } => Some(format!("{file} is attached.")),
                    Flash::EvidenceRemoved { file } => Some(format!("{file} is removed from this section.")),
                    _ => None,
                });
                // An upload refused comes back here with why in the address, and what was entered.
                let refused = query.with(|query| {
                    let refusal = AttachRefusal::from_key(&query.get("refused")?, &data.evidence.limits)?;
                    let entered = ["description", "criteria"]
                        .into_iter()
                        .filter_map(|name| query.get(name).map(|value| (name.to_string(), value)))
                        .collect();
                    Some(refusal.error(&query.get("file").unwrap_or_default(), entered))
                });
                let evidence_error = Signal::stored(refused);
                view! {
                    <Title text=format!("{} – {}", data.domain.name, data.header.title())/>
                    {banner.map(|message| view! { <SuccessBanner message/> })}
                    <FormErrors error=evidence_error/>
                    <DomainForm data=data.clone() returned_error=returned_error.clone()/>
                    <EvidenceSection
                        assessment_id=data.header.id.clone()
                        domain=data.domain.clone()
                        evidence=data.evidence.clone()
                        editable=data.locked_reason.is_none()
                        error=evidence_error
                    />
                }
            }
        </Loaded>
    }
}

/// A file's state as a tag: the words carry the meaning.
#[component]
pub(super) fn ScanTag(state: ScanState) -> impl IntoView {
    let colour = match state {
        ScanState::Clean => "nhsuk-tag--green",
        ScanState::BeingChecked => "nhsuk-tag--blue",
        ScanState::NotScanned => "nhsuk-tag--grey",
        ScanState::Quarantined => "nhsuk-tag--red",
    };
    view! { <strong class=format!("nhsuk-tag {colour}")>{state.label()}</strong> }
}

/// A file's name, linked to its download once it may be opened, with its kind and size.
#[component]
pub(super) fn EvidenceFileName(file: EvidenceFile) -> impl IntoView {
    view! {
        {match file.download_href() {
            Some(href) => view! { <a class="nhsuk-link" href=href download="">{file.file_name.clone()}</a> }.into_any(),
            None => view! { <span>{file.file_name.clone()}</span> }.into_any(),
        }}
        <br/>
        <span class="nhsuk-body-s">{format!("{}, {}", file.kind, file.size)}</span>
    }
}

/// The domain's evidence documents: the files attached, each with a remove button, and a plain
/// multipart form to attach another, outside the answers' autosave island.
#[component]
fn EvidenceSection(
    assessment_id: String,
    domain: Domain,
    evidence: DomainEvidence,
    editable: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let remove = ServerAction::<RemoveEvidence>::new();
    let criterion_text = |key: &str| {
        domain
            .criteria()
            .find(|criterion| criterion.key == key)
            .map_or_else(|| key.to_string(), |criterion| criterion.text.clone())
    };
    let limits = evidence.limits;
    let hint = format!(
        "A {ACCEPTED}, up to {} a file. A section can have up to {} files, and an assessment up to {} in all.{}",
        size_shown(limits.max_file_bytes),
        limits.max_files_per_domain,
        size_shown(limits.max_assessment_bytes),
        if evidence.scanned { " Files are checked for viruses before anyone else can open them." } else { "" }
    );
    let file_message = move || {
        error
            .get()
            .and_then(|error| error.message_for("evidence-file"))
    };
    let description_message = move || {
        error
            .get()
            .and_then(|error| error.message_for("evidence-description"))
    };
    let entered = move |name: &str| {
        error
            .get()
            .and_then(|error| error.entered(name).map(str::to_string))
    };
    let entered_criteria = entered("criteria").unwrap_or_default();
    view! {
        <h2 class="nhsuk-heading-m" id="evidence">"Evidence documents"</h2>
        {if evidence.files.is_empty() {
            view! { <p>"No files are attached to this section."</p> }.into_any()
        } else {
            view! {
                <table class="nhsuk-table">
                    <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">"Files attached to this section"</caption>
                    <thead class="nhsuk-table__head">
                        <tr class="nhsuk-table__row">
                            <th class="nhsuk-table__header" scope="col">"File"</th>
                            <th class="nhsuk-table__header" scope="col">"Description"</th>
                            <th class="nhsuk-table__header" scope="col">"Supports"</th>
                            <th class="nhsuk-table__header" scope="col">"Status"</th>
                            {editable.then(|| view! { <th class="nhsuk-table__header" scope="col"><span class="nhsuk-u-visually-hidden">"Action"</span></th> })}
                        </tr>
                    </thead>
                    <tbody class="nhsuk-table__body">
                        {evidence.files.iter().map(|file| {
                            let remove_form = editable.then(|| {
                                let (assessment_id, file_id, file_name) = (assessment_id.clone(), file.id.clone(), file.file_name.clone());
                                view! {
                                    <td class="nhsuk-table__cell">
                                        <ActionForm action=remove>
                                            <input type="hidden" name="assessment_id" value=assessment_id/>
                                            <input type="hidden" name="attachment_id" value=file_id/>
                                            <button class="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0" type="submit">"Remove"<span class="nhsuk-u-visually-hidden">{format!(" {file_name}")}</span></button>
                                        </ActionForm>
                                    </td>
                                }
                            });
                            view! {
                                <tr class="nhsuk-table__row">
                                    <td class="nhsuk-table__cell"><EvidenceFileName file=file.clone()/></td>
                                    <td class="nhsuk-table__cell">{file.description.clone()}</td>
                                    <td class="nhsuk-table__cell">
                                        {if file.criterion_keys.is_empty() {
                                            view! { "The section as a whole" }.into_any()
                                        } else {
                                            view! { <ul class="nhsuk-list">{file.criterion_keys.iter().map(|key| view! { <li>{criterion_text(key)}</li> }).collect_view()}</ul> }.into_any()
                                        }}
                                    </td>
                                    <td class="nhsuk-table__cell"><ScanTag state=file.state/></td>
                                    {remove_form}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {editable.then(|| view! {
            <form method="post" enctype="multipart/form-data" action=upload_href(&assessment_id, &domain.key) novalidate>
                <h3 class="nhsuk-heading-s">"Attach a file"</h3>
                <div class=move || if file_message().is_some() { "nhsuk-form-group nhsuk-form-group--error" } else { "nhsuk-form-group" }>
                    <label class="nhsuk-label" for="evidence-file">"File"</label>
                    <div class="nhsuk-hint" id="evidence-file-hint">{hint.clone()}</div>
                    {move || file_message().map(|message| view! { <span class="nhsuk-error-message" id="evidence-file-error"><span class="nhsuk-u-visually-hidden">"Error: "</span>{message}</span> })}
                    <input class="nhsuk-file-upload" id="evidence-file" name="file" type="file" aria-describedby="evidence-file-hint"/>
                </div>
                <div class=move || if description_message().is_some() { "nhsuk-form-group nhsuk-form-group--error" } else { "nhsuk-form-group" }>
                    <label class="nhsuk-label" for="evidence-description">"Description"</label>
                    <div class="nhsuk-hint" id="evidence-description-hint">"What the file is and what it shows, in 200 characters or fewer: for example, \"Board paper approving the digital strategy, May 2026\""</div>
                    {move || description_message().map(|message| view! { <span class="nhsuk-error-message" id="evidence-description-error"><span class="nhsuk-u-visually-hidden">"Error: "</span>{message}</span> })}
                    <input class="nhsuk-input" id="evidence-description" name="description" type="text" aria-describedby="evidence-description-hint" value=move || entered("description").unwrap_or_default()/>
                </div>
                <Checkboxes
                    id="evidence-criteria"
                    legend="Which criteria does it support?"
                    hint="Leave them all unticked if it supports the section as a whole."
                    error=Signal::derive(move || error.get().and_then(|error| error.message_for("evidence-criteria")))
                    choices=domain.criteria().map(|criterion| Choice {
                        id: format!("evidence-criterion-{}", criterion.key),
                        name: "criteria".into(),
                        value: criterion.key.clone(),
                        label: criterion.text.clone(),
                        checked: Signal::stored(entered_criteria.split('|').any(|key| key == criterion.key)),
                    }).collect()
                />
                <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Attach file"</button>
            </form>
        })}
    }
}

impl DraftSave for SaveDomainAnswers {
    fn into_draft(self, version: i64) -> Self {
        SaveDomainAnswers {
            version,
            then: Then::Save,
            ..self
        }
    }
}

/// A domain's answers. Without JavaScript, a form that "Save and continue" posts; with it, an
/// island that also saves as you go: a choice at once, typed text when the typing pauses.
#[island]
fn DomainForm(data: DomainView, returned_error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<SaveDomainAnswers>::new();
    let error = Signal::derive(move || match action.value().get() {
        Some(result) => result.err(),
        None => returned_error.clone(),
    });
    let form_area = NodeRef::<leptos::html::Div>::new();
    let editable = data.locked_reason.is_none();
    let autosave = Autosave::new(action, form_area, data.version, data.score, editable);

    let header = data.header.clone();
    let assessment_id = header.id.clone();
    let domain_key = data.domain.key.clone();
    let answers = data.answers.clone();
    let task_list_link = Route::Assessment { id: &assessment_id }.href();
    view! {
        <FormErrors error/>
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=task_list_link.clone()>"Your self-assessment"</a></li>
            </ol>
        </nav>
        <span class="nhsuk-caption-l">{format!("{} – {}", data.pillar_name, header.title())}</span>
        <h1 class="nhsuk-heading-l">{data.domain.name.clone()}</h1>
        <p>{data.domain.description.clone()}</p>
        {data.locked_reason.clone().map(|reason| view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> })}
        <div class="nhsuk-inset-text" aria-live="polite">
            <p id="domain-score">{move || format!("These answers give this section level {} of 5.", autosave.score.get())}</p>
            <p class="nhsuk-body-s">"Each level counts only when every criterion of that level and of the levels below it is met."</p>
        </div>
        {data.last_saved.clone().map(|text| view! { <p class="nhsuk-body-s">{text}</p> })}
        <div node_ref=form_area on:change=move |_| autosave.changed() on:input=move |_| autosave.typed()>
            <ActionForm action>
                <input type="hidden" name="assessment_id" value=assessment_id.clone()/>
                <input type="hidden" name="domain_key" value=domain_key/>
                <input type="hidden" name="version" value=move || autosave.version.get().to_string()/>
                {data.domain.levels.iter().map(|level| view! {
                    <h2 class="nhsuk-heading-m">{format!("Level {}: {}", level.level, level.summary)}</h2>
                    {level.criteria.iter().map(|criterion| {
                        let key = &criterion.key;
                        let saved = answers.get(key);
                        view! {
                            <CriterionJudgement
                                legend=criterion.text.clone()
                                hint_id=format!("{key}-hint")
                                hint=format!("Evidence to look for: {}", criterion.evidence)
                                met_field=format!("met-{key}")
                                met_name=format!("answers[{key}][met]")
                                met=saved.and_then(|answer| answer.met)
                                text_id=evidence_field(key)
                                text_name=format!("answers[{key}][evidence]")
                                text_label="Evidence (required if met)"
                                rows="3"
                                text=saved.map(|answer| answer.evidence.clone()).unwrap_or_default()
                                editable
                                error
                            />
                        }
                    }).collect_view()}
                }).collect_view()}
                {editable.then(|| view! {
                    <p class="nhsuk-body-s" aria-live="polite" id="autosave-status">
                        {move || autosave.state.get().message("Save and continue")}
                    </p>
                    <button class="nhsuk-button" type="submit" name="then" value="continue">"Save and continue"</button>
                })}
            </ActionForm>
        </div>
        <p><a class="nhsuk-link" href=task_list_link>"Back to your self-assessment"</a></p>
    }
}

#[component]
pub fn CheckAnswersPage() -> impl IntoView {
    let id = param("id");
    let overview = Resource::new(id, get_assessment);
    let submit = ServerAction::<SubmitAssessment>::new();
    let error = action_error(submit.value());
    view! {
        <Loaded resource=overview error_title="Check your answers" let:overview>
            <CheckAnswers overview action=submit error/>
        </Loaded>
    }
}

#[component]
fn CheckAnswers(
    overview: AssessmentOverview,
    action: ServerAction<SubmitAssessment>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let header = overview.header.clone();
    let id = header.id.clone();
    let editable = overview.locked_reason.is_none();
    let incomplete: Vec<(String, String)> = overview
        .domains()
        .filter(|domain| domain.status != DomainStatus::Completed)
        .map(|domain| (domain.key.clone(), domain.name.clone()))
        .collect();
    let task_list_link = Route::Assessment { id: &id }.href();
    let declaration_message = move || {
        error
            .get()
            .and_then(|error| error.message_for("declaration"))
    };
    view! {
        <Title text=format!("Check your answers – {}", header.title())/>
        <FormErrors error/>
        <AssessmentHeading overview_title=header.title() cycle_name=header.cycle_name.clone() heading="Check your answers"/>
        <dl class="nhsuk-summary-list">
            <SummaryRow key="Overall score" value=score_text(overview.overall)/>
            <div class="nhsuk-summary-list__row">
                <dt class="nhsuk-summary-list__key">"Status"</dt>
                <dd class="nhsuk-summary-list__value"><StatusTag status=header.status/></dd>
            </div>
        </dl>
        {(!incomplete.is_empty()).then(|| view! {
            <div class="nhsuk-warning-callout">
                <h2 class="nhsuk-warning-callout__label"><span role="text"><span class="nhsuk-u-visually-hidden">"Important: "</span>"Sections to complete"</span></h2>
                <p>"Every criterion needs an answer before you can submit. Not yet complete:"</p>
                <ul>
                    {incomplete.iter().map(|(key, name)| view! {
                        <li><a href={Route::AssessmentDomain { id: &id, key }.href()}>{name.clone()}</a></li>
                    }).collect_view()}
                </ul>
            </div>
        })}
        {overview.pillars.iter().map(|pillar| view! {
            <h2 class="nhsuk-heading-m">{format!("{}: {}", pillar.name, score_text(pillar.score))}</h2>
            <dl class="nhsuk-summary-list">
                {pillar.domains.iter().map(|domain| view! {
                    <CheckAnswersRow key=domain.name.clone() href={Route::AssessmentDomain { id: &id, key: &domain.key }.href()} editable section=domain.name.clone() value={view! {
                        {format!("Level {}", domain.score)}
                        {(domain.status != DomainStatus::Completed).then(|| format!(" ({})", domain.status.label().to_lowercase()))}
                        <br/><span class="nhsuk-body-s">{evidence_count(domain.evidence_files)}</span>
                    }.into_any()}/>
                }).collect_view()}
            </dl>
        }).collect_view()}
        {match (editable, incomplete.is_empty()) {
            (true, true) => view! {
                <h2 class="nhsuk-heading-m">"Declaration"</h2>
                <ActionForm action>
                    <input type="hidden" name="assessment_id" value=id.clone()/>
                    <div class=move || if declaration_message().is_some() { "nhsuk-form-group nhsuk-form-group--error" } else { "nhsuk-form-group" }>
                        {move || declaration_message().map(|message| view! { <span class="nhsuk-error-message"><span class="nhsuk-u-visually-hidden">"Error: "</span>{message}</span> })}
                        <div class="nhsuk-checkboxes" id="declaration">
                            <div class="nhsuk-checkboxes__item">
                                <input class="nhsuk-checkboxes__input" id="declaration-confirmed" name="declaration" type="checkbox" value="confirmed"/>
                                <label class="nhsuk-label nhsuk-checkboxes__label" for="declaration-confirmed">
                                    "I confirm these answers are accurate to the best of my knowledge, and that the evidence described can be shown to peer reviewers and NHS England."
                                </label>
                            </div>
                        </div>
                    </div>
                    <p>"Once submitted, the assessment cannot be changed unless NHS England reopens it."</p>
                    <button class="nhsuk-button" type="submit">"Submit assessment"</button>
                </ActionForm>
            }.into_any(),
            (true, false) => view! { <p>"You can submit once every section is complete."</p> }.into_any(),
            (false, _) => view! {
                {overview.locked_reason.clone().map(|reason| view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> })}
            }.into_any(),
        }}
        <p><a class="nhsuk-link" href=task_list_link>"Back to your self-assessment"</a></p>
    }
}

#[component]
pub fn SubmittedPage() -> impl IntoView {
    let id = param("id");
    let overview = Resource::new(id, get_assessment);
    view! {
        <Loaded resource=overview error_title="Assessment submitted" let:overview>
            {
                let header = overview.header.clone();
                view! {
                    <Title text="Assessment submitted"/>
                    <div class="nhsuk-panel">
                        <h1 class="nhsuk-panel__title">"Assessment submitted"</h1>
                        <div class="nhsuk-panel__body">{header.title()}<br/>{format!("Overall score {}", score_text(overview.overall))}</div>
                    </div>
                    <p>"We have emailed a receipt with the scores to your trust's leads."</p>
                    <h2 class="nhsuk-heading-m">"What happens next"</h2>
                    <p>"Peer reviewers from trusts in other integrated care systems will review your assessment and evidence. You will see any scores they adjust, with their reasons, and can reply before NHS England moderates the final scores."</p>
                    <p><a class="nhsuk-link" href={Route::AssessmentCheck { id: &header.id }.href()}>"View your answers and scores"</a></p>
                    <p><a class="nhsuk-link" href="/assessments">"Back to your assessments"</a></p>
                }.into_any()
            }
        </Loaded>
    }
}
