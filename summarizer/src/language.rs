//! Languages with a Snowball stemmer and a stop-word list, and their detection.

use std::fmt;

use rust_stemmers::Algorithm;

/// A language the summarizer stems and filters stop words for: those with both a
/// Snowball stemmer (rust-stemmers) and an NLTK stop-word list (stop-words crate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Arabic,
    Danish,
    Dutch,
    English,
    Finnish,
    French,
    German,
    Greek,
    Hungarian,
    Italian,
    Norwegian,
    Portuguese,
    Romanian,
    Russian,
    Spanish,
    Swedish,
    Tamil,
    Turkish,
}

/// Every supported language, in alphabetical order.
pub const LANGUAGES: &[Language] = &[
    Language::Arabic,
    Language::Danish,
    Language::Dutch,
    Language::English,
    Language::Finnish,
    Language::French,
    Language::German,
    Language::Greek,
    Language::Hungarian,
    Language::Italian,
    Language::Norwegian,
    Language::Portuguese,
    Language::Romanian,
    Language::Russian,
    Language::Spanish,
    Language::Swedish,
    Language::Tamil,
    Language::Turkish,
];

/// How much of the text language detection reads first, in bytes. whatlang's time
/// grows with the sample, and about 100 words are enough for a reliable guess in
/// most text.
const QUICK_SAMPLE_BYTES: usize = 400;
/// How much of the text language detection reads when the quick sample gives no
/// reliable guess, in bytes. It keeps detection time flat for large inputs.
const DETECTION_SAMPLE_BYTES: usize = 16 * 1024;

impl Language {
    /// Returns the ISO 639-1 code, such as `"en"`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Arabic => "ar",
            Language::Danish => "da",
            Language::Dutch => "nl",
            Language::English => "en",
            Language::Finnish => "fi",
            Language::French => "fr",
            Language::German => "de",
            Language::Greek => "el",
            Language::Hungarian => "hu",
            Language::Italian => "it",
            Language::Norwegian => "no",
            Language::Portuguese => "pt",
            Language::Romanian => "ro",
            Language::Russian => "ru",
            Language::Spanish => "es",
            Language::Swedish => "sv",
            Language::Tamil => "ta",
            Language::Turkish => "tr",
        }
    }

    /// Parses an ISO 639-1 code (`"de"`), case-insensitively. Returns `None` for a
    /// code of an unsupported language.
    pub fn from_code(code: &str) -> Option<Self> {
        LANGUAGES.iter().copied().find(|language| language.code().eq_ignore_ascii_case(code))
    }

    pub(crate) fn stemmer_algorithm(self) -> Algorithm {
        match self {
            Language::Arabic => Algorithm::Arabic,
            Language::Danish => Algorithm::Danish,
            Language::Dutch => Algorithm::Dutch,
            Language::English => Algorithm::English,
            Language::Finnish => Algorithm::Finnish,
            Language::French => Algorithm::French,
            Language::German => Algorithm::German,
            Language::Greek => Algorithm::Greek,
            Language::Hungarian => Algorithm::Hungarian,
            Language::Italian => Algorithm::Italian,
            Language::Norwegian => Algorithm::Norwegian,
            Language::Portuguese => Algorithm::Portuguese,
            Language::Romanian => Algorithm::Romanian,
            Language::Russian => Algorithm::Russian,
            Language::Spanish => Algorithm::Spanish,
            Language::Swedish => Algorithm::Swedish,
            Language::Tamil => Algorithm::Tamil,
            Language::Turkish => Algorithm::Turkish,
        }
    }

    fn to_whatlang(self) -> whatlang::Lang {
        use whatlang::Lang;
        match self {
            Language::Arabic => Lang::Ara,
            Language::Danish => Lang::Dan,
            Language::Dutch => Lang::Nld,
            Language::English => Lang::Eng,
            Language::Finnish => Lang::Fin,
            Language::French => Lang::Fra,
            Language::German => Lang::Deu,
            Language::Greek => Lang::Ell,
            Language::Hungarian => Lang::Hun,
            Language::Italian => Lang::Ita,
            Language::Norwegian => Lang::Nob,
            Language::Portuguese => Lang::Por,
            Language::Romanian => Lang::Ron,
            Language::Russian => Lang::Rus,
            Language::Spanish => Lang::Spa,
            Language::Swedish => Lang::Swe,
            Language::Tamil => Lang::Tam,
            Language::Turkish => Lang::Tur,
        }
    }

    fn from_whatlang(lang: whatlang::Lang) -> Option<Self> {
        use whatlang::Lang;
        Some(match lang {
            Lang::Ara => Language::Arabic,
            Lang::Dan => Language::Danish,
            Lang::Nld => Language::Dutch,
            Lang::Eng => Language::English,
            Lang::Fin => Language::Finnish,
            Lang::Fra => Language::French,
            Lang::Deu => Language::German,
            Lang::Ell => Language::Greek,
            Lang::Hun => Language::Hungarian,
            Lang::Ita => Language::Italian,
            Lang::Nob => Language::Norwegian,
            Lang::Por => Language::Portuguese,
            Lang::Ron => Language::Romanian,
            Lang::Rus => Language::Russian,
            Lang::Spa => Language::Spanish,
            Lang::Swe => Language::Swedish,
            Lang::Tam => Language::Tamil,
            Lang::Tur => Language::Turkish,
            _ => return None,
        })
    }
}

