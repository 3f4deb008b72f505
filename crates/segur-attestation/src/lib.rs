//! The *attestation de référencement* as a PDF (LIF-08).
//!
//! [`render_pdf`] lays out an [`AttestationContent`] on A4 pages (French, tagged PDF with
//! `/Lang (fr-FR)`, embedded and subset DejaVu Sans), and [`read_verification_code`] reads the
//! verification code back from an uploaded file, so that the register can find the issuance
//! record and compare the file's SHA-256 with the one stored then.
//!
//! The output depends only on the content: the fonts are compiled in (`include_bytes!`), the
//! document date is the decision date, and nothing reads the clock or the host.

mod layout;
mod read;

pub use layout::PAGE_SIZE;
pub use read::read_verification_code;

use krilla::Document;
use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, SpanTag, TableHeaderScope, Tag, TagGroup,
    TagKind, TagTree,
};
use krilla::text::{Font, TextDirection};
use segur_domain::decision::AttestationContent;

use layout::{Face, Kind, Node, Placed};

/// The keyword prefix under which the verification code is stored in the document metadata
/// (`/Keywords` of the information dictionary and `pdf:Keywords` of the XMP packet).
pub const VERIFICATION_KEYWORD: &str = "segur-verification:";

/// The document title, also the first heading of the first page.
pub const TITLE: &str = "Attestation de référencement Ségur numérique — vague 2";

pub(crate) const REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
pub(crate) const BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Why an attestation could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum AttestationError {
    #[error("police embarquée illisible")]
    Font,
    #[error("génération du PDF impossible : {0}")]
    Pdf(String),
}

struct Fonts {
    regular: Font,
    bold: Font,
}

impl Fonts {
    fn load() -> Result<Self, AttestationError> {
        let regular = Font::new(REGULAR_TTF.into(), 0).ok_or(AttestationError::Font)?;
        let bold = Font::new(BOLD_TTF.into(), 0).ok_or(AttestationError::Font)?;
        Ok(Self { regular, bold })
    }

    fn get(&self, face: Face) -> Font {
        match face {
            Face::Regular => self.regular.clone(),
            Face::Bold => self.bold.clone(),
        }
    }
}

/// Renders the attestation (LIF-08): one or more A4 pages, every commercial name with its NIL
/// and technical version, the verification code and URL. Deterministic: the same content gives
/// the same bytes.
pub fn render_pdf(content: &AttestationContent) -> Result<Vec<u8>, AttestationError> {
    let laid = layout::lay_out(content).map_err(|_| AttestationError::Font)?;
    let fonts = Fonts::load()?;

    // PDF/UA-1: krilla then refuses an untagged run, a heading without title, a missing
    // language or document title, so that the accessibility of the output is checked here.
    let configuration = ConfigurationBuilder::new()
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| AttestationError::Pdf(format!("{e:?}")))?;
    let settings = krilla::SerializeSettings {
        enable_tagging: true,
        configuration,
        ..krilla::SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let mut ids: Vec<Option<Identifier>> = Vec::with_capacity(laid.runs.len());
    ids.resize_with(laid.runs.len(), || None);

    for (page_index, page) in laid.pages.iter().enumerate() {
        let mut p = document.start_page_with(
            PageSettings::from_wh(PAGE_SIZE.0, PAGE_SIZE.1)
                .ok_or_else(|| AttestationError::Pdf("taille de page".into()))?,
        );
        let mut surface = p.surface();
        for &run_index in &page.runs {
            let Some(run) = laid.runs.get(run_index) else {
                continue;
            };
            if run.artifact {
                // A table header repeated on a following page: read once, in the structure.
                surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
                    ArtifactType::PaginationOther,
                )));
                draw_run(&mut surface, &fonts, run);
                surface.end_tagged();
                continue;
            }
            let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
            draw_run(&mut surface, &fonts, run);
            surface.end_tagged();
            if let Some(slot) = ids.get_mut(run_index) {
                *slot = Some(id);
            }
        }
        draw_rules(&mut surface, &page.rules);
        // Running footer: an artifact, not part of the logical structure.
        surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
            ArtifactType::Footer,
        )));
        for run in layout::footer(content, page_index + 1, laid.pages.len()) {
            draw_run(&mut surface, &fonts, &run);
        }
        surface.end_tagged();
        surface.finish();
        p.finish();
    }

    let mut tree = TagTree::new();
    for node in &laid.structure {
        if let Some(group) = to_tag_group(node, &mut ids, &laid.runs) {
            tree.push(group);
        }
    }
    document.set_tag_tree(tree);
    document.set_outline(outline(&laid));
    document.set_metadata(metadata(content));
    document
        .finish()
        .map_err(|e| AttestationError::Pdf(format!("{e:?}")))
}

