//! The peer reviewer's journey through one review: the task list of domains, a domain's
//! judgements beside the trust's answers (saved as you go with JavaScript, "Confirm and
//! continue" without), check your review with the verdict, and submission. NHS England reads the
//! same pages and may give more time, reopen a submitted review or close the peer review.

use super::assessments::{param, score_text, EvidenceFileName, ScanTag};
use crate::api::evidence_files::EvidenceFile;
use crate::api::form::Then;
use crate::api::reviews::{
    get_domain_review, get_review, CloseReview, DomainReviewTask, DomainReviewView,
    ExtendReviewDeadline, ReopenReview, ReviewOverview, SaveDomainReview, SubmitReview,
};
use crate::api::signals::get_review_signals;
use crate::components::autosave::{Autosave, DraftSave};
use crate::components::{
    action_error, field_message, form_group_class, CheckAnswersRow, Choice, CriterionJudgement,
    FormErrors, InlineError, Loaded, Radios, Signals, SuccessBanner, SummaryRow,
};
use crate::error::AppError;
use crate::flash::{use_flash, Flash};
use crate::routes::Route;
use crate::rules::assessments::DomainStatus;
use crate::rules::cycles::readable_moment;
use crate::rules::deadlines::deadline_shown;
use crate::rules::review::{reason_field, Confidence, Flag, Verdict};
use leptos::prelude::*;
use leptos_meta::Title;

fn review_link(slot_id: &str) -> String {
    Route::Review { slot: slot_id }.href()
}

