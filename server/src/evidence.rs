//! Evidence files in the running service: where they are kept, the scanner, the limits, and the
//! background job that has every file being checked scanned by clamd (promptly after an upload,
//! which wakes it, and every minute besides, catching up after a restart or an outage of clamd).

use anyhow::Context;
use app::api::evidence_files::EvidenceSettings;
use app::api::mail_text::FailedVirusCheck;
use app::rules::evidence::Limits;
use app::store::{evidence_files, Db};
use documents::{FileStore, Scanner, Verdict};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The evidence settings (EVIDENCE_STORE_URL, CLAMD_ADDRESS, EVIDENCE_MAX_FILE_MB,
/// EVIDENCE_MAX_ASSESSMENT_MB, EVIDENCE_MAX_FILES_PER_DOMAIN).
#[derive(Clone, Debug)]
pub struct EvidenceConfig {
    /// Where files are kept: a folder (default `data/evidence`), `az://…` or `s3://…`.
    pub store_url: String,
    /// clamd's `host:port` or unix socket; None: files are recorded "not scanned".
    pub clamd_address: Option<String>,
    pub limits: Limits,
    /// Where uploads are written while they arrive.
    pub temp_dir: PathBuf,
}

/// What the upload and download routes and the scanning job share.
#[derive(Debug)]
pub struct EvidenceFiles {
    pub store: FileStore,
    pub scanner: Option<Scanner>,
    pub limits: Limits,
    pub temp_dir: PathBuf,
    /// Wakes the scanning job: an upload is waiting for its check.
    scan_now: Notify,
}

impl EvidenceFiles {
    /// Opens the store the settings name, and says in the log where files are kept and whether
    /// they are scanned.
    pub fn open(config: &EvidenceConfig) -> anyhow::Result<Arc<EvidenceFiles>> {
        let store = FileStore::from_url(&config.store_url)
            .with_context(|| format!("opening the evidence store {}", config.store_url))?;
        std::fs::create_dir_all(&config.temp_dir)
            .with_context(|| format!("creating the upload folder {}", config.temp_dir.display()))?;
        match &config.clamd_address {
            Some(address) => tracing::info!(
                store = %store.describe(),
                clamd = %address,
                "evidence files are kept in the store and scanned by clamd"
            ),
            None => tracing::warn!(
                store = %store.describe(),
                "CLAMD_ADDRESS is not set: evidence files are NOT scanned for viruses, and are marked \"not scanned\""
            ),
        }
        Ok(Arc::new(EvidenceFiles {
            store,
            scanner: config.clamd_address.as_deref().map(Scanner::new),
            limits: config.limits,
            temp_dir: config.temp_dir.clone(),
            scan_now: Notify::new(),
        }))
    }

    /// What the pages are told: the limits and whether files are scanned.
    pub fn settings(&self) -> EvidenceSettings {
        EvidenceSettings {
            limits: self.limits,
            scanned: self.scanner.is_some(),
        }
    }

    /// Asks the scanning job to check the files waiting now.
    pub fn scan_soon(&self) {
        self.scan_now.notify_one();
    }

    /// Scans every file being checked, oldest first, recording each verdict; a file that cannot
    /// be scanned now (clamd down) stays "being checked" for the next run. Returns how many were
    /// decided.
    pub async fn scan_waiting(&self, db: &Db) -> anyhow::Result<usize> {
        let Some(scanner) = &self.scanner else {
            return Ok(0);
        };
        let mut decided = 0;
        for waiting in evidence_files::awaiting_scan(db).await? {
            let bytes = self.store.get(&waiting.sha256).await?;
            let verdict = match scanner.scan(bytes).await {
                Ok(verdict) => verdict,
                Err(error) => {
                    tracing::error!(%error, sha256 = %waiting.sha256, "scanning an evidence file failed; it stays being checked");
                    continue;
                }
            };
            match verdict {
                Verdict::Clean => {
                    evidence_files::record_scan(db, &waiting.sha256, None, &[]).await?
                }
                Verdict::Infected { signature } => {
                    tracing::warn!(sha256 = %waiting.sha256, %signature, "an evidence file failed the virus check and is quarantined");
                    let notices = quarantine_notices(db, &waiting, &signature).await?;
                    evidence_files::record_scan(db, &waiting.sha256, Some(&signature), &notices)
                        .await?;
                }
            }
            decided += 1;
        }
        Ok(decided)
    }

    /// Scans files waiting for their check whenever an upload asks, and every minute.
    pub fn spawn_scanning(self: &Arc<Self>, db: Db) -> tokio::task::JoinHandle<()> {
        let files = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                if let Err(error) = files.scan_waiting(&db).await {
                    tracing::error!(error = %format!("{error:#}"), "scanning evidence files failed");
                }
                let _ =
                    tokio::time::timeout(Duration::from_secs(60), files.scan_now.notified()).await;
            }
        })
    }
}

/// "A file failed the virus check", to its uploader and to every administrator.
async fn quarantine_notices(
    db: &Db,
    waiting: &evidence_files::AwaitingScan,
    signature: &str,
) -> anyhow::Result<Vec<app::store::outbox::OutgoingMail>> {
    let to_uploader = FailedVirusCheck {
        to: &waiting.uploader_email,
        name: &waiting.uploader_name,
        file_name: &waiting.file_name,
        uploaded_by: None,
        signature,
        sha256: &waiting.sha256,
    }
    .mail();
    let administrators = evidence_files::administrators(db).await?;
    Ok(std::iter::once(to_uploader)
        .chain(administrators.iter().map(|(email, name)| {
            FailedVirusCheck {
                to: email,
                name,
                file_name: &waiting.file_name,
                uploaded_by: Some((&waiting.uploader_name, &waiting.uploader_email)),
                signature,
                sha256: &waiting.sha256,
            }
            .mail()
        }))
        .collect())
}
