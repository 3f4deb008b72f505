//! The attestation de référencement as a PDF (LIF-08), rendered by `segur-attestation`.

use segur_domain::decision::{AttestationContent, VerificationCode};

/// Renders the attestation; the error is a French sentence for the logs and the caller.
pub fn render(content: &AttestationContent) -> Result<Vec<u8>, String> {
    segur_attestation::render_pdf(content).map_err(|e| e.to_string())
}

/// The verification code an uploaded PDF carries, if it is one of ours (modified or not).
pub fn read_verification_code(pdf: &[u8]) -> Option<VerificationCode> {
    segur_attestation::read_verification_code(pdf)
}
