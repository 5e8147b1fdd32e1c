//! The NHS.UK summary list of a check-your-answers page: each section, what was answered, and a
//! link back to change it (or to view it, once it can no longer change).

use leptos::prelude::*;

/// One section's row. The link's words end with `section`, visually hidden, so each link says
/// which section it opens.
#[component]
pub fn CheckAnswersRow(
    key: String,
    href: String,
    editable: bool,
    /// What the hidden end of the link names: the section, or "your reply on" the section.
    section: String,
    /// What was answered.
    value: AnyView,
) -> impl IntoView {
    view! {
        <div class="nhsuk-summary-list__row">
            <dt class="nhsuk-summary-list__key">{key}</dt>
            <dd class="nhsuk-summary-list__value">{value}</dd>
            <dd class="nhsuk-summary-list__actions">
                <a href=href>
                    {if editable { "Change" } else { "View" }}
                    <span class="nhsuk-u-visually-hidden">{format!(" {section}")}</span>
                </a>
            </dd>
        </div>
    }
}
