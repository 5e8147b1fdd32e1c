//! The release page of a cycle, for administrators: what is ready, leaving an assessment out,
//! the provisional release, publication and corrections.

use super::assessments::param;
use crate::api::release::{
    get_release, ExcludeFromResults, PublishResults, ReleaseLine, ReleaseOverview,
    ReleaseProvisionally, ReopenForCorrection, DEFAULT_QUERY_DAYS,
};
use crate::components::{
    action_error, flash_banner, FormErrors, Loaded, SummaryRow, TextArea, TextField,
};
use crate::error::AppError;
use crate::flash::Flash;
use crate::routes::Route;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ReleasePage() -> impl IntoView {
    let id = param("id");
    let overview = Resource::new(id, get_release);
    let exclude = ServerAction::<ExcludeFromResults>::new();
    let release = ServerAction::<ReleaseProvisionally>::new();
    let publish = ServerAction::<PublishResults>::new();
    let reopen = ServerAction::<ReopenForCorrection>::new();
    let forms = Forms {
        exclude,
        exclude_error: action_error(exclude.value()),
        release,
        release_error: action_error(release.value()),
        publish,
        publish_error: action_error(publish.value()),
        reopen,
        reopen_error: action_error(reopen.value()),
    };
    view! {
        <Title text="Release and publication"/>
        {flash_banner(|flash| match flash {
            Flash::Excluded => Some("The assessment is left out of the results."),
            Flash::Released { .. } => Some("The results are released provisionally. Trust leads have been emailed."),
            Flash::Published { .. } => Some("The results are published."),
            Flash::Reopened => Some("The assessment is reopened for correction: it is back with the moderators."),
            _ => None,
        })}
        <FormErrors error=forms.exclude_error/>
        <FormErrors error=forms.release_error/>
        <FormErrors error=forms.publish_error/>
        <FormErrors error=forms.reopen_error/>
        <Loaded resource=overview let:overview>
            <Release overview forms/>
        </Loaded>
    }
}

/// The page's forms and their errors.
#[derive(Clone, Copy)]
struct Forms {
    exclude: ServerAction<ExcludeFromResults>,
    exclude_error: Signal<Option<AppError>>,
    release: ServerAction<ReleaseProvisionally>,
    release_error: Signal<Option<AppError>>,
    publish: ServerAction<PublishResults>,
    publish_error: Signal<Option<AppError>>,
    reopen: ServerAction<ReopenForCorrection>,
    reopen_error: Signal<Option<AppError>>,
}

