//! Receiving proof files: the temporary area, streaming writes with SHA-256 computed while the
//! bytes flow, resumption after a dropped connection, and the checks that turn a complete
//! upload into a proof file (size, type from the content, zip bombs).
//!
//! The bytes of an upload in progress live in `<upload dir>/<session id>.part`; the offset of a
//! session is the length of that file, so a restarted server resumes where the disk says. A
//! session becomes a proof file only once every byte arrived, was hashed and stored as a blob
//! (`TenantStore::complete_upload`, one transaction with its audit event).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};

use segur_store::{
    AuditEntry, FileFacts, LinkedFileRecord, Page, TenantStore, UploadSessionRecord,
};

use crate::error::{ApiError, ErrorCode};
use crate::media::{self, ProofKind};
use crate::state::AppState;

/// Bytes handed to the writing task at once: big enough that each blocking write and hash is cheap
/// per byte, small enough that memory stays flat (two buffers per upload in flight).
const WRITE_BUFFER: usize = 4 << 20;
/// Bytes received between two background write-outs of an upload's file.
const SYNC_EVERY: u64 = 64 << 20;
/// A client that sends nothing for this long loses its request (it can resume later).
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// The running hash of an upload, valid while `offset` equals the bytes on disk.
struct Hashing {
    offset: u64,
    hasher: Sha256,
}

/// In-flight uploads of this process: one lock per session (two requests never write the same
/// file at once) and the hash state between the requests of a resumed upload.
#[derive(Default)]
pub struct Uploads {
    sessions: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Hashing>>>>>,
    /// Wakes the antivirus worker when a new file is stored.
    pub scan_wakeup: tokio::sync::Notify,
}

impl Uploads {
    fn slot(&self, id: &str) -> Arc<tokio::sync::Mutex<Option<Hashing>>> {
        let mut map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(id.to_owned()).or_default().clone()
    }

    fn forget(&self, id: &str) {
        let mut map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(id);
    }
}

/// `<dir>/<id>.part`; session ids are 32 hexadecimal characters (checked: no path in them).
pub fn part_path(dir: &Path, id: &str) -> Option<PathBuf> {
    (id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| dir.join(format!("{id}.part")))
}

fn io_error(e: &std::io::Error, what: &str) -> ApiError {
    if e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28) {
        tracing::error!(error = %e, "disk full while {what}");
        return ApiError::new(
            ErrorCode::StorageFull,
            "espace disque du serveur plein : le fichier n'a pas pu être enregistré. Réessayez plus tard ; l'envoi reprendra où il s'est arrêté",
        );
    }
    tracing::error!(error = %e, "i/o error while {what}");
    ApiError::new(
        ErrorCode::Unavailable,
        "enregistrement du fichier momentanément impossible : réessayez, l'envoi reprendra où il s'est arrêté",
    )
}

/// Bytes already received for a session (0 when nothing arrived yet).
pub async fn received(state: &AppState, id: &str) -> Result<u64, ApiError> {
    let path = part_path(state.upload_dir(), id).ok_or_else(|| ApiError::not_found("envoi"))?;
    match tokio::fs::metadata(&path).await {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(io_error(&e, "reading an upload's offset")),
    }
}

