//! The attestation de référencement as a PDF (LIF-08), rendered by `segur-attestation`.

use segur_domain::decision::AttestationContent;

/// Renders the attestation; the error is a French sentence for the logs and the caller.
pub fn render(content: &AttestationContent) -> Result<Vec<u8>, String> {
    segur_attestation::render_pdf(content).map_err(|e| e.to_string())
}
