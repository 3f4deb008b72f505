//! Reading the verification code back from an uploaded attestation.
//!
//! The code only says which issuance record to compare with: authenticity is the SHA-256 of
//! the whole file against the one stored at issuance. So reading is lenient about *where* the
//! code is (the information dictionary, else the XMP packet or any uncompressed text), and
//! strict about never failing loudly: hostile input gives `None`, never a panic.

use lopdf::{Document, Object};
use segur_domain::decision::VerificationCode;

use crate::VERIFICATION_KEYWORD;

/// Larger files are not attestations (a 60-name attestation is well under 100 KB).
const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// The verification code of an attestation made by [`crate::render_pdf`], or `None` when the
/// bytes are not such a PDF.
pub fn read_verification_code(pdf: &[u8]) -> Option<VerificationCode> {
    if pdf.len() > MAX_INPUT_BYTES || !pdf.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return None;
    }
    from_info_dictionary(pdf).or_else(|| scan(pdf))
}

/// `/Keywords` of the trailer's `/Info` dictionary, parsed with lopdf (under `catch_unwind`:
/// lopdf is not written for hostile input).
fn from_info_dictionary(pdf: &[u8]) -> Option<VerificationCode> {
    let Ok(Ok(doc)) = std::panic::catch_unwind(|| Document::load_mem(pdf)) else {
        return None;
    };
    let info = doc.trailer.get(b"Info").ok()?;
    let (_, info) = doc.dereference(info).ok()?;
    let keywords = info.as_dict().ok()?.get(b"Keywords").ok()?;
    let Object::String(bytes, _) = keywords else {
        return None;
    };
    find_code(&decode_text_string(bytes))
}

/// A PDF text string: UTF-16BE with a byte-order mark, UTF-8 with its mark (PDF 2.0), else
/// PDFDocEncoding (read as Latin-1, which it matches for the ASCII the code is made of).
fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The code after the keyword prefix in some text.
fn find_code(text: &str) -> Option<VerificationCode> {
    text.match_indices(VERIFICATION_KEYWORD)
        .find_map(|(at, _)| {
            let rest = &text[at + VERIFICATION_KEYWORD.len()..];
            let candidate: String = rest.chars().take(19).collect();
            VerificationCode::parse(&candidate).ok()
        })
}

/// Fallback: the prefix anywhere in the raw bytes (the XMP packet is stored uncompressed).
fn scan(pdf: &[u8]) -> Option<VerificationCode> {
    let needle = VERIFICATION_KEYWORD.as_bytes();
    pdf.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .find_map(|(at, _)| {
            let start = at + needle.len();
            let end = (start + 19).min(pdf.len());
            let candidate = std::str::from_utf8(pdf.get(start..end)?).ok()?;
            VerificationCode::parse(candidate).ok()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lif_08_text_strings_in_every_encoding() {
        let code = "segur-verification:ABCD-EFGH-JKMN-PQRS";
        let mut utf16 = vec![0xfe, 0xff];
        for u in code.encode_utf16() {
            utf16.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decode_text_string(&utf16), code);
        assert_eq!(decode_text_string(code.as_bytes()), code);
        let mut utf8 = vec![0xef, 0xbb, 0xbf];
        utf8.extend_from_slice(code.as_bytes());
        assert_eq!(decode_text_string(&utf8), code);
        assert_eq!(
            find_code(&format!("segur-nru:X, {code}")).unwrap().as_str(),
            "ABCD-EFGH-JKMN-PQRS"
        );
        assert_eq!(find_code("segur-verification:ABCD"), None);
        assert_eq!(find_code("segur-verification:"), None);
        // Odd UTF-16 length and lone surrogates do not panic.
        assert!(find_code(&decode_text_string(&[0xfe, 0xff, 0xd8, 0x00, 0x41])).is_none());
    }

    #[test]
    fn lif_08_scan_ignores_truncated_and_invalid_codes() {
        assert_eq!(scan(b"%PDF-1.7 segur-verification:"), None);
        assert_eq!(
            scan(b"%PDF-1.7 segur-verification:ABCD-EFGH-JKMN-PQR"),
            None
        );
        assert_eq!(
            scan(b"%PDF-1.7 segur-verification:UUUU-EFGH-JKMN-PQRS segur-verification:ABCD-EFGH-JKMN-PQRS")
                .unwrap()
                .as_str(),
            "ABCD-EFGH-JKMN-PQRS"
        );
        assert_eq!(
            scan("segur-verification:ABCD-EFGH-JKMN-PQ\u{e9}".as_bytes()),
            None
        );
    }
}
