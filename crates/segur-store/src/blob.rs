//! Content-addressed blobs (proof files) on a local directory, S3 or memory, through
//! `object_store`. Keys are `tenants/<organisation>/blobs/<sha256>`: a blob is only reachable
//! with the organisation that stored it.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::error::io_reason;
use crate::util::check_organisation_id;

/// Where blobs live. Cheap to clone.
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    description: String,
    /// The directory of a local store: a finished upload on the same file system is moved
    /// into place (one rename) instead of being copied.
    local_root: Option<PathBuf>,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore")
            .field("location", &self.description)
            .finish()
    }
}

impl BlobStore {
    /// A directory on the local file system, created if missing.
    pub fn local(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!(
                "impossible de créer le dossier des fichiers {} : {}",
                dir.display(),
                io_reason(&e)
            ))
        })?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(|e| {
            StoreError::Unavailable(format!(
                "dossier des fichiers {} inutilisable : {e}",
                dir.display()
            ))
        })?;
        // Proof files are evidence: a put returns only once the file is on disk.
        let fs = fs.with_fsync(true);
        Ok(Self {
            inner: Arc::new(fs),
            description: format!("file://{}", dir.display()),
            local_root: Some(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())),
        })
    }

    /// Blobs kept in memory: tests and throwaway demos only.
    pub fn in_memory() -> Self {
        Self {
            inner: Arc::new(object_store::memory::InMemory::new()),
            description: "memory".into(),
            local_root: None,
        }
    }

    /// `file:///dir`, `memory:` or `s3://bucket?endpoint=http://…&region=…&allow_http=true`.
    /// S3 credentials come from the usual `AWS_*` environment variables.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url.strip_prefix("file://") {
            if path.is_empty() {
                return Err(StoreError::invalid("URL file:// sans dossier"));
            }
            return Self::local(Path::new(path));
        }
        if url == "memory:" || url == "memory://" {
            return Ok(Self::in_memory());
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, query) = rest.split_once('?').unwrap_or((rest, ""));
            let bucket = bucket.trim_end_matches('/');
            if bucket.is_empty() || bucket.contains('/') {
                return Err(StoreError::invalid(format!(
                    "URL S3 « {} » : nom de bucket attendu (s3://bucket?endpoint=…)",
                    crate::redact_url(url)
                )));
            }
            let mut builder =
                object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                builder = match key {
                    "endpoint" => builder.with_endpoint(value),
                    "region" => builder.with_region(value),
                    "allow_http" => builder.with_allow_http(value == "true" || value == "1"),
                    other => {
                        return Err(StoreError::invalid(format!(
                            "URL S3 : paramètre « {other} » inconnu (endpoint, region, allow_http)"
                        )));
                    }
                };
            }
            let s3 = builder
                .build()
                .map_err(|e| StoreError::Invalid(format!("configuration S3 incomplète : {e}")))?;
            return Ok(Self {
                inner: Arc::new(s3),
                description: format!("s3://{bucket}"),
                local_root: None,
            });
        }
        Err(StoreError::invalid(format!(
            "URL de stockage des fichiers « {} » non reconnue : file:///dossier, s3://bucket ou memory: attendu",
            crate::redact_url(url)
        )))
    }

    /// Where the blobs are, for logs and the admin page (no secret in it).
    pub fn description(&self) -> &str {
        &self.description
    }

    fn key(organisation_id: &str, sha256: &str) -> Result<ObjectPath, StoreError> {
        check_organisation_id(organisation_id)?;
        if sha256.len() != 64
            || !sha256
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        {
            return Err(StoreError::invalid(format!(
                "empreinte « {sha256} » : SHA-256 en 64 caractères hexadécimaux minuscules attendue"
            )));
        }
        Ok(ObjectPath::from_iter([
            "tenants",
            organisation_id,
            "blobs",
            sha256,
        ]))
    }

    /// Stores `bytes` for the organisation and returns their SHA-256 (hex). Storing the same
    /// content twice is harmless: the key is the content's hash.
    pub async fn put(&self, organisation_id: &str, bytes: Vec<u8>) -> Result<String, StoreError> {
        let sha = hex::encode(Sha256::digest(&bytes));
        let key = Self::key(organisation_id, &sha)?;
        self.inner.put(&key, PutPayload::from(bytes)).await?;
        Ok(sha)
    }

    /// The blob of this organisation with this hash; `NotFound` for another organisation's.
    pub async fn get(&self, organisation_id: &str, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let key = Self::key(organisation_id, sha256)?;
        let bytes = self.inner.get(&key).await?.bytes().await?;
        Ok(bytes.to_vec())
    }

    /// True when the organisation holds a blob with this hash.
    pub async fn exists(&self, organisation_id: &str, sha256: &str) -> Result<bool, StoreError> {
        let key = Self::key(organisation_id, sha256)?;
        match self.inner.head(&key).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores the complete file at `path` (whose SHA-256 the caller computed while receiving
    /// it) as the organisation's blob `sha256`, without reading it whole into memory: moved
    /// into place on a local store on the same file system, streamed in 8 MiB parts otherwise.
    /// The file at `path` may be gone afterwards. Storing content already held is a no-op.
    pub async fn put_file(
        &self,
        organisation_id: &str,
        sha256: &str,
        path: &Path,
    ) -> Result<(), StoreError> {
        let key = Self::key(organisation_id, sha256)?;
        if self.exists(organisation_id, sha256).await? {
            return Ok(());
        }
        if let Some(root) = &self.local_root {
            let target = root
                .join("tenants")
                .join(organisation_id)
                .join("blobs")
                .join(sha256);
            let src = path.to_path_buf();
            let moved = tokio::task::spawn_blocking(move || -> std::io::Result<bool> {
                std::fs::File::open(&src)?.sync_all()?;
                let parent = target.parent().unwrap_or(Path::new("."));
                std::fs::create_dir_all(parent)?;
                match std::fs::rename(&src, &target) {
                    Ok(()) => {
                        if let Ok(d) = std::fs::File::open(parent) {
                            let _ = d.sync_all();
                        }
                        Ok(true)
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => Ok(false),
                    Err(e) => Err(e),
                }
            })
            .await
            .map_err(|e| StoreError::Other(format!("tâche d'écriture interrompue : {e}")))?
            .map_err(|e| {
                StoreError::Unavailable(format!(
                    "écriture du fichier impossible : {}",
                    io_reason(&e)
                ))
            })?;
            if moved {
                return Ok(());
            }
        }
        use tokio::io::AsyncReadExt;
        let mut file = tokio::fs::File::open(path).await.map_err(|e| {
            StoreError::Unavailable(format!(
                "lecture du fichier reçu impossible : {}",
                io_reason(&e)
            ))
        })?;
        let upload = self.inner.put_multipart(&key).await?;
        let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, 8 << 20);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(StoreError::Unavailable(format!(
                        "lecture du fichier reçu impossible : {}",
                        io_reason(&e)
                    )));
                }
            };
            if n == 0 {
                break;
            }
            if let Err(e) = writer.wait_for_capacity(4).await {
                return Err(e.into());
            }
            writer.write(&buf[..n]);
        }
        writer.finish().await?;
        Ok(())
    }

    /// Size in bytes of the organisation's blob.
    pub async fn size(&self, organisation_id: &str, sha256: &str) -> Result<u64, StoreError> {
        let key = Self::key(organisation_id, sha256)?;
        Ok(self.inner.head(&key).await?.size)
    }

    /// The blob's bytes (or the byte range `range`) as a stream of chunks, never whole in
    /// memory.
    pub async fn get_stream(
        &self,
        organisation_id: &str,
        sha256: &str,
        range: Option<Range<u64>>,
    ) -> Result<
        futures_util::stream::BoxStream<'static, Result<bytes::Bytes, StoreError>>,
        StoreError,
    > {
        use futures_util::StreamExt;
        let key = Self::key(organisation_id, sha256)?;
        let options = object_store::GetOptions {
            range: range.map(object_store::GetRange::Bounded),
            ..Default::default()
        };
        let result = self.inner.get_opts(&key, options).await?;
        Ok(result
            .into_stream()
            .map(|r| r.map_err(StoreError::from))
            .boxed())
    }

    /// Every blob as (organisation, sha256), sorted: what a backup copies.
    pub async fn list_all(&self) -> Result<Vec<(String, String)>, StoreError> {
        use futures_util::TryStreamExt;
        let prefix = ObjectPath::from("tenants");
        let metas: Vec<object_store::ObjectMeta> =
            self.inner.list(Some(&prefix)).try_collect().await?;
        let mut out = Vec::with_capacity(metas.len());
        for m in metas {
            let parts: Vec<String> = m.location.parts().map(|p| p.as_ref().to_owned()).collect();
            if let [tenants, org, blobs, sha] = parts.as_slice()
                && tenants == "tenants"
                && blobs == "blobs"
                && Self::key(org, sha).is_ok()
            {
                out.push((org.clone(), sha.clone()));
            }
        }
        out.sort();
        Ok(out)
    }
}
