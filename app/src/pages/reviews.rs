//! A peer reviewer's assessments to review, each of which they may decline with a reason.

use crate::api::assignments::{my_reviews, DeclineReview};
use crate::components::{action_error, flash_banner, FormErrors, Loaded};
use crate::flash::Flash;
use crate::routes::Route;
use crate::rules::deadlines::deadline_shown;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ReviewsPage() -> impl IntoView {
    let reviews = Resource::new(|| (), |_| my_reviews());
    let decline = ServerAction::<DeclineReview>::new();
    let error = action_error(decline.value());
    view! {
        <Title text="Assessments to review"/>
        {flash_banner(|flash| (flash == Flash::Declined).then_some("You have declined the review. NHS England will ask someone else."))}
        <FormErrors error/>
        <h1 class="nhsuk-heading-xl">"Assessments to review"</h1>
        <Loaded resource=reviews let:data>
            {match data {
                list if list.is_empty() => view! {
                    <p>"You have no assessments to review. When NHS England assigns you some, they appear here and you get an email."</p>
                }.into_any(),
                list => view! {
                    {list.into_iter().map(|review| {
                        let field = format!("decline-reason-{}", review.slot_id);
                        let message = {
                            let field = field.clone();
                            Signal::derive(move || error.get().and_then(|error| error.message_for(&field)))
                        };
                        view! {
                            <div class="nhsuk-card">
                                <div class="nhsuk-card__content">
                                    <h2 class="nhsuk-card__heading nhsuk-heading-m"><a href={Route::Review { slot: &review.slot_id }.href()}>{format!("{} – {}", review.trust_name, review.care_setting)}</a></h2>
                                    <p class="nhsuk-card__description">{format!("{}: review by {}", review.cycle_name, deadline_shown(&review.review_deadline))}</p>
                                    <p><strong class=if review.progress.is_open() { "nhsuk-tag nhsuk-tag--blue" } else { "nhsuk-tag nhsuk-tag--grey" }>{review.progress.label()}</strong></p>
                                    {review.progress.is_open().then(|| view! {
                                    <details class="nhsuk-details">
                                        <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">"I cannot review this assessment"</span></summary>
                                        <div class="nhsuk-details__text">
                                            <ActionForm action=decline>
                                                <input type="hidden" name="slot_id" value=review.slot_id.clone()/>
                                                <div class=move || if message.get().is_some() { "nhsuk-form-group nhsuk-form-group--error" } else { "nhsuk-form-group" }>
                                                    <label class="nhsuk-label" for=field.clone()>"Why you cannot review it"</label>
                                                    <div class="nhsuk-hint">"For example, a conflict of interest or leave during the review period."</div>
                                                    {move || message.get().map(|message| view! { <span class="nhsuk-error-message"><span class="nhsuk-u-visually-hidden">"Error: "</span>{message}</span> })}
                                                    <textarea class="nhsuk-textarea" id=field.clone() name="reason" rows="3"></textarea>
                                                </div>
                                                <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Decline this review"</button>
                                            </ActionForm>
                                        </div>
                                    </details>
                                    })}
                                </div>
                            </div>
                        }
                    }).collect_view()}
                }.into_any(),
            }}
        </Loaded>
    }
}
