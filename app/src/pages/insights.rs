//! NHS England's insights: the gaming index per ICS and per organisation over cycles, reviewer
//! reliability, and the cross-ICS pattern as a heat map with the table it is drawn from.

use super::account::query_param;
use crate::api::signals::{get_insights, CrossIcsCellView, GamingIndexRow, Insights};
use crate::components::Loaded;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn InsightsPage() -> impl IntoView {
    let cycle = query_param("cycle");
    let insights = Resource::new(
        move || cycle.get(),
        |cycle| get_insights(cycle.unwrap_or_default()),
    );
    view! {
        <Title text="Insights"/>
        <h1 class="nhsuk-heading-xl">"Insights"</h1>
        <p>"Patterns across trusts, ICSs and reviewers that may show gaming. They show where to look; they never change a score, and trusts do not see them."</p>
        <Loaded resource=insights let:insights>
            <InsightsBody insights/>
        </Loaded>
    }
}

#[component]
fn InsightsBody(insights: Insights) -> impl IntoView {
    let chosen = insights.cycle_id.clone();
    view! {
        <form method="get" action="/insights">
            <div class="nhsuk-form-group">
                <label class="nhsuk-label" for="cycle">"Up to and including the cycle"</label>
                <select class="nhsuk-select" id="cycle" name="cycle">
                    {insights.cycles.iter().map(|(id, name)| view! {
                        <option value=id.clone() selected=*id == chosen>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Show"</button>
        </form>
        <h2 class="nhsuk-heading-l">"Gaming index"</h2>
        <p>"The mean gap between NHS England's moderated levels and the organisation's own, over every moderated domain. Above 0: the organisation scored itself lower than moderation did."</p>
        <IndexTable caption="Gaming index by ICS".to_string() subject="ICS" rows=insights.ics_index/>
        <IndexTable
            caption=if insights.organisation_index.is_empty() {
                "Gaming index by organisation".to_string()
            } else {
                format!("Organisations with the largest gap ({} of {} with a gap above 0)", insights.organisation_index.len(), insights.organisations_with_a_gap)
            }
            subject="Organisation"
            rows=insights.organisation_index/>
        <h2 class="nhsuk-heading-l">"Reviewer reliability"</h2>
        <p>"How far each reviewer's levels sit from the moderated outcome. Lenient: above moderation on average; harsh: below."</p>
        {if insights.reviewers.is_empty() {
            view! { <p>"No moderated reviews yet."</p> }.into_any()
        } else {
            view! {
                <div class="app-table-scroll" tabindex="0" role="region" aria-label="Reviewer reliability table">
                    <table class="nhsuk-table">
                        <caption class="nhsuk-table__caption nhsuk-table__caption--s">"Reviewers"</caption>
                        <thead class="nhsuk-table__head"><tr class="nhsuk-table__row">
                            <th class="nhsuk-table__header" scope="col">"Reviewer"</th>
                            <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Reviews"</th>
                            <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Mean difference"</th>
                            <th class="nhsuk-table__header" scope="col">"Lean"</th>
                            <th class="nhsuk-table__header" scope="col">"In words"</th>
                            <th class="nhsuk-table__header" scope="col">"By cycle"</th>
                        </tr></thead>
                        <tbody class="nhsuk-table__body">
                            {insights.reviewers.into_iter().map(|row| view! {
                                <tr class="nhsuk-table__row">
                                    <th class="nhsuk-table__header" scope="row">{row.reviewer}</th>
                                    <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{row.reviews}</td>
                                    <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{row.mean_difference}</td>
                                    <td class="nhsuk-table__cell">{row.lean}</td>
                                    <td class="nhsuk-table__cell">{row.reason}</td>
                                    <td class="nhsuk-table__cell">{row.history.join("; ")}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <h2 class="nhsuk-heading-l">"Reviewers from one ICS on another"</h2>
        <p>{insights.cross_ics_summary}</p>
        <CrossIcsHeatMap names=insights.ics_names.clone() cells=insights.cells.clone()/>
        <CrossIcsTable names=insights.ics_names cells=insights.cells/>
    }
}

#[component]
fn IndexTable(caption: String, subject: &'static str, rows: Vec<GamingIndexRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p>{format!("{caption}: no moderated assessments yet.")}</p> }.into_any();
    }
    view! {
        <div class="app-table-scroll" tabindex="0" role="region" aria-label=caption.clone()>
            <table class="nhsuk-table">
                <caption class="nhsuk-table__caption nhsuk-table__caption--s">{caption.clone()}</caption>
                <thead class="nhsuk-table__head"><tr class="nhsuk-table__row">
                    <th class="nhsuk-table__header" scope="col">{subject}</th>
                    <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Mean gap"</th>
                    <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Spread"</th>
                    <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Domains"</th>
                    <th class="nhsuk-table__header" scope="col">"By cycle"</th>
                </tr></thead>
                <tbody class="nhsuk-table__body">
                    {rows.into_iter().map(|row| view! {
                        <tr class="nhsuk-table__row">
                            <th class="nhsuk-table__header" scope="row">{row.name}</th>
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{row.mean_gap}</td>
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{row.spread}</td>
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{row.domains}</td>
                            <td class="nhsuk-table__cell">{row.history.join("; ")}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Size of a heat map cell, in SVG units.
const CELL: usize = 14;
/// Room for the row and column labels (ICS codes).
const LABEL: usize = 44;

/// A fill for a mean adjustment: blue when reviewers scored higher than the trust, orange when
/// lower, paler nearer 0. The numbers are in the table below; flagged cells also carry a mark.
fn fill(adjustment: f64) -> String {
    let strength = (adjustment.abs() / 2.0).min(1.0);
    let (red, green, blue) = if adjustment >= 0.0 {
        (0.0, 94.0, 184.0)
    } else {
        (237.0, 139.0, 0.0)
    };
    let mix = |channel: f64| (255.0 - (255.0 - channel) * strength).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(red), mix(green), mix(blue))
}

/// The matrix as a heat map: reviewer ICS by row, reviewed ICS by column, flagged cells marked
/// with a cross. A picture of the table that follows it, which says the same in words.
#[component]
fn CrossIcsHeatMap(names: Vec<(String, String)>, cells: Vec<CrossIcsCellView>) -> impl IntoView {
    if cells.is_empty() {
        return view! { <p>"No reviews yet."</p> }.into_any();
    }
    let index = |code: &str| names.iter().position(|(c, _)| c == code);
    let size = LABEL + names.len() * CELL;
    let squares = cells
        .iter()
        .filter_map(|cell| {
            let (row, column) = (index(&cell.reviewer_ics)?, index(&cell.reviewed_ics)?);
            let (x, y) = (LABEL + column * CELL, LABEL + row * CELL);
            let flagged = !cell.pattern.is_empty();
            Some(view! {
                <rect x=x y=y width=CELL height=CELL fill=fill(cell.mean_adjustment) stroke="#d8dde0"/>
                {flagged.then(|| view! {
                    <path d=format!("M{} {}l{} {}M{} {}l{} -{}", x + 3, y + 3, CELL - 6, CELL - 6, x + 3, y + CELL - 3, CELL - 6, CELL - 6) stroke="#212b32" stroke-width="2"/>
                })}
            })
        })
        .collect_view();
    let labels = names
        .iter()
        .enumerate()
        .map(|(position, (code, _))| {
            let at = LABEL + position * CELL + CELL / 2;
            view! {
                <text x=LABEL - 4 y=at + 4 text-anchor="end" font-size="9">{code.clone()}</text>
                <text x=at y=LABEL - 4 text-anchor="start" font-size="9" transform=format!("rotate(-90 {at} {})", LABEL - 4)>{code.clone()}</text>
            }
        })
        .collect_view();
    view! {
        <figure class="app-chart">
            <svg class="app-heat-map" viewBox=format!("0 0 {size} {size}") width=size height=size role="img"
                aria-label="Heat map of mean adjustments by reviewer ICS (rows) and reviewed ICS (columns); the table below gives every number">
                {labels}
                {squares}
            </svg>
            <figcaption class="nhsuk-body-s">"Rows: the reviewers' ICS. Columns: the reviewed organisation's ICS. Blue: reviewers scored higher than the trust; orange: lower; paler is nearer no change. A cross marks a pattern unlikely to be chance."</figcaption>
        </figure>
    }
    .into_any()
}

/// Every cell with enough reviews to test, flagged ones first.
#[component]
fn CrossIcsTable(names: Vec<(String, String)>, cells: Vec<CrossIcsCellView>) -> impl IntoView {
    let name = |code: &str| {
        names
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, name)| name.clone())
    };
    let mut tested: Vec<CrossIcsCellView> = cells
        .into_iter()
        .filter(|cell| !cell.p_value.starts_with("Too few"))
        .collect();
    tested.sort_by_key(|cell| cell.pattern.is_empty());
    if tested.is_empty() {
        return view! { <p>"No pair of ICSs has enough reviews to test yet."</p> }.into_any();
    }
    view! {
        <div class="app-table-scroll" tabindex="0" role="region" aria-label="Reviewers from one ICS on another, table">
            <table class="nhsuk-table">
                <caption class="nhsuk-table__caption nhsuk-table__caption--s">"Pairs of ICSs with enough reviews to test"</caption>
                <thead class="nhsuk-table__head"><tr class="nhsuk-table__row">
                    <th class="nhsuk-table__header" scope="col">"Reviewers from"</th>
                    <th class="nhsuk-table__header" scope="col">"Reviewing"</th>
                    <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Reviews"</th>
                    <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Mean adjustment"</th>
                    <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"p"</th>
                    <th class="nhsuk-table__header" scope="col">"Pattern"</th>
                </tr></thead>
                <tbody class="nhsuk-table__body">
                    {tested.into_iter().map(|cell| view! {
                        <tr class="nhsuk-table__row">
                            <td class="nhsuk-table__cell">{name(&cell.reviewer_ics)}</td>
                            <td class="nhsuk-table__cell">{name(&cell.reviewed_ics)}</td>
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{cell.reviews}</td>
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{format!("{:+.2}", cell.mean_adjustment)}</td>
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{cell.p_value}</td>
                            <td class="nhsuk-table__cell">{if cell.pattern.is_empty() { "None".to_string() } else { cell.pattern }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