fn draw_run(surface: &mut Surface<'_>, fonts: &Fonts, run: &Placed) {
    surface.set_fill(Some(Fill::default()));
    surface.draw_text(
        Point::from_xy(run.x, run.y),
        fonts.get(run.face),
        run.size,
        &run.text,
        false,
        TextDirection::Auto,
    );
}

/// Table rules, tagged as artifacts (decoration).
fn draw_rules(surface: &mut Surface<'_>, rules: &[(f32, f32, f32)]) {
    if rules.is_empty() {
        return;
    }
    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(
        ArtifactType::Layout,
    )));
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        width: 0.5,
        ..Stroke::default()
    }));
    for &(x1, x2, y) in rules {
        let mut pb = PathBuilder::new();
        pb.move_to(x1, y);
        pb.line_to(x2, y);
        if let Some(path) = pb.finish() {
            surface.draw_path(&path);
        }
    }
    surface.set_stroke(None);
    surface.end_tagged();
}

fn to_tag_group(node: &Node, ids: &mut [Option<Identifier>], runs: &[Placed]) -> Option<TagGroup> {
    let Node::Group(kind, children) = node else {
        return None;
    };
    let mut group = TagGroup::new(tag_of(*kind, children, runs));
    let mut any = false;
    for child in children {
        match child {
            Node::Run(i) => {
                if let Some(id) = ids.get_mut(*i).and_then(Option::take) {
                    group.push(id);
                    any = true;
                }
            }
            Node::Group(..) => {
                if let Some(g) = to_tag_group(child, ids, runs) {
                    group.push(g);
                    any = true;
                }
            }
        }
    }
    any.then_some(group)
}

/// The document outline (bookmarks): one entry per heading, at its place (PDF/UA asks for it).
fn outline(laid: &layout::Laid) -> Outline {
    let mut outline = Outline::new();
    for node in &laid.structure {
        let Node::Group(Kind::H1 | Kind::H2, children) = node else {
            continue;
        };
        let runs: Vec<&Placed> = children
            .iter()
            .filter_map(|c| match c {
                Node::Run(i) => laid.runs.get(*i),
                Node::Group(..) => None,
            })
            .collect();
        let (Some(first), Some(first_index)) = (
            runs.first(),
            children.iter().find_map(|c| match c {
                Node::Run(i) => Some(*i),
                Node::Group(..) => None,
            }),
        ) else {
            continue;
        };
        let page = laid
            .pages
            .iter()
            .position(|p| p.runs.contains(&first_index))
            .unwrap_or(0);
        let text = runs
            .iter()
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let at = Point::from_xy(first.x, (first.y - first.size * 1.2).max(0.0));
        outline.push_child(OutlineNode::new(text, XyzDestination::new(page, at)));
    }
    outline
}

/// The structure tag of a group; a heading's title is its text (PDF/UA asks for one).
fn tag_of(kind: Kind, children: &[Node], runs: &[Placed]) -> TagKind {
    match kind {
        Kind::H1 | Kind::H2 => {
            let level = if kind == Kind::H1 {
                std::num::NonZeroU16::MIN
            } else {
                std::num::NonZeroU16::MIN.saturating_add(1)
            };
            let title = children
                .iter()
                .filter_map(|c| match c {
                    Node::Run(i) => runs.get(*i).map(|r| r.text.as_str()),
                    Node::Group(..) => None,
                })
                .collect::<Vec<_>>()
                .join(" ");
            Tag::Hn(level, Some(title)).into()
        }
        Kind::P => Tag::P.into(),
        Kind::Table => Tag::Table.into(),
        Kind::Tr => Tag::TR.into(),
        Kind::Th => Tag::TH(TableHeaderScope::Column).into(),
        Kind::Td => Tag::TD.into(),
    }
}

fn metadata(content: &AttestationContent) -> Metadata {
    let d = content.referenced_on;
    let date = DateTime::new(u16::try_from(d.year()).unwrap_or(0))
        .month(u8::try_from(d.month()).unwrap_or(1))
        .day(u8::try_from(d.day()).unwrap_or(1));
    Metadata::new()
        .title(format!("{TITLE} — {}", content.nru))
        .description(format!(
            "Attestation de référencement {} — code de vérification {}",
            content.nru, content.code
        ))
        .keywords(vec![
            format!("{VERIFICATION_KEYWORD}{}", content.code),
            format!("segur-nru:{}", content.nru),
        ])
        .authors(vec!["Agence du Numérique en Santé".to_owned()])
        .creator("segur".to_owned())
        .producer("segur".to_owned())
        .language("fr-FR".to_owned())
        .creation_date(date)
}
