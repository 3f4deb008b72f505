//! Checks a workbook's bytes before any XML parser sees them. An XLSX file is a zip of XML
//! parts; the zip layer can lie (declared sizes), explode (zip bombs) or carry XML with DTDs
//! (billion laughs). Every part is decompressed here through a bounded reader, so the limits
//! hold whatever the headers say.

use std::io::{Cursor, Read};

use crate::ImportError;

/// Largest workbook accepted as uploaded (compressed): a REM of 10,000 rows is about 1 MiB.
pub const MAX_WORKBOOK_BYTES: usize = 32 * 1024 * 1024;
/// Largest total of decompressed parts.
pub const MAX_UNCOMPRESSED_BYTES: u64 = 256 * 1024 * 1024;
/// Most zip entries accepted (a workbook has a few dozen).
pub const MAX_ENTRIES: usize = 2_000;
/// Highest compression ratio accepted for parts larger than [`RATIO_FLOOR_BYTES`]. XML of
/// real sheets compresses 10–30×; bombs go to thousands.
pub const MAX_RATIO: u64 = 200;
/// Parts smaller than this are not checked for ratio (tiny parts compress oddly).
pub const RATIO_FLOOR_BYTES: u64 = 1024 * 1024;

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ZIP_MAGIC: [u8; 4] = [b'P', b'K', 0x03, 0x04];

/// Kind of a file judged by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Zip,
    /// OLE compound file: a password-protected OOXML workbook or a legacy `.xls`.
    Cfb,
    Other,
}

pub fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(&ZIP_MAGIC) {
        Sniffed::Zip
    } else if bytes.starts_with(&CFB_MAGIC) {
        Sniffed::Cfb
    } else {
        Sniffed::Other
    }
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Refuses anything but a sane XLSX zip. Returns nothing: the caller then hands the same bytes
/// to the workbook reader.
pub fn check_workbook(bytes: &[u8]) -> Result<(), ImportError> {
    if bytes.len() > MAX_WORKBOOK_BYTES {
        return Err(ImportError::file(format!(
            "classeur trop volumineux ({} octets, maximum {MAX_WORKBOOK_BYTES})",
            bytes.len()
        )));
    }
    match sniff(bytes) {
        Sniffed::Zip => {}
        Sniffed::Cfb => {
            let encrypted = utf16le("EncryptedPackage");
            let protected = bytes.windows(encrypted.len()).any(|w| w == encrypted);
            return Err(ImportError::file(if protected {
                "classeur protégé par mot de passe : enregistrez-le sans mot de passe puis importez-le à nouveau".to_owned()
            } else {
                "ancien format Excel (.xls) non pris en charge : enregistrez le classeur au format .xlsx".to_owned()
            }));
        }
        Sniffed::Other => {
            return Err(ImportError::file(
                "ce fichier n'est pas un classeur XLSX (archive zip attendue)",
            ));
        }
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ImportError::file(format!("classeur XLSX illisible (zip corrompu : {e})")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(ImportError::file(format!(
            "classeur refusé : {} parties (maximum {MAX_ENTRIES})",
            archive.len()
        )));
    }
    let mut declared_total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| ImportError::file(format!("classeur XLSX illisible (zip : {e})")))?;
        let size = entry.size();
        declared_total = declared_total.saturating_add(size);
        if declared_total > MAX_UNCOMPRESSED_BYTES {
            return Err(bomb());
        }
        let compressed = entry.compressed_size().max(1);
        if size > RATIO_FLOOR_BYTES && size / compressed > MAX_RATIO {
            return Err(bomb());
        }
    }
    let mut actual_total: u64 = 0;
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| ImportError::file(format!("classeur XLSX illisible (zip : {e})")))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("n° {i}"));
        let declared = entry.size();
        buf.clear();
        // One byte more than declared tells a lying header from an honest one.
        (&mut entry)
            .take(declared.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| {
                ImportError::file(format!("classeur XLSX illisible (partie {name} : {e})"))
            })?;
        if buf.len() as u64 > declared {
            return Err(ImportError::file(format!(
                "classeur refusé : la partie {name} est plus grande que ce que l'archive déclare"
            )));
        }
        actual_total += buf.len() as u64;
        if actual_total > MAX_UNCOMPRESSED_BYTES {
            return Err(bomb());
        }
        if is_xml_part(&name) && has_dtd(&buf) {
            return Err(ImportError::file(format!(
                "classeur refusé : la partie {name} contient une déclaration DOCTYPE ou ENTITY (interdite dans un classeur XLSX)"
            )));
        }
    }
    Ok(())
}

