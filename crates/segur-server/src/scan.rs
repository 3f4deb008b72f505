//! Antivirus: every new blob is scanned by a real clamd (INSTREAM over TCP), streamed from the
//! blob store in chunks, never whole in memory. A background worker takes pending files; if
//! clamd is unreachable they stay pending and are retried every `scan_retry`.
//!
//! The client is ours (the protocol is small): `zINSTREAM\0`, then chunks each preceded by its
//! length as a big-endian u32, then a zero length; clamd answers `stream: OK`,
//! `stream: <signature> FOUND` or `… ERROR`, terminated by NUL.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use segur_store::{AuditEntry, PendingScan, ScanState};

use crate::state::AppState;

/// clamd's own chunk limit is 2 GiB; small chunks keep memory flat.
const CHUNK: usize = 256 << 10;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for clamd to answer after the last byte (large archives take a while).
const REPLY_TIMEOUT: Duration = Duration::from_secs(600);

/// What clamd said about one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    Infected(String),
    /// clamd answered with an error (size limit, unreadable stream…): final for this file.
    Error(String),
}

/// clamd could not be reached or the connection broke: the file stays pending.
#[derive(Debug)]
pub struct Unreachable(pub String);

fn unreachable(e: impl std::fmt::Display) -> Unreachable {
    Unreachable(e.to_string())
}

/// `zPING` → true when clamd answers `PONG`.
pub async fn ping(addr: &str) -> bool {
    let attempt = async {
        let mut s = TcpStream::connect(addr).await.ok()?;
        s.write_all(b"zPING\0").await.ok()?;
        let mut reply = Vec::new();
        s.read_to_end(&mut reply).await.ok()?;
        Some(reply.starts_with(b"PONG"))
    };
    matches!(
        tokio::time::timeout(CONNECT_TIMEOUT, attempt).await,
        Ok(Some(true))
    )
}

fn parse_reply(reply: &[u8]) -> Verdict {
    let text = String::from_utf8_lossy(reply);
    let text = text.trim_end_matches(['\0', '\n']).trim();
    let body = text.strip_prefix("stream:").unwrap_or(text).trim();
    if body == "OK" {
        Verdict::Clean
    } else if let Some(sig) = body.strip_suffix("FOUND") {
        Verdict::Infected(sig.trim().to_owned())
    } else {
        Verdict::Error(body.chars().take(200).collect())
    }
}

/// Scans a stream of chunks with clamd at `addr`.
pub async fn scan_stream<S, E>(addr: &str, mut chunks: S) -> Result<Verdict, Unreachable>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut sock = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| Unreachable(format!("clamd {addr} : délai de connexion dépassé")))?
        .map_err(unreachable)?;
    sock.write_all(b"zINSTREAM\0").await.map_err(unreachable)?;
    let mut broken = false;
    'send: while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| Unreachable(format!("lecture du fichier : {e}")))?;
        for piece in chunk.chunks(CHUNK) {
            let len = u32::try_from(piece.len()).unwrap_or(u32::MAX).to_be_bytes();
            if sock.write_all(&len).await.is_err() || sock.write_all(piece).await.is_err() {
                // clamd closes the stream early when a limit is hit; its reply says why.
                broken = true;
                break 'send;
            }
        }
    }
    if !broken {
        let _ = sock.write_all(&0u32.to_be_bytes()).await;
    }
    let mut reply = Vec::new();
    let read = tokio::time::timeout(REPLY_TIMEOUT, async {
        let mut buf = [0u8; 512];
        loop {
            match sock.read(&mut buf).await {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    reply.extend_from_slice(&buf[..n]);
                    if reply.contains(&0) || reply.len() > 4096 {
                        break Ok(());
                    }
                }
                Err(e) => break Err(e),
            }
        }
    })
    .await
    .map_err(|_| Unreachable("clamd ne répond pas".into()))?;
    if let Err(e) = read
        && reply.is_empty()
    {
        return Err(unreachable(e));
    }
    if reply.is_empty() {
        return Err(Unreachable(
            "clamd a fermé la connexion sans réponse".into(),
        ));
    }
    Ok(parse_reply(&reply))
}

