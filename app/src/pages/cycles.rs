//! Running cycles, for NHS England administrators: the list, creating one, and one cycle's page
//! (its phase, its assessments, deadline extensions).

use crate::api::cycles::{
    care_setting_field, framework_choices, get_cycle, list_cycles, AdvanceCycle, CreateCycle,
    CycleOverview, ExtendDeadline, SetReplyDeadline,
};
use crate::components::{
    action_error, field_message, flash_banner, Checkboxes, Choice, FormErrors, Loaded, SummaryRow,
    TextField,
};
use crate::error::AppError;
use crate::flash::Flash;
use crate::routes::Route;
use crate::rules::cycles::{readable_date, Phase};
use crate::rules::deadlines::deadline_shown;
use crate::rules::lifecycle::AssessmentStatus;
use crate::rules::organisations::CareSetting;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CyclesPage() -> impl IntoView {
    let cycles = Resource::new(|| (), |_| list_cycles());
    view! {
        <Title text="Cycles"/>
        <h1 class="nhsuk-heading-xl">"Assessment cycles"</h1>
        <a class="nhsuk-button" href="/admin/cycles/new">"Create a cycle"</a>
        <Loaded resource=cycles let:data>
            {match data {
                list if list.is_empty() => view! { <p>"There are no cycles yet."</p> }.into_any(),
                list => view! {
                    <table class="nhsuk-table">
                        <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">"Cycles"</caption>
                        <thead class="nhsuk-table__head">
                            <tr class="nhsuk-table__row">
                                <th class="nhsuk-table__header" scope="col">"Cycle"</th>
                                <th class="nhsuk-table__header" scope="col">"Phase"</th>
                                <th class="nhsuk-table__header" scope="col">"Opens"</th>
                                <th class="nhsuk-table__header" scope="col">"Submission deadline"</th>
                            </tr>
                        </thead>
                        <tbody class="nhsuk-table__body">
                            {list.into_iter().map(|cycle| view! {
                                <tr class="nhsuk-table__row">
                                    <td class="nhsuk-table__cell"><a href={Route::Cycle { id: &cycle.id }.href()}>{cycle.name.clone()}</a></td>
                                    <td class="nhsuk-table__cell">{if cycle.is_historical { "Earlier results (imported)" } else { cycle.phase.label() }}</td>
                                    <td class="nhsuk-table__cell">{readable_date(&cycle.dates.opens_on)}</td>
                                    <td class="nhsuk-table__cell">{deadline_shown(&cycle.dates.submission_deadline)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </Loaded>
    }
}

#[component]
pub fn NewCyclePage() -> impl IntoView {
    let versions = Resource::new(|| (), |_| framework_choices());
    let action = ServerAction::<CreateCycle>::new();
    let error = action_error(action.value());
    // After an error, the form shows what was entered (see `AppError::keeping`).
    let entered = move |name: &str| {
        error
            .get_untracked()
            .and_then(|error| error.entered(name).map(str::to_string))
    };
    let ticked = move |name: &str, otherwise: bool| match error.get_untracked() {
        Some(error) if error.has_entered() => error.entered(name).is_some(),
        _ => otherwise,
    };
    view! {
        <Title text="Create a cycle"/>
        <FormErrors error/>
        <h1 class="nhsuk-heading-xl">"Create a cycle"</h1>
        <p>"The cycle starts in setting up. Opening it later freezes the organisation structure for the cycle, creates an assessment for each trust and care setting in scope, and emails the trust leads."</p>
        <Loaded resource=versions let:versions>
            {view! {
            <ActionForm action>
                <TextField id="name" name="name" label="Name" hint="For example, DMA 2026/27" error/>
                <div class="nhsuk-form-group">
                    <label class="nhsuk-label" for="framework-version">"Framework version"</label>
                    <select class="nhsuk-select" id="framework-version" name="framework_version">
                        {versions.into_iter().map(|(version, title)| {
                            let chosen = entered("framework_version").as_deref() == Some(version.as_str());
                            view! { <option value=version.clone() selected=chosen>{format!("{title} (version {version})")}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <TextField id="opens-on" name="opens_on" label="Opens on" input_type="date" hint="For example, 2027-01-31" error width_class="nhsuk-input--width-10"/>
                <TextField id="submission-deadline" name="submission_deadline" label="Submission deadline" input_type="date" hint="Trusts can submit until the end of this day." error width_class="nhsuk-input--width-10"/>
                <TextField id="review-deadline" name="review_deadline" label="Review deadline" input_type="date" hint="For example, 2027-01-31" error width_class="nhsuk-input--width-10"/>
                <TextField id="moderation-deadline" name="moderation_deadline" label="Moderation deadline" input_type="date" hint="For example, 2027-01-31" error width_class="nhsuk-input--width-10"/>
                <TextField id="publication-on" name="publication_on" label="Publication date" input_type="date" hint="For example, 2027-01-31" error width_class="nhsuk-input--width-10"/>
                <Checkboxes id="care-settings" legend="Care settings in scope" error=field_message(error, "care-settings") choices={CareSetting::ALL.into_iter().map(|setting| {
                    let field = care_setting_field(setting);
                    Choice {
                        id: format!("setting-{field}"),
                        name: field.into(),
                        value: "on".into(),
                        label: setting.label().into(),
                        checked: Signal::stored(ticked(field, setting != CareSetting::Icb)),
                    }
                }).collect()}/>
                <TextField id="regions" name="regions" label="Regions in scope (optional)" hint="Region ODS codes separated by commas, like Y63, Y60. Leave empty for all of England." error width_class="nhsuk-input--width-20"/>
                <TextField id="reviewers-per-assessment" name="reviewers_per_assessment" label="Peer reviewers for each assessment" value="2" error width_class="nhsuk-input--width-2"/>
                <TextField id="reviewer-capacity" name="reviewer_capacity" label="Most assessments one reviewer can be given" value="3" error width_class="nhsuk-input--width-2"/>
                <button class="nhsuk-button" type="submit">"Create cycle"</button>
            </ActionForm>
        }.into_any()}
        </Loaded>
    }
}

#[component]
pub fn CyclePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let overview = Resource::new(id, get_cycle);
    let advance = ServerAction::<AdvanceCycle>::new();
    let advance_error = action_error(advance.value());
    let extend = ServerAction::<ExtendDeadline>::new();
    let extend_error = action_error(extend.value());
    let set_reply = ServerAction::<SetReplyDeadline>::new();
    let reply_error = action_error(set_reply.value());
    view! {
        <Loaded resource=overview error_title="Cycle" let:overview>
            {view! {
            {flash_banner(|flash| match flash {
                Flash::Created => Some("Cycle created.".to_string()),
                Flash::PhaseChanged(phase) => Some(format!("The cycle is now in {}.", phase.label().to_lowercase())),
                Flash::DeadlineExtended { trust } => Some(format!("Deadline extended for {trust}.")),
                Flash::ReplyDeadlineSet => Some("Reply deadline changed.".to_string()),
                _ => None,
            })}
            <FormErrors error=advance_error/>
            <FormErrors error=extend_error/>
            <FormErrors error=reply_error/>
            <CycleDetail overview advance extend extend_error set_reply reply_error/>
        }.into_any()}
        </Loaded>
    }
}

#[component]
fn CycleDetail(
    overview: CycleOverview,
    advance: ServerAction<AdvanceCycle>,
    extend: ServerAction<ExtendDeadline>,
    extend_error: Signal<Option<AppError>>,
    set_reply: ServerAction<SetReplyDeadline>,
    reply_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let cycle = overview.cycle.clone();
    let cycle_id = cycle.id.clone();
    let reply_cycle_id = cycle.id.clone();
    let reply_deadline = cycle.reply_deadline.clone();
    let assignment_link = Route::Assignment { cycle: &cycle.id }.href();
    let release_link = Route::Release { cycle: &cycle.id }.href();
    let missing_link = Route::WhoIsMissing { cycle: &cycle.id }.href();
    let settings: Vec<&str> = cycle.care_settings.iter().map(|s| s.label()).collect();
    let regions = if cycle.region_ods_codes.is_empty() {
        "All of England".to_string()
    } else {
        cycle.region_ods_codes.join(", ")
    };
    let counts: Vec<(AssessmentStatus, usize)> = AssessmentStatus::ALL
        .into_iter()
        .map(|status| {
            (
                status,
                overview
                    .assessments
                    .iter()
                    .filter(|a| a.status == status)
                    .count(),
            )
        })
        .filter(|(_, count)| *count > 0)
        .collect();
    let action_label = |phase: Phase| match phase {
        Phase::Submission => "Open the cycle".to_string(),
        other => format!("Move to {}", other.label().to_lowercase()),
    };
    view! {
        <Title text=cycle.name.clone()/>
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="/admin/cycles">"Cycles"</a></li>
            </ol>
        </nav>
        <h1 class="nhsuk-heading-xl">{cycle.name.clone()}</h1>
        <dl class="nhsuk-summary-list">
            <SummaryRow key="Phase" value=if cycle.is_historical { "Earlier results (imported)".to_string() } else { cycle.phase.label().to_string() }/>
            <SummaryRow key="Framework version" value=cycle.framework_version.clone()/>
            <SummaryRow key="Opens" value=readable_date(&cycle.dates.opens_on)/>
            <SummaryRow key="Submission deadline" value=deadline_shown(&cycle.dates.submission_deadline)/>
            <SummaryRow key="Review deadline" value=deadline_shown(&cycle.dates.review_deadline)/>
            <SummaryRow key="Reply deadline" value=deadline_shown(&cycle.reply_deadline)/>
            <SummaryRow key="Moderation deadline" value=deadline_shown(&cycle.dates.moderation_deadline)/>
            <SummaryRow key="Publication" value=readable_date(&cycle.dates.publication_on)/>
            <SummaryRow key="Care settings" value=settings.join(", ")/>
            <SummaryRow key="Regions" value=regions/>
            <SummaryRow key="Reviewers for each assessment" value=cycle.reviewers_per_assessment.to_string()/>
            <SummaryRow key="Most reviews for one reviewer" value=cycle.reviewer_capacity.to_string()/>
        </dl>
        {overview.next_phase.map(|next| view! {
            <h2 class="nhsuk-heading-m">"Next phase"</h2>
            {match overview.not_yet.clone() {
                Some(reason) => view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> }.into_any(),
                None => view! {
                    <ActionForm action=advance>
                        <input type="hidden" name="cycle_id" value=cycle.id.clone()/>
                        <input type="hidden" name="from_phase" value=cycle.phase.key()/>
                        {(next == Phase::Submission).then(|| view! {
                            <p>"Opening freezes today's organisation structure for this cycle, creates the assessments and emails every trust lead in scope."</p>
                        })}
                        <button class="nhsuk-button" type="submit">{action_label(next)}</button>
                    </ActionForm>
                }.into_any(),
            }}
        })}
        {(overview.without_lead > 0).then(|| view! {
            <div class="nhsuk-warning-callout">
                <h2 class="nhsuk-warning-callout__label"><span role="text"><span class="nhsuk-u-visually-hidden">"Important: "</span>"Organisations without a lead"</span></h2>
                <p>{match overview.without_lead { 1 => "1 organisation has no lead".to_string(), n => format!("{n} organisations have no lead") }}": nobody there was emailed that the cycle opened. "<a class="nhsuk-link" href=missing_link.clone()>"See who is missing"</a></p>
            </div>
        })}
        {(!cycle.is_historical).then(|| view! {
            <p><a class="nhsuk-link" href=missing_link.clone()>"Who is missing"</a></p>
        })}
        {(!cycle.is_historical && cycle.phase != Phase::Setup).then(|| view! {
            <p><a class="nhsuk-link" href=assignment_link.clone()>"Reviewer assignment"</a></p>
            <p><a class="nhsuk-link" href=release_link.clone()>"Release and publication"</a></p>
        })}
        <h2 class="nhsuk-heading-m">"Assessments"</h2>
        {if overview.assessments.is_empty() {
            view! { <p>"There are no assessments yet: they are created when the cycle opens."</p> }.into_any()
        } else {
            view! {
                <ul class="nhsuk-list">
                    {counts.into_iter().map(|(status, count)| view! { <li>{format!("{}: {count}", status.label())}</li> }).collect_view()}
                </ul>
                <table class="nhsuk-table">
                    <caption class="nhsuk-table__caption">{format!("{} assessments", overview.assessments.len())}</caption>
                    <thead class="nhsuk-table__head">
                        <tr class="nhsuk-table__row">
                            <th class="nhsuk-table__header" scope="col">"Trust"</th>
                            <th class="nhsuk-table__header" scope="col">"Care setting"</th>
                            <th class="nhsuk-table__header" scope="col">"Deadline"</th>
                            <th class="nhsuk-table__header" scope="col">"Status"</th>
                        </tr>
                    </thead>
                    <tbody class="nhsuk-table__body">
                        {overview.assessments.iter().map(|assessment| view! {
                            <tr class="nhsuk-table__row">
                                <td class="nhsuk-table__cell"><a href={Route::Assessment { id: &assessment.id }.href()}>{format!("{} ({})", assessment.trust_name, assessment.trust_ods_code)}</a></td>
                                <td class="nhsuk-table__cell">{assessment.care_setting.label()}</td>
                                <td class="nhsuk-table__cell">
                                    {deadline_shown(assessment.deadline())}
                                    {assessment.extended_deadline.is_some().then_some(" (extended)")}
                                </td>
                                <td class="nhsuk-table__cell">{assessment.status.label()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {(!cycle.is_historical && cycle.phase != Phase::Setup).then(|| view! {
            <h2 class="nhsuk-heading-m">"Extend a trust's deadline"</h2>
            <ActionForm action=extend>
                <input type="hidden" name="cycle_id" value=cycle_id.clone()/>
                <TextField id="trust-ods-code" name="trust_ods_code" label="Trust ODS code" error=extend_error width_class="nhsuk-input--width-5"/>
                <TextField id="deadline" name="deadline" label="New deadline" input_type="date" hint="For example, 2027-02-14. It applies to all of the trust's assessments in this cycle." error=extend_error width_class="nhsuk-input--width-10"/>
                <TextField id="extension-reason" name="reason" label="Reason" error=extend_error/>
                <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Extend deadline"</button>
            </ActionForm>
        })}
        {(!overview.cycle.is_historical).then(|| view! {
            <h2 class="nhsuk-heading-m">"Change the reply deadline"</h2>
            <p>"The last day trusts may reply to their peer reviews. After it, a missing reply is recorded as no reply received."</p>
            <ActionForm action=set_reply>
                <input type="hidden" name="cycle_id" value=reply_cycle_id.clone()/>
                <TextField id="reply-deadline" name="reply_deadline" label="Reply deadline" input_type="date" hint="After the review deadline and before the moderation deadline, for example 2027-03-14." error=reply_error width_class="nhsuk-input--width-10" value=reply_deadline.clone()/>
                <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Change reply deadline"</button>
            </ActionForm>
        })}
    }
}
