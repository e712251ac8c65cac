//! The options of a summary request: parsed once at the edge, stored with the
//! document, and turned into [`summarizer::Options`] by the worker.

use std::num::NonZeroUsize;

use serde::{Deserialize, Serialize};

use crate::domain::{SummaryLength, MAX_SUMMARY_SENTENCES};
use crate::problem::FieldError;

/// The largest word budget a request may set.
pub const MAX_SUMMARY_WORDS: usize = 5000;
/// The largest number of key phrases a request may ask for.
pub const MAX_KEY_PHRASES: usize = 20;
/// The number of key phrases when the request sets none.
pub const DEFAULT_KEY_PHRASES: usize = 5;
/// Language codes accepted although no stemmer covers them: their text is split into
/// character n-grams, which the summarizer does for any language.
const NEUTRAL_LANGUAGES: &[&str] = summarizer::NEUTRAL_LANGUAGE_CODES;

/// The markup of a submitted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TextFormat {
    /// Plain text.
    #[default]
    Text,
    /// Markdown: reduced to its visible text before summarizing.
    Markdown,
    /// HTML: reduced to its visible text; scripts, styles and the text around the
    /// content (menus, footers, captions, cookie notices, comments) are dropped.
    Html,
}

impl TextFormat {
    /// Returns the name used in requests, responses and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TextFormat::Text => "text",
            TextFormat::Markdown => "markdown",
            TextFormat::Html => "html",
        }
    }

    /// Parses a name from [`TextFormat::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "text" => Some(TextFormat::Text),
            "markdown" => Some(TextFormat::Markdown),
            "html" => Some(TextFormat::Html),
            _ => None,
        }
    }

    fn input_format(self) -> summarizer::InputFormat {
        match self {
            TextFormat::Text => summarizer::InputFormat::Plain,
            TextFormat::Markdown => summarizer::InputFormat::Markdown,
            TextFormat::Html => summarizer::InputFormat::Html,
        }
    }
}

/// The length limit of a summary: exactly one of sentences, ratio or words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LengthLimit {
    /// At most this many sentences (1 to 50).
    Sentences(NonZeroUsize),
    /// At most this share of the sentences, in `(0, 1]`.
    Ratio(f64),
    /// At most this many words (1 to 5000).
    Words(NonZeroUsize),
}

/// The validated options of one summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryOptions {
    pub format: TextFormat,
    pub length: LengthLimit,
    /// An ISO 639-1 code, or `None` to detect the language.
    pub language: Option<String>,
    pub key_phrases: usize,
}

impl Default for SummaryOptions {
    /// Plain text, 3 sentences, the language detected, 5 key phrases.
    fn default() -> Self {
        Self {
            format: TextFormat::Text,
            length: LengthLimit::Sentences(
                SummaryLength::parse(None).map(SummaryLength::get).unwrap_or(NonZeroUsize::MIN),
            ),
            language: None,
            key_phrases: DEFAULT_KEY_PHRASES,
        }
    }
}

/// Options as a request gives them, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawOptions {
    pub format: Option<String>,
    pub sentences: Option<i64>,
    pub ratio: Option<f64>,
    pub words: Option<i64>,
    pub language: Option<String>,
    pub key_phrases: Option<i64>,
}

