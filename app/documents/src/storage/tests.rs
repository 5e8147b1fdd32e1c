//! On the local disk always, and on Azurite when TEST_AZURITE_URL is set (`bash .ci/azurite`
//! starts it and prints the URL).

use futures::TryStreamExt;

use super::*;
use crate::receive;

/// Stores to try: a fresh folder, and a fresh prefix in Azurite's container when it is running.
fn stores() -> Vec<(FileStore, Option<tempfile::TempDir>)> {
    let folder = tempfile::tempdir().unwrap();
    let on_disk = FileStore::from_url(folder.path().join("evidence").to_str().unwrap()).unwrap();
    let mut stores = vec![(on_disk, Some(folder))];
    match std::env::var("TEST_AZURITE_URL") {
        Ok(url) => {
            let mut url = Url::parse(&url).unwrap();
            let run = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            url.set_path(&format!("/test-{run}"));
            stores.push((FileStore::from_url(url.as_str()).unwrap(), None));
        }
        Err(_) => {
            eprintln!("TEST_AZURITE_URL is not set (bash .ci/azurite prints it): local disk only")
        }
    }
    stores
}

async fn received(bytes: Vec<u8>, folder: &std::path::Path) -> Received {
    let chunks: Vec<Result<Bytes, String>> = bytes
        .chunks(64 * 1024)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    receive(futures::stream::iter(chunks), u64::MAX, folder)
        .await
        .unwrap()
}

async fn read_back(store: &FileStore, sha256: &str) -> Vec<u8> {
    let chunks: Vec<Bytes> = store
        .get(sha256)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    chunks.concat()
}

async fn objects(store: &FileStore) -> Vec<Path> {
    let listed: Vec<_> = store
        .store
        .list(Some(&store.prefix))
        .try_collect()
        .await
        .unwrap();
    listed.into_iter().map(|object| object.location).collect()
}

#[tokio::test]
async fn a_file_put_twice_is_stored_once_and_reads_back() {
    let temp = tempfile::tempdir().unwrap();
    for (store, _folder) in stores() {
        let file = received(
            b"The digital strategy, approved by the board.".to_vec(),
            temp.path(),
        )
        .await;
        assert!(!store.exists(&file.sha256).await.unwrap());
        assert!(
            store.put(&file).await.unwrap(),
            "{}: newly stored",
            store.describe()
        );
        let again = received(
            b"The digital strategy, approved by the board.".to_vec(),
            temp.path(),
        )
        .await;
        assert!(
            !store.put(&again).await.unwrap(),
            "{}: already there",
            store.describe()
        );
        assert_eq!(objects(&store).await.len(), 1, "{}", store.describe());
        assert!(store.exists(&file.sha256).await.unwrap());
        assert_eq!(
            read_back(&store, &file.sha256).await,
            b"The digital strategy, approved by the board."
        );

        store.delete(&file.sha256).await.unwrap();
        assert!(!store.exists(&file.sha256).await.unwrap());
        assert!(objects(&store).await.is_empty());
        assert!(matches!(
            store.get(&file.sha256).await,
            Err(StorageError::NotFound(_))
        ));
        store.delete(&file.sha256).await.unwrap();
    }
}

#[tokio::test]
async fn a_file_of_several_parts_reads_back_in_order() {
    let temp = tempfile::tempdir().unwrap();
    // Two and a bit parts, each byte depending on its position.
    let bytes: Vec<u8> = (0..2 * PART_SIZE + 12_345)
        .map(|i| (i % 251) as u8)
        .collect();
    for (store, _folder) in stores() {
        let file = received(bytes.clone(), temp.path()).await;
        assert!(store.put(&file).await.unwrap());
        assert!(
            read_back(&store, &file.sha256).await == bytes,
            "{}",
            store.describe()
        );
        store.delete(&file.sha256).await.unwrap();
    }
}

#[tokio::test]
async fn only_a_sha256_addresses_a_file() {
    let (store, _folder) = stores().remove(0);
    for not_a_hash in [
        "../../etc/passwd",
        "",
        "ABCDEF",
        &"g".repeat(64),
        &"A".repeat(64),
    ] {
        assert!(
            matches!(
                store.exists(not_a_hash).await,
                Err(StorageError::NotAHash(_))
            ),
            "{not_a_hash}"
        );
    }
}

#[test]
fn the_setting_names_a_store() {
    let folder = tempfile::tempdir().unwrap();
    let plain = folder.path().join("plain/evidence");
    FileStore::from_url(plain.to_str().unwrap()).unwrap();
    assert!(plain.is_dir(), "a folder is created when missing");
    let url = Url::from_directory_path(folder.path().join("file-url")).unwrap();
    let store = FileStore::from_url(url.as_str()).unwrap();
    assert!(
        store.describe().contains("file-url"),
        "{}",
        store.describe()
    );
    FileStore::from_url("memory://").unwrap();

    for refused in [
        "ftp://example.com/evidence",
        "az://evidence?not_a_setting=1",
        "memory://?x=1",
    ] {
        assert!(
            matches!(FileStore::from_url(refused), Err(StorageError::Url { .. })),
            "{refused}"
        );
    }
}

#[test]
fn describing_azure_names_the_account_and_container_but_no_secret() {
    let key = "c2VjcmV0LWtleS1vZi10aGUtYWNjb3VudA==";
    let store = FileStore::from_url(&format!(
        "az://evidence/trusts?account_name=dmaprod&access_key={key}"
    ))
    .unwrap();
    let described = store.describe();
    assert!(
        described.contains("dmaprod") && described.contains("evidence"),
        "{described}"
    );
    assert!(described.contains("trusts"), "{described}");
    assert!(!described.contains(key), "{described}");
}
