//! NHS England's moderation: the queue (filtered with a plain GET form), an assessment's domains
//! with every level side by side, and a domain's moderated level with its criteria and
//! rationale. Plain forms: they work the same with or without JavaScript.

use super::account::query_param;
use super::assessments::{param, score_text};
use super::evidence::EvidenceRequestsForModerator;
use crate::api::form::Then;
use crate::api::moderation::{
    get_domain_moderation, get_moderation, moderation_queue, ModerationDomainView,
    ModerationOverview, QueueView, SaveDomainModeration, SubmitModeration,
};
use crate::api::signals::get_assessment_signals;
use crate::components::autosave::{Autosave, DraftSave};
use crate::components::{
    action_error, field_message, form_group_class, Checkboxes, Choice, FormErrors, InlineError,
    Legend, Loaded, Radios, Signals, SuccessBanner, SummaryRow,
};
use crate::error::AppError;
use crate::flash::{use_flash, Flash};
use crate::routes::Route;
use crate::rules::deadlines::deadline_shown;
use crate::rules::moderation::{DomainModeration, RATIONALE_MAX_CHARS};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ModerationQueuePage() -> impl IntoView {
    let filter = move |name: &'static str| query_param(name);
    let (region, setting, status) = (filter("region"), filter("care_setting"), filter("status"));
    let order = filter("order");
    let overdue = filter("overdue");
    let queue = Resource::new(
        move || {
            (
                region.get(),
                setting.get(),
                status.get(),
                order.get(),
                overdue.get(),
            )
        },
        |(region, setting, status, order, overdue)| {
            moderation_queue(
                region.unwrap_or_default(),
                setting.unwrap_or_default(),
                status.unwrap_or_default(),
                order.unwrap_or_default(),
                overdue.unwrap_or_default(),
            )
        },
    );
    view! {
        <Title text="Moderation"/>
        <h1 class="nhsuk-heading-xl">"Moderation"</h1>
        <p><a class="nhsuk-link" href="/moderation/queries">"Queries on provisional scores"</a></p>
        <Loaded resource=queue let:queue>
            <Queue queue chosen=(region.get(), setting.get(), status.get()) by_risk=order.get().as_deref() == Some("risk") overdue_only=overdue.get().as_deref() == Some("1")/>
        </Loaded>
    }
}

