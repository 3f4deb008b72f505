//! `segur backup` and `segur restore`: an online, consistent copy of the database (SQLite's
//! `VACUUM INTO`, or `pg_dump` for PostgreSQL) and of every blob, with a manifest of SHA-256
//! hashes; restoring checks every hash before writing anything, then the audit chain.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use segur_store::{Backend, Store};

pub const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "segur.db";
const PG_FILE: &str = "segur.pgdump";

#[derive(Debug, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct BlobEntry {
    pub organisation: String,
    pub sha256: String,
    pub size: u64,
}

/// What a backup holds, with the hash of each file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub created_at: String,
    pub segur_version: String,
    /// `sqlite` or `postgres`.
    pub backend: Backend,
    pub database: FileEntry,
    pub blobs: Vec<BlobEntry>,
    /// Audit events at backup time; the chain was verified before copying.
    pub audit_events: i64,
}

fn sha256_file(path: &Path) -> anyhow::Result<(String, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex::encode(h.finalize()), size))
}

fn blob_path(dir: &Path, organisation: &str, sha: &str) -> PathBuf {
    dir.join("blobs").join(organisation).join(sha)
}

/// Backs `store` (at `database_url`) up into `out`, which must not exist or be empty.
pub async fn backup(store: &Store, database_url: &str, out: &Path) -> anyhow::Result<Manifest> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        bail!("le dossier de sauvegarde {} n'est pas vide", out.display());
    }
    std::fs::create_dir_all(out)
        .with_context(|| format!("impossible de créer {}", out.display()))?;
    let system = store.system();
    if let Some(seq) = system.verify_audit_chain().await? {
        bail!(
            "chaîne d'audit rompue à l'événement n° {seq} : sauvegarde refusée (segur audit verify)"
        );
    }
    let audit_events = system.list_audit(segur_store::Page::new(1, 0)).await?.total;
    let backend = store.backend();
    let database = match backend {
        Backend::Sqlite => {
            let file = out.join(SQLITE_FILE);
            store.backup_sqlite_into(&file).await?;
            let (sha256, size) = sha256_file(&file)?;
            FileEntry {
                path: SQLITE_FILE.into(),
                sha256,
                size,
            }
        }
        Backend::Postgres => {
            let file = out.join(PG_FILE);
            let status = std::process::Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(&file)
                .arg(database_url)
                .status()
                .context("pg_dump introuvable : installez le client PostgreSQL")?;
            if !status.success() {
                bail!("pg_dump a échoué ({status})");
            }
            let (sha256, size) = sha256_file(&file)?;
            FileEntry {
                path: PG_FILE.into(),
                sha256,
                size,
            }
        }
    };
    let mut blobs = Vec::new();
    for (organisation, sha) in store.blobs().list_all().await? {
        let bytes = store.blobs().get(&organisation, &sha).await?;
        if hex::encode(Sha256::digest(&bytes)) != sha {
            bail!("fichier {organisation}/{sha} corrompu dans le stockage : sauvegarde refusée");
        }
        let path = blob_path(out, &organisation, &sha);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &bytes)?;
        blobs.push(BlobEntry {
            organisation,
            sha256: sha,
            size: bytes.len() as u64,
        });
    }
    let manifest = Manifest {
        format_version: 1,
        created_at: jiff::Timestamp::now().to_string(),
        segur_version: env!("CARGO_PKG_VERSION").to_owned(),
        backend,
        database,
        blobs,
        audit_events,
    };
    std::fs::write(out.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(manifest)
}

/// Checks every hash of a backup; returns its manifest.
pub fn verify(dir: &Path) -> anyhow::Result<Manifest> {
    let text = std::fs::read(dir.join(MANIFEST))
        .with_context(|| format!("{} illisible", dir.join(MANIFEST).display()))?;
    let manifest: Manifest = serde_json::from_slice(&text).context("manifeste illisible")?;
    if manifest.format_version != 1 {
        bail!("manifeste de version {} inconnue", manifest.format_version);
    }
    if manifest.database.path.contains(['/', '\\']) {
        bail!("manifeste : chemin de base invalide");
    }
    let (sha, _) = sha256_file(&dir.join(&manifest.database.path))?;
    if sha != manifest.database.sha256 {
        bail!(
            "{} : empreinte différente du manifeste (fichier modifié ou abîmé)",
            manifest.database.path
        );
    }
    for b in &manifest.blobs {
        if b.organisation.contains(['/', '\\', '.']) || b.sha256.contains(['/', '\\', '.']) {
            bail!("manifeste : chemin de fichier invalide");
        }
        let path = blob_path(dir, &b.organisation, &b.sha256);
        let (sha, _) = sha256_file(&path)?;
        if sha != b.sha256 {
            bail!(
                "blobs/{}/{} : contenu différent de son empreinte (fichier modifié ou abîmé)",
                b.organisation,
                b.sha256
            );
        }
    }
    Ok(manifest)
}

/// Restores a verified backup into an empty target: the SQLite file `sqlite_target` or the
/// (empty) PostgreSQL database at `database_url`, then the blobs through `open`'s store.
pub fn restore_database(
    dir: &Path,
    manifest: &Manifest,
    sqlite_target: Option<&Path>,
    database_url: &str,
) -> anyhow::Result<()> {
    match (manifest.backend, sqlite_target) {
        (Backend::Sqlite, Some(target)) => {
            if target.exists() {
                bail!(
                    "{} existe déjà : la restauration se fait dans un dossier de données vide",
                    target.display()
                );
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::copy(dir.join(&manifest.database.path), target)?;
            Ok(())
        }
        (Backend::Postgres, None) => {
            let status = std::process::Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--dbname"])
                .arg(database_url)
                .arg(dir.join(&manifest.database.path))
                .status()
                .context("pg_restore introuvable : installez le client PostgreSQL")?;
            if !status.success() {
                bail!("pg_restore a échoué ({status}) : la base cible doit être vide");
            }
            Ok(())
        }
        (Backend::Sqlite, None) => {
            bail!("sauvegarde SQLite : restaurez-la vers SQLite (sans --database-url postgres://)")
        }
        (Backend::Postgres, Some(_)) => {
            bail!("sauvegarde PostgreSQL : indiquez la base cible avec --database-url postgres://…")
        }
    }
}

/// Puts every blob of the backup into the restored store, checking each hash again.
pub async fn restore_blobs(dir: &Path, manifest: &Manifest, store: &Store) -> anyhow::Result<()> {
    for b in &manifest.blobs {
        let bytes = std::fs::read(blob_path(dir, &b.organisation, &b.sha256))?;
        let sha = store.blobs().put(&b.organisation, bytes).await?;
        if sha != b.sha256 {
            bail!(
                "blobs/{}/{} : empreinte différente",
                b.organisation,
                b.sha256
            );
        }
    }
    Ok(())
}
