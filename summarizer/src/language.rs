//! Languages with a Snowball stemmer and a stop-word list, and their detection.

use crate::swar::{ascii_bytes_in_range, pack_short, HIGH_BITS, ONES};
use std::fmt;

use rust_stemmers::Algorithm;

use crate::segment::{whitespace_word_spans, whitespace_words};

/// A language the summarizer filters stop words for. Most also have a Snowball
/// stemmer (rust-stemmers) and an NLTK stop-word list (stop-words crate). Bengali,
/// Hebrew and Hindi have a stop-word list (NLTK, or stopwords-iso for Hindi) but no
/// stemmer, so their words are lower-cased and filtered but not stemmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Arabic,
    Bengali,
    Danish,
    Dutch,
    English,
    Finnish,
    French,
    German,
    Greek,
    Hebrew,
    Hindi,
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

/// ISO 639-1 codes of languages without a stemmer or stop words here, whose text
/// the summarizer still handles: Chinese and Japanese through character bigrams,
/// and Korean through its lower-cased words. A request for one analyses the text
/// as with automatic detection.
pub const NEUTRAL_LANGUAGE_CODES: &[&str] = &["ja", "ko", "zh"];

/// Every supported language, in alphabetical order.
pub const LANGUAGES: &[Language] = &[
    Language::Arabic,
    Language::Bengali,
    Language::Danish,
    Language::Dutch,
    Language::English,
    Language::Finnish,
    Language::French,
    Language::German,
    Language::Greek,
    Language::Hebrew,
    Language::Hindi,
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

/// How much of the text language detection reads first, in bytes (about 70
/// English words). whatlang's time grows with the sample. On the BBC articles a
/// longer quick sample was slower and a shorter one fell back to the long sample
/// more often.
const QUICK_SAMPLE_BYTES: usize = 400;
/// How many words of the quick sample [`detect_by_marker_words`] reads.
const MARKER_SAMPLE_WORDS: usize = 60;
/// How much of the text, and how many of its words, the marker words are counted in
/// when the quick sample gives no clear leader, before whatlang is asked. The quick
/// sample left 15 of the 75 CNN/DailyMail and 94 of the 445 BBC development articles
/// open, because of bylines and because the English "a" and "is" count for Hungarian
/// too. This longer sample settled all but 2 of them.
const LONG_MARKER_SAMPLE_BYTES: usize = 2000;
const LONG_MARKER_SAMPLE_WORDS: usize = 300;
/// The maximum number of words of a text whose language whatlang may not guess
/// unsure.
const MAX_GUESS_FREE_WORDS: usize = 5;
/// How many marker words the most frequent language of a text of at most
/// [`MAX_GUESS_FREE_WORDS`] words needs when whatlang is unsure.
const SHORT_TEXT_MARKER_HITS: usize = 2;
/// How many marker words the most frequent language needs for a guess.
const MARKER_MIN_HITS: usize = 8;
/// Ten very frequent function words of each supported Latin-script language,
/// lower-case, with the languages that use each, sorted by word.
const MARKER_WORDS: &[(&str, &[Language])] = &[
    ("a", &[Language::Hungarian]),
    ("af", &[Language::Danish]),
    ("and", &[Language::English]),
    ("ao", &[Language::Portuguese]),
    ("are", &[Language::English]),
    ("at", &[Language::Danish]),
    ("att", &[Language::Swedish]),
    ("au", &[Language::French]),
    ("auch", &[Language::German]),
    ("av", &[Language::Norwegian, Language::Swedish]),
    ("az", &[Language::Hungarian]),
    ("bir", &[Language::Turkish]),
    ("bu", &[Language::Turkish]),
    ("che", &[Language::Italian]),
    ("com", &[Language::Portuguese]),
    ("como", &[Language::Spanish]),
    ("cu", &[Language::Romanian]),
    ("că", &[Language::Romanian]),
    ("da", &[Language::Portuguese, Language::Turkish]),
    ("dans", &[Language::French]),
    ("das", &[Language::German]),
    ("dat", &[Language::Dutch]),
    ("de", &[Language::Dutch]),
    ("del", &[Language::Italian, Language::Spanish]),
    ("della", &[Language::Italian]),
    ("den", &[Language::Danish, Language::German]),
    ("der", &[Language::German]),
    ("det", &[Language::Danish, Language::Norwegian, Language::Swedish]),
    ("di", &[Language::Italian]),
    ("die", &[Language::German]),
    ("do", &[Language::Portuguese]),
    ("du", &[Language::French]),
    ("een", &[Language::Dutch]),
    ("egy", &[Language::Hungarian]),
    ("ei", &[Language::Finnish]),
    ("el", &[Language::Spanish]),
    ("em", &[Language::Portuguese]),
    ("en", &[Language::Dutch]),
    ("er", &[Language::Danish, Language::Norwegian]),
    ("est", &[Language::French]),
    ("este", &[Language::Romanian]),
    ("et", &[Language::French]),
    ("että", &[Language::Finnish]),
    ("ez", &[Language::Hungarian]),
    ("for", &[Language::English]),
    ("för", &[Language::Swedish]),
    ("gibi", &[Language::Turkish]),
    ("gli", &[Language::Italian]),
    ("har", &[Language::Danish, Language::Norwegian]),
    ("het", &[Language::Dutch]),
    ("hogy", &[Language::Hungarian]),
    ("hän", &[Language::Finnish]),
    ("ikke", &[Language::Danish, Language::Norwegian]),
    ("il", &[Language::Italian]),
    ("ile", &[Language::Turkish]),
    ("inte", &[Language::Swedish]),
    ("is", &[Language::English, Language::Hungarian]),
    ("ist", &[Language::German]),
    ("için", &[Language::Turkish]),
    ("ja", &[Language::Finnish]),
    ("kun", &[Language::Finnish]),
    ("la", &[Language::Romanian]),
    ("las", &[Language::Spanish]),
    ("le", &[Language::French]),
    ("les", &[Language::French]),
    ("los", &[Language::Spanish]),
    ("med", &[Language::Danish, Language::Norwegian, Language::Swedish]),
    ("meg", &[Language::Hungarian]),
    ("mit", &[Language::German]),
    ("mutta", &[Language::Finnish]),
    ("myös", &[Language::Finnish]),
    ("ne", &[Language::Turkish]),
    ("nem", &[Language::Hungarian]),
    ("nicht", &[Language::German]),
    ("niet", &[Language::Dutch]),
    ("non", &[Language::Italian]),
    ("nu", &[Language::Romanian]),
    ("não", &[Language::Portuguese]),
    ("o", &[Language::Portuguese]),
    ("och", &[Language::Swedish]),
    ("of", &[Language::English]),
    ("og", &[Language::Danish, Language::Norwegian]),
    ("olarak", &[Language::Turkish]),
    ("oli", &[Language::Finnish]),
    ("on", &[Language::Finnish]),
    ("op", &[Language::Dutch]),
    ("os", &[Language::Portuguese]),
    ("para", &[Language::Spanish]),
    ("pe", &[Language::Romanian]),
    ("per", &[Language::Italian]),
    ("pero", &[Language::Spanish]),
    ("por", &[Language::Spanish]),
    ("pour", &[Language::French]),
    ("på", &[Language::Norwegian, Language::Swedish]),
    ("que", &[Language::Portuguese]),
    ("qui", &[Language::French]),
    ("se", &[Language::Finnish]),
    ("sich", &[Language::German]),
    ("som", &[Language::Norwegian, Language::Swedish]),
    ("sono", &[Language::Italian]),
    ("that", &[Language::English]),
    ("the", &[Language::English]),
    ("til", &[Language::Danish, Language::Norwegian]),
    ("to", &[Language::English]),
    ("uma", &[Language::Portuguese]),
    ("un", &[Language::Romanian]),
    ("una", &[Language::Spanish]),
    ("und", &[Language::German]),
    ("une", &[Language::French]),
    ("van", &[Language::Dutch, Language::Hungarian]),
    ("ve", &[Language::Turkish]),
    ("voor", &[Language::Dutch]),
    ("was", &[Language::English]),
    ("with", &[Language::English]),
    ("y", &[Language::Spanish]),
    ("zijn", &[Language::Dutch]),
    ("är", &[Language::Swedish]),
    ("çok", &[Language::Turkish]),
    ("è", &[Language::Italian]),
    ("és", &[Language::Hungarian]),
    ("în", &[Language::Romanian]),
    ("şi", &[Language::Romanian]),
    ("și", &[Language::Romanian]),
];
/// The length in bytes of the longest ASCII word of [`MARKER_WORDS`] ("olarak").
const MAX_ASCII_MARKER_BYTES: usize = 6;
/// How much of the text language detection reads when the quick sample gives no
/// reliable guess, in bytes. It keeps detection time flat for large inputs.
const DETECTION_SAMPLE_BYTES: usize = 16 * 1024;

impl Language {
    /// Returns the ISO 639-1 code, such as `"en"`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Arabic => "ar",
            Language::Bengali => "bn",
            Language::Danish => "da",
            Language::Dutch => "nl",
            Language::English => "en",
            Language::Finnish => "fi",
            Language::French => "fr",
            Language::German => "de",
            Language::Greek => "el",
            Language::Hebrew => "he",
            Language::Hindi => "hi",
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

    /// Returns the Snowball stemmer of the language, or `None` for a language
    /// without one.
    pub(crate) fn stemmer_algorithm(self) -> Option<Algorithm> {
        Some(match self {
            Language::Arabic => Algorithm::Arabic,
            Language::Bengali | Language::Hebrew | Language::Hindi => return None,
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
        })
    }

    fn to_whatlang(self) -> whatlang::Lang {
        use whatlang::Lang;
        match self {
            Language::Arabic => Lang::Ara,
            Language::Bengali => Lang::Ben,
            Language::Danish => Lang::Dan,
            Language::Dutch => Lang::Nld,
            Language::English => Lang::Eng,
            Language::Finnish => Lang::Fin,
            Language::French => Lang::Fra,
            Language::German => Lang::Deu,
            Language::Greek => Lang::Ell,
            Language::Hebrew => Lang::Heb,
            Language::Hindi => Lang::Hin,
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
            Lang::Ben => Language::Bengali,
            Lang::Dan => Language::Danish,
            Lang::Nld => Language::Dutch,
            Lang::Eng => Language::English,
            Lang::Fin => Language::Finnish,
            Lang::Fra => Language::French,
            Lang::Deu => Language::German,
            Lang::Ell => Language::Greek,
            Lang::Heb => Language::Hebrew,
            Lang::Hin => Language::Hindi,
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
/// A script that only one supported language uses decides alone: Cyrillic text is
/// Russian, Devanagari text Hindi. Latin-script text is decided by counting
/// [`MARKER_WORDS`] when one language clearly leads, in the quick sample or else in
/// the first [`LONG_MARKER_SAMPLE_BYTES`], and by whatlang otherwise.
///
/// whatlang chooses among the supported languages only, because on short texts its
/// open guess is often a rare neighbour (a short German text came back as Afrikaans
/// with whatlang 0.18). Text in an unsupported language therefore gets the closest
/// supported one when the script matches one, which still stems better than none.
/// Text in a script no supported language uses, such as Chinese, returns `None`, and
/// words are then lower-cased only.
pub fn detect_language(text: &str) -> Option<Language> {
    let quick = prefix(text, QUICK_SAMPLE_BYTES);
    match detect_script(quick)? {
        whatlang::Script::Latin => {}
        whatlang::Script::Arabic => return Some(Language::Arabic),
        whatlang::Script::Bengali => return Some(Language::Bengali),
        whatlang::Script::Cyrillic => return Some(Language::Russian),
        whatlang::Script::Devanagari => return Some(Language::Hindi),
        whatlang::Script::Greek => return Some(Language::Greek),
        whatlang::Script::Hebrew => return Some(Language::Hebrew),
        whatlang::Script::Tamil => return Some(Language::Tamil),
        _ => return None,
    }
    let mut count = MarkerCount::default();
    count.add_words(quick, MARKER_SAMPLE_WORDS);
    if let Some(language) = count.leader(MARKER_MIN_HITS) {
        return Some(language);
    }
    if quick.len() < text.len() {
        let longer = prefix(text, LONG_MARKER_SAMPLE_BYTES);
        // The longer sample starts with the words of the quick one, so counting
        // goes on after them, unless the quick sample cut its last one.
        if !count.ends_at_word_end_of(longer) {
            count = MarkerCount::default();
        }
        count.add_words(longer, LONG_MARKER_SAMPLE_WORDS);
        if let Some(language) = count.leader(MARKER_MIN_HITS) {
            return Some(language);
        }
    }

    let allowed = LANGUAGES.iter().map(|&language| language.to_whatlang()).collect();
    let detector = whatlang::Detector::with_allowlist(allowed);
    if quick.len() < text.len() {
        if let Some(info) = detector.detect(quick).filter(whatlang::Info::is_reliable) {
            return Language::from_whatlang(info.lang());
        }
    }
    let info = detector.detect(prefix(text, DETECTION_SAMPLE_BYTES))?;
    // On a few words whatlang's guess is mostly a rare neighbour: "Thank you so
    // much!" came back as Swedish, "Berlin" as Dutch. So on a text of at most
    // MAX_GUESS_FREE_WORDS words an unsure guess gives way to two marker words of
    // one language ("Das ist gut.") or to none. Whole sentences are unsure too,
    // but mostly right.
    if !info.is_reliable() && whitespace_words(text).nth(MAX_GUESS_FREE_WORDS).is_none() {
        return detect_by_marker_words(text, MARKER_SAMPLE_WORDS, SHORT_TEXT_MARKER_HITS);
    }
    Language::from_whatlang(info.lang())
}

/// Returns the code of a language of [`NEUTRAL_LANGUAGE_CODES`] when its script
/// makes up at least half of the letters of the start of `text`. Hangul gives `ko`.
/// Chinese characters, Hiragana and Katakana give `ja` when a tenth of them are
/// Hiragana or Katakana, which Chinese does not use, and `zh` otherwise. Other text
/// gets `None`. This names the language of text that has no stemmer here.
pub fn neutral_language_code(text: &str) -> Option<&'static str> {
    let (mut han, mut kana, mut hangul, mut letters) = (0usize, 0usize, 0usize, 0usize);
    for ch in prefix(text, DETECTION_SAMPLE_BYTES).chars() {
        if !ch.is_alphabetic() {
            continue;
        }
        letters += 1;
        if matches!(ch, '\u{AC00}'..='\u{D7AF}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}') {
            hangul += 1;
            continue;
        }
        if !crate::words::is_cjk(ch) {
            continue;
        }
        if crate::words::is_kana(ch) {
            kana += 1;
        } else {
            han += 1;
        }
    }
    if letters > 0 && 2 * hangul >= letters {
        return Some("ko");
    }
    if letters == 0 || 2 * (han + kana) < letters {
        return None;
    }
    Some(if 10 * kana >= han + kana { "ja" } else { "zh" })
}

/// Returns the script of `sample` as `whatlang::detect_script` does, without
/// asking whatlang when ASCII letters outnumber the other characters. whatlang
/// counts the letters of each script and returns the most frequent. ASCII letters
/// count for Latin only and every other character for at most one script, so
/// Latin then leads.
fn detect_script(sample: &str) -> Option<whatlang::Script> {
    // Each character outside ASCII has one first byte, of 0xC0 or more.
    let (ascii_letters, others) = count_ascii_letters_and_lead_bytes(sample.as_bytes());
    if ascii_letters > others {
        return Some(whatlang::Script::Latin);
    }
    whatlang::detect_script(sample)
}

/// Returns the number of ASCII letters of `bytes` and the number of its bytes of
/// 0xC0 or more, counted eight bytes at a time.
fn count_ascii_letters_and_lead_bytes(bytes: &[u8]) -> (usize, usize) {
    // The maximum number of chunks that a counter of one byte per place takes, so
    // that no byte overflows.
    const MAX_CHUNKS_PER_COUNT: usize = 255;

    let sum_bytes = |counts: u64| counts.to_le_bytes().iter().map(|&count| usize::from(count)).sum::<usize>();
    let (mut letters, mut lead_bytes) = (0, 0);
    let mut chunks = bytes.chunks_exact(8);
    loop {
        // One count per byte place, each at most MAX_CHUNKS_PER_COUNT.
        let (mut letter_counts, mut lead_byte_counts) = (0u64, 0u64);
        let mut counted = 0;
        for chunk in chunks.by_ref().take(MAX_CHUNKS_PER_COUNT) {
            let word = u64::from_le_bytes(chunk.try_into().expect("a chunk has 8 bytes"));
            // The low seven bits of each byte with bit 0x20 set, which maps `A`..=`Z`
            // onto `a`..=`z` and no other byte into them. Bytes that are not ASCII
            // are cleared at the end.
            let folded = (word & !HIGH_BITS) | (ONES * 0x20);
            letter_counts += (ascii_bytes_in_range(folded, b'a', b'{') & !word) >> 7;
            // A byte of 0xC0 or more has its two high bits set.
            lead_byte_counts += (word & (word << 1) & HIGH_BITS) >> 7;
            counted += 1;
        }
        letters += sum_bytes(letter_counts);
        lead_bytes += sum_bytes(lead_byte_counts);
        if counted < MAX_CHUNKS_PER_COUNT {
            break;
        }
    }
    for &byte in chunks.remainder() {
        letters += usize::from(byte.is_ascii_alphabetic());
        lead_bytes += usize::from(byte >= 0xC0);
    }
    (letters, lead_bytes)
}

/// Returns the Latin-script language whose [`MARKER_WORDS`] occur most often among
/// the first `max_words` words of `sample`, when it has at least `min_hits` hits
/// ([`MARKER_MIN_HITS`] but for a text of a few words) and twice as many as the
/// next language. Counting a few
/// function words is much cheaper than whatlang's trigram profiles, and on text of
/// some length the most frequent words give the language away. Close calls, such
/// as Danish against Norwegian, go to whatlang.
fn detect_by_marker_words(sample: &str, max_words: usize, min_hits: usize) -> Option<Language> {
    let mut count = MarkerCount::default();
    count.add_words(sample, max_words);
    count.leader(min_hits)
}

/// The [`MARKER_WORDS`] hits of each language among the first words of a sample,
/// which a longer sample of the same text can go on from.
#[derive(Default)]
struct MarkerCount {
    /// Hit counts indexed by `Language as usize`, which is the language's index in
    /// LANGUAGES.
    hits: [usize; LANGUAGES.len()],
    /// The number of words counted.
    words: usize,
    /// The byte offset in the sample of the end of the last word counted.
    end: usize,
}

impl MarkerCount {
    /// Counts the marker words among the words of `sample` after the words
    /// already counted, up to `max_words` words in all. The words counted so far
    /// must be the first words of `sample`.
    fn add_words(&mut self, sample: &str, max_words: usize) {
        let mut lower = String::new();
        let rest = &sample[self.end..];
        // The remaining words of the sample are found at once, which takes fewer
        // instructions per word than the iterator, although a sample has some words
        // more than are read (about 70 against 60 in 400 bytes of English prose).
        // Most samples are all ASCII, and then one test of the whole sample settles
        // it for every word.
        let ascii_sample = rest.is_ascii();
        let spans = whitespace_word_spans(rest);
        let spans = &spans[..max_words.saturating_sub(self.words).min(spans.len())];
        // Every word taken counts, a marker or not.
        self.words += spans.len();
        if let Some(last) = spans.last() {
            self.end = sample.len() - rest.len() + last.end;
        }
        for span in spans {
            // The bytes of a word need no test for char boundaries, which its
            // `str` does, and most words take only them.
            let word_bytes = &rest.as_bytes()[span.start..span.end];
            let key = if ascii_sample || word_bytes.is_ascii() {
                let Some(key) = ascii_marker_key(word_bytes) else {
                    continue;
                };
                key
            } else {
                let word = rest[span.start..span.end].trim_matches(|c: char| !c.is_alphanumeric());
                if word.is_empty() || word.len() > 8 {
                    continue;
                }
                lower.clear();
                lower.extend(word.chars().flat_map(char::to_lowercase));
                let Some(key) = packed(lower.as_bytes()) else {
                    continue;
                };
                key
            };
            let Some(found) = marker_index(key) else {
                continue;
            };
            for &language in MARKER_WORDS[found].1 {
                self.hits[language as usize] += 1;
            }
        }
    }

    /// Returns whether the words counted are also the first words of `longer`, a
    /// text that starts with the sample counted. They are unless the end of that
    /// sample cut the last word counted.
    fn ends_at_word_end_of(&self, longer: &str) -> bool {
        longer[self.end..].chars().next().is_none_or(char::is_whitespace)
    }

    /// Returns the language with the most hits, when it has at least `min_hits`
    /// and twice as many as the next language.
    fn leader(&self, min_hits: usize) -> Option<Language> {
        let hits = &self.hits;
        // Ties go to the language listed first.
        let mut leader = 0;
        for index in 1..hits.len() {
            if hits[index] > hits[leader] {
                leader = index;
            }
        }
        let best = hits[leader];
        let runner_up = hits.iter().enumerate().filter(|&(index, _)| index != leader).map(|(_, &count)| count).max();
        (best >= min_hits && best >= 2 * runner_up.unwrap_or(0)).then_some(LANGUAGES[leader])
    }
}

/// Returns the bytes of a word of at most 8 bytes, with ASCII capitals lower-cased,
/// as a number, or `None` for a longer word. The numbers of lower-case words order
/// them as `str` does (no word contains a zero byte). Every marker word fits, and
/// comparing numbers is faster than comparing strings.
pub(crate) const fn packed(word: &[u8]) -> Option<u64> {
    if word.len() > 8 {
        return None;
    }
    // A byte loop, not `copy_from_slice`, which calls `memcpy` for a length not
    // known at compile time.
    let mut key = 0u64;
    let mut index = 0;
    while index < 8 {
        key <<= 8;
        if index < word.len() {
            key |= word[index].to_ascii_lowercase() as u64;
        }
        index += 1;
    }
    Some(key)
}

/// Returns the [`packed`] form of an ASCII `word` trimmed of other bytes than
/// letters and digits, or `None` when nothing is left or it is longer than every
/// ASCII marker. For ASCII, trimming bytes is trimming chars.
fn ascii_marker_key(word: &[u8]) -> Option<u64> {
    // Most words start and end with a letter, and then there is nothing to trim.
    let (&first_byte, &last_byte) = (word.first()?, word.last()?);
    let word = if first_byte.is_ascii_alphanumeric() && last_byte.is_ascii_alphanumeric() {
        word
    } else {
        let first = word.iter().position(u8::is_ascii_alphanumeric)?;
        let last = word.iter().rposition(u8::is_ascii_alphanumeric).unwrap_or(first);
        &word[first..=last]
    };
    if word.len() > MAX_ASCII_MARKER_BYTES {
        return None;
    }
    Some(packed_ascii(word))
}

/// Returns [`packed`] of an ASCII `word` of at most 8 bytes, from a few loads and
/// eight bytes lower-cased at a time, where `packed` takes a loop of eight steps.
pub(crate) fn packed_ascii(word: &[u8]) -> u64 {
    debug_assert!(word.len() <= 8 && word.is_ascii());
    let little_endian = pack_short(word);
    let capitals = ascii_bytes_in_range(little_endian, b'A', b'[');
    // `packed` puts the first byte highest, and `| 0x20` lower-cases a capital.
    (little_endian | capitals >> 2).swap_bytes()
}

/// The number of slots of [`MARKER_TABLE`], a power of two at least four times the
/// number of marker words, so that a lookup mostly reads one or two slots.
const MARKER_TABLE_SLOTS: usize = 512;

/// Returns the first slot of [`MARKER_TABLE`] that `key` is looked up in.
const fn marker_slot(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - MARKER_TABLE_SLOTS.trailing_zeros())) as usize
}

/// A hash table of [`MARKER_KEYS`] with linear probing. Each slot contains the
/// index in [`MARKER_WORDS`] plus one of the key that took it, or 0 when it is
/// empty. A lookup reads fewer entries than a binary search of seven steps.
const MARKER_TABLE: [u8; MARKER_TABLE_SLOTS] = {
    assert!(MARKER_WORDS.len() < u8::MAX as usize, "a marker index plus one does not fit a slot");
    assert!(4 * MARKER_WORDS.len() <= MARKER_TABLE_SLOTS, "the marker table is too full");
    let mut table = [0u8; MARKER_TABLE_SLOTS];
    let mut index = 0;
    while index < MARKER_KEYS.len() {
        let mut slot = marker_slot(MARKER_KEYS[index]);
        while table[slot] != 0 {
            slot = (slot + 1) % MARKER_TABLE_SLOTS;
        }
        table[slot] = index as u8 + 1;
        index += 1;
    }
    table
};

/// Returns the index in [`MARKER_WORDS`] of the word whose [`packed`] form is
/// `key`, or `None` when no marker word has it.
fn marker_index(key: u64) -> Option<usize> {
    let mut slot = marker_slot(key);
    loop {
        let entry = MARKER_TABLE[slot];
        if entry == 0 {
            return None;
        }
        let index = usize::from(entry - 1);
        if MARKER_KEYS[index] == key {
            return Some(index);
        }
        slot = (slot + 1) % MARKER_TABLE_SLOTS;
    }
}

/// The [`packed`] form of each word of [`MARKER_WORDS`], in the same order.
const MARKER_KEYS: [u64; MARKER_WORDS.len()] = {
    let mut keys = [0u64; MARKER_WORDS.len()];
    let mut index = 0;
    while index < MARKER_WORDS.len() {
        keys[index] = match packed(MARKER_WORDS[index].0.as_bytes()) {
            Some(key) => key,
            None => panic!("a marker word is longer than 8 bytes, which `packed` cannot hold"),
        };
        index += 1;
    }
    keys
};

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
    fn unsure_guess_on_few_words_is_no_language() {
        for text in ["Thank you so much!", "See you tomorrow at 5pm.", "Zebra", "Berlin", "OK", "www.example.com"] {
            assert_eq!(detect_language(text), None, "text: {text}");
        }
        // Two marker words of one language decide.
        assert_eq!(detect_language("Das ist gut."), Some(Language::German));
        assert_eq!(detect_language("The service was great."), Some(Language::English));
    }

    #[test]
    fn detects_languages_by_script() {
        let cases = [
            (Language::Hindi, "सरकार ने सोमवार को घोषणा की कि वह अगले साल ईंधन पर कर बढ़ाएगी।"),
            (Language::Bengali, "সরকার সোমবার ঘোষণা করেছে যে আগামী বছর জ্বালানির উপর কর বাড়ানো হবে।"),
            (Language::Hebrew, "הממשלה הודיעה ביום שני כי תעלה את המסים על הדלק בשנה הבאה."),
            (Language::Greek, "Η κυβέρνηση ανακοίνωσε τη Δευτέρα ότι θα αυξήσει τους φόρους στα καύσιμα."),
        ];
        for (expected, text) in cases {
            assert_eq!(detect_language(text), Some(expected), "text: {text}");
        }
    }

    #[test]
    fn marker_words_decide_clear_cases_only() {
        let english = "The council said that the plan was ready and that the work is set to start with the \
                       new year, for the town and for the people of the region who are waiting.";
        assert_eq!(detect_by_marker_words(english, MARKER_SAMPLE_WORDS, MARKER_MIN_HITS), Some(Language::English));
        let short = "The plan is ready.";
        assert_eq!(detect_by_marker_words(short, MARKER_SAMPLE_WORDS, MARKER_MIN_HITS), None, "too few marker words");
        let danish_or_norwegian = "Det er ikke til og med det er ikke til og med det er ikke";
        assert_eq!(
            detect_by_marker_words(danish_or_norwegian, MARKER_SAMPLE_WORDS, MARKER_MIN_HITS),
            None,
            "close call"
        );
    }

    #[test]
    fn no_ascii_marker_is_longer_than_limit() {
        for (marker, _) in MARKER_WORDS.iter().filter(|(marker, _)| marker.is_ascii()) {
            assert!(marker.len() <= MAX_ASCII_MARKER_BYTES, "marker {marker:?}");
        }
    }

    #[test]
    fn marker_words_are_sorted_and_ten_per_language() {
        for pair in MARKER_WORDS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{:?} before {:?}", pair[0].0, pair[1].0);
        }
        for &language in LANGUAGES {
            let count = MARKER_WORDS.iter().filter(|(_, languages)| languages.contains(&language)).count();
            assert!(count == 0 || count == 10, "{language:?} has {count} markers");
        }
        let marked = LANGUAGES
            .iter()
            .filter(|language| MARKER_WORDS.iter().any(|(_, languages)| languages.contains(language)))
            .count();
        assert_eq!(marked, 14, "languages with marker words");
        for (index, &language) in LANGUAGES.iter().enumerate() {
            assert_eq!(language as usize, index, "{language:?} is not at its index in LANGUAGES");
        }
        for (index, pair) in MARKER_KEYS.windows(2).enumerate() {
            let (word, next) = (MARKER_WORDS[index].0, MARKER_WORDS[index + 1].0);
            assert!(pair[0] < pair[1], "{word:?} before {next:?} in packed form");
        }
    }

    /// Returns the marker-word key of one whitespace-separated word by trimming and
    /// lower-casing chars, which the byte path for ASCII words must match.
    fn marker_key_by_chars(word: &str) -> Option<u64> {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        if word.is_empty() || (word.is_ascii() && word.len() > MAX_ASCII_MARKER_BYTES) {
            return None;
        }
        packed(word.to_lowercase().as_bytes())
    }

    #[test]
    fn marker_table_finds_every_marker_word() {
        for (index, &key) in MARKER_KEYS.iter().enumerate() {
            assert_eq!(marker_index(key), Some(index), "marker {:?}", MARKER_WORDS[index].0);
        }
        for word in ["", "thee", "an", "x", "olarak1", "zzzzzzzz"] {
            let key = packed(word.as_bytes()).unwrap();
            assert_eq!(marker_index(key), MARKER_KEYS.binary_search(&key).ok(), "word {word:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_marker_key_matches_trimmed_packing(word in "[ -~]{1,10}") {
            let bytes = word.as_bytes();
            let expected = bytes.iter().position(u8::is_ascii_alphanumeric).and_then(|first| {
                let last = bytes.iter().rposition(u8::is_ascii_alphanumeric).unwrap_or(first);
                let trimmed = &bytes[first..=last];
                (trimmed.len() <= MAX_ASCII_MARKER_BYTES).then(|| packed(trimmed)).flatten()
            });
            proptest::prop_assert_eq!(ascii_marker_key(bytes), expected);
        }

        #[test]
        fn packed_ascii_matches_packed(word in "[ -~]{0,8}") {
            proptest::prop_assert_eq!(Some(packed_ascii(word.as_bytes())), packed(word.as_bytes()));
        }

        #[test]
        fn marker_lookup_matches_binary_search(word in "[a-zA-Z]{0,8}") {
            let key = packed(word.as_bytes()).unwrap();
            proptest::prop_assert_eq!(marker_index(key), MARKER_KEYS.binary_search(&key).ok());
        }

        #[test]
        fn ascii_marker_keys_match_char_path(word in "[aZ0'\".,(-]{1,10}") {
            proptest::prop_assert_eq!(ascii_marker_key(word.as_bytes()), marker_key_by_chars(&word));
        }

        #[test]
        fn marker_count_goes_on_like_a_fresh_count(
            text in "((the|and|der|und|le|et|el|y|Über|longword|x)[ \n\u{a0}\u{3000}]{0,2}){0,40}",
            quick_bytes in 0usize..60,
            quick_words in 0usize..12,
        ) {
            let quick = prefix(&text, quick_bytes);
            let longer = prefix(&text, 4 * quick_bytes + 20);
            let mut resumed = MarkerCount::default();
            resumed.add_words(quick, quick_words);
            if resumed.ends_at_word_end_of(longer) {
                resumed.add_words(longer, 3 * quick_words + 5);
                let mut fresh = MarkerCount::default();
                fresh.add_words(longer, 3 * quick_words + 5);
                proptest::prop_assert_eq!(resumed.hits, fresh.hits);
                proptest::prop_assert_eq!(resumed.words, fresh.words);
                proptest::prop_assert_eq!(resumed.end, fresh.end);
            }
        }

        #[test]
        fn letter_and_lead_byte_counts_match_byte_loop(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            let letters = bytes.iter().filter(|byte| byte.is_ascii_alphabetic()).count();
            let lead_bytes = bytes.iter().filter(|&&byte| byte >= 0xC0).count();
            proptest::prop_assert_eq!(count_ascii_letters_and_lead_bytes(&bytes), (letters, lead_bytes));
        }

        #[test]
        fn script_shortcut_matches_whatlang(sample in "[aZ1 .\u{e9}\u{436}\u{5d0}\u{4e2d}\u{2019}]{0,16}") {
            proptest::prop_assert_eq!(detect_script(&sample), whatlang::detect_script(&sample));
        }
    }

    #[test]
    fn letter_and_lead_byte_counts_cover_long_input() {
        // More chunks than one per-byte count takes, so the counts are summed twice.
        let bytes: Vec<u8> = b"aZ\xc3\xa9 {@`\xff".iter().copied().cycle().take(8 * 300 + 5).collect();
        let letters = bytes.iter().filter(|byte| byte.is_ascii_alphabetic()).count();
        let lead_bytes = bytes.iter().filter(|&&byte| byte >= 0xC0).count();
        assert_eq!(count_ascii_letters_and_lead_bytes(&bytes), (letters, lead_bytes));
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
