//! Page layout of the attestation: where each line of text goes, on which page, and the
//! logical structure (headings, paragraphs, table) the tag tree is built from.
//!
//! Kept apart from PDF writing so that pagination can be reasoned about (and tested) on plain
//! values: widths come from the embedded fonts' advance widths.

use segur_domain::decision::AttestationContent;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::{BOLD_TTF, REGULAR_TTF, TITLE};

/// A4 in points.
pub const PAGE_SIZE: (f32, f32) = (595.28, 841.89);
const MARGIN_X: f32 = 56.7;
const TOP: f32 = 64.0;
/// Lowest baseline of the body; the footer sits below.
const BOTTOM: f32 = PAGE_SIZE.1 - 72.0;
const FOOTER_Y: f32 = PAGE_SIZE.1 - 36.0;
const BODY: f32 = 10.0;
const LINE: f32 = 14.0;
const LABEL_WIDTH: f32 = 190.0;
/// Column widths of the names table (the last one takes the rest).
const COL_NAME: f32 = 250.0;
const COL_NIL: f32 = 120.0;
const CELL_PAD: f32 = 4.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

/// One line of text at its place (baseline at `y`, from the top of the page).
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub face: Face,
    pub text: String,
    /// Repeated decoration (a table header repeated on a following page): not in the structure.
    pub artifact: bool,
}

/// Logical structure elements used by the attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    H1,
    H2,
    P,
    Table,
    Tr,
    Th,
    Td,
}

/// The logical tree: groups of runs (indices into [`Laid::runs`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Group(Kind, Vec<Node>),
    Run(usize),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// Runs drawn on this page, in reading order.
    pub runs: Vec<usize>,
    /// Horizontal rules: (x1, x2, y).
    pub rules: Vec<(f32, f32, f32)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Laid {
    pub runs: Vec<Placed>,
    pub pages: Vec<Page>,
    pub structure: Vec<Node>,
}

/// Advance widths of the two embedded faces.
pub struct Measure {
    regular: (FontRef<'static>, GlyphMetrics<'static>),
    bold: (FontRef<'static>, GlyphMetrics<'static>),
}

#[derive(Debug)]
pub struct FontError;

impl Measure {
    pub fn new() -> Result<Self, FontError> {
        let load = |data: &'static [u8]| -> Result<_, FontError> {
            let font = FontRef::new(data).map_err(|_| FontError)?;
            let metrics = font.glyph_metrics(Size::new(1.0), LocationRef::default());
            Ok((font, metrics))
        };
        Ok(Self {
            regular: load(REGULAR_TTF)?,
            bold: load(BOLD_TTF)?,
        })
    }

    /// Width of `text` at `size` points (no kerning: a slight overestimate, safe for wrapping).
    pub fn width(&self, face: Face, size: f32, text: &str) -> f32 {
        let (font, metrics) = match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        };
        let charmap = font.charmap();
        text.chars()
            .map(|c| {
                let gid = charmap.map(c).unwrap_or_default();
                metrics.advance_width(gid).unwrap_or(0.6)
            })
            .sum::<f32>()
            * size
    }

    /// Greedy word wrap into lines no wider than `max`; a word longer than a line is cut.
    pub fn wrap(&self, face: Face, size: f32, text: &str, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if self.width(face, size, &candidate) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if self.width(face, size, word) <= max {
                line = word.to_owned();
            } else {
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if !line.is_empty() && self.width(face, size, &next) > max {
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    } else {
                        line = next;
                    }
                }
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// The decision date in French: « 1er mars 2026 », « 22 juillet 2026 ».
pub fn date_fr(d: jiff::civil::Date) -> String {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let month = usize::try_from(d.month() - 1)
        .ok()
        .and_then(|m| MONTHS.get(m))
        .copied()
        .unwrap_or("");
    let day = if d.day() == 1 {
        "1er".to_owned()
    } else {
        d.day().to_string()
    };
    format!("{day} {month} {}", d.year())
}

struct Flow<'m> {
    m: &'m Measure,
    laid: Laid,
    y: f32,
}

impl<'m> Flow<'m> {
    fn new(m: &'m Measure) -> Self {
        Self {
            m,
            laid: Laid {
                pages: vec![Page::default()],
                ..Laid::default()
            },
            y: TOP,
        }
    }

    fn page(&mut self) -> &mut Page {
        if self.laid.pages.is_empty() {
            self.laid.pages.push(Page::default());
        }
        let last = self.laid.pages.len() - 1;
        &mut self.laid.pages[last]
    }

