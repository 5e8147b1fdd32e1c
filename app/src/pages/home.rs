use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Home"/>
        <h1 class="nhsuk-heading-xl">"Digital maturity assessment"</h1>
        <p class="nhsuk-lede-text">
            "Every year NHS trusts and integrated care boards in England score their own digital maturity against the \"What Good Looks Like\" framework. This service runs that assessment from start to finish."
        </p>
        <h2 class="nhsuk-heading-l">"How it works"</h2>
        <ol class="nhsuk-list nhsuk-list--number">
            <li>"A trust's digital lead scores each area of the framework from 1 to 5, with evidence, for every care setting the trust provides."</li>
            <li>"Digital staff from trusts in other integrated care systems review each self-assessment and record any adjusted scores, with their reasons."</li>
            <li>"NHS England moderates the scores, a second person signs them off, and the final scores are published."</li>
        </ol>
        <p>"An integrated care system's score is the average of its providers' scores."</p>
        <div class="nhsuk-card nhsuk-card--clickable">
            <div class="nhsuk-card__content">
                <h2 class="nhsuk-card__heading nhsuk-heading-m">
                    <a class="nhsuk-card__link" href="/organisations">"Find an organisation"</a>
                </h2>
                <p class="nhsuk-card__description">"Regions, integrated care boards and trusts taking part, with their ODS codes and care settings."</p>
            </div>
        </div>
    }
}
