//! Malware scanning by ClamAV's daemon, clamd, with its INSTREAM command.
//!
//! Not the `clamav-client` crate: it reads clamd's reply only after sending the whole file, so
//! when clamd stops a stream at its StreamMaxLength (replying "INSTREAM size limit exceeded" and
//! closing) the caller gets a broken pipe rather than the reason, and it reports every failure
//! as one `io::Error`, where callers need "clamd is down" apart from "clamd said no". The
//! protocol is short: here the reply is read while the file is still being sent.

use std::fmt::Display;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::io::ReaderStream;

/// A clamd to scan with: `host:port` over TCP, or the path of its unix socket (anything with a
/// `/` in it).
#[derive(Debug, Clone)]
pub struct Scanner {
    address: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// `signature` is the name of what clamd found, e.g. "Eicar-Test-Signature".
    Infected {
        signature: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// No connection to clamd: it is not running, or the address is wrong.
    #[error("clamd at {0}")]
    Unreachable(String),
    /// clamd answered something other than a verdict, or the connection broke mid-scan.
    #[error("clamd: {0}")]
    Protocol(String),
    /// The file is longer than clamd's StreamMaxLength.
    #[error("the file is larger than clamd's StreamMaxLength")]
    TooLarge,
    /// No verdict within [`SCAN_TIMEOUT`].
    #[error("clamd gave no verdict within {} seconds", SCAN_TIMEOUT.as_secs())]
    TimedOut,
    /// The bytes to scan could not be read.
    #[error("reading the file to scan: {0}")]
    Source(String),
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// clamd scans a 20 MB document in well under a second; a minute means it is stuck.
pub const SCAN_TIMEOUT: Duration = Duration::from_secs(60);

/// A chunk of an INSTREAM is at most this long (clamd accepts any length up to its limits; this
/// bounds what one write holds).
const MAX_CHUNK: usize = 256 * 1024;

impl Scanner {
    pub fn new(address: &str) -> Scanner {
        Scanner {
            address: address.to_owned(),
        }
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// Whether clamd answers PING with PONG.
    pub async fn ping(&self) -> Result<(), ScanError> {
        let reply = tokio::time::timeout(SCAN_TIMEOUT, async {
            let mut connection = self.connect().await?;
            connection
                .write_all(b"zPING\0")
                .await
                .map_err(|error| ScanError::Protocol(error.to_string()))?;
            read_reply(&mut connection).await
        })
        .await
        .map_err(|_| ScanError::TimedOut)??;
        if reply == "PONG" {
            Ok(())
        } else {
            Err(ScanError::Protocol(format!("PING answered with {reply:?}")))
        }
    }

    /// Scans the file at `path`, read in blocks.
    pub async fn scan_file(&self, path: &Path) -> Result<Verdict, ScanError> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|error| ScanError::Source(error.to_string()))?;
        self.scan(ReaderStream::with_capacity(file, MAX_CHUNK))
            .await
    }

    /// Sends `body` to clamd and returns its verdict.
    pub async fn scan<S, E>(&self, body: S) -> Result<Verdict, ScanError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        tokio::time::timeout(SCAN_TIMEOUT, async {
            let connection = self.connect().await?;
            let (mut reading, mut writing) = tokio::io::split(connection);
            let sending = send_stream(&mut writing, body);
            let replying = read_reply(&mut reading);
            tokio::pin!(sending, replying);
            // clamd may reply before the stream ends (when it passes StreamMaxLength) and then
            // close: read the reply while sending, so it is not lost to a broken pipe.
            tokio::select! {
                sent = &mut sending => match sent {
                    // clamd waits for the rest of a stream that will not come: stop here.
                    Err(SendError::Source(error)) => Err(ScanError::Source(error)),
                    Err(SendError::Io(error)) => match replying.await {
                        Ok(reply) if !reply.is_empty() => verdict(&reply),
                        _ => Err(ScanError::Protocol(error.to_string())),
                    },
                    Ok(()) => verdict(&replying.await?),
                },
                reply = &mut replying => verdict(&reply?),
            }
        })
        .await
        .map_err(|_| ScanError::TimedOut)?
    }

    async fn connect(&self) -> Result<Box<dyn Connection>, ScanError> {
        let unreachable =
            |error: std::io::Error| ScanError::Unreachable(format!("{}: {error}", self.address));
        let connecting = async {
            if self.address.contains('/') {
                Ok(
                    Box::new(tokio::net::UnixStream::connect(&self.address).await?)
                        as Box<dyn Connection>,
                )
            } else {
                let stream = tokio::net::TcpStream::connect(&self.address).await?;
                stream.set_nodelay(true)?;
                Ok(Box::new(stream) as Box<dyn Connection>)
            }
        };
        tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| {
                ScanError::Unreachable(format!(
                    "{}: no answer within {} seconds",
                    self.address,
                    CONNECT_TIMEOUT.as_secs()
                ))
            })?
            .map_err(unreachable)
    }
}

trait Connection: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Connection for T {}

enum SendError {
    Io(std::io::Error),
    Source(String),
}

/// INSTREAM: the command, then each chunk after its length as a big-endian u32, then a
/// zero length.
async fn send_stream<W, S, E>(writing: &mut W, mut body: S) -> Result<(), SendError>
where
    W: AsyncWrite + Unpin,
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    writing
        .write_all(b"zINSTREAM\0")
        .await
        .map_err(SendError::Io)?;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| SendError::Source(error.to_string()))?;
        for piece in chunk.chunks(MAX_CHUNK) {
            let length = u32::try_from(piece.len()).expect("a piece is at most MAX_CHUNK long");
            writing
                .write_all(&length.to_be_bytes())
                .await
                .map_err(SendError::Io)?;
            writing.write_all(piece).await.map_err(SendError::Io)?;
        }
    }
    writing.write_all(&[0; 4]).await.map_err(SendError::Io)?;
    writing.flush().await.map_err(SendError::Io)
}

/// clamd's reply to a `z` command: one line ending in NUL. Read up to the NUL rather than to
/// the connection's end: after an early reply clamd closes while the stream is still arriving,
/// and the reset that follows must not swallow the reply already read.
async fn read_reply<R: AsyncRead + Unpin>(reading: &mut R) -> Result<String, ScanError> {
    let mut reply = Vec::new();
    let mut block = [0; 512];
    while !reply.ends_with(b"\0") && reply.len() < 4096 {
        match reading.read(&mut block).await {
            Ok(0) => break,
            Ok(read) => reply.extend_from_slice(&block[..read]),
            Err(_) if !reply.is_empty() => break,
            Err(error) => return Err(ScanError::Protocol(error.to_string())),
        }
    }
    let reply = String::from_utf8_lossy(&reply);
    Ok(reply.trim_end_matches(['\0', '\n']).to_owned())
}

/// "stream: OK", "stream: <signature> FOUND", or "<reason> ERROR".
fn verdict(reply: &str) -> Result<Verdict, ScanError> {
    if reply.is_empty() {
        return Err(ScanError::Protocol("clamd closed without a reply".into()));
    }
    if reply.contains("size limit exceeded") {
        return Err(ScanError::TooLarge);
    }
    let result = reply.strip_prefix("stream: ").unwrap_or(reply);
    if result == "OK" {
        Ok(Verdict::Clean)
    } else if let Some(signature) = result.strip_suffix(" FOUND") {
        Ok(Verdict::Infected {
            signature: signature.to_owned(),
        })
    } else {
        Err(ScanError::Protocol(reply.to_owned()))
    }
}

#[cfg(test)]
mod tests;
