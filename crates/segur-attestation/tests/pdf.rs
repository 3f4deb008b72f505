//! The attestation PDF checked with independent readers: lopdf, and poppler's `pdftotext` /
//! `pdffonts` and `qpdf --check` (Debian packages `poppler-utils` and `qpdf`, installed by
//! `scripts/test.sh`). A missing tool fails the test with the command to install it: these
//! checks are the point of the suite, a silent skip would hide a broken attestation.

use std::io::Write;
use std::process::Command;

use segur_attestation::{read_verification_code, render_pdf};
use segur_domain::catalogue::{DispositifCode, Profile};
use segur_domain::decision::{
    AttestationContent, AttestedName, VerificationCode, verification_url,
};
use segur_domain::referencing::Nru;
use segur_domain::solution::Nil;

fn content(names: usize) -> AttestationContent {
    let code = VerificationCode::from_bytes([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]);
    AttestationContent {
        nru: Nru::parse("MDV-LGC-VA2-2026-00042").unwrap(),
        editor_name: "Éditions Médicales Françaises".to_owned(),
        dispositif: DispositifCode::parse("MDV-LGC-Va2").unwrap(),
        dispositif_name: "Logiciel de gestion de cabinet — médecine de ville".to_owned(),
        rem_version: "1.2".to_owned(),
        solution: "MonLPS 5.1".to_owned(),
        names: (1..=names)
            .map(|i| AttestedName {
                name: if i == 1 {
                    "MonLPS Médecin généraliste œcuménique".to_owned()
                } else {
                    format!("MonLPS déclinaison n° {i}")
                },
                nil: Nil::parse(&format!("NIL-{i:04}")).unwrap(),
                technical_version: format!("5.1.{i}"),
            })
            .collect(),
        profiles: vec![
            Profile::general(),
            Profile::parse("Ordonnance numérique").unwrap(),
        ],
        referenced_on: jiff::civil::date(2026, 10, 1),
        verification_url: verification_url("https://segur.example", &code),
        code,
    }
}

/// Runs a tool on the PDF (written to a temporary file); fails clearly when it is missing.
fn tool(name: &str, args: &[&str], pdf: &[u8]) -> (bool, String) {
    let dir =
        std::env::temp_dir().join(format!("segur-attestation-{}-{}", std::process::id(), name));
    std::fs::create_dir_all(&dir).unwrap();
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("{n}.pdf"));
    std::fs::File::create(&path)
        .unwrap()
        .write_all(pdf)
        .unwrap();
    let package = if name == "qpdf" {
        "qpdf"
    } else {
        "poppler-utils"
    };
    let out = Command::new(name)
        .args(args)
        .arg(&path)
        .args(if name == "pdftotext" { &["-"][..] } else { &[][..] })
        .output()
        .unwrap_or_else(|e| {
            panic!("`{name}` cannot run ({e}): install it with `apt-get install {package}` (scripts/test.sh does)")
        });
    let _ = std::fs::remove_file(&path);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn lif_08_attestation_parses_and_carries_every_field() {
    let c = content(3);
    let pdf = render_pdf(&c).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).expect("lopdf parses the attestation");
    assert_eq!(doc.get_pages().len(), 1);

    let (ok, text) = tool("pdftotext", &["-enc", "UTF-8", "-layout"], &pdf);
    assert!(ok, "{text}");
    // Lines wrap (the title takes two): compare with whitespace collapsed.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "Attestation de référencement Ségur numérique — vague 2",
        "MDV-LGC-VA2-2026-00042",
        "MDV-LGC-Va2 — Logiciel de gestion de cabinet — médecine de ville",
        "Version du REM",
        "1.2",
        "Général, Ordonnance numérique",
        "Éditions Médicales Françaises",
        "MonLPS 5.1",
        "1er octobre 2026",
        "MonLPS Médecin généraliste œcuménique",
        "Noms commerciaux référencés (3)",
        "Vérifiez l'authenticité de cette attestation sur",
        c.verification_url.as_str(),
        c.code.as_str(),
    ] {
        assert!(text.contains(needle), "« {needle} » missing from:\n{text}");
    }
    for n in &c.names {
        assert!(text.contains(n.nil.as_str()), "{} missing", n.nil);
        assert!(
            text.contains(&n.technical_version),
            "{} missing",
            n.technical_version
        );
    }
}

#[test]
fn lif_08_attestation_passes_qpdf_and_embeds_subset_fonts() {
    let pdf = render_pdf(&content(5)).unwrap();
    let (ok, out) = tool("qpdf", &["--check"], &pdf);
    assert!(ok, "qpdf --check failed:\n{out}");
    assert!(out.contains("No syntax or stream encoding errors"), "{out}");

    let (ok, fonts) = tool("pdffonts", &[], &pdf);
    assert!(ok, "{fonts}");
    let rows: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(rows.len() >= 2, "regular and bold expected:\n{fonts}");
    for row in rows {
        // name  type  encoding  emb sub uni  object ID
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert!(n >= 7, "{row}");
        assert_eq!(cols[n - 5], "yes", "not embedded: {row}");
        assert_eq!(cols[n - 4], "yes", "not subset: {row}");
        assert_eq!(cols[n - 3], "yes", "no ToUnicode: {row}");
        assert!(cols[0].contains("DejaVuSans"), "{row}");
    }
}

