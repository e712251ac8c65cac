//! Domain types that parse at the edge: once built, a value is valid.
//!
//! Each `parse` returns the rule the input broke as a [`FieldError`] message, so the
//! handler can respond with 422 naming the field.

use std::num::NonZeroUsize;

use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;

/// The longest accepted email address, in characters (RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// The shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest accepted password, in characters.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// The byte cap checked before anything else touches a password: 128 characters of
/// at most 4 bytes each.
pub const MAX_PASSWORD_BYTES: usize = MAX_PASSWORD_CHARS * 4;
/// The longest accepted document title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The largest accepted document text, in bytes of UTF-8 (4 MiB). API Gateway caps a
/// request at 10 MB and Lambda's synchronous payload at 6 MB, so this leaves room for
/// JSON escaping.
pub const MAX_TEXT_BYTES: usize = 4 * 1024 * 1024;
/// The maximum number of sentences a summary request may set.
pub const MAX_SUMMARY_SENTENCES: usize = 50;
/// The number of sentences in a summary when the request sets none.
pub const DEFAULT_SUMMARY_SENTENCES: usize = 3;

/// Returns whether `c` is an invisible formatting character: zero-width characters,
/// bidirectional controls, the byte order mark and the soft hyphen. They would let
/// two different strings look the same on screen.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// An email address, trimmed and in NFC; compared case-insensitively by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an email address: trimmed, at most 254 characters, one `@` with a
    /// non-empty local part of at most 64 characters and a domain with a dot. The
    /// result is in Unicode NFC.
    ///
    /// # Errors
    /// Returns the rule the value broke.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim();
        if email.is_empty() {
            return Err("must not be empty".into());
        }
        if email.chars().count() > MAX_EMAIL_CHARS {
            return Err(format!("must be at most {MAX_EMAIL_CHARS} characters"));
        }
        let invalid = || "must be a valid email address such as name@example.com".to_owned();
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        if local.len() > 64 {
            return Err("must have at most 64 bytes before the @ (RFC 5321)".into());
        }
        if email.chars().any(is_invisible_format) {
            return Err("must not contain invisible or bidirectional formatting characters".into());
        }
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '@' | '<' | '>' | ',' | ';');
        if local.is_empty()
            || domain.len() < 3
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || local.chars().any(bad_char)
            || domain.chars().any(bad_char)
        {
            return Err(invalid());
        }
        // NFC, so that a precomposed letter and its decomposed form give one address.
        Ok(Self(email.nfc().collect()))
    }

    /// The address as given, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Common passwords of at least 8 characters, lower-cased and NFC-normalized, one per
/// line after `#` comment lines; see the file's header for its source.
static COMMON_PASSWORDS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .collect()
    });

/// The number of entries in the bundled common-password list.
pub fn common_password_count() -> usize {
    COMMON_PASSWORDS.len()
}

/// Normalizes a password to Unicode NFC, so that one password typed on systems that
/// compose characters differently hashes the same. Returns `None` above the byte cap,
/// which is checked before any other work.
pub fn normalize_password(raw: &str) -> Option<SecretString> {
    if raw.len() > MAX_PASSWORD_BYTES {
        return None;
    }
    Some(SecretString::from(raw.nfc().collect::<String>()))
}

/// A new password that meets the rules; never logged or serialized.
pub struct Password(SecretString);

impl Password {
    /// Parses a new password: the byte cap first (nothing is truncated), then Unicode
    /// NFC normalization, 8 to 128 characters, and not one of the bundled common
    /// passwords (compared case-insensitively).
    ///
    /// # Errors
    /// Returns the rule the value broke.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let Some(normalized) = normalize_password(raw) else {
            return Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
        };
        let raw = normalized.expose_secret();
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
        }
        if COMMON_PASSWORDS.contains(raw.to_lowercase().as_str()) {
            return Err("is too common; choose a password that is not on lists of leaked passwords".into());
        }
        Ok(Self(normalized))
    }

    /// The secret value, for hashing.
    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

/// A document title: trimmed, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    /// Parses an optional title; blank becomes no title.
    ///
    /// # Errors
    /// Returns the rule the value broke.
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, String> {
        let Some(title) = raw.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(format!("must be at most {MAX_TITLE_CHARS} characters"));
        }
        if title.chars().any(|c| c.is_control() || is_invisible_format(c)) {
            return Err("must not contain control or invisible formatting characters".into());
        }
        Ok(Some(Self(title.to_owned())))
    }

    /// The title text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many sentences a summary may have: 1 to 50.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryLength(NonZeroUsize);

impl SummaryLength {
    /// Parses the requested sentence count, defaulting to 3.
    ///
    /// # Errors
    /// Returns the rule the value broke.
    pub fn parse(requested: Option<i64>) -> Result<Self, String> {
        let value = requested.unwrap_or(DEFAULT_SUMMARY_SENTENCES as i64);
        usize::try_from(value)
            .ok()
            .filter(|&n| n <= MAX_SUMMARY_SENTENCES)
            .and_then(NonZeroUsize::new)
            .map(Self)
            .ok_or_else(|| format!("must be a whole number from 1 to {MAX_SUMMARY_SENTENCES}"))
    }