/// Appends a stream of bytes at `offset` (which must be the bytes already received) and
/// returns the new offset. Never holds more than two write buffers of the upload in memory;
/// the hash is updated in the same blocking task that writes.
pub async fn append<S, E>(
    state: &AppState,
    session: &UploadSessionRecord,
    offset: u64,
    body: S,
) -> Result<u64, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let slot = state.uploads().slot(&session.id);
    let Ok(mut guard) = slot.try_lock() else {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "un envoi de ce fichier est déjà en cours : attendez sa fin ou reprenez-le plus tard",
        ));
    };
    let dir = state.upload_dir().to_path_buf();
    let path = part_path(&dir, &session.id).ok_or_else(|| ApiError::not_found("envoi"))?;
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| io_error(&e, "creating the upload area"))?;
    let on_disk = received(state, &session.id).await?;
    if offset != on_disk {
        return Err(ApiError::new(
            ErrorCode::UploadOffsetMismatch,
            format!(
                "reprise à l'octet {offset} demandée, mais {on_disk} octets sont déjà reçus : reprenez à {on_disk}"
            ),
        )
        .with_details(serde_json::json!({ "offset": on_disk })));
    }
    let declared = u64::try_from(session.declared_size).unwrap_or(0);
    let hashing = match guard.take() {
        Some(h) if h.offset == on_disk => Some(h),
        _ if on_disk == 0 => Some(Hashing {
            offset: 0,
            hasher: Sha256::new(),
        }),
        // Resumed after a restart: the hash is recomputed from the disk at the end.
        _ => None,
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| io_error(&e, "opening an upload's file"))?;
    let (written, hashing, failure) =
        pump(file, &path, hashing, on_disk, declared, body, true).await?;
    *guard = hashing;
    drop(guard);
    match failure {
        Some(e) => Err(e),
        None => Ok(written),
    }
}

type Job = tokio::task::JoinHandle<(PartFile, Option<Hashing>, std::io::Result<()>)>;

async fn settle(
    pending: &mut Option<Job>,
    carry: &mut (Option<PartFile>, Option<Hashing>),
) -> Result<(), ApiError> {
    if let Some(job) = pending.take() {
        let (file, hashing, result) = job.await.map_err(|e| {
            ApiError::new(ErrorCode::Internal, format!("écriture interrompue : {e}"))
        })?;
        *carry = (Some(file), hashing);
        result.map_err(|e| io_error(&e, "writing an upload"))?;
    }
    Ok(())
}

/// Received chunks waiting for the writing task, kept as hyper handed them over (no copy):
/// they are written with one vectored write and hashed in place. Chunks smaller than
/// [`SMALL_CHUNK`] are joined first, so that a client sending tiny chunks cannot make the list
/// (one `Bytes` per chunk) grow past a few hundred entries per buffer.
#[derive(Default)]
struct Batch {
    chunks: Vec<Bytes>,
    small: bytes::BytesMut,
    len: usize,
}

/// Below this size a received chunk is copied into the batch's joining buffer.
const SMALL_CHUNK: usize = 32 << 10;

impl Batch {
    fn push(&mut self, chunk: Bytes) {
        self.len += chunk.len();
        if chunk.len() < SMALL_CHUNK {
            self.small.extend_from_slice(&chunk);
            if self.small.len() >= SMALL_CHUNK {
                self.chunks.push(self.small.split().freeze());
            }
        } else {
            if !self.small.is_empty() {
                self.chunks.push(self.small.split().freeze());
            }
            self.chunks.push(chunk);
        }
    }

    fn take(&mut self) -> Vec<Bytes> {
        if !self.small.is_empty() {
            self.chunks.push(self.small.split().freeze());
        }
        self.len = 0;
        std::mem::take(&mut self.chunks)
    }
}