impl SummaryOptions {
    /// Validates raw options, adding one error per field that breaks a rule.
    pub fn parse(raw: &RawOptions, errors: &mut Vec<FieldError>) -> Option<Self> {
        let before = errors.len();

        let format = match raw.format.as_deref().map(str::trim) {
            None => Some(TextFormat::Text),
            Some(name) => TextFormat::parse(name).or_else(|| {
                errors.push(FieldError::new("format", "must be one of text, markdown and html"));
                None
            }),
        };

        let set: Vec<&str> =
            [("sentences", raw.sentences.is_some()), ("ratio", raw.ratio.is_some()), ("words", raw.words.is_some())]
                .into_iter()
                .filter_map(|(name, present)| present.then_some(name))
                .collect();
        let length = if set.len() > 1 {
            for name in &set[1..] {
                errors.push(FieldError::new(
                    *name,
                    format!("must not be combined with {}; set one of sentences, ratio and words", set[0]),
                ));
            }
            None
        } else if let Some(ratio) = raw.ratio {
            (ratio.is_finite() && ratio > 0.0 && ratio <= 1.0).then_some(LengthLimit::Ratio(ratio)).or_else(|| {
                errors.push(FieldError::new("ratio", "must be a number greater than 0 and at most 1"));
                None
            })
        } else if let Some(words) = raw.words {
            usize::try_from(words)
                .ok()
                .filter(|&n| n <= MAX_SUMMARY_WORDS)
                .and_then(NonZeroUsize::new)
                .map(LengthLimit::Words)
                .or_else(|| {
                    errors.push(FieldError::new(
                        "words",
                        format!("must be a whole number from 1 to {MAX_SUMMARY_WORDS}"),
                    ));
                    None
                })
        } else {
            match SummaryLength::parse(raw.sentences) {
                Ok(length) => Some(LengthLimit::Sentences(length.get())),
                Err(message) => {
                    errors.push(FieldError::new("sentences", message));
                    None
                }
            }
        };

        let language = match raw.language.as_deref().map(|code| code.trim().to_ascii_lowercase()).as_deref() {
            None | Some("auto") => Some(None),
            Some(code) if is_accepted_language(code) => Some(Some(code.to_owned())),
            Some(_) => {
                errors.push(FieldError::new("language", format!("must be auto or one of {}", accepted_languages())));
                None
            }
        };

        let key_phrases = match raw.key_phrases {
            None => Some(DEFAULT_KEY_PHRASES),
            Some(n) => usize::try_from(n).ok().filter(|&n| n <= MAX_KEY_PHRASES).or_else(|| {
                errors.push(FieldError::new(
                    "key_phrases",
                    format!("must be a whole number from 0 to {MAX_KEY_PHRASES}"),
                ));
                None
            }),
        };

        match (format, length, language, key_phrases) {
            (Some(format), Some(length), Some(language), Some(key_phrases)) if errors.len() == before => {
                Some(Self { format, length, language, key_phrases })
            }
            _ => None,
        }
    }

    /// Converts these options to the summarizer's.
    pub fn to_summarizer(&self) -> summarizer::Options {
        let length = match self.length {
            LengthLimit::Sentences(n) => summarizer::Length::Sentences(n),
            LengthLimit::Words(n) => summarizer::Length::Words(n),
            LengthLimit::Ratio(r) => match summarizer::Ratio::new(r) {
                Some(ratio) => summarizer::Length::Ratio(ratio),
                None => summarizer::Length::Sentences(NonZeroUsize::MIN),
            },
        };
        let mut options = summarizer::Options::with_length(length);
        options.language = self.language.as_deref().and_then(summarizer::Language::from_code);
        options.format = self.format.input_format();
        options.key_phrases = self.key_phrases;
        options
    }
}

/// Parses a whole number from a query parameter, or adds `rule` as the field's error.
pub fn query_integer(field: &str, raw: Option<&str>, rule: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    let raw = raw?;
    raw.trim().parse::<i64>().map_err(|_| errors.push(FieldError::new(field, rule))).ok()
}

/// Parses a number from a query parameter, or adds `rule` as the field's error.
pub fn query_number(field: &str, raw: Option<&str>, rule: &str, errors: &mut Vec<FieldError>) -> Option<f64> {
    let raw = raw?;
    raw.trim().parse::<f64>().ok().filter(|n| n.is_finite()).or_else(|| {
        errors.push(FieldError::new(field, rule));
        None
    })
}

/// Returns the rule for the sentence count, for query parameters that are not numbers.
pub fn sentences_rule() -> String {
    format!("must be a whole number from 1 to {MAX_SUMMARY_SENTENCES}")
}

fn is_accepted_language(code: &str) -> bool {
    summarizer::Language::from_code(code).is_some() || NEUTRAL_LANGUAGES.contains(&code)
}