#[test]
fn lif_08_attestation_is_tagged_french_and_dated_from_the_content() {
    let c = content(2);
    let pdf = render_pdf(&c).unwrap();
    let (ok, info) = tool("pdfinfo", &[], &pdf);
    assert!(ok, "{info}");
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .map(str::trim)
            .unwrap_or_else(|| panic!("{name} missing from pdfinfo:\n{info}"))
            .to_owned()
    };
    assert_eq!(field("Tagged"), "yes");
    assert_eq!(field("Pages"), "1");
    assert_eq!(
        field("Title"),
        "Attestation de référencement Ségur numérique — vague 2 — MDV-LGC-VA2-2026-00042"
    );
    assert!(field("Keywords").contains(&format!("segur-verification:{}", c.code)));
    assert!(
        field("CreationDate").contains("2026"),
        "date from the decision: {info}"
    );

    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let catalog = doc.catalog().unwrap();
    let lang = catalog.get(b"Lang").unwrap().as_str().unwrap();
    assert_eq!(lang, b"fr-FR");
    assert!(catalog.get(b"StructTreeRoot").is_ok(), "structure tree");
    let info = doc.trailer.get(b"Info").unwrap();
    let info = doc.dereference(info).unwrap().1.as_dict().unwrap();
    let date = info.get(b"CreationDate").unwrap().as_str().unwrap();
    assert!(
        date.starts_with(b"D:20261001"),
        "{}",
        String::from_utf8_lossy(date)
    );
}

#[test]
fn lif_08_same_content_same_bytes() {
    let c = content(4);
    assert_eq!(render_pdf(&c).unwrap(), render_pdf(&c).unwrap());
    let mut other = c.clone();
    other.names[0].technical_version = "9.9.9".into();
    assert_ne!(render_pdf(&c).unwrap(), render_pdf(&other).unwrap());
}

#[test]
fn lif_08_sixty_names_wrap_onto_several_pages() {
    let c = content(60);
    let pdf = render_pdf(&c).unwrap();
    if let Ok(path) = std::env::var("SEGUR_ATTESTATION_SAMPLE") {
        // Look at it: `SEGUR_ATTESTATION_SAMPLE=/tmp/a.pdf cargo nextest run -p segur-attestation`.
        std::fs::write(path, &pdf).unwrap();
    }
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let pages = doc.get_pages().len();
    assert!(pages >= 2, "60 names on {pages} page(s)");

    let (ok, out) = tool("qpdf", &["--check"], &pdf);
    assert!(ok, "{out}");
    let (ok, text) = tool("pdftotext", &["-enc", "UTF-8"], &pdf);
    assert!(ok, "{text}");
    for n in &c.names {
        assert!(text.contains(n.nil.as_str()), "{} missing", n.nil);
    }
    assert!(text.contains(&format!("Page {pages} / {pages}")), "{text}");
    // The verification block comes once, after the table, on the last page.
    assert_eq!(text.matches("Vérifiez l'authenticité").count(), 1);
    let last_page = text.split('\u{c}').rfind(|p| !p.trim().is_empty()).unwrap();
    assert!(last_page.contains("Vérifiez l'authenticité"), "{last_page}");
    // The table header is repeated on every page of the table.
    assert!(text.matches("Version technique").count() >= 2, "{text}");
}

#[test]
fn lif_08_verification_code_round_trips() {
    let c = content(2);
    let pdf = render_pdf(&c).unwrap();
    assert_eq!(read_verification_code(&pdf), Some(c.code.clone()));
    // After a rewrite by another tool too (object streams, compressed xref, new ID): the code
    // is in the metadata, not in the layout of the bytes.
    let dir =
        std::env::temp_dir().join(format!("segur-attestation-rewrite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (src, dst) = (dir.join("in.pdf"), dir.join("out.pdf"));
    std::fs::write(&src, &pdf).unwrap();
    let status = Command::new("qpdf")
        .args(["--object-streams=generate", "--compress-streams=y"])
        .arg(&src)
        .arg(&dst)
        .status()
        .expect("qpdf (apt-get install qpdf)");
    assert!(status.success());
    let rewritten = std::fs::read(&dst).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_ne!(rewritten, pdf);
    assert_eq!(read_verification_code(&rewritten), Some(c.code));
}

#[test]
fn lif_08_garbage_is_not_an_attestation() {
    assert_eq!(read_verification_code(b""), None);
    assert_eq!(read_verification_code(b"%PDF-1.7\n"), None);
    assert_eq!(read_verification_code(&[0xff; 4096]), None);
    assert_eq!(
        read_verification_code(b"%PDF-1.7\ntrailer <</Info 1 0 R>>\n%%EOF"),
        None
    );
    // A PDF without our keyword.
    let pdf = render_pdf(&content(1)).unwrap();
    let stripped =
        String::from_utf8_lossy(&pdf).replace("segur-verification:", "segur-verificatio_:");
    assert_eq!(read_verification_code(stripped.as_bytes()), None);
    // Truncations and bit flips of a real attestation never panic.
    for cut in (0..pdf.len()).step_by(97) {
        let _ = read_verification_code(&pdf[..cut]);
    }
    let mut flipped = pdf.clone();
    for i in (0..flipped.len()).step_by(13) {
        flipped[i] ^= 0x5a;
    }
    let _ = read_verification_code(&flipped);
}