/// Writes every chunk, in order, with as few `writev` calls as the kernel allows.
fn write_chunks(file: &mut std::fs::File, chunks: &[Bytes]) -> std::io::Result<()> {
    // Linux takes at most 1024 slices per call (IOV_MAX).
    for group in chunks.chunks(1024) {
        let mut slices: Vec<std::io::IoSlice<'_>> =
            group.iter().map(|c| std::io::IoSlice::new(c)).collect();
        let mut slices = &mut slices[..];
        while !slices.is_empty() {
            match file.write_vectored(slices) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => std::io::IoSlice::advance_slices(&mut slices, n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// Alignment of direct writes (file offset, length and memory): the page size, a multiple of
/// every block size in use.
const DIRECT_ALIGN: usize = 4096;

/// An upload's file being written. On Linux the bulk of the bytes goes through a second handle
/// opened with `O_DIRECT`, from one reused, aligned staging buffer: the page cache is bypassed,
/// which on virtual machines whose fresh memory is slow to touch was most of an upload's cost
/// (profiled: 31 % of the CPU in the page-cache copy, see docs/benchmarks.md). The unaligned
/// head and tail of each request, and every write where direct writes are refused, go through
/// the ordinary handle; the file's length stays the count of bytes received once
/// [`PartFile::finish`] ran.
struct PartFile {
    /// Opened in append mode: its writes land at the end, after the direct writes.
    plain: std::fs::File,
    direct: Option<std::fs::File>,
    offset: u64,
    stage: Vec<u8>,
    stage_start: usize,
    staged: usize,
}

impl PartFile {
    fn open(plain: std::fs::File, path: &Path, offset: u64) -> Self {
        let direct = open_direct(path);
        let (stage, stage_start) = if direct.is_some() {
            let stage = vec![0u8; WRITE_BUFFER + DIRECT_ALIGN];
            let start = stage.as_ptr().align_offset(DIRECT_ALIGN);
            (stage, start)
        } else {
            (Vec::new(), 0)
        };
        Self {
            plain,
            direct,
            offset,
            stage,
            stage_start,
            staged: 0,
        }
    }

    fn write_chunks(&mut self, chunks: &[Bytes]) -> std::io::Result<()> {
        if self.direct.is_none() {
            // Bytes staged before direct writes were refused go first.
            self.finish()?;
            write_chunks(&mut self.plain, chunks)?;
            self.offset += chunks.iter().map(|c| c.len() as u64).sum::<u64>();
            return Ok(());
        }
        let align = DIRECT_ALIGN as u64;
        for chunk in chunks {
            let mut data = &chunk[..];
            while !data.is_empty() {
                if self.staged == 0 && !self.offset.is_multiple_of(align) {
                    let n = data.len().min((align - self.offset % align) as usize);
                    self.plain.write_all(&data[..n])?;
                    self.offset += n as u64;
                    data = &data[n..];
                    continue;
                }
                let n = data.len().min(WRITE_BUFFER - self.staged);
                let at = self.stage_start + self.staged;
                self.stage[at..at + n].copy_from_slice(&data[..n]);
                self.staged += n;
                data = &data[n..];
                if self.staged == WRITE_BUFFER {
                    self.write_staged()?;
                }
            }
        }
        self.write_staged()
    }

    /// Writes the aligned part of the staged bytes; the rest (under one block) stays staged.
    fn write_staged(&mut self) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        let n = self.staged / DIRECT_ALIGN * DIRECT_ALIGN;
        if n == 0 {
            return Ok(());
        }
        let bytes = &self.stage[self.stage_start..self.stage_start + n];
        let direct = self
            .direct
            .as_ref()
            .map(|d| d.write_all_at(bytes, self.offset));
        match direct {
            Some(Ok(())) => {}
            // Refused (a file system or device with other rules): plain writes from now on.
            Some(Err(e)) if e.kind() == std::io::ErrorKind::InvalidInput => {
                self.direct = None;
                self.plain.write_all(bytes)?;
            }
            Some(Err(e)) => return Err(e),
            None => self.plain.write_all(bytes)?,
        }
        self.offset += n as u64;
        let start = self.stage_start;
        self.stage
            .copy_within(start + n..start + self.staged, start);
        self.staged -= n;
        Ok(())
    }

    /// Writes what is still staged: the file then holds every byte handed over.
    fn finish(&mut self) -> std::io::Result<()> {
        if self.staged > 0 {
            let start = self.stage_start;
            self.plain
                .write_all(&self.stage[start..start + self.staged])?;
            self.offset += self.staged as u64;
            self.staged = 0;
        }
        Ok(())
    }
}

/// A second handle on the upload's file that bypasses the page cache, where the file system
/// takes one (tmpfs before Linux 6.6 does not: plain writes then).
#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> Option<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .ok()
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_path: &Path) -> Option<std::fs::File> {
    None
}

fn flush(batch: &mut Batch, carry: &mut (Option<PartFile>, Option<Hashing>)) -> Option<Job> {
    if batch.len == 0 {
        return None;
    }
    let chunks = batch.take();
    let mut file = carry.0.take()?;
    let mut hashing = carry.1.take();
    Some(tokio::task::spawn_blocking(move || {
        // Hash on a second thread while this one writes: two cores for one upload.
        let (result, hashed) = std::thread::scope(|scope| {
            let chunks = &chunks;
            let hasher = hashing.take().map(|mut h| {
                scope.spawn(move || {
                    for chunk in chunks {
                        h.hasher.update(chunk);
                        h.offset += chunk.len() as u64;
                    }
                    h
                })
            });
            let result = file.write_chunks(chunks);
            (result, hasher.and_then(|t| t.join().ok()))
        });
        if result.is_ok() {
            hashing = hashed;
        }
        (file, hashing, result)
    }))
}

/// Copies `body` to the end of `file` (which holds `start` bytes) without going past `limit`
/// bytes in all. One blocking task writes and hashes the previous buffer while the next one is
/// received. Returns the bytes now in the file, the running hash, and why the body stopped
/// early (dropped connection, idle client, over the limit) — the bytes before that are kept.
/// `Err` only for a write failure (disk full…).
async fn pump<S, E>(
    file: std::fs::File,
    path: &Path,
    hashing: Option<Hashing>,
    start: u64,
    limit: u64,
    mut body: S,
    announced: bool,
) -> Result<(u64, Option<Hashing>, Option<ApiError>), ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut pending: Option<Job> = None;
    // Durability is paid while receiving, not after: every 64 MiB a background task asks the
    // kernel to write the file out (the final fsync then has little left to do).
    let syncer = file.try_clone().ok();
    let mut flushing: Option<tokio::task::JoinHandle<()>> = None;
    let mut unsynced = 0u64;
    let mut carry = (Some(PartFile::open(file, path, start)), hashing);
    let mut written = start;
    let mut batch = Batch::default();
    let mut failure: Option<ApiError> = None;
    loop {
        let next = match tokio::time::timeout(IDLE_TIMEOUT, body.next()).await {
            Ok(n) => n,
            Err(_) => {
                failure = Some(ApiError::new(
                    ErrorCode::Timeout,
                    "aucune donnée reçue depuis 2 minutes : reprenez l'envoi",
                ));
                break;
            }
        };
        let chunk = match next {
            None => break,
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                // The connection dropped: keep what arrived, the client resumes from there.
                tracing::info!(error = %e, "upload interrupted");
                failure = Some(ApiError::new(
                    ErrorCode::InvalidBody,
                    "connexion interrompue pendant l'envoi : reprenez-le, les octets reçus sont conservés",
                ));
                break;
            }
        };
        if written + (batch.len + chunk.len()) as u64 > limit {
            failure = Some(ApiError::new(
                ErrorCode::FileTooLarge,
                if announced {
                    format!("le fichier dépasse la taille annoncée ({limit} octets)")
                } else {
                    format!(
                        "fichier trop volumineux : la taille maximale est {}",
                        crate::api::files::size_label(limit)
                    )
                },
            ));
            break;
        }
        batch.push(chunk);
        if batch.len >= WRITE_BUFFER {
            settle(&mut pending, &mut carry).await?;
            written += batch.len as u64;
            unsynced += batch.len as u64;
            pending = flush(&mut batch, &mut carry);
            if unsynced >= SYNC_EVERY
                && flushing.as_ref().is_none_or(|f| f.is_finished())
                && let Some(f) = syncer.as_ref().and_then(|f| f.try_clone().ok())
            {
                unsynced = 0;
                flushing = Some(tokio::task::spawn_blocking(move || {
                    let _ = f.sync_data();
                }));
            }
        }
    }
    settle(&mut pending, &mut carry).await?;
    written += batch.len as u64;
    if let Some(job) = flush(&mut batch, &mut carry) {
        pending = Some(job);
        settle(&mut pending, &mut carry).await?;
    }
    if let Some(mut part) = carry.0.take() {
        tokio::task::spawn_blocking(move || part.finish())
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("écriture interrompue : {e}")))?
            .map_err(|e| io_error(&e, "writing an upload"))?;
    }
    Ok((written, carry.1.take(), failure))
}

