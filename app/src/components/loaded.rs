//! Waiting for a page's data: "Loading…" while it loads (with JavaScript, after a change), then
//! the content, or the error panel if it could not be loaded.

use super::ErrorPanel;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use std::sync::Arc;

/// What `children` makes of the resource's value once it is loaded, or the error panel if
/// loading failed, titled `error_title` on pages whose title comes from the data.
#[component]
pub fn Loaded<T, V, C>(
    resource: Resource<Result<T, AppError>>,
    children: C,
    #[prop(optional)] error_title: Option<&'static str>,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
    C: Fn(T) -> V + Send + Sync + 'static,
{
    let children = Arc::new(children);
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let children = Arc::clone(&children);
                Suspend::new(async move {
                    match resource.await {
                        Ok(data) => children(data).into_any(),
                        Err(error) => view! {
                            {error_title.map(|text| view! { <Title text/> })}
                            <ErrorPanel error/>
                        }
                        .into_any(),
                    }
                })
            }}
        </Transition>
    }
}
