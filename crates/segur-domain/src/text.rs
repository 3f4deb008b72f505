//! Text helpers shared by search, imports and the free texts people write.

/// Lower-cases and strips French (and common Latin) diacritics: `Élévation` → `elevation`.
/// Used for search and for matching spreadsheet headers.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            '\u{2019}' => out.push('\''),
            // Combining marks left by decomposed input.
            '\u{0300}'..='\u{036f}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The rules of a free text written by people (a motivation, an internal note): trimmed,
/// required, at most `max_chars` characters, optionally without control characters. One
/// definition so that every such field refuses the same inputs with the same kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundedText {
    /// The input field named in the error.
    pub field: &'static str,
    /// The French noun with its article, for messages: « la motivation ».
    pub label: &'static str,
    /// The message when the text is empty (after trimming).
    pub empty_message: &'static str,
    /// Longest text accepted, in characters (not bytes).
    pub max_chars: usize,
    /// Refuse control characters other than line breaks and tabs.
    pub refuse_controls: bool,
}

impl BoundedText {
    /// The trimmed text, or why it is refused.
    pub fn parse(&self, input: &str) -> Result<String, crate::ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(crate::ParseError::new(self.field, self.empty_message));
        }
        let n = s.chars().count();
        if n > self.max_chars {
            return Err(crate::ParseError::new(
                self.field,
                format!("{} dépasse {} caractères ({n})", self.label, self.max_chars),
            ));
        }
        if self.refuse_controls
            && s.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(crate::ParseError::new(
                self.field,
                format!("{} contient des caractères de contrôle", self.label),
            ));
        }
        Ok(s.to_owned())
    }
}

#[cfg(test)]
mod bounded_text_tests {
    use super::BoundedText;

    const RULES: BoundedText = BoundedText {
        field: "body",
        label: "le texte",
        empty_message: "le texte est vide",
        max_chars: 5,
        refuse_controls: true,
    };

    #[test]
    fn trims_requires_and_caps_in_characters() {
        assert_eq!(RULES.parse("  abc \n").unwrap(), "abc");
        assert_eq!(RULES.parse(" \t ").unwrap_err().reason, "le texte est vide");
        assert!(RULES.parse("ééééé").is_ok(), "5 characters, 10 bytes");
        let e = RULES.parse("éééééé").unwrap_err();
        assert_eq!(e.field, "body");
        assert!(e.reason.contains("5 caractères (6)"), "{e}");
    }

    #[test]
    fn control_characters_are_refused_only_when_asked() {
        assert!(RULES.parse("a\u{7}b").is_err());
        assert!(RULES.parse("a\nb\tc").is_ok());
        let lenient = BoundedText {
            refuse_controls: false,
            ..RULES
        };
        assert!(lenient.parse("a\u{7}b").is_ok());
    }
}
