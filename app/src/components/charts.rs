//! Charts drawn on the server as SVG: no script, no colour-only meaning (each series has its own
//! line pattern and marker, named in a text legend), and every chart sits beside a table of the
//! same numbers, which is what a screen reader is pointed to.

use crate::rules::results::{two_decimals, BANDS};
use leptos::prelude::*;

const SIZE: f64 = 360.0;
const CENTRE: f64 = SIZE / 2.0;
const RADIUS: f64 = 120.0;
/// Scores run from 1 (the centre) to 5 (the rim).
const LOWEST: f64 = 1.0;
const HIGHEST: f64 = 5.0;

/// How each series is drawn, in order: the line pattern is the difference, not the colour.
const SERIES_STYLES: [(&str, &str, &str); 3] = [
    ("app-chart__series--first", "", "solid line"),
    ("app-chart__series--second", "6 4", "dashed line"),
    ("app-chart__series--third", "2 3", "dotted line"),
];

fn point(axis: usize, axes: usize, score: f64) -> (f64, f64) {
    let angle = std::f64::consts::TAU * axis as f64 / axes as f64 - std::f64::consts::FRAC_PI_2;
    let distance = RADIUS * (score.clamp(LOWEST, HIGHEST) - LOWEST) / (HIGHEST - LOWEST);
    (
        CENTRE + distance * angle.cos(),
        CENTRE + distance * angle.sin(),
    )
}

fn points(scores: &[Option<f64>]) -> String {
    scores
        .iter()
        .enumerate()
        .map(|(axis, score)| {
            let (x, y) = point(axis, scores.len(), score.unwrap_or(LOWEST));
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A radar chart of pillar scores, one axis a pillar: up to three series (an assessment, its
/// ICS, England, say). `describedby` names the table with the same numbers.
#[component]
pub fn RadarChart(
    /// The pillar names, one per axis.
    axes: Vec<String>,
    /// `(series name, score per axis)`.
    series: Vec<(String, Vec<Option<f64>>)>,
    title: String,
    #[prop(into)] describedby: String,
) -> impl IntoView {
    let count = axes.len().max(3);
    let rings = (2..=5).map(|level| {
        let ring: Vec<Option<f64>> = vec![Some(f64::from(level)); count];
        view! { <polygon class="app-chart__grid" points=points(&ring)/> }
    });
    let spokes = (0..count).map(|axis| {
        let (x, y) = point(axis, count, HIGHEST);
        view! { <line class="app-chart__grid" x1=CENTRE x2=format!("{x:.1}") y1=CENTRE y2=format!("{y:.1}")/> }
    });
    let labels = axes.iter().enumerate().map(|(axis, name)| {
        let (x, y) = point(axis, count, HIGHEST + 0.6);
        let anchor = if (x - CENTRE).abs() < 1.0 { "middle" } else if x > CENTRE { "start" } else { "end" };
        view! { <text class="app-chart__label" x=format!("{x:.1}") y=format!("{y:.1}") text-anchor=anchor>{name.clone()}</text> }
    }).collect_view();
    let legend: Vec<(String, &str)> = series
        .iter()
        .zip(SERIES_STYLES)
        .map(|((name, _), (_, _, pattern))| (name.clone(), pattern))
        .collect();
    let shapes = series
        .into_iter()
        .zip(SERIES_STYLES)
        .map(|((_, scores), (class, dashes, _))| {
            view! { <polygon class=format!("app-chart__series {class}") points=points(&scores) stroke-dasharray=dashes/> }
        })
        .collect_view();
    view! {
        <figure class="app-chart">
            <svg class="app-chart__svg" viewBox=format!("-80 -10 {} {}", SIZE + 160.0, SIZE + 20.0) role="img" aria-label=title.clone() aria-describedby=describedby>
                <title>{title.clone()}</title>
                {rings.collect_view()}
                {spokes.collect_view()}
                {shapes}
                {labels}
            </svg>
            <figcaption class="nhsuk-body-s">
                "Each axis is a pillar, from 1 at the centre to 5 at the rim. "
                {legend.into_iter().map(|(name, pattern)| format!("{name}: {pattern}. ")).collect::<String>()}
                "The table gives the same scores."
            </figcaption>
        </figure>
    }
}

/// How many assessments scored in each band, as labelled bars; the counts are written on them.
#[component]
pub fn DistributionChart(
    title: String,
    counts: [usize; 4],
    #[prop(into)] describedby: String,
) -> impl IntoView {
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    let bars = BANDS.iter().zip(counts).enumerate().map(|(row, (&(low, high), count))| {
        let y = 8.0 + row as f64 * 28.0;
        let width = 220.0 * count as f64 / most as f64;
        view! {
            <text class="app-chart__label" x="0" y=format!("{:.1}", y + 15.0)>{format!("{low:.0} to {}", if high == HIGHEST { "5".to_string() } else { format!("under {high:.0}") })}</text>
            <rect class="app-chart__bar" x="100" y=format!("{y:.1}") width=format!("{width:.1}") height="20"/>
            <text class="app-chart__label" x=format!("{:.1}", 106.0 + width) y=format!("{:.1}", y + 15.0)>{count.to_string()}</text>
        }
    }).collect_view();
    view! {
        <svg class="app-chart__svg app-chart__svg--bars" viewBox="0 0 380 124" role="img" aria-label=title.clone() aria-describedby=describedby>
            <title>{title.clone()}</title>
            {bars}
        </svg>
    }
}

/// A score as a table cell shows it, or a dash where it does not apply.
pub fn score_cell(score: Option<f64>) -> String {
    score.map_or_else(|| "–".to_string(), two_decimals)
}