/// Scans one stored file and records the verdict (audited). `Err` when clamd is unreachable.
async fn scan_one(state: &AppState, addr: &str, f: &PendingScan) -> Result<(), Unreachable> {
    let stream = match state
        .store()
        .blobs()
        .get_stream(&f.organisation_id, &f.sha256, None)
        .await
    {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(file = %f.file_id, error = %e, "blob unreadable for the antivirus");
            return Err(Unreachable(format!("fichier illisible : {e}")));
        }
    };
    let verdict = scan_stream(addr, stream).await?;
    let (scan_state, detail) = match &verdict {
        Verdict::Clean => (ScanState::Clean, None),
        Verdict::Infected(sig) => (ScanState::Infected, Some(sig.as_str())),
        Verdict::Error(m) => (ScanState::ScanError, Some(m.as_str())),
    };
    let entry = AuditEntry {
        actor_role: Some("system".into()),
        ..AuditEntry::default()
    };
    match state
        .store()
        .tenant(&f.organisation_id)
        .record_scan_result(&f.file_id, scan_state, detail, &entry)
        .await
    {
        Ok(()) => {
            if scan_state != ScanState::Clean {
                tracing::warn!(file = %f.file_id, organisation = %f.organisation_id, verdict = ?verdict, "proof file quarantined");
            }
            Ok(())
        }
        Err(e) => Err(Unreachable(format!("verdict non enregistré : {e}"))),
    }
}

/// Scans every pending file once; returns how many were scanned. Stops at the first
/// unreachable clamd (the rest stays pending).
pub async fn scan_pending(state: &AppState) -> Result<usize, Unreachable> {
    let Some(addr) = state.config().clamd.clone() else {
        return Err(Unreachable("aucun clamd configuré".into()));
    };
    // A scan error is retried on a later pass, `scan_retry` after the last attempt, up to
    // `scan_error_attempts` times; then it is final (the editor deposits the file again).
    let retry = segur_store::ScanErrorRetry {
        max_attempts: i64::from(state.config().scan_error_attempts),
        scanned_before: jiff::Timestamp::now()
            .checked_sub(
                jiff::SignedDuration::try_from(state.config().scan_retry)
                    .unwrap_or(jiff::SignedDuration::ZERO),
            )
            .unwrap_or(jiff::Timestamp::MIN)
            .to_string(),
    };
    let mut done = 0;
    loop {
        let batch = state
            .store()
            .system()
            .files_to_scan(16, &retry)
            .await
            .map_err(|e| Unreachable(format!("base indisponible : {e}")))?;
        if batch.is_empty() {
            return Ok(done);
        }
        for f in &batch {
            scan_one(state, &addr, f).await?;
            done += 1;
        }
    }
}

/// The background worker: scans when woken by a new upload, and every `scan_retry`.
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if state.config().clamd.is_none() {
            tracing::warn!(
                "no clamd configured (--clamd / SEGUR_CLAMD): proof files stay pending, none can be downloaded"
            );
        }
        loop {
            match scan_pending(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(files = n, "antivirus scan done"),
                Err(Unreachable(why)) => {
                    if state.config().clamd.is_some() {
                        tracing::warn!(reason = %why, "antivirus unreachable: files stay pending, retrying later");
                    }
                }
            }
            let wake = state.uploads().scan_wakeup.notified();
            let _ = tokio::time::timeout(state.config().scan_retry, wake).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamd_replies() {
        assert_eq!(parse_reply(b"stream: OK\0"), Verdict::Clean);
        assert_eq!(
            parse_reply(b"stream: Test.EICAR-Local.UNOFFICIAL FOUND\0"),
            Verdict::Infected("Test.EICAR-Local.UNOFFICIAL".into())
        );
        assert_eq!(
            parse_reply(b"INSTREAM size limit exceeded. ERROR\0"),
            Verdict::Error("INSTREAM size limit exceeded. ERROR".into())
        );
    }
}
