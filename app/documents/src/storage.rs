//! Content-addressed storage of evidence files: a file's bytes are kept once, under their
//! SHA-256, on the local disk, Azure Blob Storage or S3 (the `object_store` crate).

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, ObjectStoreScheme, WriteMultipart};
use tokio_util::io::ReaderStream;
use url::Url;

use crate::Received;

/// Where evidence files are kept when no other place is set.
pub const DEFAULT_LOCATION: &str = "data/evidence";

/// Parts of a multipart upload: S3's smallest, and a size Azure's blocks take.
const PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts uploading at once; with [`PART_SIZE`] this bounds the memory an upload holds.
const PARTS_IN_FLIGHT: usize = 2;

#[derive(Clone, Debug)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    /// Objects live under this path in the store: the path of the URL after the container or
    /// bucket (empty for the local disk, whose folder is the store's root).
    prefix: Path,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The setting is not a place files can be kept.
    #[error("evidence storage {url:?}: {reason}")]
    Url { url: String, reason: String },
    /// Not the lowercase hex of a SHA-256: never used as a path.
    #[error("{0:?} is not a SHA-256")]
    NotAHash(String),
    #[error("no stored file has SHA-256 {0}")]
    NotFound(String),
    #[error("reading the received file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] object_store::Error),
}

impl FileStore {
    /// The store a setting names:
    /// - a folder, as a plain path or `file:///abs/dir` (the default is [`DEFAULT_LOCATION`]),
    ///   created if missing;
    /// - Azure Blob Storage as `az://<container>[/prefix]`, `azure://…` or
    ///   `https://<account>.blob.core.windows.net/<container>[/prefix]`, with the account and
    ///   credentials from the environment (AZURE_STORAGE_ACCOUNT_NAME, AZURE_STORAGE_ACCOUNT_KEY,
    ///   AZURE_STORAGE_CLIENT_ID…, or AZURE_STORAGE_USE_EMULATOR=true for Azurite, whose address
    ///   AZURITE_BLOB_STORAGE_URL overrides);
    /// - S3 as `s3://<bucket>[/prefix]`, with AWS_* settings from the environment;
    /// - `memory://`, for tests: nothing outlives the process.
    ///
    /// Query parameters on a cloud URL are further settings, over the environment's, in
    /// object_store's names: `az://evidence?use_emulator=true`.
    pub fn from_url(url: &str) -> Result<FileStore, StorageError> {
        let refuse = |reason: String| StorageError::Url {
            url: without_query(url).to_owned(),
            reason,
        };
        let parsed = match Url::parse(url) {
            // One letter is a Windows drive, not a scheme.
            Ok(parsed) if parsed.scheme().len() > 1 => parsed,
            _ => {
                return FileStore::on_disk(PathBuf::from(url))
                    .map_err(|error| refuse(error.to_string()))
            }
        };
        let (scheme, prefix) =
            ObjectStoreScheme::parse(&parsed).map_err(|error| refuse(error.to_string()))?;
        let options: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let mut bare = parsed.clone();
        bare.set_query(None);
        let store: Arc<dyn ObjectStore> = match scheme {
            ObjectStoreScheme::Local if options.is_empty() => {
                let folder = parsed
                    .to_file_path()
                    .map_err(|()| refuse("not a local folder".into()))?;
                return FileStore::on_disk(folder).map_err(|error| refuse(error.to_string()));
            }
            ObjectStoreScheme::Memory if options.is_empty() => Arc::new(InMemory::new()),
            ObjectStoreScheme::MicrosoftAzure => {
                let mut builder = MicrosoftAzureBuilder::from_env().with_url(bare.as_str());
                for (key, value) in options {
                    let key: AzureConfigKey = key
                        .parse()
                        .map_err(|_| refuse(format!("{key} is not an Azure setting")))?;
                    builder = builder.with_config(key, value);
                }
                Arc::new(builder.build().map_err(|error| refuse(error.to_string()))?)
            }
            ObjectStoreScheme::AmazonS3 => {
                let mut builder = AmazonS3Builder::from_env().with_url(bare.as_str());
                for (key, value) in options {
                    let key: AmazonS3ConfigKey = key
                        .parse()
                        .map_err(|_| refuse(format!("{key} is not an S3 setting")))?;
                    builder = builder.with_config(key, value);
                }
                Arc::new(builder.build().map_err(|error| refuse(error.to_string()))?)
            }
            ObjectStoreScheme::Local | ObjectStoreScheme::Memory => {
                return Err(refuse(
                    "settings in the query are for cloud storage only".into(),
                ))
            }
            other => return Err(refuse(format!("{other:?} is not a supported store"))),
        };
        Ok(FileStore { store, prefix })
    }

