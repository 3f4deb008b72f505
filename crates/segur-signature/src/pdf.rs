//! Locating PDF signatures (lopdf) and the bytes they cover (`/ByteRange`).

use lopdf::{Document, Object};

/// A signature dictionary of the PDF.
#[derive(Debug, Clone)]
pub(crate) struct PdfSignature {
    /// `[offset1 length1 offset2 length2]`.
    pub byte_range: [u64; 4],
    /// `/Contents` cut to the CMS DER length (without the zero padding).
    pub cms: Vec<u8>,
    /// `/Contents` as stored (with padding), to compare with the hole of the byte range.
    pub contents_raw: Vec<u8>,
    pub sub_filter: Option<String>,
    /// `/M`, the claimed signing time.
    pub signing_time: Option<jiff::Timestamp>,
}

impl PdfSignature {
    /// End of the signed range (offset2 + length2).
    pub fn end(&self) -> u64 {
        self.byte_range[2].saturating_add(self.byte_range[3])
    }
}

#[derive(Debug)]
pub(crate) struct PdfError {
    pub message: String,
    pub detail: Option<String>,
}

fn err(message: impl Into<String>, detail: Option<String>) -> PdfError {
    PdfError {
        message: message.into(),
        detail,
    }
}

/// The signature dictionaries of the PDF (document timestamps excluded). `Err` when the file
/// is not a readable PDF.
pub(crate) fn find_signatures(pdf: &[u8]) -> Result<Vec<PdfSignature>, PdfError> {
    if !pdf.starts_with(b"%PDF-") {
        // Some writers put a few bytes before the header; the specification tolerates 1 KiB.
        if !pdf.windows(5).take(1024).any(|w| w == b"%PDF-") {
            return Err(err(
                "le fichier n'est pas un PDF (en-tête %PDF- absent) : joignez le PDF signé, ou le fichier et sa signature détachée (.p7s)",
                None,
            ));
        }
    }
    let doc = load(pdf)?;
    let mut out = Vec::new();
    for obj in doc.objects.values() {
        let dict = match obj {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            _ => continue,
        };
        let (Ok(br), Ok(contents)) = (dict.get(b"ByteRange"), dict.get(b"Contents")) else {
            continue;
        };
        let deref =
            |o: &'_ Object| -> Option<Object> { doc.dereference(o).ok().map(|(_, o)| o.clone()) };
        let sub_filter = dict.get(b"SubFilter").ok().and_then(deref).and_then(|o| {
            o.as_name()
                .ok()
                .map(|n| String::from_utf8_lossy(n).into_owned())
        });
        if sub_filter.as_deref() == Some("ETSI.RFC3161") {
            // A document timestamp, not a signature by a person.
            continue;
        }
        let br = deref(br).ok_or_else(|| err("signature PDF : /ByteRange illisible", None))?;
        let arr = br
            .as_array()
            .map_err(|_| err("signature PDF : /ByteRange n'est pas un tableau", None))?;
        if arr.len() != 4 {
            return Err(err(
                format!(
                    "signature PDF : /ByteRange doit compter 4 nombres ({} trouvés)",
                    arr.len()
                ),
                None,
            ));
        }
        let mut byte_range = [0u64; 4];
        for (slot, o) in byte_range.iter_mut().zip(arr) {
            *slot = o
                .as_i64()
                .ok()
                .and_then(|v| u64::try_from(v).ok())
                .ok_or_else(|| {
                    err(
                        "signature PDF : /ByteRange contient une valeur invalide",
                        None,
                    )
                })?;
        }
        let contents =
            deref(contents).ok_or_else(|| err("signature PDF : /Contents illisible", None))?;
        let raw = match contents {
            Object::String(bytes, _) => bytes,
            _ => {
                return Err(err("signature PDF : /Contents n'est pas une chaîne", None));
            }
        };
        let cms = cut_der(&raw).ok_or_else(|| {
            err(
                "signature PDF : /Contents ne contient pas une signature CMS (DER) lisible",
                None,
            )
        })?;
        let signing_time = dict
            .get(b"M")
            .ok()
            .and_then(deref)
            .and_then(|o| o.as_str().ok().map(<[u8]>::to_vec))
            .and_then(|s| parse_pdf_date(&s));
        out.push(PdfSignature {
            byte_range,
            cms: cms.to_vec(),
            contents_raw: raw,
            sub_filter,
            signing_time,
        });
    }
    Ok(out)
}

fn load(pdf: &[u8]) -> Result<Document, PdfError> {
    // lopdf is not written for hostile input; a panic inside it must not take the request
    // down (the server also catches panics, but the report must say "malformed").
    let res = std::panic::catch_unwind(|| Document::load_mem(pdf));
    match res {
        Ok(Ok(doc)) => Ok(doc),
        Ok(Err(e)) => Err(err("PDF illisible", Some(e.to_string()))),
        Err(_) => Err(err(
            "PDF illisible (structure incohérente)",
            Some("parser panic".into()),
        )),
    }
}