fn bomb() -> ImportError {
    ImportError::file(
        "classeur refusé : taille décompressée anormale (archive piégée, « zip bomb »)",
    )
}

fn is_xml_part(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".xml") || n.ends_with(".rels") || n.ends_with(".vml")
}

/// True when the XML declares a DTD or entities, whatever the case or the encoding of the
/// ASCII letters (UTF-16 parts are checked too).
pub fn has_dtd(xml: &[u8]) -> bool {
    let needles: [&[u8]; 2] = [b"<!doctype", b"<!entity"];
    let lower: Vec<u8> = xml.iter().map(u8::to_ascii_lowercase).collect();
    if needles
        .iter()
        .any(|n| lower.windows(n.len()).any(|w| w == *n))
    {
        return true;
    }
    // UTF-16 (either order): drop the zero bytes and look again.
    if xml.len() > 1 && (xml[0] == 0 || xml[1] == 0) {
        let narrowed: Vec<u8> = lower.iter().copied().filter(|b| *b != 0).collect();
        return needles
            .iter()
            .any(|n| narrowed.windows(n.len()).any(|w| w == *n));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, data) in parts {
                w.start_file(*name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn password_protected_workbook_is_named_as_such() {
        let mut bytes = CFB_MAGIC.to_vec();
        bytes.extend(vec![0u8; 200]);
        bytes.extend(utf16le("EncryptedPackage"));
        let err = check_workbook(&bytes).unwrap_err();
        assert!(
            err.to_string().contains("protégé par mot de passe"),
            "{err}"
        );
        let mut xls = CFB_MAGIC.to_vec();
        xls.extend(vec![0u8; 200]);
        assert!(
            check_workbook(&xls)
                .unwrap_err()
                .to_string()
                .contains(".xls")
        );
    }

    #[test]
    fn not_a_zip_is_refused() {
        let err = check_workbook(b"N\xc2\xb0 exigence;Chapitre\n").unwrap_err();
        assert!(err.to_string().contains("pas un classeur XLSX"));
        let err = check_workbook(b"PK\x03\x04garbage").unwrap_err();
        assert!(err.to_string().contains("illisible"), "{err}");
    }

    #[test]
    fn zip_bomb_is_refused() {
        // 20 MiB of zeros compresses about 1000 times.
        let zeros = vec![0u8; 20 * 1024 * 1024];
        let bytes = zip_of(&[("xl/worksheets/sheet1.xml", &zeros)]);
        let err = check_workbook(&bytes).unwrap_err();
        assert!(err.to_string().contains("zip bomb"), "{err}");
        // Many parts, each just under the ratio floor, adding up past the total limit.
        let part = vec![b'a'; RATIO_FLOOR_BYTES as usize];
        let names: Vec<String> = (0..260).map(|i| format!("xl/media/p{i}.xml")).collect();
        let parts: Vec<(&str, &[u8])> = names
            .iter()
            .map(|n| (n.as_str(), part.as_slice()))
            .collect();
        let bytes = zip_of(&parts);
        assert!(
            check_workbook(&bytes)
                .unwrap_err()
                .to_string()
                .contains("zip bomb")
        );
    }

    #[test]
    fn billion_laughs_is_refused() {
        let xml = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><sst>&lol2;</sst>"#;
        let bytes = zip_of(&[("xl/sharedStrings.xml", xml)]);
        let err = check_workbook(&bytes).unwrap_err();
        assert!(err.to_string().contains("DOCTYPE"), "{err}");
        let utf16: Vec<u8> = "<?xml?><!doctype x>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(has_dtd(&utf16));
        assert!(!has_dtd(b"<sst><si><t>DOCTYPE</t></si></sst>"));
    }
}