/// Receives a whole body of unknown size (a multipart field of the no-JavaScript form) into
/// the temporary area, at most `max_file_bytes`. Returns its temporary path and size; the
/// caller opens a session of that size and hands the file over with [`adopt`].
pub async fn receive_whole<S, E>(
    state: &AppState,
    body: S,
) -> Result<(PathBuf, u64, Incoming), ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let dir = state.upload_dir().to_path_buf();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| io_error(&e, "creating the upload area"))?;
    let path = dir.join(format!("incoming-{}.tmp", uuid::Uuid::new_v4().simple()));
    let file = std::fs::OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(&path)
        .map_err(|e| io_error(&e, "creating an upload's file"))?;
    let hashing = Some(Hashing {
        offset: 0,
        hasher: Sha256::new(),
    });
    let outcome = pump(
        file,
        &path,
        hashing,
        0,
        state.config().max_file_bytes,
        body,
        false,
    )
    .await;
    match outcome {
        Ok((size, hashing, None)) => Ok((path, size, Incoming(hashing))),
        Ok((_, _, Some(e))) | Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(e)
        }
    }
}

/// The running hash of a file received by [`receive_whole`].
pub struct Incoming(Option<Hashing>);

/// Makes a file received by [`receive_whole`] the bytes of upload session `session_id`.
pub async fn adopt(
    state: &AppState,
    session_id: &str,
    path: &Path,
    incoming: Incoming,
) -> Result<(), ApiError> {
    let target =
        part_path(state.upload_dir(), session_id).ok_or_else(|| ApiError::not_found("envoi"))?;
    tokio::fs::rename(path, &target)
        .await
        .map_err(|e| io_error(&e, "moving an upload"))?;
    let slot = state.uploads().slot(session_id);
    *slot.lock().await = incoming.0;
    Ok(())
}