    /// The sentence count.
    pub fn get(self) -> NonZeroUsize {
        self.0
    }
}

/// Checks a document text: at least one visible character (not whitespace or an
/// invisible format character such as U+200B), at most
/// [`MAX_TEXT_BYTES`]. The size is checked by the handler before this, as a 413.
///
/// # Errors
/// Returns the rule the value broke.
pub fn check_text(text: &str) -> Result<(), String> {
    if !text.chars().any(|c| !c.is_whitespace() && !is_invisible_format(c)) {
        return Err("must contain at least one visible character".into());
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        return Err("must not contain control characters other than tab and line breaks".into());
    }
    Ok(())
}

/// The largest JSON encoding of a text, in bytes (5 MiB). `GET /api/v1/docs/{id}`
/// returns the text JSON-encoded, and Lambda caps a response at 6 MB, so this
/// leaves room for the summary and the other fields.
pub const MAX_ENCODED_TEXT_BYTES: usize = 5 * 1024 * 1024;

/// Returns the length of `text` as a JSON string, quotes included, as serde_json
/// writes it.
pub fn json_encoded_len(text: &str) -> usize {
    2 + text
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0x00..=0x1f => 6,
            _ => 1,
        })
        .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_accepts_common_forms() {
        for raw in ["a@b.co", "  Jane.Doe+tag@Example.COM ", "x@sub.domain.org"] {
            assert!(Email::parse(raw).is_ok(), "should accept {raw:?}");
        }
        assert_eq!(Email::parse(" a@b.co ").unwrap().as_str(), "a@b.co");
    }

    #[test]
    fn email_rejects_invalid_forms() {
        let too_long = format!("{}@example.com", "a".repeat(250));
        for raw in ["", "plain", "@b.co", "a@", "a@b", "a@.co", "a@b..co", "a b@c.de", "a@b@c.de", too_long.as_str()] {
            assert!(Email::parse(raw).is_err(), "should reject {raw:?}");
        }
    }

    #[test]
    fn password_length_rules() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("eight-8x").is_ok());
        assert!(Password::parse(&"x".repeat(128)).is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse(&"é".repeat(128)).is_ok(), "128 two-byte characters fit");
        assert!(Password::parse(&"x".repeat(100_000)).is_err());
    }

    #[test]
    fn password_rejects_common_ones() {
        assert!(common_password_count() >= 10_000);
        for common in ["password1", "PASSWORD123", "iloveyou", "12345678", "qwertyuiop"] {
            assert!(Password::parse(common).is_err(), "should reject {common:?}");
        }
        assert!(Password::parse("violet kettle drums").is_ok());
    }

    #[test]
    fn password_is_nfc_normalized() {
        let composed = Password::parse("caf\u{e9} au lait 42").unwrap();
        let decomposed = Password::parse("cafe\u{301} au lait 42").unwrap();
        assert_eq!(composed.secret().expose_secret(), decomposed.secret().expose_secret());
    }

    #[test]
    fn password_over_byte_cap_is_rejected() {
        assert!(normalize_password(&"x".repeat(1_000_000)).is_none());
        assert!(Password::parse(&"x".repeat(1_000_000)).is_err());
    }

    #[test]
    fn summary_length_bounds() {
        assert_eq!(SummaryLength::parse(None).unwrap().get().get(), 3);
        for bad in [0, -1, 51, i64::MAX, i64::MIN] {
            assert!(SummaryLength::parse(Some(bad)).is_err(), "should reject {bad}");
        }
        assert_eq!(SummaryLength::parse(Some(50)).unwrap().get().get(), 50);
    }

    #[test]
    fn title_rules() {
        assert_eq!(Title::parse(Some("  ")).unwrap(), None);
        assert!(Title::parse(Some(&"t".repeat(201))).is_err());
        assert!(Title::parse(Some("a\u{0007}b")).is_err());
        assert_eq!(Title::parse(Some(" News ")).unwrap().unwrap().as_str(), "News");
    }

    #[test]
    fn text_must_have_content() {
        assert!(check_text(" \n\t").is_err());
        assert!(check_text("a\0b").is_err());
        assert!(check_text("a\u{1b}[31mred").is_err());
        assert!(check_text("Hello.\r\n\tWorld.").is_ok());
        assert!(check_text("\u{200b}\u{200b} \u{feff}\u{2060}").is_err(), "zero-width characters only");
        assert!(check_text("\u{200b}a").is_ok());
    }

    #[test]
    fn encoded_length_matches_serde_json() {
        for text in ["plain", "quote \" and \\ slash", "lines\n\r\t", "caf\u{e9} \u{4e2d}", "\u{7f}\u{8}\u{c}"] {
            assert_eq!(json_encoded_len(text), serde_json::to_string(text).unwrap().len(), "text {text:?}");
        }
    }

    #[test]
    fn email_rejects_invisible_characters() {
        for raw in ["alice@example.com\u{200b}", "\u{202e}admin@example.com", "al\u{ad}ice@example.com"] {
            assert!(Email::parse(raw).is_err(), "should reject {raw:?}");
        }
        assert!(Email::parse(&format!("{}@example.com", "d".repeat(65))).unwrap_err().contains("64 bytes"));
    }
}
