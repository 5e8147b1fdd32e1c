//! A service running as other processes (the load and crash scripts start release servers, and
//! nginx in front of two of them), seen as a [`TestServer`] so that the fixtures and request
//! helpers work on it unchanged.

use crate::TestServer;
use app::state::AppState;
use app::store::Db;
use leptos::config::LeptosOptions;
use std::path::PathBuf;

impl TestServer {
    /// The service answering at `base_url` on the database `db`, whose mail worker writes
    /// into `mail_folder`. Nothing runs in this process: dropping it stops nothing.
    pub fn external(base_url: &str, db: Db, mail_folder: PathBuf) -> TestServer {
        TestServer {
            base_url: base_url.to_string(),
            state: AppState {
                leptos_options: LeptosOptions::builder().output_name("dma").build(),
                db,
                public_url: base_url.to_string(),
                trust_proxy: false,
                refused_attempts: Default::default(),
            },
            mail_folder,
            evidence: server::evidence::EvidenceFiles::open(&server::evidence::EvidenceConfig {
                store_url: "memory://".into(),
                clamd_address: None,
                limits: Default::default(),
                temp_dir: std::env::temp_dir(),
            })
            .expect("an evidence store in memory"),
            tasks: Vec::new(),
            _folder: tempfile::tempdir().expect("a temporary folder"),
        }
    }
}