impl fmt::Display for Language {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

/// Detects the language of `text` from its first [`QUICK_SAMPLE_BYTES`] bytes, or
/// from its first [`DETECTION_SAMPLE_BYTES`] bytes when whatlang does not call the
/// quick guess reliable.
///
/// whatlang chooses among the supported languages only, because on short texts its
/// open guess is often a rare neighbour (a short German text came back as Afrikaans
/// with whatlang 0.18). Text in an unsupported language therefore gets the closest
/// supported one when the script matches one, which still stems better than none.
/// Text in a script no supported language uses, such as Chinese, returns `None`, and
/// words are then lower-cased only.
pub fn detect_language(text: &str) -> Option<Language> {
    let allowed = LANGUAGES.iter().map(|&language| language.to_whatlang()).collect();
    let detector = whatlang::Detector::with_allowlist(allowed);

    let quick = prefix(text, QUICK_SAMPLE_BYTES);
    if quick.len() < text.len() {
        if let Some(info) = detector.detect(quick).filter(whatlang::Info::is_reliable) {
            return Language::from_whatlang(info.lang());
        }
    }
    detector.detect_lang(prefix(text, DETECTION_SAMPLE_BYTES)).and_then(Language::from_whatlang)
}

/// Returns the start of `text` up to `max_bytes` long, cut at the last whitespace
/// when there is one, so that no word is cut in two.
fn prefix(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    match head.rfind(char::is_whitespace) {
        Some(space) if space > 0 => &head[..space],
        _ => head,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_common_languages() {
        let cases = [
            (Language::English, "The government announced on Monday that it would raise taxes on fuel next year."),
            (
                Language::German,
                "Die Regierung hat am Montag angekündigt, dass sie im nächsten Jahr die Steuern erhöhen wird.",
            ),
            (
                Language::French,
                "Le gouvernement a annoncé lundi qu'il augmenterait les taxes sur le carburant l'année prochaine.",
            ),
            (
                Language::Spanish,
                "El gobierno anunció el lunes que subirá los impuestos sobre el combustible el próximo año.",
            ),
            (
                Language::Russian,
                "Правительство объявило в понедельник, что в следующем году повысит налоги на топливо.",
            ),
        ];
        for (expected, text) in cases {
            assert_eq!(detect_language(text), Some(expected), "text: {text}");
        }
    }

    #[test]
    fn chinese_has_no_supported_language() {
        assert_eq!(detect_language("政府周一宣布，明年将提高燃油税。这一决定引起了广泛的讨论。"), None);
    }

    #[test]
    fn detects_short_german_text() {
        let text = "Die Stadt baut eine neue Brücke. Sie kostet viel Geld. Der Bau beginnt im Sommer.";
        assert_eq!(detect_language(text), Some(Language::German));
    }

    #[test]
    fn text_without_letters_has_no_language() {
        assert_eq!(detect_language("12345 !!! 678"), None);
    }

    #[test]
    fn codes_round_trip() {
        for &language in LANGUAGES {
            assert_eq!(Language::from_code(language.code()), Some(language), "{language:?}");
            assert!(stop_words::lookup(language.code()).is_some(), "no stop words for {language:?}");
        }
        assert_eq!(Language::from_code("EN"), Some(Language::English));
        assert_eq!(Language::from_code("zh"), None);
    }
}
