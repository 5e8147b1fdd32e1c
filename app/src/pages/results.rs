//! The public results pages: the cycles published, a cycle's national results with its ICS
//! league table, the trusts' league table, an ICS's page and a trust's page. Filters and order are
//! GET parameters, so every page works without JavaScript, and each says which version it shows.

use super::account::query_param;
use super::assessments::param;
use crate::api::results::{
    ics_results, national_results, results_index, score_cells, trust_league, trust_results,
    Filters, IcsView, NationalView, TrustLeagueView, TrustLine, TrustView, VersionShown,
};
use crate::components::charts::{score_cell, DistributionChart, RadarChart};
use crate::components::{Loaded, SummaryRow};
use crate::error::AppError;
use crate::routes::Route;
use crate::rules::results::{change_text, rank_text, two_decimals, GroupScore, BANDS};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{de::DeserializeOwned, Serialize};

/// The query parameters a results page reads, kept in every link it makes.
fn shown_query() -> impl Fn() -> (String, String, String, String) + Copy + Send + Sync {
    let version = query_param("version");
    let sort = query_param("sort");
    let care_setting = query_param("care_setting");
    let region = query_param("region");
    move || {
        (
            version.get().unwrap_or_default(),
            sort.get().unwrap_or_default(),
            care_setting.get().unwrap_or_default(),
            region.get().unwrap_or_default(),
        )
    }
}

/// `?version=N` when an earlier version is shown, for links between pages.
fn version_suffix(shown: &VersionShown) -> String {
    if shown.version == shown.latest_version {
        String::new()
    } else {
        format!("?version={}", shown.version)
    }
}

