//! The candidature-as-code commands. Each has a clap `Args` struct, a `run` that writes to
//! stdout and returns the process exit code, and an `execute` that writes to any `Write`
//! (used by tests).
//!
//! Exit codes: 0 no error diagnostic, 1 at least one error diagnostic, 2 the file itself (or
//! the command line) is invalid.

pub mod check;
pub mod finance;
pub mod pentest;
pub mod plan;

use std::process::ExitCode;

/// No error diagnostic.
pub const EXIT_OK: u8 = 0;
/// At least one error diagnostic.
pub const EXIT_DIAGNOSTIC_ERRORS: u8 = 1;
/// The world file could not be loaded, or the request is invalid (unknown candidature).
pub const EXIT_INVALID: u8 = 2;

/// Version of the JSON documents written by `--format json`.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// Parses `--at` (`YYYY-MM-DD`).
pub fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.trim()
        .parse::<jiff::civil::Date>()
        .map_err(|_| format!("« {s} » : date attendue AAAA-MM-JJ (expected YYYY-MM-DD)"))
}

/// Whether to colour human output: stdout is a terminal and `NO_COLOR` is unset.
pub fn use_colour() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

pub(crate) fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}