    fn on_disk(folder: PathBuf) -> Result<FileStore, StorageError> {
        std::fs::create_dir_all(&folder)?;
        // fsync: an evidence file, once acknowledged, must survive a power cut as the database
        // row pointing at it does.
        let store = LocalFileSystem::new_with_prefix(&folder)?.with_fsync(true);
        Ok(FileStore {
            store: Arc::new(store),
            prefix: Path::default(),
        })
    }

    /// Where files are kept, for the start-up log: the store (account, container, folder) and
    /// prefix, never credentials.
    pub fn describe(&self) -> String {
        if self.prefix.as_ref().is_empty() {
            self.store.to_string()
        } else {
            format!("{} under {}", self.store, self.prefix)
        }
    }

    /// Stores the received file under its SHA-256 unless it is already there; `Ok(true)` when
    /// newly stored. The file is streamed in parts (a multipart upload), never held whole in
    /// memory. Two puts of the same new file at once may both upload it: the bytes, and so the
    /// object, are the same either way.
    pub async fn put(&self, received: &Received) -> Result<bool, StorageError> {
        let location = self.location(&received.sha256)?;
        if self.exists_at(&location).await? {
            return Ok(false);
        }
        let file = tokio::fs::File::open(&received.file).await?;
        let mut parts = ReaderStream::with_capacity(file, 1024 * 1024);
        let upload = self.store.put_multipart(&location).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        while let Some(read) = parts.next().await {
            let capacity = match read {
                Ok(bytes) => writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map(|()| bytes),
                Err(error) => {
                    writer.abort().await?;
                    return Err(error.into());
                }
            };
            match capacity {
                Ok(bytes) => writer.put(bytes),
                Err(error) => {
                    writer.abort().await?;
                    return Err(error.into());
                }
            }
        }
        writer.finish().await?;
        Ok(true)
    }

    /// The stored file's bytes, as they are read from the store.
    pub async fn get(
        &self,
        sha256: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, StorageError>>, StorageError> {
        let location = self.location(sha256)?;
        match self.store.get(&location).await {
            Ok(found) => Ok(found.into_stream().map_err(StorageError::from).boxed()),
            Err(object_store::Error::NotFound { .. }) => {
                Err(StorageError::NotFound(sha256.to_owned()))
            }
            Err(error) => Err(error.into()),
        }
    }

    pub async fn exists(&self, sha256: &str) -> Result<bool, StorageError> {
        self.exists_at(&self.location(sha256)?).await
    }

    /// Deletes the stored file; deleting one that is not there is not an error.
    pub async fn delete(&self, sha256: &str) -> Result<(), StorageError> {
        match self.store.delete(&self.location(sha256)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    async fn exists_at(&self, location: &Path) -> Result<bool, StorageError> {
        match self.store.head(location).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// `<prefix>/<first two hex digits>/<sha256>`: the two-digit level keeps any one folder of
    /// the local disk to a few hundred entries however many files there are.
    fn location(&self, sha256: &str) -> Result<Path, StorageError> {
        let is_hash = sha256.len() == 64
            && sha256
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
        if !is_hash {
            return Err(StorageError::NotAHash(sha256.to_owned()));
        }
        Ok(self.prefix.clone().join(&sha256[..2]).join(sha256))
    }
}

fn without_query(url: &str) -> &str {
    url.split_once('?').map_or(url, |(bare, _)| bare)
}

#[cfg(test)]
mod tests;