#[component]
pub fn ResultsIndexPage() -> impl IntoView {
    let cycles = Resource::new(|| (), |_| results_index());
    view! {
        <Title text="Digital maturity results"/>
        <h1 class="nhsuk-heading-xl">"Digital maturity results"</h1>
        <p>"NHS England's published digital maturity scores for every trust and integrated care system (ICS), cycle by cycle. Each trust scores itself against the \"What Good Looks Like\" framework; staff from trusts in other ICSs review it, and NHS England moderates and signs off the final scores."</p>
        <Loaded resource=cycles let:data>
            {match data {
                cycles if cycles.is_empty() => view! { <p>"No results have been published yet."</p> }.into_any(),
                cycles => view! {
                    <ul class="nhsuk-list">
                        {cycles.into_iter().map(|cycle| view! {
                            <li>
                                <a class="nhsuk-link" href={Route::NationalResults { cycle: &cycle.id }.href()}>{cycle.name}</a>
                                <span class="nhsuk-body-s app-muted">{format!(" – published {}; version {}", cycle.first_published, cycle.latest_version)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </Loaded>
        <Definitions/>
    }
}

/// How the scores are worked out, on every results page.
#[component]
fn Definitions() -> impl IntoView {
    view! {
        <h2 class="nhsuk-heading-m" id="definitions">"How the scores are worked out"</h2>
        <ul class="nhsuk-list nhsuk-list--bullet">
            <li>"A section (domain) scores a level from 1 to 5: the highest level whose criteria, and those of every level below it, are all met."</li>
            <li>"A pillar's score is the mean of its sections that apply to the care setting; an assessment's overall score is the mean of its pillars, weighted as the framework says."</li>
            <li>"An assessment is one trust in one care setting. A trust assessed in two care settings has two assessments."</li>
            <li>"An ICS's score is the mean of its providers' assessments, each counting once; a region's and England's are worked out the same way, from every assessment, not from the ICS scores."</li>
            <li>"Scores are kept in full and rounded to 2 decimal places only to be shown, so a mean may differ in the last place from one worked out from rounded numbers."</li>
            <li>"The change is from the previous published cycle's latest version; it is shown only where that cycle has a score to compare with."</li>
        </ul>
    }
}

/// Which version this is, the others, and the downloads.
#[component]
fn VersionPanel(shown: VersionShown, #[prop(into)] downloads: String) -> impl IntoView {
    let latest = shown.version == shown.latest_version;
    let cycle_id = shown.cycle_id.clone();
    let version = shown.version;
    view! {
        <div class="nhsuk-inset-text">
            <p>
                {format!("Version {} of these results, published {}. ", shown.version, shown.published_at)}
                {shown.note.clone()}
            </p>
            {(!latest).then(|| view! {
                <p>
                    {format!("A newer version ({}) has been published. ", shown.latest_version)}
                    <a class="nhsuk-link" href={Route::NationalResults { cycle: &cycle_id }.href()}>"Read the latest version"</a>
                </p>
            })}
            {(shown.versions.len() > 1).then(|| view! {
                <details class="nhsuk-details">
                    <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">"Every version"</span></summary>
                    <div class="nhsuk-details__text">
                        <ul class="nhsuk-list">
                            {shown.versions.iter().map(|(number, note, at)| view! {
                                <li>
                                    <a class="nhsuk-link" href=format!("/results/{}?version={number}", shown.cycle_id)>{format!("Version {number}")}</a>
                                    {format!(" – {at}: {note}")}
                                </li>
                            }).collect_view()}
                        </ul>
                    </div>
                </details>
            })}
            <p class="nhsuk-body-s">
                "Download this table: "
                <a class="nhsuk-link" href=format!("{downloads}.csv?version={version}")>"CSV"</a>
                ", "
                <a class="nhsuk-link" href=format!("{downloads}.xlsx?version={version}")>"Excel"</a>
            </p>
        </div>
    }
}

/// The GET form that filters and orders a league table.
#[component]
fn FilterForm(filters: Filters, shown: VersionShown, action: String) -> impl IntoView {
    let option = |value: String, label: String, chosen: &str| {
        let selected = value == chosen;
        view! { <option value=value selected=selected>{label}</option> }
    };
    let sort_options: Vec<(String, String)> =
        std::iter::once(("overall".to_string(), "Overall score".to_string()))
            .chain(
                shown
                    .pillars
                    .iter()
                    .map(|(key, name)| (key.clone(), name.clone())),
            )
            .chain(std::iter::once(("name".to_string(), "Name".to_string())))
            .collect();
    view! {
        <form method="GET" action=action class="nhsuk-u-margin-bottom-5">
            {(shown.version != shown.latest_version).then(|| view! { <input type="hidden" name="version" value=shown.version.to_string()/> })}
            <div class="nhsuk-grid-row">
                <div class="nhsuk-grid-column-one-third nhsuk-form-group">
                    <label class="nhsuk-label" for="sort">"Order by"</label>
                    <select class="nhsuk-select" id="sort" name="sort">
                        {sort_options.into_iter().map(|(value, label)| option(value, label, &filters.sort)).collect_view()}
                    </select>
                </div>
                <div class="nhsuk-grid-column-one-third nhsuk-form-group">
                    <label class="nhsuk-label" for="care-setting">"Care setting"</label>
                    <select class="nhsuk-select" id="care-setting" name="care_setting">
                        {option(String::new(), "All care settings".into(), &filters.care_setting)}
                        {filters.care_settings.iter().map(|s| option(s.clone(), s.clone(), &filters.care_setting)).collect_view()}
                    </select>
                </div>
                <div class="nhsuk-grid-column-one-third nhsuk-form-group">
                    <label class="nhsuk-label" for="region">"Region"</label>
                    <select class="nhsuk-select" id="region" name="region">
                        {option(String::new(), "All of England".into(), &filters.region)}
                        {filters.regions.iter().map(|(code, name)| option(code.clone(), name.clone(), &filters.region)).collect_view()}
                    </select>
                </div>
            </div>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Show results"</button>
        </form>
    }
}

/// The column headers of a score table: overall, then each pillar.
fn score_headers(pillars: &[(String, String)]) -> impl IntoView {
    std::iter::once("Overall".to_string())
        .chain(pillars.iter().map(|(_, name)| name.clone()))
        .map(|name| view! { <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">{name}</th> })
        .collect_view()
}

fn group_cells(score: &GroupScore, pillars: &[(String, String)]) -> impl IntoView {
    std::iter::once(Some(score.overall))
        .chain(pillars.iter().map(|(key, _)| score.pillar(key)))
        .map(|value| view! { <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{score_cell(value)}</td> })
        .collect_view()
}

fn change_cell(current: f64, previous: Option<f64>) -> String {
    previous.map_or_else(
        || "Not comparable".to_string(),
        |previous| change_text(current, previous),
    )
}

/// Waits for a results page's data, then shows it with `show`, or the error under a title.
fn loaded<T>(resource: Resource<Result<T, AppError>>, show: fn(T) -> AnyView) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
{
    view! {
        <Loaded resource=resource error_title="Results" let:data>
            {show(data)}
        </Loaded>
    }
}

#[component]
pub fn NationalResultsPage() -> impl IntoView {
    let cycle = param("cycle");
    let query = shown_query();
    let results = Resource::new(
        move || (cycle(), query()),
        |(cycle, (version, sort, care_setting, region))| {
            national_results(cycle, version, sort, care_setting, region)
        },
    );
    loaded(results, |view| view! { <National view/> }.into_any())
}

#[component]
fn National(view: NationalView) -> impl IntoView {
    let shown = view.shown.clone();
    let pillars = shown.pillars.clone();
    let base = Route::NationalResults {
        cycle: &shown.cycle_id,
    }
    .href();
    let suffix = version_suffix(&shown);
    let with_surveys = view
        .ics_league
        .iter()
        .any(|line| line.entry.own_survey.is_some());
    let covered = view.england.as_ref().map(|england| {
        format!(
            "Covers {} assessments of {} trusts.",
            england.assessments, england.organisations
        )
    });
    view! {
        <Title text=format!("{}: results", shown.cycle_name)/>
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="/results">"Results"</a></li>
            </ol>
        </nav>
        <h1 class="nhsuk-heading-xl">{format!("{}: results for England", shown.cycle_name)}</h1>
        <VersionPanel shown=shown.clone() downloads=format!("{base}/ics")/>
        <p><a class="nhsuk-link" href=format!("{base}/trusts{suffix}")>"Every trust's results"</a></p>
        <FilterForm filters=view.filters.clone() shown=shown.clone() action=base.clone()/>
        <h2 class="nhsuk-heading-l">"England"</h2>
        {match view.england.clone() {
            None => view! { <p>"No assessments match these filters."</p> }.into_any(),
            Some(england) => view! {
                <p>{covered.clone()}</p>
                <dl class="nhsuk-summary-list">
                    <SummaryRow key="Overall" value=two_decimals(england.overall)/>
                    {pillars.iter().map(|(key, name)| view! {
                        <SummaryRow key=name.clone() value=score_cell(england.pillar(key))/>
                    }).collect_view()}
                    {view.england_self.clone().map(|own| view! {
                        <SummaryRow key="Overall, as trusts scored themselves" value=two_decimals(own.overall)/>
                    })}
                    {view.icb_surveys.clone().map(|surveys| view! {
                        <SummaryRow key=format!("ICBs' own surveys (mean of {}; not part of the scores above)", surveys.assessments) value=two_decimals(surveys.overall)/>
                    })}
                </dl>
            }.into_any(),
        }}
        <p class="nhsuk-body-s">
            "Download the regions table: "
            <a class="nhsuk-link" href=format!("{base}/regions.csv?version={}", shown.version)>"CSV"</a>
            ", "
            <a class="nhsuk-link" href=format!("{base}/regions.xlsx?version={}", shown.version)>"Excel"</a>
        </p>
        <div class="app-table-scroll" tabindex="0" role="region" aria-label="Regions table, scrolls sideways">
            <table class="nhsuk-table">
                <caption class="nhsuk-table__caption">"Regions"</caption>
                <thead class="nhsuk-table__head">
                    <tr class="nhsuk-table__row">
                        <th class="nhsuk-table__header" scope="col">"Region"</th>
                        {score_headers(&pillars)}
                        <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Assessments"</th>
                    </tr>
                </thead>
                <tbody class="nhsuk-table__body">
                    {view.regions.iter().map(|region| view! {
                        <tr class="nhsuk-table__row">
                            <th class="nhsuk-table__header" scope="row">{region.name.clone()}</th>
                            {group_cells(&region.score, &pillars)}
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{region.score.assessments}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <div class="app-table-scroll" tabindex="0" role="region" aria-label="Integrated care systems table, scrolls sideways">
            <table class="nhsuk-table" id="ics-league">
                <caption class="nhsuk-table__caption">{format!("Integrated care systems ({})", view.ics_league.len())}</caption>
                <thead class="nhsuk-table__head">
                    <tr class="nhsuk-table__row">
                        <th class="nhsuk-table__header" scope="col">"Rank"</th>
                        <th class="nhsuk-table__header" scope="col">"ICS"</th>
                        <th class="nhsuk-table__header" scope="col">"Region"</th>
                        {score_headers(&pillars)}
                        <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Assessments"</th>
                        {with_surveys.then(|| view! { <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"ICB's own survey"</th> })}
                        <th class="nhsuk-table__header" scope="col">{format!("Change since {}", shown.previous_cycle.clone().unwrap_or_else(|| "the previous cycle".into()))}</th>
                    </tr>
                </thead>
                <tbody class="nhsuk-table__body">
                    {view.ics_league.iter().map(|ranked| {
                        let line = &ranked.entry;
                        view! {
                            <tr class="nhsuk-table__row">
                                <td class="nhsuk-table__cell">{rank_text(ranked.rank, ranked.tied)}</td>
                                <th class="nhsuk-table__header" scope="row"><a class="nhsuk-link" href=format!("{base}/ics/{}{suffix}", line.code)>{line.name.clone()}</a></th>
                                <td class="nhsuk-table__cell">{line.region.clone()}</td>
                                {group_cells(&line.score, &pillars)}
                                <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{line.score.assessments}</td>
                                {with_surveys.then(|| view! { <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{score_cell(line.own_survey)}</td> })}
                                <td class="nhsuk-table__cell">{change_cell(line.score.overall, line.previous)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <h2 class="nhsuk-heading-l">"How scores are spread"</h2>
        <p>"How many assessments scored in each band, for each pillar and overall."</p>
        <div class="nhsuk-grid-row">
            {view.distributions.iter().enumerate().map(|(index, (name, counts))| {
                let table_id = format!("distribution-{index}");
                view! {
                    <div class="nhsuk-grid-column-one-half">
                        <h3 class="nhsuk-heading-s">{name.clone()}</h3>
                        <DistributionChart title=format!("{name}: assessments by score band") counts=*counts describedby=table_id.clone()/>
                        <table class="nhsuk-table" id=table_id>
                            <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">{format!("{name}: assessments by score band")}</caption>
                            <thead class="nhsuk-table__head"><tr class="nhsuk-table__row">
                                <th class="nhsuk-table__header" scope="col">"Score"</th>
                                <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Assessments"</th>
                            </tr></thead>
                            <tbody class="nhsuk-table__body">
                                {BANDS.iter().zip(counts.iter()).map(|((low, high), count)| view! {
                                    <tr class="nhsuk-table__row">
                                        <td class="nhsuk-table__cell">{if *high == 5.0 { format!("{low:.0} to 5") } else { format!("{low:.0} to under {high:.0}") }}</td>
                                        <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{*count}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
            }).collect_view()}
        </div>
        <Definitions/>
    }
}

#[component]
pub fn TrustLeaguePage() -> impl IntoView {
    let cycle = param("cycle");
    let query = shown_query();
    let league = Resource::new(
        move || (cycle(), query()),
        |(cycle, (version, sort, care_setting, region))| {
            trust_league(cycle, version, sort, care_setting, region)
        },
    );
    loaded(league, |view| view! { <Trusts view/> }.into_any())
}

#[component]
fn Trusts(view: TrustLeagueView) -> impl IntoView {
    let shown = view.shown.clone();
    let pillars = shown.pillars.clone();
    let base = Route::NationalResults {
        cycle: &shown.cycle_id,
    }
    .href();
    let suffix = version_suffix(&shown);
    let with_self = shown.with_self_scores;
    view! {
        <Title text=format!("{}: trusts", shown.cycle_name)/>
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="/results">"Results"</a></li>
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=format!("{base}{suffix}")>{shown.cycle_name.clone()}</a></li>
            </ol>
        </nav>
        <h1 class="nhsuk-heading-xl">{format!("{}: trusts", shown.cycle_name)}</h1>
        <VersionPanel shown=shown.clone() downloads=format!("{base}/trusts")/>
        <FilterForm filters=view.filters.clone() shown=shown.clone() action=format!("{base}/trusts")/>
        <div class="app-table-scroll" tabindex="0" role="region" aria-label="Trust assessments table, scrolls sideways">
            <table class="nhsuk-table" id="trust-league">
                <caption class="nhsuk-table__caption">{format!("Trust assessments ({})", view.lines.len())}</caption>
                <thead class="nhsuk-table__head">
                    <tr class="nhsuk-table__row">
                        <th class="nhsuk-table__header" scope="col">"Rank"</th>
                        <th class="nhsuk-table__header" scope="col">"Trust"</th>
                        <th class="nhsuk-table__header" scope="col">"Care setting"</th>
                        <th class="nhsuk-table__header" scope="col">"ICS"</th>
                        {score_headers(&pillars)}
                        {with_self.then(|| view! { <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Self-assessed overall"</th> })}
                        <th class="nhsuk-table__header" scope="col">"Change"</th>
                    </tr>
                </thead>
                <tbody class="nhsuk-table__body">
                    {view.lines.iter().map(|ranked| {
                        let line = &ranked.entry;
                        let result = &line.result;
                        view! {
                            <tr class="nhsuk-table__row">
                                <td class="nhsuk-table__cell">{rank_text(ranked.rank, ranked.tied)}</td>
                                <th class="nhsuk-table__header" scope="row"><a class="nhsuk-link" href=format!("{base}/trusts/{}{suffix}", result.organisation)>{result.organisation_name.clone()}</a></th>
                                <td class="nhsuk-table__cell">{result.care_setting.label()}</td>
                                <td class="nhsuk-table__cell">{result.ics_name.clone()}</td>
                                {score_cells(&result.scores, &pillars).into_iter().map(|value| view! { <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{score_cell(value)}</td> }).collect_view()}
                                {with_self.then(|| view! { <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{score_cell(result.self_scores.as_ref().map(|s| s.overall))}</td> })}
                                <td class="nhsuk-table__cell">{change_cell(result.scores.overall, line.previous)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Definitions/>
    }
}

#[component]
pub fn IcsResultsPage() -> impl IntoView {
    let cycle = param("cycle");
    let code = param("code");
    let version = query_param("version");
    let ics = Resource::new(
        move || (cycle(), code(), version.get().unwrap_or_default()),
        |(cycle, code, version)| ics_results(cycle, code, version),
    );
    loaded(ics, |view| view! { <Ics view/> }.into_any())
}

/// A radar chart of up to three groups' pillar scores, with the table of the same numbers.
#[component]
fn PillarComparison(
    pillars: Vec<(String, String)>,
    /// `(name, overall, pillar scores)`.
    rows: Vec<(String, f64, Vec<Option<f64>>)>,
    title: String,
    #[prop(into)] table_id: String,
) -> impl IntoView {
    let axes: Vec<String> = pillars.iter().map(|(_, name)| name.clone()).collect();
    let series = rows
        .iter()
        .map(|(name, _, scores)| (name.clone(), scores.clone()))
        .collect();
    let region_label = format!("{title}: table, scrolls sideways");
    view! {
        <RadarChart axes series title=title.clone() describedby=table_id.clone()/>
        <div class="app-table-scroll" tabindex="0" role="region" aria-label=region_label>
            <table class="nhsuk-table" id=table_id>
                <caption class="nhsuk-table__caption nhsuk-table__caption--s">{title}</caption>
                <thead class="nhsuk-table__head">
                    <tr class="nhsuk-table__row">
                        <th class="nhsuk-table__header" scope="col"><span class="nhsuk-u-visually-hidden">"Scores of"</span></th>
                        {score_headers(&pillars)}
                    </tr>
                </thead>
                <tbody class="nhsuk-table__body">
                    {rows.into_iter().map(|(name, overall, scores)| view! {
                        <tr class="nhsuk-table__row">
                            <th class="nhsuk-table__header" scope="row">{name}</th>
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{two_decimals(overall)}</td>
                            {scores.into_iter().map(|value| view! { <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{score_cell(value)}</td> }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn group_row(
    name: &str,
    score: &GroupScore,
    pillars: &[(String, String)],
) -> (String, f64, Vec<Option<f64>>) {
    (
        name.to_string(),
        score.overall,
        pillars.iter().map(|(key, _)| score.pillar(key)).collect(),
    )
}

#[component]
fn Ics(view: IcsView) -> impl IntoView {
    let shown = view.shown.clone();
    let pillars = shown.pillars.clone();
    let base = Route::NationalResults {
        cycle: &shown.cycle_id,
    }
    .href();
    let suffix = version_suffix(&shown);
    let mut rows = vec![group_row(
        &format!("{}: mean of its providers", view.name),
        &view.score,
        &pillars,
    )];
    if let Some(own) = &view.self_score {
        rows.push(group_row(
            &format!("{}, as its trusts scored themselves", view.name),
            own,
            &pillars,
        ));
    }
    if let Some(survey) = &view.own_survey {
        let scores = &survey.result.scores;
        rows.push((
            "The ICB's own survey".to_string(),
            scores.overall,
            pillars.iter().map(|(key, _)| scores.pillar(key)).collect(),
        ));
    }
    rows.push(group_row("England", &view.england, &pillars));
    view! {
        <Title text=format!("{}: {}", view.name, shown.cycle_name)/>
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="/results">"Results"</a></li>
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=format!("{base}{suffix}")>{shown.cycle_name.clone()}</a></li>
            </ol>
        </nav>
        <span class="nhsuk-caption-l">{view.region.clone()}</span>
        <h1 class="nhsuk-heading-xl">{view.name.clone()}</h1>
        <VersionPanel shown=shown.clone() downloads=format!("{base}/ics")/>
        <dl class="nhsuk-summary-list">
            <SummaryRow key="Overall score: mean of its providers" value=two_decimals(view.score.overall)/>
            <SummaryRow key="Covers" value=format!("{} assessments of {} trusts", view.score.assessments, view.score.organisations)/>
            {view.own_survey.as_ref().map(|survey| view! {
                <SummaryRow key="The ICB's own survey: overall score" value=two_decimals(survey.result.scores.overall)/>
            })}
            <SummaryRow key=format!("Change since {}", shown.previous_cycle.clone().unwrap_or_else(|| "the previous cycle".into())) value=change_cell(view.score.overall, view.previous)/>
        </dl>
        <PillarComparison pillars=pillars.clone() rows title=format!("{}'s pillar scores beside England's", view.name) table_id="ics-pillars"/>
        <div class="app-table-scroll" tabindex="0" role="region" aria-label="Providers table, scrolls sideways">
            <table class="nhsuk-table">
                <caption class="nhsuk-table__caption">"Providers"</caption>
                <thead class="nhsuk-table__head">
                    <tr class="nhsuk-table__row">
                        <th class="nhsuk-table__header" scope="col">"Trust"</th>
                        <th class="nhsuk-table__header" scope="col">"Care setting"</th>
                        {score_headers(&pillars)}
                        <th class="nhsuk-table__header" scope="col">"Change"</th>
                    </tr>
                </thead>
                <tbody class="nhsuk-table__body">
                    {view.providers.iter().map(|line| provider_row(line, &pillars, &base, &suffix)).collect_view()}
                </tbody>
            </table>
        </div>
        <Definitions/>
    }
}

fn provider_row(
    line: &TrustLine,
    pillars: &[(String, String)],
    base: &str,
    suffix: &str,
) -> impl IntoView {
    let result = &line.result;
    view! {
        <tr class="nhsuk-table__row">
            <th class="nhsuk-table__header" scope="row"><a class="nhsuk-link" href=format!("{base}/trusts/{}{suffix}", result.organisation)>{result.organisation_name.clone()}</a></th>
            <td class="nhsuk-table__cell">{result.care_setting.label()}</td>
            {score_cells(&result.scores, pillars).into_iter().map(|value| view! { <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{score_cell(value)}</td> }).collect_view()}
            <td class="nhsuk-table__cell">{change_cell(result.scores.overall, line.previous)}</td>
        </tr>
    }
}

#[component]
pub fn TrustResultsPage() -> impl IntoView {
    let cycle = param("cycle");
    let code = param("code");
    let version = query_param("version");
    let trust = Resource::new(
        move || (cycle(), code(), version.get().unwrap_or_default()),
        |(cycle, code, version)| trust_results(cycle, code, version),
    );
    loaded(trust, |view| view! { <Trust view/> }.into_any())
}

#[component]
fn Trust(view: TrustView) -> impl IntoView {
    let shown = view.shown.clone();
    let pillars = shown.pillars.clone();
    let base = Route::NationalResults {
        cycle: &shown.cycle_id,
    }
    .href();
    let suffix = version_suffix(&shown);
    view! {
        <Title text=format!("{}: {}", view.name, shown.cycle_name)/>
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="/results">"Results"</a></li>
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=format!("{base}{suffix}")>{shown.cycle_name.clone()}</a></li>
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=format!("{base}/ics/{}{suffix}", view.ics_code)>{view.ics_name.clone()}</a></li>
            </ol>
        </nav>
        <h1 class="nhsuk-heading-xl">{view.name.clone()}</h1>
        <VersionPanel shown=shown.clone() downloads=format!("{base}/trusts")/>
        {view.assessments.iter().map(|line| {
            let result = &line.result;
            let mut rows = vec![(format!("{} (final)", result.care_setting.label()), result.scores.overall, pillars.iter().map(|(key, _)| result.scores.pillar(key)).collect())];
            if let Some(own) = &result.self_scores {
                rows.push((format!("{} (self-assessed)", result.care_setting.label()), own.overall, pillars.iter().map(|(key, _)| own.pillar(key)).collect()));
            }
            rows.push(group_row("England", &view.england, &pillars));
            let table_id = format!("pillars-{}", result.care_setting.label().to_lowercase().replace(' ', "-"));
            view! {
                <h2 class="nhsuk-heading-l">{result.care_setting.label()}</h2>
                <dl class="nhsuk-summary-list">
                    <SummaryRow key="Overall score" value=two_decimals(result.scores.overall)/>
                    <SummaryRow key=format!("Change since {}", shown.previous_cycle.clone().unwrap_or_else(|| "the previous cycle".into())) value=change_cell(result.scores.overall, line.previous)/>
                </dl>
                <PillarComparison pillars=pillars.clone() rows title=format!("{}, {}: pillar scores beside England's", view.name, result.care_setting.label()) table_id/>
                {(!result.scores.domains.is_empty()).then(|| view! {
                    <table class="nhsuk-table">
                        <caption class="nhsuk-table__caption nhsuk-table__caption--s">{format!("{}: each section's level", result.care_setting.label())}</caption>
                        <thead class="nhsuk-table__head">
                            <tr class="nhsuk-table__row">
                                <th class="nhsuk-table__header" scope="col">"Section"</th>
                                <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Final level"</th>
                                {result.self_scores.is_some().then(|| view! { <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Self-assessed level"</th> })}
                            </tr>
                        </thead>
                        <tbody class="nhsuk-table__body">
                            {view.domains.iter().filter_map(|(key, name)| {
                                let level = result.scores.domains.iter().find(|(k, _)| k == key)?.1;
                                let own = result.self_scores.as_ref().and_then(|s| s.domains.iter().find(|(k, _)| k == key).map(|(_, l)| *l));
                                Some(view! {
                                    <tr class="nhsuk-table__row">
                                        <th class="nhsuk-table__header" scope="row">{name.clone()}</th>
                                        <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{level}</td>
                                        {own.map(|own| view! { <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{own}</td> })}
                                    </tr>
                                })
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
            }
        }).collect_view()}
        <Definitions/>
    }
}
