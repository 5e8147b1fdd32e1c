//! The Digital Maturity Assessment application, in the layers of `docs/architecture.md`:
//! `rules` (pure, both targets) ← `store` (server only) ← `api` (server functions) ← `pages`.

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
pub mod url;

pub use pages::{shell, App};

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