/// SHA-256 of the complete upload: the running hash when it covers every byte, else read
/// back from the disk (after a restart).
async fn final_hash(hashing: Option<Hashing>, path: &Path, size: u64) -> Result<String, ApiError> {
    if let Some(h) = hashing
        && h.offset == size
    {
        return Ok(hex::encode(h.hasher.finalize()));
    }
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut f = std::fs::File::open(&path)?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(hex::encode(h.finalize()))
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("empreinte interrompue : {e}")))?
    .map_err(|e| io_error(&e, "hashing an upload"))
}

/// Abandons a session: its row (audited) and its bytes.
pub async fn abort(
    state: &AppState,
    tenant: &TenantStore,
    id: &str,
    audit: &AuditEntry,
) -> Result<(), ApiError> {
    tenant.delete_upload_session(id, audit).await?;
    if let Some(path) = part_path(state.upload_dir(), id) {
        let _ = tokio::fs::remove_file(path).await;
    }
    state.uploads().forget(id);
    Ok(())
}

/// The kind of proof of a candidature's item, from its REM text.
pub async fn proof_kind(
    tenant: &TenantStore,
    candidature_id: &str,
    key: &segur_domain::catalogue::ProofItemKey,
) -> Result<ProofKind, ApiError> {
    let items = tenant
        .list_proof_items(candidature_id, None, Page::max())
        .await?;
    items
        .items
        .iter()
        .find(|i| {
            i.requirement == key.requirement.as_str()
                && i.scenario == i64::from(key.scenario)
                && i.proof == i64::from(key.proof)
        })
        .map(|i| ProofKind::of_proof_text(&i.proof_text))
        .ok_or_else(|| ApiError::not_found("preuve"))
}

