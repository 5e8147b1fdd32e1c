//! Receiving an upload: its bytes go to a temporary file as they arrive, hashed on the way, so
//! memory does not grow with the file's size.

use std::fmt::Display;
use std::path::Path;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncWriteExt, BufWriter};

/// An upload held in a temporary file, deleted when `file` is dropped.
#[derive(Debug)]
pub struct Received {
    pub file: tempfile::TempPath,
    /// SHA-256 of the bytes, lowercase hex: the file's address in [`crate::FileStore`].
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("the upload is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("writing the upload to a temporary file: {0}")]
    Io(#[from] std::io::Error),
    /// The body itself failed: the connection dropped, or the multipart encoding was broken.
    #[error("reading the upload: {0}")]
    Source(String),
}

/// Writes `body` to a new temporary file in `temp_dir`, refusing it as soon as it passes
/// `limit` bytes. On any error the partial file is deleted.
pub async fn receive<S, E>(
    mut body: S,
    limit: u64,
    temp_dir: &Path,
) -> Result<Received, ReceiveError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let (file, path) = tempfile::NamedTempFile::new_in(temp_dir)?.into_parts();
    let mut writer = BufWriter::with_capacity(256 * 1024, tokio::fs::File::from_std(file));
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| ReceiveError::Source(error.to_string()))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(ReceiveError::TooLarge { limit });
        }
        hasher.update(&chunk);
        writer.write_all(&chunk).await?;
    }
    // Waits for the file's writes to finish; durability is the store's job, not the temp file's.
    writer.flush().await?;
    Ok(Received {
        file: path,
        sha256: format!("{:x}", hasher.finalize()),
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(chunks: &'static [&'static [u8]]) -> impl Stream<Item = Result<Bytes, String>> + Unpin {
        futures::stream::iter(chunks.iter().map(|chunk| Ok(Bytes::from_static(chunk))))
    }

    fn files_in(folder: &Path) -> usize {
        std::fs::read_dir(folder).unwrap().count()
    }

    #[tokio::test]
    async fn hashes_and_counts_what_it_writes() {
        let folder = tempfile::tempdir().unwrap();
        let received = receive(body(&[b"a", b"", b"bc"]), 3, folder.path())
            .await
            .unwrap();
        // SHA-256("abc"), from FIPS 180-2's examples.
        assert_eq!(
            received.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(received.size, 3);
        assert_eq!(std::fs::read(&received.file).unwrap(), b"abc");
        drop(received);
        assert_eq!(
            files_in(folder.path()),
            0,
            "the temporary file goes with Received"
        );
    }

    #[tokio::test]
    async fn over_the_limit_is_refused_and_leaves_nothing() {
        let folder = tempfile::tempdir().unwrap();
        let refused = receive(body(&[b"1234", b"5678"]), 5, folder.path()).await;
        assert!(matches!(refused, Err(ReceiveError::TooLarge { limit: 5 })));
        assert_eq!(files_in(folder.path()), 0);
    }

    #[tokio::test]
    async fn a_broken_body_is_a_source_error_and_leaves_nothing() {
        let folder = tempfile::tempdir().unwrap();
        let chunks = vec![Ok(Bytes::from_static(b"part")), Err("connection reset")];
        let refused = receive(futures::stream::iter(chunks), 100, folder.path()).await;
        assert!(
            matches!(refused, Err(ReceiveError::Source(reason)) if reason == "connection reset")
        );
        assert_eq!(files_in(folder.path()), 0);
    }
}