    /// Starts a new page when `height` does not fit; returns whether it did.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y + height > BOTTOM && self.y > TOP {
            self.laid.pages.push(Page::default());
            self.y = TOP;
            true
        } else {
            false
        }
    }

    fn put(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        face: Face,
        text: String,
        artifact: bool,
    ) -> usize {
        let index = self.laid.runs.len();
        self.laid.runs.push(Placed {
            x,
            y,
            size,
            face,
            text,
            artifact,
        });
        self.page().runs.push(index);
        index
    }

    /// A wrapped block of text in one face; returns its runs.
    fn block(
        &mut self,
        x: f32,
        width: f32,
        size: f32,
        face: Face,
        text: &str,
        leading: f32,
    ) -> Vec<Node> {
        let mut out = Vec::new();
        for line in self.m.wrap(face, size, text, width) {
            self.ensure(leading);
            self.y += leading;
            let y = self.y;
            out.push(Node::Run(self.put(x, y, size, face, line, false)));
        }
        out
    }

    /// A label / value line (the value wrapped in its column).
    fn field(&mut self, label: &str, value: &str, value_face: Face, value_size: f32) -> Node {
        let value_x = MARGIN_X + LABEL_WIDTH;
        let value_width = PAGE_SIZE.0 - MARGIN_X - value_x;
        let lines = self.m.wrap(value_face, value_size, value, value_width);
        let leading = LINE.max(value_size + 4.0);
        self.ensure(leading * lines.len().min(3) as f32);
        let mut runs = Vec::new();
        for (i, line) in lines.into_iter().enumerate() {
            self.ensure(leading);
            self.y += leading;
            let y = self.y;
            if i == 0 {
                runs.push(Node::Run(self.put(
                    MARGIN_X,
                    y,
                    BODY,
                    Face::Regular,
                    format!("{label} :"),
                    false,
                )));
            }
            runs.push(Node::Run(
                self.put(value_x, y, value_size, value_face, line, false),
            ));
        }
        Node::Group(Kind::P, runs)
    }
}

const COLUMNS: [(&str, f32); 3] = [
    ("Nom commercial", COL_NAME),
    ("NIL", COL_NIL),
    (
        "Version technique",
        PAGE_SIZE.0 - 2.0 * MARGIN_X - COL_NAME - COL_NIL,
    ),
];

/// Lays out the table header at the current position.
fn table_header(flow: &mut Flow<'_>, artifact: bool) -> Vec<Node> {
    flow.y += LINE;
    let y = flow.y;
    let mut x = MARGIN_X;
    let mut cells = Vec::new();
    for (title, width) in COLUMNS {
        let run = flow.put(
            x + CELL_PAD,
            y,
            BODY,
            Face::Bold,
            title.to_owned(),
            artifact,
        );
        cells.push(Node::Group(Kind::Th, vec![Node::Run(run)]));
        x += width;
    }
    let rule_y = y + 5.0;
    flow.page()
        .rules
        .push((MARGIN_X, PAGE_SIZE.0 - MARGIN_X, rule_y));
    flow.y += 5.0;
    cells
}

