//! Against a real clamd: `bash .ci/clamd` starts one whose database detects only EICAR, and
//! prints the address for TEST_CLAMD_ADDRESS. Without it these tests say so and pass.

use super::*;

const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

fn clamd() -> Option<Scanner> {
    match std::env::var("TEST_CLAMD_ADDRESS") {
        Ok(address) => Some(Scanner::new(&address)),
        Err(_) => {
            eprintln!("TEST_CLAMD_ADDRESS is not set (bash .ci/clamd prints it): not scanning");
            None
        }
    }
}

fn body(bytes: &[u8]) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    // Cut into pieces, as an upload arrives.
    let pieces: Vec<_> = bytes
        .chunks(10)
        .map(|piece| Ok(Bytes::copy_from_slice(piece)))
        .collect();
    futures::stream::iter(pieces)
}

#[test]
fn reads_clamds_replies() {
    assert_eq!(verdict("stream: OK").unwrap(), Verdict::Clean);
    assert_eq!(
        verdict("stream: Eicar-Test-Signature.UNOFFICIAL FOUND").unwrap(),
        Verdict::Infected {
            signature: "Eicar-Test-Signature.UNOFFICIAL".into()
        }
    );
    assert!(matches!(
        verdict("INSTREAM size limit exceeded. ERROR"),
        Err(ScanError::TooLarge)
    ));
    assert!(matches!(
        verdict("stream: Can't allocate memory ERROR"),
        Err(ScanError::Protocol(_))
    ));
    assert!(matches!(verdict(""), Err(ScanError::Protocol(_))));
}

#[tokio::test]
async fn eicar_is_infected_and_a_clean_file_is_clean() {
    let Some(scanner) = clamd() else { return };
    scanner.ping().await.unwrap();
    match scanner.scan(body(EICAR)).await.unwrap() {
        Verdict::Infected { signature } => {
            assert!(signature.starts_with("Eicar-Test-Signature"), "{signature}")
        }
        Verdict::Clean => panic!("EICAR scanned clean"),
    }
    let clean = b"Minutes of the digital board: the EPR goes live in March.\n";
    assert_eq!(scanner.scan(body(clean)).await.unwrap(), Verdict::Clean);
}

#[tokio::test]
async fn scans_a_file_and_what_is_inside_a_zip() {
    let Some(scanner) = clamd() else { return };
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("eicar.txt");
    let mut with_line_end = EICAR.to_vec();
    with_line_end.extend_from_slice(b"\r\n");
    std::fs::write(&path, &with_line_end).unwrap();
    assert!(matches!(
        scanner.scan_file(&path).await.unwrap(),
        Verdict::Infected { .. }
    ));

    // An Office document is a zip: clamd looks inside.
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .start_file(
            "word/media/image1.bin",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    std::io::Write::write_all(&mut writer, EICAR).unwrap();
    let zipped = writer.finish().unwrap().into_inner();
    std::fs::write(&path, zipped).unwrap();
    assert!(matches!(
        scanner.scan_file(&path).await.unwrap(),
        Verdict::Infected { .. }
    ));
}

#[tokio::test]
async fn a_stream_over_clamds_limit_is_too_large() {
    let Some(scanner) = clamd() else { return };
    // .ci/clamd sets StreamMaxLength to 25 MB.
    let block = Bytes::from(vec![b'x'; 1024 * 1024]);
    let blocks =
        futures::stream::iter((0..30).map(move |_| Ok::<_, std::io::Error>(block.clone())));
    assert!(matches!(
        scanner.scan(blocks).await,
        Err(ScanError::TooLarge)
    ));
}

#[tokio::test]
async fn a_body_that_breaks_off_is_a_source_error_at_once() {
    let Some(scanner) = clamd() else { return };
    let chunks = vec![
        Ok(Bytes::from_static(b"the first part")),
        Err("connection reset"),
    ];
    match scanner.scan(futures::stream::iter(chunks)).await {
        Err(ScanError::Source(reason)) => assert_eq!(reason, "connection reset"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    // Port 9 (discard) on loopback: nothing listens there on a test machine.
    let scanner = Scanner::new("127.0.0.1:9");
    assert!(matches!(
        scanner.ping().await,
        Err(ScanError::Unreachable(_))
    ));
    assert!(matches!(
        scanner.scan(body(b"text")).await,
        Err(ScanError::Unreachable(_))
    ));
    let socket = Scanner::new("/nonexistent/clamd.ctl");
    assert!(matches!(
        socket.ping().await,
        Err(ScanError::Unreachable(_))
    ));
}