#[component]
fn Release(overview: ReleaseOverview, forms: Forms) -> impl IntoView {
    let cycle_link = Route::Cycle {
        id: &overview.cycle_id,
    }
    .href();
    let first_publication = overview.versions.is_empty();
    let cycle_id = overview.cycle_id.clone();
    let counts: Vec<String> = overview
        .counts
        .iter()
        .map(|(status, count)| format!("{status}: {count}"))
        .collect();
    let counts = counts.join(", ");
    let released = overview.queries_close_on.is_some();
    let publish_cycle_id = cycle_id.clone();
    view! {
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="/admin/cycles">"Cycles"</a></li>
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=cycle_link>{overview.cycle_name.clone()}</a></li>
            </ol>
        </nav>
        <h1 class="nhsuk-heading-xl">"Release and publication"</h1>
        <dl class="nhsuk-summary-list">
            <SummaryRow key="Cycle" value=overview.cycle_name.clone()/>
            <SummaryRow key="Phase" value=overview.phase.clone()/>
            <SummaryRow key="Assessments" value=counts/>
            <SummaryRow key="Queries close" value=overview.queries_close_on.clone().unwrap_or_else(|| "Not released yet".into())/>
            <SummaryRow key="Unanswered queries" value=overview.open_queries.to_string()/>
        </dl>

        <h2 class="nhsuk-heading-l">"1. Provisional release"</h2>
        <p>"Each trust's leads see their final scores, with why each is what it is, and can query a section's score for a set number of working days."</p>
        {match overview.release_refused.clone() {
            Some(reason) => view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> }.into_any(),
            None => view! {
                <ActionForm action=forms.release>
                    <input type="hidden" name="cycle_id" value=cycle_id.clone()/>
                    {(!released).then(|| view! {
                        <TextField id="working-days" name="working_days" label="Working days for queries" hint="Weekends and bank holidays in England do not count. From 1 to 20." error=forms.release_error value=DEFAULT_QUERY_DAYS.to_string() width_class="nhsuk-input--width-2"/>
                    })}
                    <button class="nhsuk-button" type="submit">
                        {if released { "Release the assessments signed off again" } else { "Release provisionally" }}
                    </button>
                </ActionForm>
            }.into_any(),
        }}
        <Lines title="Not ready yet" lines=overview.waiting.clone()/>
        {(!overview.waiting.is_empty() && !released).then(|| view! {
            <h3 class="nhsuk-heading-s">"Leave an assessment out"</h3>
            <p>"An assessment left out is neither released nor published. The reason is kept in the audit trail."</p>
            <ActionForm action=forms.exclude>
                <div class="nhsuk-form-group">
                    <label class="nhsuk-label" for="exclude-assessment">"Assessment"</label>
                    <select class="nhsuk-select" id="exclude-assessment" name="assessment_id">
                        {overview.waiting.iter().map(|line| view! { <option value=line.assessment_id.clone()>{line.title.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <TextArea id="exclude-reason" name="reason" label="Why it is left out" error=forms.exclude_error/>
                <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Leave it out"</button>
            </ActionForm>
        })}
        {(!overview.excluded.is_empty()).then(|| view! {
            <h3 class="nhsuk-heading-s">"Left out"</h3>
            <dl class="nhsuk-summary-list">
                {overview.excluded.iter().map(|(title, reason)| view! { <SummaryRow key=title.clone() value=reason.clone()/> }).collect_view()}
            </dl>
        })}

        <h2 class="nhsuk-heading-l">"2. Publication"</h2>
        <p>"Publishing makes the results public on the results pages. A correction is published as a new version with a note of what changed; earlier versions stay available."</p>
        {match overview.publish_refused.clone() {
            Some(reason) => view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> }.into_any(),
            None => view! {
                <ActionForm action=forms.publish>
                    <input type="hidden" name="cycle_id" value=publish_cycle_id.clone()/>
                    {if first_publication {
                        view! { <TextArea id="note" name="note" label="Note (optional)" hint="Shown with the results, for example what this publication covers." error=forms.publish_error/> }.into_any()
                    } else {
                        view! { <TextArea id="note" name="note" label="What this version corrects" hint="Shown with the results, for example which trust's score changed and why." error=forms.publish_error/> }.into_any()
                    }}
                    <div class="nhsuk-form-group">
                        <div class="nhsuk-checkboxes">
                            <div class="nhsuk-checkboxes__item">
                                <input class="nhsuk-checkboxes__input" id="self-scores" name="self_scores" type="checkbox" value="yes"/>
                                <label class="nhsuk-label nhsuk-checkboxes__label" for="self-scores">"Publish the trusts' own scores beside the final scores"</label>
                            </div>
                        </div>
                    </div>
                    <button class="nhsuk-button" type="submit">{if first_publication { "Publish the results" } else { "Publish the correction" }}</button>
                </ActionForm>
            }.into_any(),
        }}
        <Lines title="Ready to release" lines=overview.ready.clone()/>
        {(!overview.versions.is_empty()).then(|| view! {
            <h3 class="nhsuk-heading-s">"Versions published"</h3>
            <dl class="nhsuk-summary-list">
                {overview.versions.iter().map(|version| view! {
                    <SummaryRow key=format!("Version {}", version.version) value=format!("{} ({})", version.note, version.published_at)/>
                }).collect_view()}
            </dl>
            <p><a class="nhsuk-link" href={Route::NationalResults { cycle: &overview.cycle_id }.href()}>"Read the published results"</a></p>
        })}
        {(!overview.published.is_empty()).then(|| view! {
            <h3 class="nhsuk-heading-s">"Correct a published assessment"</h3>
            <p>"The assessment goes back to moderation. Once it is signed off again, publish a correction."</p>
            <ActionForm action=forms.reopen>
                <div class="nhsuk-form-group">
                    <label class="nhsuk-label" for="correction-assessment">"Assessment"</label>
                    <select class="nhsuk-select" id="correction-assessment" name="assessment_id">
                        {overview.published.iter().map(|line| view! { <option value=line.assessment_id.clone()>{line.title.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <TextArea id="correction-reason" name="reason" label="What needs correcting" error=forms.reopen_error/>
                <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Reopen for correction"</button>
            </ActionForm>
        })}
    }
}

/// A short table of assessments with their status; nothing when there are none.
#[component]
fn Lines(title: &'static str, lines: Vec<ReleaseLine>) -> impl IntoView {
    (!lines.is_empty()).then(|| {
        view! {
            <table class="nhsuk-table">
                <caption class="nhsuk-table__caption nhsuk-table__caption--s">{format!("{title} ({})", lines.len())}</caption>
                <thead class="nhsuk-table__head">
                    <tr class="nhsuk-table__row">
                        <th class="nhsuk-table__header" scope="col">"Assessment"</th>
                        <th class="nhsuk-table__header" scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody class="nhsuk-table__body">
                    {lines.into_iter().map(|line| view! {
                        <tr class="nhsuk-table__row">
                            <td class="nhsuk-table__cell"><a class="nhsuk-link" href={Route::FinalScores { id: &line.assessment_id }.href()}>{line.title}</a></td>
                            <td class="nhsuk-table__cell">{line.status}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    })
}
