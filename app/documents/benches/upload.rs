//! Upload throughput and memory: `cargo bench -p documents`.
//!
//! Feeds 1 MB, 20 MB and 100 MB uploads, arriving in 64 KiB chunks as a request body does,
//! through receive → identify → put (a FileStore on the local disk, in a temporary folder), and
//! prints each one's throughput and the process's peak resident memory (VmHWM) after it. Files
//! stream, so the peak should not grow with their size. With TEST_CLAMD_ADDRESS set (`bash
//! .ci/clamd`) it also times scanning the files clamd accepts (up to its 25 MB limit).

use std::time::Instant;

use bytes::Bytes;
use documents::{identify, receive, DocumentKind, FileStore, Scanner};

const MB: usize = 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// A PDF's bytes: its header, then `size` bytes in all of a pattern that differs per size (so no
/// two uploads share a hash), made chunk by chunk as the body arrives rather than up front.
fn pdf_body(
    size: usize,
) -> impl futures::Stream<Item = Result<Bytes, std::convert::Infallible>> + Unpin {
    let mut first = format!("%PDF-1.7\n% {size} bytes\n").into_bytes();
    first.resize(CHUNK, b'.');
    let pattern: Bytes = (0..CHUNK)
        .map(|i| (i * 31 + size) as u8)
        .collect::<Vec<u8>>()
        .into();
    let chunks = size / CHUNK;
    futures::stream::iter((0..chunks).map(move |index| {
        Ok(if index == 0 {
            Bytes::from(first.clone())
        } else {
            pattern.clone()
        })
    }))
}

fn peak_resident_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux)");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

#[tokio::main]
async fn main() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let store = FileStore::from_url(folder.path().join("evidence").to_str().unwrap()).unwrap();
    let scanner = std::env::var("TEST_CLAMD_ADDRESS")
        .ok()
        .map(|address| Scanner::new(&address));
    println!("storage: {}", store.describe());
    println!(
        "peak resident memory before any upload: {} MB",
        peak_resident_kb() / 1024
    );
    println!();
    println!("| upload | receive → identify → put | throughput | peak resident memory after |");
    println!("| --- | --- | --- | --- |");
    let mut scans = Vec::new();
    for size_mb in [1, 20, 100] {
        let size = size_mb * MB;
        let started = Instant::now();
        let received = receive(pdf_body(size), u64::MAX, folder.path())
            .await
            .unwrap();
        assert_eq!(
            identify(&received.file, "board-paper.pdf"),
            Ok(DocumentKind::Pdf)
        );
        assert!(store.put(&received).await.unwrap());
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "| {size_mb} MB | {:.0} ms | {:.0} MB/s | {} MB |",
            seconds * 1000.0,
            size_mb as f64 / seconds,
            peak_resident_kb() / 1024
        );
        if let Some(scanner) = scanner.as_ref().filter(|_| size_mb <= 25) {
            let started = Instant::now();
            scanner.scan_file(&received.file).await.unwrap();
            scans.push((size_mb, started.elapsed().as_secs_f64()));
        }
    }
    for (size_mb, seconds) in scans {
        println!(
            "clamd scan of {size_mb} MB: {:.0} ms ({:.0} MB/s)",
            seconds * 1000.0,
            size_mb as f64 / seconds
        );
    }
}