/// Returns the accepted language codes, sorted and comma-separated.
pub fn accepted_languages() -> String {
    let mut codes: Vec<&str> =
        summarizer::LANGUAGES.iter().map(|l| l.code()).chain(NEUTRAL_LANGUAGES.iter().copied()).collect();
    codes.sort_unstable();
    codes.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_reference_lists_accepted_languages() {
        let reference = include_str!("../../docs/API.md");
        let row = reference.lines().find(|line| line.starts_with("| `language` |")).unwrap();
        assert!(row.contains(&accepted_languages()), "docs/API.md lists other languages: {row}");
    }

    fn parse(raw: RawOptions) -> Result<SummaryOptions, Vec<FieldError>> {
        let mut errors = Vec::new();
        SummaryOptions::parse(&raw, &mut errors).ok_or(errors)
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn defaults_are_three_sentences_of_detected_plain_text() {
        let options = parse(RawOptions::default()).unwrap();
        assert_eq!(options, SummaryOptions::default());
        assert_eq!(options.length, LengthLimit::Sentences(NonZeroUsize::new(3).unwrap()));
        assert_eq!(options.key_phrases, DEFAULT_KEY_PHRASES);
    }

    #[test]
    fn each_length_kind_parses() {
        let ratio = parse(RawOptions { ratio: Some(0.25), ..Default::default() }).unwrap();
        assert_eq!(ratio.length, LengthLimit::Ratio(0.25));
        let words = parse(RawOptions { words: Some(120), ..Default::default() }).unwrap();
        assert_eq!(words.length, LengthLimit::Words(NonZeroUsize::new(120).unwrap()));
        let sentences = parse(RawOptions { sentences: Some(50), ..Default::default() }).unwrap();
        assert_eq!(sentences.length, LengthLimit::Sentences(NonZeroUsize::new(50).unwrap()));
    }

    #[test]
    fn two_length_kinds_name_the_second() {
        let errors = parse(RawOptions { sentences: Some(3), words: Some(50), ..Default::default() }).unwrap_err();
        assert_eq!(fields(&errors), ["words"]);
        assert_eq!(errors[0].message, "must not be combined with sentences; set one of sentences, ratio and words");
    }

    #[test]
    fn out_of_range_values_name_their_fields() {
        for (raw, field) in [
            (RawOptions { ratio: Some(0.0), ..Default::default() }, "ratio"),
            (RawOptions { ratio: Some(1.5), ..Default::default() }, "ratio"),
            (RawOptions { ratio: Some(f64::NAN), ..Default::default() }, "ratio"),
            (RawOptions { words: Some(0), ..Default::default() }, "words"),
            (RawOptions { words: Some(5001), ..Default::default() }, "words"),
            (RawOptions { sentences: Some(0), ..Default::default() }, "sentences"),
            (RawOptions { key_phrases: Some(21), ..Default::default() }, "key_phrases"),
            (RawOptions { key_phrases: Some(-1), ..Default::default() }, "key_phrases"),
            (RawOptions { format: Some("pdf".into()), ..Default::default() }, "format"),
            (RawOptions { language: Some("xx".into()), ..Default::default() }, "language"),
            (RawOptions { language: Some("e n".into()), ..Default::default() }, "language"),
        ] {
            let errors = parse(raw.clone()).unwrap_err();
            assert_eq!(fields(&errors), [field], "for {raw:?}");
        }
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let raw = RawOptions {
            format: Some("doc".into()),
            words: Some(-3),
            language: Some("klingon".into()),
            key_phrases: Some(99),
            ..Default::default()
        };
        assert_eq!(fields(&parse(raw).unwrap_err()), ["format", "words", "language", "key_phrases"]);
    }

    #[test]
    fn languages_map_to_the_summarizer() {
        let german = parse(RawOptions { language: Some("de".into()), ..Default::default() }).unwrap();
        assert_eq!(german.to_summarizer().language, Some(summarizer::Language::German));
        let chinese = parse(RawOptions { language: Some("zh".into()), ..Default::default() }).unwrap();
        assert_eq!(chinese.language.as_deref(), Some("zh"));
        assert_eq!(chinese.to_summarizer().language, None);
        let upper = parse(RawOptions { language: Some(" EN ".into()), ..Default::default() }).unwrap();
        assert_eq!(upper.language.as_deref(), Some("en"));
        let auto = parse(RawOptions { language: Some("auto".into()), ..Default::default() }).unwrap();
        assert_eq!(auto.language, None);
    }

    #[test]
    fn format_reaches_the_summarizer() {
        let html = parse(RawOptions { format: Some("html".into()), ..Default::default() }).unwrap();
        assert_eq!(html.to_summarizer().format, summarizer::InputFormat::Html);
    }

    #[test]
    fn query_numbers_reject_text_and_infinity() {
        let mut errors = Vec::new();
        assert_eq!(query_integer("words", Some(" 40 "), "rule", &mut errors), Some(40));
        assert_eq!(query_integer("words", Some("4.5"), "rule", &mut errors), None);
        assert_eq!(query_number("ratio", Some("inf"), "rule", &mut errors), None);
        assert_eq!(query_number("ratio", Some("0.3"), "rule", &mut errors), Some(0.3));
        assert_eq!(fields(&errors), ["words", "ratio"]);
    }
}
