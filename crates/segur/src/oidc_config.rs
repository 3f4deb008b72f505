//! OpenID Connect configuration of `segur serve` (a TOML file, see docs/oidc.md) and
//! `segur oidc link` (links a provider identity to an existing account).

use std::path::Path;

use anyhow::{Context, bail};
use segur_server::config::{OidcProviderConfig, Secret};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OidcFile {
    /// Public base URL (redirect URIs are built from it); `--public-url` wins.
    #[serde(default)]
    public_url: Option<String>,
    #[serde(default, rename = "provider")]
    providers: Vec<OidcProviderConfig>,
}

/// Reads the providers file, resolves `client_secret_env`, checks everything that can be
/// checked before the network. Returns the public URL and the providers.
pub fn load(
    path: Option<&Path>,
    public_url: Option<String>,
) -> anyhow::Result<(Option<String>, Vec<OidcProviderConfig>)> {
    let Some(path) = path else {
        return Ok((public_url, Vec::new()));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("lecture de la configuration OIDC {}", path.display()))?;
    let file: OidcFile = toml::from_str(&text)
        .with_context(|| format!("configuration OIDC {} invalide", path.display()))?;
    let public_url = public_url
        .or(file.public_url)
        .map(|u| u.trim_end_matches('/').to_owned());
    let mut providers = file.providers;
    let mut seen = std::collections::BTreeSet::new();
    for p in &mut providers {
        p.validate().map_err(anyhow::Error::msg)?;
        if !seen.insert(p.id.clone()) {
            bail!("fournisseur « {} » déclaré deux fois", p.id);
        }
        if let Some(var) = &p.client_secret_env {
            let value = std::env::var(var).with_context(|| {
                format!(
                    "fournisseur « {} » : la variable d'environnement {var} (secret du client) n'est pas définie",
                    p.id
                )
            })?;
            p.client_secret = Some(Secret::new(value));
        }
    }
    if !providers.is_empty() {
        match &public_url {
            None => bail!(
                "des fournisseurs OIDC sont configurés : l'URL publique (--public-url ou public_url) est requise"
            ),
            Some(u)
                if !(u.starts_with("https://") || segur_server::config::is_loopback_http(u)) =>
            {
                bail!(
                    "l'URL publique doit être en https:// (http:// seulement sur 127.0.0.1 ou localhost)"
                )
            }
            Some(_) => {}
        }
    }
    Ok((public_url, providers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_file_with_secret_from_environment() {
        let dir = std::env::temp_dir().join(format!("segur-oidc-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("oidc.toml");
        std::fs::write(
            &path,
            r#"
public_url = "https://segur.example.fr/"

[[provider]]
id = "psc"
label = "Pro Santé Connect"
audience = "professional"
issuer = "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet"
discovery_url = "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet/.well-known/wallet-openid-configuration"
client_id = "segur"
client_secret_env = "SEGUR_TEST_OIDC_CFG_SECRET"
scopes = ["scope_all"]
acr_values = ["eidas1"]
identifier_claim = "SubjectNameID"
"#,
        )
        .unwrap();
        // The variable is not set (no test sets it): the error names it.
        let missing = load(Some(&path), None);
        assert!(format!("{:#}", missing.unwrap_err()).contains("SEGUR_TEST_OIDC_CFG_SECRET"));
        std::fs::write(
            &path,
            std::fs::read_to_string(&path).unwrap().replace(
                "client_secret_env = \"SEGUR_TEST_OIDC_CFG_SECRET\"",
                "client_secret = \"s3cr3t\"",
            ),
        )
        .unwrap();
        let (url, providers) = load(Some(&path), None).unwrap();
        assert_eq!(url.as_deref(), Some("https://segur.example.fr"));
        assert_eq!(providers.len(), 1);
        assert_eq!(providers[0].identifier_claim, "SubjectNameID");
        assert!(!format!("{providers:?}").contains("s3cr3t"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