fn flag_words(flags: &[Flag]) -> String {
    flags
        .iter()
        .map(|flag| flag.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A domain's status on the task list, in words; the colour only helps.
fn domain_status_view(domain: &DomainReviewTask) -> AnyView {
    match domain.status {
        DomainStatus::Completed => view! {
            {format!("Reviewed – trust level {}, yours {}", domain.self_score, domain.reviewer_score)}
        }
        .into_any(),
        DomainStatus::InProgress => {
            view! { <strong class="nhsuk-tag nhsuk-tag--blue">"In progress"</strong> }.into_any()
        }
        DomainStatus::NotStarted => {
            view! { <strong class="nhsuk-tag nhsuk-tag--grey">"Not started"</strong> }.into_any()
        }
    }
}

#[component]
pub fn ReviewTaskListPage() -> impl IntoView {
    let slot = param("slot");
    let overview = Resource::new(slot, get_review);
    let signals = Resource::new(slot, get_review_signals);
    let flash = use_flash();
    let extend = ServerAction::<ExtendReviewDeadline>::new();
    let reopen = ServerAction::<ReopenReview>::new();
    let close = ServerAction::<CloseReview>::new();
    let admin_error = Signal::derive(move || {
        [
            action_error(extend.value()).get(),
            action_error(reopen.value()).get(),
            action_error(close.value()).get(),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    view! {
        <Loaded resource=overview error_title="Peer review" let:overview>
            {
                let banner = flash.get().and_then(|flash| match flash {
                    Flash::Saved { domain } => overview.domains().find(|d| d.key == domain).map(|d| format!("{} saved.", d.name)),
                    Flash::ReviewExtended => Some("The reviewer has a later deadline and has been emailed.".to_string()),
                    Flash::Reopened => Some("The review is reopened and the reviewer has been emailed.".to_string()),
                    Flash::Closed => Some("The peer review is closed with the reviews received, and the trust's leads have been emailed.".to_string()),
                    _ => None,
                });
                view! {
                    <Title text=format!("Peer review – {}", overview.header.title())/>
                    {banner.map(|message| view! { <SuccessBanner message/> })}
                    <FormErrors error=admin_error/>
                    <ReviewTaskList overview=overview.clone()/>
                    <Signals signals none="Nothing stands out in how the trust's own levels compare with similar organisations' this cycle or with its final scores last time."/>
                    <Administration overview extend reopen close error=admin_error/>
                }.into_any()
            }
        </Loaded>
    }
}

#[component]
fn ReviewHeading(overview: ReviewOverview, heading: &'static str) -> impl IntoView {
    view! {
        <span class="nhsuk-caption-l">{format!("{} – {}", overview.header.cycle_name, overview.header.title())}</span>
        <h1 class="nhsuk-heading-l">{heading}</h1>
    }
}

#[component]
fn ReviewTaskList(overview: ReviewOverview) -> impl IntoView {
    let slot_id = overview.slot_id.clone();
    let total = overview.domains().count();
    let confirmed = overview.confirmed_count();
    let editable = overview.locked_reason.is_none();
    let status = match &overview.submitted_at {
        Some(at) => format!("Submitted on {}", readable_moment(at)),
        None if confirmed == 0 => "Not started".to_string(),
        None => "In progress".to_string(),
    };
    view! {
        <ReviewHeading overview=overview.clone() heading="Peer review"/>
        <dl class="nhsuk-summary-list">
            {overview.administration.as_ref().map(|admin| view! { <SummaryRow key="Reviewer" value=admin.reviewer.clone()/> })}
            <SummaryRow key="Review" value=status/>
            <SummaryRow key="Deadline" value=deadline_shown(&overview.deadline)/>
            {overview.administration.as_ref().and_then(|admin| admin.extension_reason.clone()).map(|reason| view! { <SummaryRow key="Reason for the later deadline" value=reason/> })}
            <SummaryRow key="Trust's overall score" value=score_text(overview.self_overall)/>
            <SummaryRow key="Overall score from these judgements" value=score_text(overview.reviewer_overall)/>
            {overview.previous.as_ref().map(|previous| view! {
                <SummaryRow key="Previous final score" value=format!("{} in {}", score_text(previous.overall), previous.cycle_name)/>
            })}
        </dl>
        {overview.locked_reason.clone().filter(|_| overview.administration.is_none()).map(|reason| view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> })}
        {editable.then(|| view! {
            <p>"You agree with the trust's answer on every criterion unless you judge it differently and say why. Confirm each section when you have reviewed it, with or without changes."</p>
        })}
        <p>{format!("{confirmed} of {total} sections reviewed.")}</p>
        {overview.pillars.iter().map(|pillar| view! {
            <h2 class="nhsuk-heading-m">{pillar.name.clone()}</h2>
            <ul class="nhsuk-task-list">
                {pillar.domains.iter().map(|domain| {
                    let status_id = format!("{}-status", domain.key);
                    view! {
                        <li class="nhsuk-task-list__item nhsuk-task-list__item--with-link">
                            <div class="nhsuk-task-list__name-and-hint">
                                <a class="nhsuk-link nhsuk-task-list__link" href={Route::ReviewDomain { slot: &slot_id, key: &domain.key }.href()} aria-describedby=status_id.clone()>{domain.name.clone()}</a>
                                {(!domain.flags.is_empty()).then(|| view! { <div class="nhsuk-task-list__hint">{format!("Flags: {}", flag_words(&domain.flags))}</div> })}
                            </div>
                            <div class=if domain.status == DomainStatus::Completed { "nhsuk-task-list__status nhsuk-task-list__status--completed" } else { "nhsuk-task-list__status" } id=status_id>
                                {domain_status_view(domain)}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }).collect_view()}
        <a class="nhsuk-button" href={Route::ReviewCheck { slot: &slot_id }.href()}>
            {if editable { "Check your review and submit" } else { "Read the whole review" }}
        </a>
        {overview.administration.is_none().then(|| view! { <p><a class="nhsuk-link" href="/reviews">"Back to your reviews"</a></p> })}
    }
}

/// NHS England's actions on a review, where they may take them now.
#[component]
fn Administration(
    overview: ReviewOverview,
    extend: ServerAction<ExtendReviewDeadline>,
    reopen: ServerAction<ReopenReview>,
    close: ServerAction<CloseReview>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let Some(admin) = overview.administration.clone() else {
        return ().into_any();
    };
    let slot_id = overview.slot_id.clone();
    let entered = move |name: &'static str| {
        move || {
            error
                .get()
                .and_then(|error| error.entered(name).map(str::to_string))
                .unwrap_or_default()
        }
    };
    let deadline_error = field_message(error, "deadline");
    let reason_error = field_message(error, "reason");
    let reopen_error = field_message(error, "reopen-reason");
    let close_error = field_message(error, "close-reason");
    view! {
        {admin.may_extend.then(|| {
            let slot_id = slot_id.clone();
            view! {
                <h2 class="nhsuk-heading-m">"Give this reviewer more time"</h2>
                <ActionForm action=extend>
                    <input type="hidden" name="slot_id" value=slot_id.clone()/>
                    <div class=move || form_group_class(deadline_error.get().is_some())>
                        <label class="nhsuk-label" for="deadline">"New deadline"</label>
                        <div class="nhsuk-hint" id="deadline-hint">"For example, 2027-03-07"</div>
                        {move || deadline_error.get().map(|message| view! { <InlineError message/> })}
                        <input class="nhsuk-input nhsuk-input--width-10" id="deadline" name="deadline" type="text" aria-describedby="deadline-hint" value=entered("deadline")/>
                    </div>
                    <div class=move || form_group_class(reason_error.get().is_some())>
                        <label class="nhsuk-label" for="reason">"Reason"</label>
                        {move || reason_error.get().map(|message| view! { <InlineError message/> })}
                        <textarea class="nhsuk-textarea" id="reason" name="reason" rows="2">{entered("reason")}</textarea>
                    </div>
                    <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Give more time"</button>
                </ActionForm>
            }
        })}
        {admin.may_reopen.then(|| { let slot_id = slot_id.clone(); view! {
            <h2 class="nhsuk-heading-m">"Reopen this review"</h2>
            <p>"The reviewer can then change it and must submit it again. They are emailed your reason."</p>
            <ActionForm action=reopen>
                <input type="hidden" name="slot_id" value=slot_id.clone()/>
                <div class=move || form_group_class(reopen_error.get().is_some())>
                    <label class="nhsuk-label" for="reopen-reason">"Reason for reopening"</label>
                    {move || reopen_error.get().map(|message| view! { <InlineError message/> })}
                    <textarea class="nhsuk-textarea" id="reopen-reason" name="reason" rows="2"></textarea>
                </div>
                <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Reopen review"</button>
            </ActionForm>
        }})}
        {admin.may_close.then(|| view! {
            <h2 class="nhsuk-heading-m">"Close this assessment's peer review"</h2>
            <p>"Closes the peer review with the reviews already submitted (there must be at least one). Reviews not yet submitted can no longer be changed. The trust's leads are emailed that the reviews are ready."</p>
            <ActionForm action=close>
                <input type="hidden" name="slot_id" value=slot_id.clone()/>
                <div class=move || form_group_class(close_error.get().is_some())>
                    <label class="nhsuk-label" for="close-reason">"Reason for closing"</label>
                    {move || close_error.get().map(|message| view! { <InlineError message/> })}
                    <textarea class="nhsuk-textarea" id="close-reason" name="reason" rows="2"></textarea>
                </div>
                <button class="nhsuk-button nhsuk-button--warning" type="submit">"Close peer review"</button>
            </ActionForm>
        })}
    }
    .into_any()
}

#[component]
pub fn ReviewDomainPage() -> impl IntoView {
    let slot = param("slot");
    let key = param("key");
    let view_data = Resource::new(
        move || (slot(), key()),
        |(slot, key)| get_domain_review(slot, key),
    );
    // "Confirm and continue" without JavaScript comes back here with its error in the address.
    let returned_error = ServerAction::<SaveDomainReview>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    view! {
        <Loaded resource=view_data error_title="Review section" let:data>
            <Title text=format!("Review {} – {}", data.domain.name, data.header.title())/>
            <ReviewDomainForm data returned_error=returned_error.clone()/>
        </Loaded>
    }
}

impl DraftSave for SaveDomainReview {
    fn into_draft(self, version: i64) -> Self {
        SaveDomainReview {
            version,
            then: Then::Save,
            score: None,
            ..self
        }
    }
}

/// One domain's review. Without JavaScript, a form that "Confirm and continue" posts; with it,
/// an island that also saves as you go.
#[island]
fn ReviewDomainForm(data: DomainReviewView, returned_error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<SaveDomainReview>::new();
    let error = Signal::derive(move || match action.value().get() {
        Some(result) => result.err(),
        None => returned_error.clone(),
    });
    let form_area = NodeRef::<leptos::html::Div>::new();
    let editable = data.locked_reason.is_none();
    let autosave = Autosave::new(
        action,
        form_area,
        data.version,
        data.reviewer_score,
        editable,
    );
    let slot_id = data.slot_id.clone();
    let review = data.review.clone();
    let trust = data.trust_answers.clone();
    let task_list_link = review_link(&slot_id);
    let comment_error = field_message(error, "comment");
    let confidence_error = field_message(error, "confidence");
    view! {
        <FormErrors error/>
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=task_list_link.clone()>"Peer review"</a></li>
            </ol>
        </nav>
        <span class="nhsuk-caption-l">{format!("{} – {}", data.pillar_name, data.header.title())}</span>
        <h1 class="nhsuk-heading-l">{format!("Review: {}", data.domain.name)}</h1>
        <p>{data.domain.description.clone()}</p>
        {data.locked_reason.clone().map(|reason| view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> })}
        <div class="nhsuk-inset-text" aria-live="polite">
            <p id="self-score">{format!("The trust's answers give level {} of 5.", data.self_score)}</p>
            <p id="reviewer-score">{move || format!("Your judgements give level {} of 5.", autosave.score.get())}</p>
            {data.previous_score.map(|score| view! { <p>{format!("Previous final score: {}", score_text(Some(score)))}</p> })}
            <p class="nhsuk-body-s">"Each level counts only when every criterion of that level and of the levels below it is met."</p>
        </div>
        {data.last_saved.clone().map(|text| view! { <p class="nhsuk-body-s">{text}</p> })}
        <EvidenceList
            files=data.evidence.iter().filter(|file| file.criterion_keys.is_empty()).cloned().collect()
            heading="Evidence documents for the section as a whole".to_string()
        />
        <div node_ref=form_area on:change=move |_| autosave.changed() on:input=move |_| autosave.typed()>
            <ActionForm action>
                <input type="hidden" name="slot_id" value=slot_id.clone()/>
                <input type="hidden" name="domain_key" value=data.domain.key.clone()/>
                <input type="hidden" name="version" value=move || autosave.version.get().to_string()/>
                {data.domain.levels.iter().map(|level| view! {
                    <h2 class="nhsuk-heading-m">{format!("Level {}: {}", level.level, level.summary)}</h2>
                    {level.criteria.iter().map(|criterion| {
                        let key = &criterion.key;
                        let answer = trust.get(key);
                        let trust_met = answer.is_some_and(|a| a.is_met());
                        let judgement = review.judgements.get(key);
                        let evidence = match answer.map(|a| a.evidence.as_str()).filter(|e| !e.is_empty()) {
                            Some(evidence) => format!("Evidence: {evidence}"),
                            None => "No evidence given.".to_string(),
                        };
                        let files: Vec<EvidenceFile> = data.evidence.iter().filter(|file| file.supports(key)).cloned().collect();
                        view! {
                            <EvidenceList files heading=format!("Evidence documents for: {}", criterion.text)/>
                            <CriterionJudgement
                                legend=criterion.text.clone()
                                hint_id=format!("{key}-trust")
                                hint=format!("The trust said: {}. {evidence}", if trust_met { "met" } else { "not met" })
                                met_field=format!("judgement-{key}")
                                met_name=format!("judgements[{key}][met]")
                                met=Some(judgement.map_or(trust_met, |j| j.met))
                                text_id=reason_field(key)
                                text_name=format!("judgements[{key}][reason]")
                                text_label="Your reason (required if you judge it differently from the trust)"
                                rows="2"
                                text=judgement.map(|j| j.reason.clone()).unwrap_or_default()
                                editable
                                error
                            />
                        }
                    }).collect_view()}
                }).collect_view()}
                <h2 class="nhsuk-heading-m">"This section overall"</h2>
                <div class="nhsuk-form-group">
                    <div class="nhsuk-checkboxes">
                        <div class="nhsuk-checkboxes__item">
                            <input class="nhsuk-checkboxes__input" id="insufficient-evidence" name="insufficient_evidence" type="checkbox" value="yes" checked=review.insufficient_evidence disabled=!editable/>
                            <label class="nhsuk-label nhsuk-checkboxes__label" for="insufficient-evidence">"The evidence given is not enough to judge this section"</label>
                        </div>
                    </div>
                </div>
                <Radios id="confidence" legend="How confident are you in your judgement of this section? (optional)" inline=true disabled=!editable error=confidence_error choices={Confidence::ALL.into_iter().map(|level| Choice {
                    id: format!("confidence-{}", level.key()),
                    name: "confidence".into(),
                    value: level.key().into(),
                    label: level.label().into(),
                    checked: Signal::stored(review.confidence == Some(level)),
                }).collect()}/>
                <div class=move || form_group_class(comment_error.get().is_some())>
                    <label class="nhsuk-label" for="comment">"Comment on this section (optional)"</label>
                    {move || comment_error.get().map(|message| view! { <InlineError message/> })}
                    <textarea class="nhsuk-textarea" id="comment" name="comment" rows="3" disabled=!editable>{review.comment.clone()}</textarea>
                </div>
                {editable.then(|| view! {
                    <p class="nhsuk-body-s" aria-live="polite" id="autosave-status">
                        {move || autosave.state.get().message("Confirm and continue")}
                    </p>
                    <button class="nhsuk-button" type="submit" name="then" value="continue">"Confirm and continue"</button>
                })}
            </ActionForm>
        </div>
        <p><a class="nhsuk-link" href=task_list_link>"Back to the peer review"</a></p>
    }
}

#[component]
pub fn CheckReviewPage() -> impl IntoView {
    let slot = param("slot");
    let overview = Resource::new(slot, get_review);
    let submit = ServerAction::<SubmitReview>::new();
    let error = action_error(submit.value());
    view! {
        <Loaded resource=overview error_title="Check your review" let:overview>
            <CheckReview overview action=submit error/>
        </Loaded>
    }
}

#[component]
fn CheckReview(
    overview: ReviewOverview,
    action: ServerAction<SubmitReview>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let slot_id = overview.slot_id.clone();
    let editable = overview.locked_reason.is_none();
    let unconfirmed: Vec<(String, String)> = overview
        .domains()
        .filter(|domain| domain.status != DomainStatus::Completed)
        .map(|domain| (domain.key.clone(), domain.name.clone()))
        .collect();
    let verdict_error = field_message(error, "verdict");
    let summary_error = field_message(error, "summary");
    let saved_verdict = overview.verdict.clone();
    let back_link = review_link(&slot_id);
    let summary_text = {
        let saved = saved_verdict
            .clone()
            .map(|(_, summary)| summary)
            .unwrap_or_default();
        move || {
            error
                .get()
                .and_then(|error| error.entered("summary").map(str::to_string))
                .unwrap_or_else(|| saved.clone())
        }
    };
    view! {
        <Title text=format!("Check your review – {}", overview.header.title())/>
        <FormErrors error/>
        <ReviewHeading overview=overview.clone() heading=if editable { "Check your review" } else { "The review" }/>
        <dl class="nhsuk-summary-list">
            <SummaryRow key="Trust's overall score" value=score_text(overview.self_overall)/>
            <SummaryRow key="Overall score from these judgements" value=score_text(overview.reviewer_overall)/>
        </dl>
        {(editable && !unconfirmed.is_empty()).then(|| view! {
            <div class="nhsuk-warning-callout">
                <h2 class="nhsuk-warning-callout__label"><span role="text"><span class="nhsuk-u-visually-hidden">"Important: "</span>"Sections to confirm"</span></h2>
                <p>"Confirm every section before you submit. Not yet confirmed:"</p>
                <ul>
                    {unconfirmed.iter().map(|(key, name)| view! {
                        <li><a href={Route::ReviewDomain { slot: &slot_id, key }.href()}>{name.clone()}</a></li>
                    }).collect_view()}
                </ul>
            </div>
        })}
        {overview.pillars.iter().map(|pillar| view! {
            <h2 class="nhsuk-heading-m">{format!("{}: trust {}, reviewer {}", pillar.name, score_text(pillar.self_score), score_text(pillar.reviewer_score))}</h2>
            <dl class="nhsuk-summary-list">
                {pillar.domains.iter().map(|domain| view! {
                    <CheckAnswersRow key=domain.name.clone() href={Route::ReviewDomain { slot: &slot_id, key: &domain.key }.href()} editable section=domain.name.clone() value={view! {
                        <p>{format!("Trust level {}; reviewer level {}", domain.self_score, domain.reviewer_score)}
                            {(domain.status != DomainStatus::Completed).then(|| format!(" ({})", domain.status.label().to_lowercase()))}</p>
                        {(!domain.flags.is_empty()).then(|| view! { <p>{format!("Flags: {}", flag_words(&domain.flags))}</p> })}
                        {(!domain.adjustments.is_empty()).then(|| view! {
                            <ul>{domain.adjustments.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view()}</ul>
                        })}
                    }.into_any()}/>
                }).collect_view()}
            </dl>
        }).collect_view()}
        {match (editable, saved_verdict.clone()) {
            (true, _) => view! {
                <h2 class="nhsuk-heading-m">"Your verdict"</h2>
                <ActionForm action>
                    <input type="hidden" name="slot_id" value=slot_id.clone()/>
                    <Radios id="verdict" legend="How far can this self-assessment be trusted?" error=verdict_error choices={Verdict::ALL.into_iter().map(|verdict| Choice {
                        id: format!("verdict-{}", verdict.key()),
                        name: "verdict".into(),
                        value: verdict.key().into(),
                        label: verdict.label().into(),
                        checked: Signal::stored(saved_verdict.as_ref().is_some_and(|(saved, _)| *saved == verdict)),
                    }).collect()}/>
                    <div class=move || form_group_class(summary_error.get().is_some())>
                        <label class="nhsuk-label" for="summary">"Summary"</label>
                        <div class="nhsuk-hint" id="summary-hint">"Required unless the self-assessment is accurate. The trust and NHS England will read it."</div>
                        {move || summary_error.get().map(|message| view! { <InlineError message/> })}
                        <textarea class="nhsuk-textarea" id="summary" name="summary" rows="5" aria-describedby="summary-hint">{summary_text.clone()}</textarea>
                    </div>
                    <p>"Once submitted, your review cannot be changed unless NHS England reopens it."</p>
                    <button class="nhsuk-button" type="submit">"Submit review"</button>
                </ActionForm>
            }.into_any(),
            (false, Some((verdict, summary))) => view! {
                <h2 class="nhsuk-heading-m">"Verdict"</h2>
                <dl class="nhsuk-summary-list">
                    <SummaryRow key="Verdict" value=verdict.label()/>
                    <SummaryRow key="Summary" value=if summary.is_empty() { "None given".to_string() } else { summary }/>
                </dl>
            }.into_any(),
            (false, None) => view! {
                {overview.locked_reason.clone().map(|reason| view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> })}
            }.into_any(),
        }}
        <p><a class="nhsuk-link" href=back_link>"Back to the peer review"</a></p>
    }
}

#[component]
pub fn ReviewSubmittedPage() -> impl IntoView {
    let slot = param("slot");
    let overview = Resource::new(slot, get_review);
    view! {
        <Loaded resource=overview error_title="Review submitted" let:overview>
            {view! {
            <Title text="Review submitted"/>
            <div class="nhsuk-panel">
                <h1 class="nhsuk-panel__title">"Review submitted"</h1>
                <div class="nhsuk-panel__body">{overview.header.title()}<br/>{format!("Overall score from your judgements {}", score_text(overview.reviewer_overall))}</div>
            </div>
            <h2 class="nhsuk-heading-m">"What happens next"</h2>
            <p>"When every reviewer has submitted, the trust sees the adjusted scores and reasons (without reviewers' names) and can reply. NHS England then moderates the final scores."</p>
            <p><a class="nhsuk-link" href={Route::ReviewCheck { slot: &overview.slot_id }.href()}>"Read your review"</a></p>
            <p><a class="nhsuk-link" href="/reviews">"Back to your reviews"</a></p>
        }.into_any()}
        </Loaded>
    }
}

/// The trust's evidence documents, as submitted, that support one criterion (or the section):
/// each links to its download once it may be opened. Nothing when there are none.
#[component]
fn EvidenceList(files: Vec<EvidenceFile>, heading: String) -> impl IntoView {
    (!files.is_empty()).then(|| view! {
        <div class="nhsuk-inset-text">
            <h3 class="nhsuk-heading-xs">{heading}</h3>
            <ul class="nhsuk-list">
                {files.into_iter().map(|file| view! {
                    <li>
                        <EvidenceFileName file=file.clone()/>
                        <br/>{file.description.clone()}
                        {(!file.state.servable()).then(|| view! { " " <ScanTag state=file.state/> })}
                    </li>
                }).collect_view()}
            </ul>
        </div>
    })
}
