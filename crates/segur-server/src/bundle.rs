//! The proof bundle of a candidature: a ZIP streamed to the client with every current, clean
//! proof file (once per content, under `fichiers/<sha256>`) and `manifest.json` first, mapping
//! each proof item to its files with SHA-256, size and dates. `segur bundle verify` checks a
//! bundle offline against its manifest.

use std::collections::BTreeSet;
use std::io::{Read, Write};

use bytes::Bytes;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use segur_store::{LinkedFileRecord, ScanState};

use crate::state::AppState;

pub const FORMAT: &str = "segur-proof-bundle/1";
pub const MANIFEST: &str = "manifest.json";

/// One file of a proof item, present in the bundle at `path`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub version: i64,
    pub file_id: String,
    pub path: String,
    pub file_name: String,
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    pub uploaded_at: String,
    pub effective_date: Option<String>,
}

/// A current file left out because the antivirus has not declared it clean.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OmittedFile {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub version: i64,
    pub file_id: String,
    pub file_name: String,
    pub sha256: String,
    pub scan_state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    pub candidature: String,
    pub organisation: String,
    pub generated_at: String,
    pub files: Vec<ManifestFile>,
    pub omitted: Vec<OmittedFile>,
}

impl Manifest {
    /// The manifest of a candidature's files: current versions only, clean files included,
    /// the others listed as omitted.
    pub fn new(organisation: &str, candidature: &str, links: &[LinkedFileRecord]) -> Self {
        let mut files = Vec::new();
        let mut omitted = Vec::new();
        for l in links.iter().filter(|l| l.current) {
            let f = &l.file;
            if f.scan_state == ScanState::Clean {
                files.push(ManifestFile {
                    requirement: l.key.requirement.as_str().to_owned(),
                    scenario: l.key.scenario,
                    proof: l.key.proof,
                    version: l.version,
                    file_id: f.id.clone(),
                    path: format!("fichiers/{}", f.sha256),
                    file_name: f.original_name.clone(),
                    sha256: f.sha256.clone(),
                    size: u64::try_from(f.size).unwrap_or(0),
                    media_type: f.media_type.clone(),
                    uploaded_at: f.uploaded_at.clone(),
                    effective_date: f.effective_date.clone(),
                });
            } else {
                omitted.push(OmittedFile {
                    requirement: l.key.requirement.as_str().to_owned(),
                    scenario: l.key.scenario,
                    proof: l.key.proof,
                    version: l.version,
                    file_id: f.id.clone(),
                    file_name: f.original_name.clone(),
                    sha256: f.sha256.clone(),
                    scan_state: f.scan_state.as_str().to_owned(),
                });
            }
        }
        Self {
            format: FORMAT.to_owned(),
            candidature: candidature.to_owned(),
            organisation: organisation.to_owned(),
            generated_at: jiff::Timestamp::now().to_string(),
            files,
            omitted,
        }
    }
}