#[component]
fn Queue(
    queue: QueueView,
    chosen: (Option<String>, Option<String>, Option<String>),
    by_risk: bool,
    overdue_only: bool,
) -> impl IntoView {
    let select = |id: &'static str,
                  label: &'static str,
                  options: Vec<String>,
                  chosen: Option<String>| {
        view! {
            <div class="nhsuk-form-group">
                <label class="nhsuk-label" for=id>{label}</label>
                <select class="nhsuk-select" id=id name=id>
                    <option value="" selected=chosen.is_none()>"All"</option>
                    {options.into_iter().map(|option| {
                        let selected = chosen.as_deref() == Some(option.as_str());
                        view! { <option value=option.clone() selected=selected>{option.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <p>{queue.counts.iter().map(|(status, count)| format!("{status}: {count}")).collect::<Vec<_>>().join(". ")}</p>
        <form method="get" action="/moderation">
            {select("region", "Region", queue.regions.clone(), chosen.0)}
            {select("care_setting", "Care setting", queue.care_settings.clone(), chosen.1)}
            {select("status", "Status", queue.statuses.clone(), chosen.2)}
            <div class="nhsuk-form-group">
                <label class="nhsuk-label" for="order">"Order"</label>
                <select class="nhsuk-select" id="order" name="order">
                    <option value="" selected=!by_risk>"Region and name"</option>
                    <option value="risk" selected=by_risk>"Risk of gaming, with a random audit sample"</option>
                </select>
            </div>
            <div class="nhsuk-form-group">
                <div class="nhsuk-checkboxes">
                    <div class="nhsuk-checkboxes__item">
                        <input class="nhsuk-checkboxes__input" id="overdue" name="overdue" type="checkbox" value="1" checked=overdue_only/>
                        <label class="nhsuk-label nhsuk-checkboxes__label" for="overdue">"Only those past their moderation deadline"</label>
                    </div>
                </div>
            </div>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Filter"</button>
        </form>
        {queue.risk_summaries.iter().map(|summary| view! { <p class="nhsuk-body">{summary.clone()}</p> }).collect_view()}
        {if queue.lines.is_empty() {
            view! { <p>"No assessments match. Assessments appear here once their cycle is in moderation and the trust has replied (or its reply deadline has passed)."</p> }.into_any()
        } else {
            view! {
                <table class="nhsuk-table">
                    <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">"Assessments for moderation"</caption>
                    <thead class="nhsuk-table__head">
                        <tr class="nhsuk-table__row">
                            <th class="nhsuk-table__header" scope="col">"Assessment"</th>
                            <th class="nhsuk-table__header" scope="col">"Region"</th>
                            <th class="nhsuk-table__header" scope="col">"Status"</th>
                            <th class="nhsuk-table__header" scope="col">"Moderate by"</th>
                            {by_risk.then(|| view! {
                                <th class="nhsuk-table__header" scope="col">"Part of the queue"</th>
                                <th class="nhsuk-table__header" scope="col">"Risk"</th>
                                <th class="nhsuk-table__header" scope="col">"Signals"</th>
                            })}
                        </tr>
                    </thead>
                    <tbody class="nhsuk-table__body">
                        {queue.lines.iter().map(|line| view! {
                            <tr class="nhsuk-table__row">
                                <td class="nhsuk-table__cell">{if line.may_open {
                                    view! { <a href={Route::Moderation { id: &line.assessment_id }.href()}>{line.title.clone()}</a> }.into_any()
                                } else {
                                    view! { {line.title.clone()}<br/><span class="nhsuk-hint nhsuk-u-font-size-16">"Your own organisation: a colleague moderates it"</span> }.into_any()
                                }}</td>
                                <td class="nhsuk-table__cell">{line.region.clone()}</td>
                                <td class="nhsuk-table__cell">{line.status.clone()}</td>
                                <td class="nhsuk-table__cell">{deadline_shown(&line.moderation_deadline)}</td>
                                {line.risk.clone().map(|risk| view! {
                                    <td class="nhsuk-table__cell">{risk.part}</td>
                                    <td class="nhsuk-table__cell">{risk.risk}</td>
                                    <td class="nhsuk-table__cell">{if risk.reasons.is_empty() { "None".to_string() } else { risk.reasons.join(", ") }}</td>
                                })}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}

#[component]
pub fn ModerationPage() -> impl IntoView {
    let id = param("id");
    let overview = Resource::new(id, get_moderation);
    let signals = Resource::new(id, get_assessment_signals);
    let flash = use_flash();
    let submit = ServerAction::<SubmitModeration>::new();
    let error = action_error(submit.value());
    view! {
        <Loaded resource=overview error_title="Moderation" let:overview>
            {
                let banner = flash.get().and_then(|flash| match flash {
                    Flash::Saved { domain } => overview.domains.iter().flat_map(|(_, domains)| domains).find(|d| d.key == domain).map(|d| format!("Moderated level for {} saved.", d.name)),
                    Flash::Submitted => Some("Moderation submitted. An approver who did not moderate it will sign it off.".to_string()),
                    Flash::Reopened => Some("The signed-off scores are reopened for moderation.".to_string()),
                    Flash::Asked => Some("Your question has been sent to the trust's leads.".to_string()),
                    _ => None,
                });
                view! {
                    <Title text=format!("Moderation – {}", overview.header.title())/>
                    {banner.map(|message| view! { <SuccessBanner message/> })}
                    <FormErrors error/>
                    <Moderation overview=overview.clone() action=submit/>
                    <Signals signals none="No signal has anything to say about this assessment."/>
                    <EvidenceRequestsForModerator overview/>
                }.into_any()
            }
        </Loaded>
    }
}

#[component]
fn Moderation(
    overview: ModerationOverview,
    action: ServerAction<SubmitModeration>,
) -> impl IntoView {
    let header = overview.header.clone();
    let id = header.id.clone();
    let editable = overview.locked_reason.is_none();
    let reviewer_count = overview.reviewers.len();
    view! {
        <span class="nhsuk-caption-l">{format!("{} – {}", header.cycle_name, header.title())}</span>
        <h1 class="nhsuk-heading-l">"Moderation"</h1>
        <dl class="nhsuk-summary-list">
            <SummaryRow key="Status" value=header.status.label()/>
            <SummaryRow key="Trust's overall score" value=score_text(overview.self_overall)/>
            <SummaryRow key="Moderated overall score" value=overview.moderated_overall.map_or_else(|| "When every section is moderated".to_string(), |score| score_text(Some(score)))/>
            <SummaryRow key="Trust's reply" value=overview.reply.clone()/>
            {overview.reviewers.iter().map(|(name, verdict, summary)| view! {
                <div class="nhsuk-summary-list__row">
                    <dt class="nhsuk-summary-list__key">{name.clone()}</dt>
                    <dd class="nhsuk-summary-list__value"><p>{verdict.clone()}</p>{(!summary.is_empty()).then(|| view! { <p>{summary.clone()}</p> })}</dd>
                </div>
            }).collect_view()}
        </dl>
        {overview.locked_reason.clone().map(|reason| view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> })}
        {overview.domains.iter().map(|(pillar, domains)| view! {
            <table class="nhsuk-table">
                <caption class="nhsuk-table__caption">{pillar.clone()}</caption>
                <thead class="nhsuk-table__head">
                    <tr class="nhsuk-table__row">
                        <th class="nhsuk-table__header" scope="col">"Section"</th>
                        <th class="nhsuk-table__header" scope="col">"Trust"</th>
                        <th class="nhsuk-table__header" scope="col">{format!("Reviewers ({reviewer_count})")}</th>
                        <th class="nhsuk-table__header" scope="col">"Reply"</th>
                        <th class="nhsuk-table__header" scope="col">"Previous"</th>
                        <th class="nhsuk-table__header" scope="col">"Moderated"</th>
                    </tr>
                </thead>
                <tbody class="nhsuk-table__body">
                    {domains.iter().map(|domain| view! {
                        <tr class="nhsuk-table__row">
                            <td class="nhsuk-table__cell"><a href={Route::ModerationDomain { id: &id, key: &domain.key }.href()}>{domain.name.clone()}</a></td>
                            <td class="nhsuk-table__cell">{domain.self_score}</td>
                            <td class="nhsuk-table__cell">{domain.reviewer_scores.iter().map(u8::to_string).collect::<Vec<_>>().join(", ")}</td>
                            <td class="nhsuk-table__cell">{match domain.contested { Some(true) => "Contested", Some(false) => "Accepted", None => "–" }}</td>
                            <td class="nhsuk-table__cell">{domain.previous.clone().unwrap_or_else(|| "–".into())}</td>
                            <td class="nhsuk-table__cell">{domain.moderated.map_or_else(|| "Not yet".to_string(), |score| score.to_string())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }).collect_view()}
        {editable.then(|| if overview.unmoderated == 0 {
            view! {
                <ActionForm action>
                    <input type="hidden" name="assessment_id" value=id.clone()/>
                    <p>"Every section has a moderated level. Once submitted, an approver who did not moderate it signs it off or returns it to you."</p>
                    <button class="nhsuk-button" type="submit">"Submit moderation"</button>
                </ActionForm>
            }.into_any()
        } else {
            view! { <p>{format!("{} sections still need a moderated level before you can submit.", overview.unmoderated)}</p> }.into_any()
        })}
        <p><a class="nhsuk-link" href="/moderation">"Back to moderation"</a></p>
    }
}

#[component]
pub fn ModerationDomainPage() -> impl IntoView {
    let id = param("id");
    let key = param("key");
    let view_data = Resource::new(
        move || (id(), key()),
        |(id, key)| get_domain_moderation(id, key),
    );
    // "Save and continue" without JavaScript comes back here with its error in the address.
    let returned_error = ServerAction::<SaveDomainModeration>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    view! {
        <Loaded resource=view_data error_title="Moderation" let:data>
            <Title text=format!("Moderate {} – {}", data.domain.name, data.header.title())/>
            <ModerationDomain data returned_error=returned_error.clone()/>
        </Loaded>
    }
}

#[component]
fn ModerationDomain(data: ModerationDomainView, returned_error: Option<AppError>) -> impl IntoView {
    let id = data.header.id.clone();
    let back_link = Route::Moderation { id: &id }.href();
    let form = ModerationFormData {
        assessment_id: id.clone(),
        domain_key: data.domain.key.clone(),
        version: data.version,
        self_score: data.self_score,
        criteria: data
            .domain
            .criteria()
            .map(|criterion| (criterion.key.clone(), criterion.text.clone()))
            .collect(),
        moderation: data.moderation.clone(),
        editable: data.locked_reason.is_none(),
    };
    view! {
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=back_link.clone()>"Moderation"</a></li>
            </ol>
        </nav>
        <span class="nhsuk-caption-l">{format!("{} – {}", data.pillar_name, data.header.title())}</span>
        <h1 class="nhsuk-heading-l">{data.domain.name.clone()}</h1>
        <dl class="nhsuk-summary-list">
            <SummaryRow key="Trust's level" value=data.self_score.to_string()/>
            <SummaryRow key="Previous final score" value=data.previous.map_or_else(|| "None published".to_string(), |score| score_text(Some(score)))/>
            <SummaryRow key="Trust's reply" value=data.reply.as_ref().map_or_else(|| "No reply on this section".to_string(), |reply| {
                let mut words = reply.response.label().to_string();
                if !reply.comment.is_empty() { words.push_str(&format!(": {}", reply.comment)); }
                if !reply.evidence.is_empty() { words.push_str(&format!(" Further evidence: {}", reply.evidence)); }
                words
            })/>
        </dl>
        {data.reviews.iter().map(|review| view! {
            <div class="nhsuk-card">
                <div class="nhsuk-card__content">
                    <h2 class="nhsuk-card__heading nhsuk-heading-m">{format!("{}: level {}", review.reviewer, review.level)}</h2>
                    {(!review.flags.is_empty()).then(|| view! { <p>{format!("Flags: {}", review.flags.iter().map(|flag| flag.label()).collect::<Vec<_>>().join(", "))}</p> })}
                    {if review.adjustments.is_empty() {
                        view! { <p>"Agreed with every answer."</p> }.into_any()
                    } else {
                        view! { <ul>{review.adjustments.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view()}</ul> }.into_any()
                    }}
                    {(!review.comment.is_empty()).then(|| view! { <p>{format!("Comment: {}", review.comment)}</p> })}
                </div>
            </div>
        }).collect_view()}
        <details class="nhsuk-details">
            <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">"The trust's answers and evidence"</span></summary>
            <div class="nhsuk-details__text">
                <ul>
                    {data.domain.levels.iter().flat_map(|level| level.criteria.iter().map(move |criterion| (level.level, criterion))).map(|(level, criterion)| {
                        let answer = data.trust_answers.get(&criterion.key);
                        let met = answer.is_some_and(|a| a.is_met());
                        let evidence = answer.map(|a| a.evidence.clone()).filter(|e| !e.is_empty()).unwrap_or_else(|| "no evidence".into());
                        view! { <li>{format!("Level {level}: {} – {}; {}", criterion.text, if met { "met" } else { "not met" }, evidence)}</li> }
                    }).collect_view()}
                </ul>
            </div>
        </details>
        {data.last_saved.clone().map(|text| view! { <p class="nhsuk-body-s">{text}</p> })}
        {data.locked_reason.clone().map(|reason| view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> })}
        {form.editable.then(|| view! { <ModerationForm data=form returned_error/> })}
        <p><a class="nhsuk-link" href=back_link>"Back to the moderation"</a></p>
    }
}

/// What the moderation form needs: kept small, since an island's props travel in the page.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModerationFormData {
    assessment_id: String,
    domain_key: String,
    version: i64,
    self_score: u8,
    /// `(key, text)` of the domain's criteria.
    criteria: Vec<(String, String)>,
    moderation: Option<DomainModeration>,
    editable: bool,
}

impl DraftSave for SaveDomainModeration {
    fn into_draft(self, version: i64) -> Self {
        SaveDomainModeration {
            version,
            then: Then::Save,
            ..self
        }
    }
}

/// A domain's moderated level, criteria and rationale. Without JavaScript, a form that "Save and
/// continue" posts; with it, an island that also saves a draft as you go.
#[island]
fn ModerationForm(data: ModerationFormData, returned_error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<SaveDomainModeration>::new();
    let error = Signal::derive(move || match action.value().get() {
        Some(result) => result.err(),
        None => returned_error.clone(),
    });
    let form_area = NodeRef::<leptos::html::Div>::new();
    let saved_score = data.moderation.as_ref().map_or(0, |m| m.score);
    let autosave = Autosave::new(action, form_area, data.version, saved_score, data.editable);
    let message = move |field: &'static str| field_message(error, field);
    let (score_error, criteria_error, rationale_error) =
        (message("score"), message("criteria"), message("rationale"));
    let saved = data.moderation.clone();
    let chosen_score = {
        let saved = saved.clone();
        move || {
            error
                .get()
                .and_then(|error| error.entered("score").map(str::to_string))
                .or_else(|| saved.as_ref().map(|m| m.score.to_string()))
                .unwrap_or_default()
        }
    };
    let rationale = {
        let saved = saved.clone();
        move || {
            error
                .get()
                .and_then(|error| error.entered("rationale").map(str::to_string))
                .or_else(|| saved.as_ref().map(|m| m.rationale.clone()))
                .unwrap_or_default()
        }
    };
    let rests_on: Vec<String> = saved.map(|m| m.criteria).unwrap_or_default();
    let self_score = data.self_score;
    view! {
        <FormErrors error/>
        <div node_ref=form_area on:change=move |_| autosave.changed() on:input=move |_| autosave.typed()>
            <ActionForm action>
                <input type="hidden" name="assessment_id" value=data.assessment_id.clone()/>
                <input type="hidden" name="domain_key" value=data.domain_key.clone()/>
                <input type="hidden" name="version" value=move || autosave.version.get().to_string()/>
                <Radios id="score" legend="Moderated level" legend_as=Legend::Heading hint=format!("The trust's level is {self_score}.") inline=true error=score_error choices={(1..=5u8).map(|level| {
                    let chosen_score = chosen_score.clone();
                    Choice {
                        id: format!("score-{level}"),
                        name: "score".into(),
                        value: level.to_string(),
                        label: format!("Level {level}"),
                        checked: Signal::derive(move || chosen_score() == level.to_string()),
                    }
                }).collect()}/>
                <Checkboxes id="criteria" legend="The criteria a different level rests on" hint="Required if the moderated level differs from the trust's." error=criteria_error choices={data.criteria.iter().map(|(key, text)| Choice {
                    id: format!("criterion-{key}"),
                    name: format!("criteria[{key}]"),
                    value: "on".into(),
                    label: text.clone(),
                    checked: Signal::stored(rests_on.contains(key)),
                }).collect()}/>
                <div class=move || form_group_class(rationale_error.get().is_some())>
                    <label class="nhsuk-label" for="rationale">"Rationale"</label>
                    <div class="nhsuk-hint" id="rationale-hint">{format!("Required if the moderated level differs from the trust's. Up to {RATIONALE_MAX_CHARS} characters; the approver and the trust read it.")}</div>
                    {move || rationale_error.get().map(|message| view! { <InlineError message/> })}
                    <textarea class="nhsuk-textarea" id="rationale" name="rationale" rows="4" aria-describedby="rationale-hint">{rationale.clone()}</textarea>
                </div>
                <p class="nhsuk-body-s" aria-live="polite" id="autosave-status">
                    {move || autosave.state.get().message("Save and continue")}
                </p>
                <button class="nhsuk-button" type="submit" name="then" value="continue">"Save and continue"</button>
            </ActionForm>
        </div>
    }
}
