//! Renderers of the commands' output. Each takes a `&mut impl Write` so that tests capture it.

pub mod diagnostics;
pub mod load_error;
pub mod plan;

/// ANSI styles, applied only when colour is on.
pub(crate) struct Style {
    pub colour: bool,
}

impl Style {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    pub fn red(&self, t: &str) -> String {
        self.wrap("1;31", t)
    }
    pub fn yellow(&self, t: &str) -> String {
        self.wrap("1;33", t)
    }
    pub fn blue(&self, t: &str) -> String {
        self.wrap("1;34", t)
    }
    pub fn green(&self, t: &str) -> String {
        self.wrap("1;32", t)
    }
    pub fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
    pub fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }
}
