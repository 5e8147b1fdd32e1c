use crate::components::ErrorPanel;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Page not found"/>
        <h1 class="nhsuk-heading-xl">"Page not found"</h1>
        <ErrorPanel error=AppError::NotFound("If you typed the web address, check it is correct. If you pasted it, check you copied all of it.".into())/>
        <p><a href="/">"Go to the home page"</a></p>
    }
}
