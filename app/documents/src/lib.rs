//! Evidence documents' files: what is accepted, decided from the bytes; receiving an upload as a
//! stream; scanning it with ClamAV's daemon; and keeping it, content-addressed, on the local
//! disk, Azure Blob Storage or S3. No Leptos, no database: the store crate keeps the metadata.

mod identify;
mod kind;
mod package;
mod receive;
mod scan;
mod storage;

pub use identify::{identify, NotAccepted};
pub use kind::DocumentKind;
pub use receive::{receive, ReceiveError, Received};
pub use scan::{ScanError, Scanner, Verdict, SCAN_TIMEOUT};
pub use storage::{FileStore, StorageError, DEFAULT_LOCATION};