/// The DER TLV at the start of `raw` (the rest is zero padding).
fn cut_der(raw: &[u8]) -> Option<&[u8]> {
    if raw.len() < 2 || raw[0] != 0x30 {
        return None;
    }
    let first = raw[1];
    let (header, len) = if first < 0x80 {
        (2usize, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || raw.len() < 2 + n {
            return None;
        }
        let mut len = 0usize;
        for b in &raw[2..2 + n] {
            len = (len << 8) | usize::from(*b);
        }
        (2 + n, len)
    };
    let total = header.checked_add(len)?;
    raw.get(..total)
}

/// The bytes covered by the signature: `pdf[a..a+b] ++ pdf[c..c+d]`, after checking that the
/// range starts at the beginning of the file, that the hole between both parts is exactly the
/// `/Contents` hexadecimal string, and that the range lies within the file.
pub(crate) fn covered_bytes(pdf: &[u8], sig: &PdfSignature) -> Result<Vec<u8>, PdfError> {
    let [a, b, c, d] = sig.byte_range;
    let len = pdf.len() as u64;
    let bad = |why: &str| {
        err(
            format!("signature PDF : /ByteRange incohérent ({why})"),
            Some(format!("ByteRange [{a} {b} {c} {d}], file {len} bytes")),
        )
    };
    if a != 0 {
        return Err(bad("la signature ne couvre pas le début du fichier"));
    }
    let hole_start = a.checked_add(b).ok_or_else(|| bad("dépassement"))?;
    let end = c.checked_add(d).ok_or_else(|| bad("dépassement"))?;
    if hole_start > c || end > len {
        return Err(bad("plages hors du fichier ou qui se chevauchent"));
    }
    let (hole_start, c, end) = (hole_start as usize, c as usize, end as usize);
    let hole = &pdf[hole_start..c];
    if hole.len() < 2 || hole[0] != b'<' || hole[hole.len() - 1] != b'>' {
        return Err(bad(
            "la partie exclue n'est pas la chaîne hexadécimale /Contents",
        ));
    }
    let hex: Vec<u8> = hole[1..hole.len() - 1]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let decoded = hex::decode(&hex).map_err(|_| bad("la partie exclue n'est pas hexadécimale"))?;
    if decoded != sig.contents_raw {
        return Err(bad("la partie exclue n'est pas la signature /Contents"));
    }
    let mut out = Vec::with_capacity(hole_start + (end - c));
    out.extend_from_slice(&pdf[..hole_start]);
    out.extend_from_slice(&pdf[c..end]);
    Ok(out)
}

/// A PDF date `D:YYYYMMDDHHmmSSOHH'mm'` (every part after the year optional).
pub(crate) fn parse_pdf_date(s: &[u8]) -> Option<jiff::Timestamp> {
    let s = std::str::from_utf8(s).ok()?;
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits = |from: usize, n: usize, default: i64| -> Option<i64> {
        match s.get(from..from + n) {
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok(),
            Some(_) => None,
            None if s.len() <= from => Some(default),
            None => None,
        }
    };
    let year = digits(0, 4, 0)?;
    if s.len() < 4 {
        return None;
    }
    let month = digits(4, 2, 1)?;
    let day = digits(6, 2, 1)?;
    let hour = digits(8, 2, 0)?;
    let minute = digits(10, 2, 0)?;
    let second = digits(12, 2, 0)?;
    let date = jiff::civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()?;
    let dt = date.to_datetime(
        jiff::civil::Time::new(
            i8::try_from(hour).ok()?,
            i8::try_from(minute).ok()?,
            i8::try_from(second).ok()?,
            0,
        )
        .ok()?,
    );
    let rest = s.get(14..).unwrap_or("");
    let offset_seconds: i32 = match rest.as_bytes().first() {
        None | Some(b'Z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let r: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            let hh: i32 = r.get(0..2).and_then(|p| p.parse().ok()).unwrap_or(0);
            let mm: i32 = r.get(2..4).and_then(|p| p.parse().ok()).unwrap_or(0);
            if hh > 23 || mm > 59 {
                return None;
            }
            let v = hh * 3600 + mm * 60;
            if *sign == b'-' { -v } else { v }
        }
        Some(_) => return None,
    };
    let offset = jiff::tz::Offset::from_seconds(offset_seconds).ok()?;
    offset.to_timestamp(dt).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_parse_with_and_without_offsets() {
        let t = parse_pdf_date(b"D:20261122203400+01'00'").unwrap();
        assert_eq!(t.to_string(), "2026-11-22T19:34:00Z");
        let t = parse_pdf_date(b"D:20261122203400Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-22T20:34:00Z");
        let t = parse_pdf_date(b"D:2026").unwrap();
        assert_eq!(t.to_string(), "2026-01-01T00:00:00Z");
        assert!(parse_pdf_date(b"D:20261399").is_none());
        assert!(parse_pdf_date(b"hello").is_none());
        assert!(parse_pdf_date(b"").is_none());
        assert!(parse_pdf_date("D:2026é".as_bytes()).is_none());
    }

    #[test]
    fn der_is_cut_at_its_length() {
        assert_eq!(
            cut_der(&[0x30, 0x02, 1, 2, 0, 0]),
            Some(&[0x30, 0x02, 1, 2][..])
        );
        assert_eq!(
            cut_der(&[0x30, 0x81, 0x01, 9, 0]),
            Some(&[0x30, 0x81, 0x01, 9][..])
        );
        assert_eq!(cut_der(&[0x30, 0x05, 1]), None);
        assert_eq!(cut_der(&[0x31, 0x00]), None);
        assert_eq!(cut_der(&[0x30, 0x80]), None);
        assert_eq!(cut_der(&[0x30, 0x85, 1, 1, 1, 1, 1]), None);
        assert_eq!(cut_der(&[]), None);
    }
}
