//! The Digital Maturity Assessment application, in layers whose arrows point inward only:
//! `pages` → `api` (server functions) → `store` (server only) → `rules` (the pure crate in
//! `app/rules`, re-exported here as `rules`).

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
pub mod url;

pub use rules;

pub use pages::{shell, App};

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