/// Turns a complete upload into a proof file: hash, type from the content, archive check,
/// blob stored, then file + link + audit in one transaction. A refused file is removed with
/// its session; a storage failure keeps the session so that the client can try again.
pub async fn finish(
    state: &AppState,
    tenant: &TenantStore,
    session: &UploadSessionRecord,
    audit: &AuditEntry,
) -> Result<LinkedFileRecord, ApiError> {
    let path =
        part_path(state.upload_dir(), &session.id).ok_or_else(|| ApiError::not_found("envoi"))?;
    // Held until the end: a PATCH or a second completion of the same upload meanwhile is a
    // conflict, not a race.
    let slot = state.uploads().slot(&session.id);
    let Ok(mut guard) = slot.try_lock() else {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "un envoi de ce fichier est déjà en cours : attendez sa fin",
        ));
    };
    let size = received(state, &session.id).await?;
    if size != u64::try_from(session.declared_size).unwrap_or(0) {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "envoi incomplet : {size} octets reçus sur {}",
                session.declared_size
            ),
        ));
    }
    let refuse = |e: ApiError| async move {
        let _ = abort(state, tenant, &session.id, audit).await;
        Err(e)
    };
    let kind = proof_kind(tenant, &session.candidature_id, &session.key).await?;
    let head = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
            let mut f = std::fs::File::open(path)?;
            let mut head = vec![0u8; 8192];
            let mut n = 0;
            while n < head.len() {
                let r = f.read(&mut head[n..])?;
                if r == 0 {
                    break;
                }
                n += r;
            }
            head.truncate(n);
            Ok(head)
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("lecture interrompue : {e}")))?
        .map_err(|e| io_error(&e, "reading an upload's head"))?
    };
    let media = match media::check(&head, &session.file_name, kind) {
        Ok(m) => m,
        Err(refusal) => {
            let code = match refusal {
                media::TypeRefusal::Mismatch { .. } => ErrorCode::FileTypeMismatch,
                _ => ErrorCode::FileTypeNotAllowed,
            };
            return refuse(ApiError::new(code, refusal.message()).with_field("file")).await;
        }
    };
    if media.zip_container {
        let p = path.clone();
        let verdict = tokio::task::spawn_blocking(move || check_archive(&p))
            .await
            .map_err(|e| {
                ApiError::new(ErrorCode::Internal, format!("contrôle interrompu : {e}"))
            })?;
        if let Err(message) = verdict {
            return refuse(ApiError::new(ErrorCode::ArchiveRefused, message).with_field("file"))
                .await;
        }
    }
    let sha256 = final_hash(guard.take(), &path, size).await?;
    state
        .store()
        .blobs()
        .put_file(tenant.organisation_id(), &sha256, &path)
        .await?;
    let facts = FileFacts {
        sha256,
        size: session.declared_size,
        media_type: media.mime.to_owned(),
    };
    let linked = tenant.complete_upload(&session.id, &facts, audit).await?;
    let _ = tokio::fs::remove_file(&path).await;
    drop(guard);
    state.uploads().forget(&session.id);
    state.uploads().scan_wakeup.notify_one();
    Ok(linked)
}

/// Most bytes an archive may expand to, and most times its own size.
const ARCHIVE_MAX_EXPANDED: u64 = 20 << 30;
const ARCHIVE_MAX_RATIO: u64 = 100;
const ARCHIVE_MAX_ENTRIES: usize = 100_000;

/// Refuses zip bombs: too many entries, or more expanded bytes than the limits allow. Entries
/// are decompressed into the void (their declared sizes may lie), stopping at the limit.
pub fn check_archive(path: &Path) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("archive illisible : {e}"))?;
    let compressed = file.metadata().map(|m| m.len()).unwrap_or(0);
    let budget =
        (compressed.saturating_mul(ARCHIVE_MAX_RATIO) + (16 << 20)).min(ARCHIVE_MAX_EXPANDED);
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| format!("archive ZIP illisible ou corrompue : {e}"))?;
    if archive.len() > ARCHIVE_MAX_ENTRIES {
        return Err(format!(
            "archive refusée : {} fichiers, au plus {ARCHIVE_MAX_ENTRIES}",
            archive.len()
        ));
    }
    let bomb = || {
        format!(
            "archive refusée (bombe de décompression) : elle se décompresse en plus de {} Mio pour {} Mio compressés",
            budget >> 20,
            compressed.div_ceil(1 << 20)
        )
    };
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| format!("archive refusée : entrée {i} illisible ou chiffrée ({e})"))?;
        if total.saturating_add(entry.size()) > budget {
            return Err(bomb());
        }
        let n = std::io::copy(
            &mut (&mut entry).take(budget - total + 1),
            &mut std::io::sink(),
        )
        .map_err(|e| format!("archive refusée : entrée {i} illisible ({e})"))?;
        total += n;
        if total > budget {
            return Err(bomb());
        }
    }
    Ok(())
}