/// Lays out the whole attestation.
pub fn lay_out(content: &AttestationContent) -> Result<Laid, FontError> {
    let m = Measure::new()?;
    let mut flow = Flow::new(&m);
    let width = PAGE_SIZE.0 - 2.0 * MARGIN_X;
    let mut structure = Vec::new();

    let title = flow.block(MARGIN_X, width, 17.0, Face::Bold, TITLE, 22.0);
    structure.push(Node::Group(Kind::H1, title));
    flow.y += 8.0;
    let intro = flow.block(
        MARGIN_X,
        width,
        BODY,
        Face::Regular,
        "L'Agence du Numérique en Santé atteste que la solution décrite ci-dessous est référencée \
         au titre du programme Ségur numérique — vague 2, sous le numéro de référencement unique \
         indiqué, pour chacun des noms commerciaux listés.",
        LINE,
    );
    structure.push(Node::Group(Kind::P, intro));
    flow.y += 8.0;

    let profiles: Vec<&str> = content.profiles.iter().map(|p| p.as_str()).collect();
    structure.push(flow.field(
        "Numéro de référencement (NRU)",
        content.nru.as_str(),
        Face::Bold,
        13.0,
    ));
    structure.push(flow.field(
        "Dispositif",
        &format!("{} — {}", content.dispositif, content.dispositif_name),
        Face::Regular,
        BODY,
    ));
    structure.push(flow.field("Version du REM", &content.rem_version, Face::Regular, BODY));
    structure.push(flow.field("Profils", &profiles.join(", "), Face::Regular, BODY));
    structure.push(flow.field("Éditeur", &content.editor_name, Face::Regular, BODY));
    structure.push(flow.field("Solution", &content.solution, Face::Regular, BODY));
    structure.push(flow.field(
        "Date de la décision",
        &date_fr(content.referenced_on),
        Face::Regular,
        BODY,
    ));

    flow.y += 12.0;
    flow.ensure(18.0 + 3.0 * LINE);
    let heading = flow.block(
        MARGIN_X,
        width,
        12.0,
        Face::Bold,
        &format!("Noms commerciaux référencés ({})", content.names.len()),
        18.0,
    );
    structure.push(Node::Group(Kind::H2, heading));
    flow.y += 2.0;

    let mut rows = vec![Node::Group(Kind::Tr, table_header(&mut flow, false))];
    for name in &content.names {
        let cells_text = [
            name.name.as_str(),
            name.nil.as_str(),
            name.technical_version.as_str(),
        ];
        let wrapped: Vec<Vec<String>> = cells_text
            .iter()
            .zip(COLUMNS)
            .map(|(t, (_, w))| m.wrap(Face::Regular, BODY, t, w - 2.0 * CELL_PAD))
            .collect();
        let height_lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let row_height = height_lines as f32 * LINE + 5.0;
        if flow.ensure(row_height) {
            table_header(&mut flow, true);
        }
        let top = flow.y;
        let mut x = MARGIN_X;
        let mut cells = Vec::new();
        for (lines, (_, w)) in wrapped.into_iter().zip(COLUMNS) {
            let mut runs = Vec::new();
            for (i, line) in lines.into_iter().enumerate() {
                let y = top + (i as f32 + 1.0) * LINE;
                runs.push(Node::Run(flow.put(
                    x + CELL_PAD,
                    y,
                    BODY,
                    Face::Regular,
                    line,
                    false,
                )));
            }
            cells.push(Node::Group(Kind::Td, runs));
            x += w;
        }
        flow.y = top + row_height;
        let rule_y = flow.y;
        flow.page()
            .rules
            .push((MARGIN_X, PAGE_SIZE.0 - MARGIN_X, rule_y));
        rows.push(Node::Group(Kind::Tr, cells));
    }
    structure.push(Node::Group(Kind::Table, rows));

    flow.y += 16.0;
    flow.ensure(18.0 + 4.0 * LINE);
    let heading = flow.block(MARGIN_X, width, 12.0, Face::Bold, "Vérification", 18.0);
    structure.push(Node::Group(Kind::H2, heading));
    structure.push(flow.field(
        "Code de vérification",
        content.code.as_str(),
        Face::Bold,
        12.0,
    ));
    flow.y += 4.0;
    let check = flow.block(
        MARGIN_X,
        width,
        BODY,
        Face::Regular,
        &format!(
            "Vérifiez l'authenticité de cette attestation sur {}",
            content.verification_url
        ),
        LINE,
    );
    structure.push(Node::Group(Kind::P, check));

    let mut laid = flow.laid;
    laid.structure = structure;
    Ok(laid)
}

/// The running footer of page `page` of `pages` (drawn as an artifact).
pub fn footer(content: &AttestationContent, page: usize, pages: usize) -> Vec<Placed> {
    let left = format!(
        "NRU {} — code de vérification {}",
        content.nru, content.code
    );
    let right = format!("Page {page} / {pages}");
    let right_x = Measure::new()
        .map(|m| PAGE_SIZE.0 - MARGIN_X - m.width(Face::Regular, 8.0, &right))
        .unwrap_or(PAGE_SIZE.0 - MARGIN_X - 50.0);
    vec![
        Placed {
            x: MARGIN_X,
            y: FOOTER_Y,
            size: 8.0,
            face: Face::Regular,
            text: left,
            artifact: true,
        },
        Placed {
            x: right_x,
            y: FOOTER_Y,
            size: 8.0,
            face: Face::Regular,
            text: right,
            artifact: true,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lif_08_wrap_respects_the_width_and_keeps_every_word() {
        let m = Measure::new().unwrap();
        let text = "Vérifiez l'authenticité de cette attestation sur https://segur.example/registre/attestations/ABCD-EFGH-JKMN-PQRS";
        let lines = m.wrap(Face::Regular, 10.0, text, 200.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(m.width(Face::Regular, 10.0, l) <= 200.0, "{l}");
        }
        assert_eq!(lines.join(" ").replace(' ', ""), text.replace(' ', ""));
        // A word longer than the line is cut, not lost.
        let long = "x".repeat(300);
        let lines = m.wrap(Face::Bold, 10.0, &long, 100.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), long);
        assert_eq!(m.wrap(Face::Regular, 10.0, "", 100.0), vec![String::new()]);
    }

    #[test]
    fn lif_08_french_dates() {
        assert_eq!(date_fr(jiff::civil::date(2026, 3, 1)), "1er mars 2026");
        assert_eq!(date_fr(jiff::civil::date(2026, 7, 22)), "22 juillet 2026");
        assert_eq!(date_fr(jiff::civil::date(2027, 2, 3)), "3 février 2027");
    }
}
