//! Library side of the `segur` binary: the `check` and `plan` commands (candidature as code),
//! their renderers, and the demo world. `main.rs` wires these into the clap command tree.

pub mod commands;
pub mod output;

use std::path::Path;

use segur_domain::world_file::{self, Format, LoadError, LoadedWorld};

/// Reads and loads a world file; files it references by `path` are read relative to it.
pub fn load_world_file(path: &Path) -> Result<LoadedWorld, LoadError> {
    let origin = path.display().to_string();
    let text = read_limited(path).map_err(|why| io_error(&origin, &why))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let resolve = move |rel: &str| -> Result<String, String> {
        let rel_path = Path::new(rel);
        if rel_path.is_absolute() {
            return Err("chemin absolu refusé / absolute path refused".into());
        }
        read_limited(&base.join(rel_path))
    };
    world_file::load(&text, Format::from_path(&origin), &origin, &resolve)
}

/// Reads a file, refusing (without reading it all) one larger than the loader accepts.
fn read_limited(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let limit = world_file::MAX_INPUT_BYTES as u64;
    let mut buf = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > limit {
        return Err(format!(
            "fichier trop volumineux (plus de {limit} octets) / file too large (over {limit} bytes)"
        ));
    }
    String::from_utf8(buf).map_err(|e| format!("UTF-8 invalide / invalid UTF-8: {e}"))
}

fn io_error(origin: &str, why: &str) -> LoadError {
    LoadError::new(
        origin,
        format!("lecture impossible : {why}"),
        format!("cannot read: {why}"),
    )
}

/// The demo world's files, compiled into the binary.
const DEMO_FILES: &[(&str, &str)] = &[
    (
        "rem/mdv-lgc-va2.toml",
        include_str!("../demo/rem/mdv-lgc-va2.toml"),
    ),
    (
        "rem/sdv-psf-va2.toml",
        include_str!("../demo/rem/sdv-psf-va2.toml"),
    ),
    ("rem/ms-va2.toml", include_str!("../demo/rem/ms-va2.toml")),
    (
        "rem/hop-dpi-va2.toml",
        include_str!("../demo/rem/hop-dpi-va2.toml"),
    ),
];

/// The demo world (`segur serve --demo`), loaded from files compiled into the binary.
pub fn demo_world() -> Result<LoadedWorld, LoadError> {
    let resolve = |rel: &str| -> Result<String, String> {
        DEMO_FILES
            .iter()
            .find(|(p, _)| *p == rel)
            .map(|(_, text)| (*text).to_owned())
            .ok_or_else(|| format!("fichier de démonstration inconnu / unknown demo file: {rel}"))
    };
    world_file::load(
        include_str!("../demo/world.toml"),
        Format::Toml,
        "demo/world.toml",
        &resolve,
    )
}

/// Today's date in Europe/Paris: the default `--at` of the commands (the domain never reads
/// the clock).
pub fn today_in_paris() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(segur_domain::calendar::paris())
        .date()
}
