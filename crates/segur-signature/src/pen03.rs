//! PEN-03: the form is electronically signed *by the declared provider*.
//!
//! The signature report alone says "validly signed by someone the anchors vouch for"; PEN-03
//! also needs that someone to be the provider. The match compares the organisation (O) of the
//! signer certificate with the provider the editor declared, after [`provider_key`]: folded
//! with `segur_domain::text::fold` (case and accents), every run of non-alphanumeric characters
//! (spaces, hyphens, dots, apostrophes) made one space, trimmed. So « Cyber Audit Sécurité »,
//! « CYBER-AUDIT SECURITE » and « cyber audit  sécurité » match; « Cyber Audit SAS » and
//! « Cyber Audit » do not (legal forms are not guessed: declare the provider as its certificate
//! names it — the report shows the certificate's O).

use segur_domain::text::fold;
use segur_domain::world::SignatureKind;
use serde::{Deserialize, Serialize};

use crate::{Outcome, SignatureReport};

/// The PEN-03 decision for one form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pen03Verdict {
    /// What the rules engine is told (`electronic` only when PEN-03 passes): `electronic` or
    /// `none`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub signature: SignatureKind,
    pub passed: bool,
    /// `valid`, a signature outcome code, `provider_mismatch` or `no_signer_organisation`.
    pub code: String,
    /// French explanation.
    pub message: String,
}

/// The comparison key of an organisation name (see the module documentation).
pub fn provider_key(s: &str) -> String {
    let folded = fold(s);
    let mut out = String::with_capacity(folded.len());
    let mut space = false;
    for c in folded.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

/// Decides PEN-03 from the signature report and the declared provider.
pub fn pen_03_verdict(report: &SignatureReport, declared_provider: &str) -> Pen03Verdict {
    let fail = |signature: SignatureKind, code: &str, message: String| Pen03Verdict {
        signature,
        passed: false,
        code: code.to_owned(),
        message,
    };
    match report.outcome {
        Outcome::Valid => {}
        Outcome::NoSignature => {
            return fail(
                SignatureKind::None,
                Outcome::NoSignature.code(),
                "formulaire sans signature électronique : une signature manuscrite scannée ne compte pas, la signature électronique du prestataire est exigée".into(),
            );
        }
        other => {
            return fail(
                SignatureKind::None,
                other.code(),
                format!(
                    "signature électronique non valable ({}) : {}",
                    other.label_fr(),
                    report.message
                ),
            );
        }
    }
    let Some(org) = report
        .signer
        .as_ref()
        .and_then(|s| s.organisation.as_deref())
    else {
        return fail(
            SignatureKind::None,
            "no_signer_organisation",
            "le certificat du signataire ne nomme pas d'organisation (O) : impossible de vérifier qu'il s'agit du prestataire".into(),
        );
    };
    if provider_key(org) != provider_key(declared_provider) || provider_key(org).is_empty() {
        return fail(
            SignatureKind::None,
            "provider_mismatch",
            format!(
                "le formulaire est signé par « {org} » et non par le prestataire déclaré « {declared_provider} »"
            ),
        );
    }
    let who = report
        .signer
        .as_ref()
        .and_then(|s| s.common_name.clone())
        .unwrap_or_else(|| "signataire sans nom".into());
    Pen03Verdict {
        signature: SignatureKind::Electronic,
        passed: true,
        code: Outcome::Valid.code().to_owned(),
        message: format!("signé électroniquement par {who} pour « {org} », le prestataire déclaré"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pen_03_provider_key_ignores_case_accents_and_punctuation() {
        assert_eq!(provider_key("Cyber Audit Sécurité"), "cyber audit securite");
        assert_eq!(
            provider_key("  CYBER-AUDIT   SECURITE. "),
            "cyber audit securite"
        );
        assert_ne!(provider_key("Cyber Audit SAS"), provider_key("Cyber Audit"));
        assert_eq!(provider_key("L’Œil Sûr"), "l oeil sur");
    }
}
