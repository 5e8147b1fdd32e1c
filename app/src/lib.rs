//! The Digital Maturity Assessment application, in layers whose arrows point inward only:
//! `pages` → `api` (server functions) → `store` (the server-only crate in `app/store`) → `rules`
//! (the pure crate in `app/rules`); both are re-exported here under their own names.

pub mod api;
pub mod components;
pub mod error;
pub mod flash;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod state;
pub mod url;

pub use rules;
#[cfg(feature = "ssr")]
pub use store;

pub use pages::{shell, App};

/// Called by Leptos's island loader before it hydrates each island on the page. Once they are
/// hydrated (the loader's work is promises, all done before the next task), the body is marked,
/// so browser tests know when the page is interactive.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}
