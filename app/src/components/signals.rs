//! Gaming signals as shown to reviewers and moderators: each with its name, whether it is a
//! possible sign of gaming or only worth a look (in words, not colour alone), its reason and the
//! numbers behind it.

use crate::api::signals::SignalView;
use crate::components::{Loaded, SummaryRow};
use crate::error::AppError;
use leptos::prelude::*;

/// The signals `signals` loads, under a heading, or `none` when there are none.
#[component]
pub fn Signals(
    signals: Resource<Result<Vec<SignalView>, AppError>>,
    /// What to say when no signal has anything to say.
    none: &'static str,
) -> impl IntoView {
    view! {
        <h2 class="nhsuk-heading-m" id="signals">"Signals"</h2>
        <p class="nhsuk-hint">"Signals show where to look closely. They never change a score."</p>
        <Loaded resource=signals let:data>
            {match data {
                signals if signals.is_empty() => view! { <p>{none}</p> }.into_any(),
                signals => view! {
                    <ul class="nhsuk-list app-signals">
                        {signals.into_iter().map(|signal| {
                            let tag = if signal.severity == "Worth a look" { "nhsuk-tag nhsuk-tag--grey" } else { "nhsuk-tag nhsuk-tag--orange" };
                            view! {
                            <li class="app-signal">
                                <h3 class="nhsuk-heading-s">
                                    {signal.label}" "
                                    <strong class=tag>{signal.severity}</strong>
                                </h3>
                                <p>{signal.reason}</p>
                                <dl class="nhsuk-summary-list">
                                    {signal.figures.into_iter().map(|(key, value)| view! { <SummaryRow key value/> }).collect_view()}
                                </dl>
                            </li>
                        }}).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </Loaded>
    }
}