/// Start-up clean-up of the temporary area: sessions older than `max_age` are removed (their
/// rows, audited, and their bytes); `.part` files without a session are deleted; files of
/// live sessions stay, so those uploads resume.
pub async fn clean_upload_area(
    state: &AppState,
    max_age: Duration,
) -> Result<(usize, usize), ApiError> {
    let dir = state.upload_dir().to_path_buf();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| io_error(&e, "creating the upload area"))?;
    let before = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::try_from(max_age).unwrap_or_default())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_string();
    let system = state.store().system();
    let expired = system.expire_upload_sessions(&before).await?;
    let live: std::collections::HashSet<String> = system
        .upload_sessions()
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut removed = 0;
    let mut entries = tokio::fs::read_dir(&dir)
        .await
        .map_err(|e| io_error(&e, "listing the upload area"))?;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = name.strip_suffix(".part").unwrap_or("");
        if !live.contains(id) && tokio::fs::remove_file(entry.path()).await.is_ok() {
            removed += 1;
        }
    }
    Ok((expired.len(), removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small chunks are joined, large ones kept as they are, and the written bytes and the
    /// hash are the body's, in order, whatever the mix.
    #[test]
    fn a_batch_writes_and_hashes_its_chunks_in_order() {
        let sizes = [
            1,
            100,
            SMALL_CHUNK - 1,
            SMALL_CHUNK,
            7,
            3 * SMALL_CHUNK,
            5,
            0,
            2,
        ];
        let mut body = Vec::new();
        let mut batch = Batch::default();
        for (i, size) in sizes.iter().enumerate() {
            let chunk: Vec<u8> = (0..*size).map(|j| (i * 31 + j) as u8).collect();
            body.extend_from_slice(&chunk);
            batch.push(Bytes::from(chunk));
        }
        assert_eq!(batch.len, body.len());
        let chunks = batch.take();
        assert_eq!(batch.len, 0);
        assert!(
            chunks.len() < sizes.len(),
            "small chunks are joined: {}",
            chunks.len()
        );
        let path = std::env::temp_dir().join(format!("segur-batch-{}.part", uuid::Uuid::new_v4()));
        let mut file = std::fs::File::create(&path).unwrap();
        write_chunks(&mut file, &chunks).unwrap();
        let written = std::fs::read(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(written, body);

        // The same batches through a part file (direct writes where the file system takes
        // them), starting at an unaligned offset as a resumed upload does: same bytes.
        let head = b"resumed at an unaligned offset".to_vec();
        std::fs::write(&path, &head).unwrap();
        let plain = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        let mut part = PartFile::open(plain, &path, head.len() as u64);
        let big: Vec<Bytes> = (0..3)
            .map(|k| {
                Bytes::from(
                    (0..WRITE_BUFFER + 777 * k)
                        .map(|j| (j * 7 + k) as u8)
                        .collect::<Vec<u8>>(),
                )
            })
            .collect();
        part.write_chunks(&chunks).unwrap();
        part.write_chunks(&big).unwrap();
        part.finish().unwrap();
        let mut expected = head;
        expected.extend_from_slice(&body);
        big.iter().for_each(|c| expected.extend_from_slice(c));
        assert_eq!(part.offset, expected.len() as u64);
        let written = std::fs::read(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(written == expected, "part file differs from the body");
        let mut hasher = Sha256::new();
        chunks.iter().for_each(|c| hasher.update(c));
        assert_eq!(hasher.finalize(), Sha256::digest(&body));
    }
}
