//! Shared application state handed to every handler.

use std::sync::Arc;

use segur_domain::rules::Settings;
use segur_store::Store;

use crate::config::ServerConfig;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: ServerConfig,
    settings: Settings,
    oidc: crate::oidc::Oidc,
    uploads: crate::uploads::Uploads,
    monitoring: crate::monitoring::ReportCache,
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig, settings: Settings) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                oidc: crate::oidc::Oidc::new(&config),
                config,
                settings,
                uploads: Default::default(),
                monitoring: Default::default(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// OpenID Connect providers and their cached metadata.
    pub(crate) fn oidc(&self) -> &crate::oidc::Oidc {
        &self.inner.oidc
    }

    /// Temporary area of resumable uploads.
    pub fn upload_dir(&self) -> &std::path::Path {
        &self.inner.config.upload_dir
    }

    pub(crate) fn uploads(&self) -> &crate::uploads::Uploads {
        &self.inner.uploads
    }

    /// The monitoring reports computed last, by date.
    pub(crate) fn monitoring_cache(&self) -> &crate::monitoring::ReportCache {
        &self.inner.monitoring
    }

    /// Rule settings (the configurable `[default]` choices of the rule catalogue).
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Today in Europe/Paris: the only place the server reads the clock for rules.
    pub fn today(&self) -> jiff::civil::Date {
        self.inner.config.fixed_today.unwrap_or_else(|| {
            jiff::Timestamp::now()
                .to_zoned(segur_domain::calendar::paris())
                .date()
        })
    }
}
