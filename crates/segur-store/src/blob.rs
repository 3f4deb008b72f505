//! Content-addressed blobs (proof files) on a local directory, S3 or memory, through
//! `object_store`. Keys are `tenants/<organisation>/blobs/<sha256>`: a blob is only reachable
//! with the organisation that stored it.

use std::path::Path;
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
        })
    }

    /// Blobs kept in memory: tests and throwaway demos only.
    pub fn in_memory() -> Self {
        Self {
            inner: Arc::new(object_store::memory::InMemory::new()),
            description: "memory".into(),
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