/// `Write` into a bounded channel, in 256 KiB pieces: the ZIP writer runs on a blocking
/// thread and the HTTP body reads the other end.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let data = Bytes::from(std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(256 << 10),
        ));
        self.tx
            .blocking_send(Ok(data))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 256 << 10 {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// Streams the bundle: manifest first, then each distinct file once, stored as is (proofs are
/// mostly compressed already), ZIP64 when needed. Never holds a whole file in memory.
pub fn stream(state: &AppState, manifest: Manifest) -> axum::body::Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let blobs = state.store().blobs().clone();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let err_tx = tx.clone();
        let run = || -> Result<(), String> {
            let mut zip = zip::ZipWriter::new_stream(ChannelWriter {
                tx,
                buf: Vec::with_capacity(256 << 10),
            });
            let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
            let deflated = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file(MANIFEST, deflated)
                .map_err(|e| e.to_string())?;
            zip.write_all(&json).map_err(|e| e.to_string())?;
            let mut seen = BTreeSet::new();
            for f in &manifest.files {
                if !seen.insert(f.path.clone()) {
                    continue;
                }
                let opts = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Stored)
                    .large_file(f.size >= u64::from(u32::MAX));
                zip.start_file(f.path.as_str(), opts)
                    .map_err(|e| e.to_string())?;
                let mut chunks = handle
                    .block_on(blobs.get_stream(&manifest.organisation, &f.sha256, None))
                    .map_err(|e| e.to_string())?;
                while let Some(chunk) = handle.block_on(chunks.next()) {
                    let chunk = chunk.map_err(|e| e.to_string())?;
                    zip.write_all(&chunk).map_err(|e| e.to_string())?;
                }
            }
            let mut w = zip.finish().map_err(|e| e.to_string())?;
            w.flush().map_err(|e| e.to_string())?;
            Ok(())
        };
        if let Err(e) = run() {
            tracing::error!(error = %e, "proof bundle interrupted");
            let _ = err_tx.blocking_send(Err(std::io::Error::other(e)));
        }
    });
    axum::body::Body::from_stream(tokio_stream_from(rx))
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verification {
    pub candidature: String,
    pub files: usize,
    pub bytes: u64,
    pub omitted: usize,
    /// Each problem in French; empty when the bundle is intact.
    pub problems: Vec<String>,
}

/// Checks a bundle offline: the manifest reads, every file it lists is present with its size
/// and SHA-256, and nothing else is in the archive.
pub fn verify(path: &std::path::Path) -> Result<Verification, String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("impossible d'ouvrir {} : {e}", path.display()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| format!("{} n'est pas une archive ZIP lisible : {e}", path.display()))?;
    let manifest: Manifest = {
        let mut m = zip
            .by_name(MANIFEST)
            .map_err(|_| format!("{MANIFEST} absent : ce n'est pas un dossier de preuves segur"))?;
        let mut text = Vec::new();
        m.by_ref()
            .take(64 << 20)
            .read_to_end(&mut text)
            .map_err(|e| format!("{MANIFEST} illisible : {e}"))?;
        serde_json::from_slice(&text).map_err(|e| format!("{MANIFEST} invalide : {e}"))?
    };
    if manifest.format != FORMAT {
        return Err(format!(
            "format « {} » inconnu ({FORMAT} attendu)",
            manifest.format
        ));
    }
    let mut report = Verification {
        candidature: manifest.candidature.clone(),
        omitted: manifest.omitted.len(),
        ..Default::default()
    };
    let mut expected = BTreeSet::new();
    for f in &manifest.files {
        if !expected.insert(f.path.clone()) {
            continue;
        }
        let mut entry = match zip.by_name(&f.path) {
            Ok(e) => e,
            Err(_) => {
                report
                    .problems
                    .push(format!("{} ({}) absent de l'archive", f.path, f.file_name));
                continue;
            }
        };
        let mut h = Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    h.update(&buf[..n]);
                    size += n as u64;
                }
                Err(e) => {
                    report.problems.push(format!("{} illisible : {e}", f.path));
                    break;
                }
            }
        }
        let sha = hex::encode(h.finalize());
        if sha != f.sha256 {
            report.problems.push(format!(
                "{} ({}) : SHA-256 {sha}, {} attendu — fichier modifié",
                f.path, f.file_name, f.sha256
            ));
        } else if size != f.size {
            report
                .problems
                .push(format!("{} : {size} octets, {} attendus", f.path, f.size));
        }
        report.files += 1;
        report.bytes += size;
    }
    for name in zip.file_names() {
        let Ok(name) = name else {
            report
                .problems
                .push("nom d'entrée illisible dans l'archive".into());
            continue;
        };
        let name: &str = &name;
        if name != MANIFEST && !expected.contains(name) {
            report
                .problems
                .push(format!("{name} : fichier absent du manifeste"));
        }
    }
    Ok(report)
}
