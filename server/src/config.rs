//! Configuration from environment variables, each with a default that is safe for one person
//! running the service on their own machine.

use anyhow::Context;
use leptos::config::LeptosOptions;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/dma.db";

#[derive(Clone, Debug)]
pub struct Config {
    /// DATABASE_URL: `sqlite://path/to/file.db` (created if missing) or `postgres://…`.
    pub database_url: String,
    /// LEPTOS_SITE_ADDR, LEPTOS_SITE_ROOT and the other LEPTOS_* variables cargo-leptos sets.
    pub leptos_options: LeptosOptions,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let leptos_options = leptos::config::get_configuration(None)
            .context("reading the LEPTOS_* settings")?
            .leptos_options;
        let database_url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        Ok(Config {
            database_url,
            leptos_options,
        })
    }
}
