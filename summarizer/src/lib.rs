//! Extractive summarization: picks the sentences that carry a document.
//!
//! The library is pure and deterministic: no I/O, no global state, and the same input
//! always gives the same summary. For any input it guarantees:
//!
//! - text with at least one non-whitespace character, after a byte order mark at
//!   its start, gets at least one sentence;
//! - never more sentences than requested;
//! - sentences in their original order, each with its byte offsets in the input;
//! - no sentence longer than [`MAX_SENTENCE_BYTES`] (longer runs are cut);
//! - no duplicate sentences, and no sentence whose words mostly repeat a chosen one.
//!   In a summary of more than 16 sentences a candidate is compared with at most
//!   1024 chosen ones that share its weightiest words. So in text whose sentences
//!   mostly share words, a repeat through lighter words can remain;
//! - scores are finite (never NaN) and nothing panics.
//!
//! Ranking combines each sentence's tf-idf cosine similarity to the document centroid,
//! a PacSum-style directed centrality over a window of following sentences, and a
//! prior that favours early sentences, which news writing puts first. The directed
//! centrality and the prior weigh less when the summary is a large share of the
//! document. Headings (short
//! lines without a sentence mark, such as a title) and fragments (units in running
//! text without a sentence mark, such as photo captions) are chosen only when the
//! whole sentences run out. The first picks use maximal marginal relevance, so they
//! repeat one another less. Every step is linear in the length of the text.
//!
//! ```
//! use std::num::NonZeroUsize;
//! let text = "Rust is fast. Rust is safe. Cats sleep a lot.";
//! let summary = summarizer::summarize(text, NonZeroUsize::new(2).unwrap());
//! assert_eq!(summary.len(), 2);
//! assert_eq!(&text[summary[0].start..summary[0].end], summary[0].text);
//! ```

mod chat;
mod english;
mod entities;
mod keyphrases;
mod language;
mod markup;
mod rank;
mod segment;
mod swar;
mod words;

/// The stop-word lists, written by `build.rs` from the stop-words crate.
mod stop_word_lists {
    include!(concat!(env!("OUT_DIR"), "/stop_words.rs"));
}

use std::borrow::Cow;
use std::num::NonZeroUsize;

pub use keyphrases::KeyPhrase;
pub use language::{detect_language, neutral_language_code, Language, LANGUAGES, NEUTRAL_LANGUAGE_CODES};
pub use markup::InputFormat;
pub use segment::{split_sentences, Span, MAX_SENTENCE_BYTES};

/// The name and version of the ranking method, stored with each summary so that
/// summaries made by different versions can be distinguished. Change it when the
/// ranking changes.
pub const METHOD: &str = "pacsum-centroid-position-mmr-v5";

/// One sentence of a summary: its text and byte range in the summarized input.
///
/// For HTML or Markdown input, `start..end` is the range of the original markup that
/// covers the sentence, so `text` may contain tags, entities or emphasis marks, and
/// `plain` is the sentence's visible text.
#[derive(Debug, Clone, PartialEq)]
pub struct SummarySentence<'a> {
    /// The sentence as it appears in the input: `&input[start..end]`.
    pub text: &'a str,
    /// The sentence as visible text. For plain-text input it is `text`, except that
    /// a quoted sentence that runs over several lines loses the e-mail quote marks
    /// (`> `) at the start of its later lines.
    pub plain: Cow<'a, str>,
    /// Byte offset of the first byte in the input.
    pub start: usize,
    /// Byte offset one past the last byte in the input.
    pub end: usize,
    /// Position of the sentence among all sentences of the input, from 0.
    pub index: usize,
}

/// A share of a document's sentences, in `(0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Ratio(f64);

impl Ratio {
    /// Returns the ratio `value`, or `None` unless `0 < value <= 1`.
    pub fn new(value: f64) -> Option<Self> {
        (value > 0.0 && value <= 1.0).then_some(Self(value))
    }

    /// Returns the ratio as a number in `(0, 1]`.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// The length limit of a summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Length {
    /// At most this many sentences.
    Sentences(NonZeroUsize),
    /// At most this share of the document's sentences, rounded up, so at least one.
    Ratio(Ratio),
    /// At most this many words in all, counted as Unicode words (UAX #29). When even
    /// the best single sentence is longer, the summary is that one sentence, so that
    /// text with a non-whitespace character never gets an empty summary.
    Words(NonZeroUsize),
}

/// Settings of one summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The length limit of the summary.
    pub length: Length,
    /// The language of the text, or `None` to detect it with [`detect_language`].
    pub language: Option<Language>,
    /// The markup of the text.
    pub format: InputFormat,
    /// The number of key phrases to return in [`Summary::key_phrases`], 0 for none.
    pub key_phrases: usize,
}

impl Options {
    /// Options for at most `max_sentences` sentences of plain text, with the
    /// language detected.
    pub fn new(max_sentences: NonZeroUsize) -> Self {
        Self::with_length(Length::Sentences(max_sentences))
    }

    /// Options for a summary of the given length of plain text, with the language
    /// detected.
    pub fn with_length(length: Length) -> Self {
        Self { length, language: None, format: InputFormat::Plain, key_phrases: 0 }
    }
}

/// A summary and the language its words were analysed as.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary<'a> {
    /// The chosen sentences, in document order.
    pub sentences: Vec<SummarySentence<'a>>,
    /// The language given in [`Options`] or detected, or `None` when the text's
    /// language is unsupported and words were only lower-cased.
    pub language: Option<Language>,
    /// The ISO 639-1 code of the text's language where it is known: the code of
    /// `language`, or else `zh`, `ja` or `ko` for text in Chinese, Japanese or Korean
    /// script (see [`neutral_language_code`]), which has no stemmer here.
    pub language_code: Option<&'static str>,
    /// Up to [`Options::key_phrases`] key phrases of the whole text, best first, as
    /// visible text.
    pub key_phrases: Vec<KeyPhrase>,
}

/// Summarizes `text` into at most `max_sentences` sentences, in document order, with
/// the language detected. See [`summarize_with`] for the other settings.
pub fn summarize(text: &str, max_sentences: NonZeroUsize) -> Vec<SummarySentence<'_>> {
    summarize_with(text, &Options::new(max_sentences)).sentences
}

/// Summarizes `text` with the given [`Options`].
///
/// Each call analyses every word of the text afresh. To summarize many documents,
/// keep a [`Summarizer`], which reuses the analysis of the words it has seen and
/// returns the same summaries.
pub fn summarize_with<'a>(text: &'a str, options: &Options) -> Summary<'a> {
    Summarizer::with_max_cached_words(0).summarize(text, options)
}

/// A summarizer for many documents: it keeps the analysis of each word form it has
/// seen (lower-casing, the stop-word check and stemming) from one document to the
/// next, per language, which makes a series of documents faster to summarize.
///
/// The summaries are the same as those of [`summarize_with`], whatever documents
/// came before. The cache is bounded: before each document, a summarizer that
/// contains more word forms than its maximum clears its cache. One document can add
/// its own distinct words on top of the maximum until then.
///
/// A `Summarizer` is plain data owned by the caller, with no global state, so each
/// thread can keep its own.
///
/// ```
/// use std::num::NonZeroUsize;
/// use summarizer::{Options, Summarizer};
///
/// let mut summarizer = Summarizer::new();
/// let options = Options::new(NonZeroUsize::new(1).unwrap());
/// for text in ["Rust is fast. Cats sleep.", "Rust is safe. Rust is fast."] {
///     assert_eq!(summarizer.summarize(text, &options), summarizer::summarize_with(text, &options));
/// }
/// ```
pub struct Summarizer {
    /// The word analysis of each language seen, `None` for text in no supported
    /// language.
    caches: Vec<(Option<Language>, words::TermCache)>,
    /// The maximum number of word forms kept between documents, over all languages.
    max_cached_words: usize,
    /// The term rows of the ranking's window cosines, all zero between documents.
    window: rank::WindowSpread,
}

impl Summarizer {
    /// The maximum number of word forms a [`Summarizer::new`] keeps between
    /// documents. Each costs about 100 bytes (an estimate: the form, its term and
    /// two hash-table entries), so the cache stays near 10 MB. The 445 BBC articles
    /// of the evaluation (1 MB of text) have about 14,500 distinct word forms.
    pub const DEFAULT_MAX_CACHED_WORDS: usize = 100_000;

    /// The number of word forms a new cache has room for before its tables grow,
    /// when the maximum allows as many: growing a small table rehashes its entries
    /// again and again. Room for 16,384 saved 2.5% of the instructions of the 75
    /// CNN/DM articles but took 7% more time on two threads: each thread's tables
    /// then spread over more memory pages than their 4,000 words fill.
    const RESERVED_WORDS: usize = 4_096;

    /// Creates a summarizer that keeps up to [`Self::DEFAULT_MAX_CACHED_WORDS`] word
    /// forms between documents.
    pub fn new() -> Self {
        Self::with_max_cached_words(Self::DEFAULT_MAX_CACHED_WORDS)
    }

    /// Creates a summarizer that keeps up to `max_cached_words` word forms between
    /// documents. With 0 it keeps none and works like [`summarize_with`].
    pub fn with_max_cached_words(max_cached_words: usize) -> Self {
        Self { caches: Vec::new(), max_cached_words, window: rank::WindowSpread::default() }
    }

    /// Summarizes `text` with the given [`Options`], with the same result as
    /// [`summarize_with`].
    pub fn summarize<'a>(&mut self, text: &'a str, options: &Options) -> Summary<'a> {
        let reduced = match options.format {
            InputFormat::Plain => None,
            InputFormat::Html => Some(markup::reduce_html(text)),
            InputFormat::Markdown => Some(markup::reduce_markdown(text)),
        };
        let visible = reduced.as_ref().map_or(text, |reduced| reduced.text.as_str());

        let language = options.language.or_else(|| detect_language(visible));
        let spans = split_sentences(visible);
        let infos = rank::describe(visible, &spans);
        // Terms and key phrases come from the content of each sentence, which leaves
        // out the time and nickname of a chat line.
        let content_spans = rank::content_spans(visible, &spans, &infos);
        let mut window = std::mem::take(&mut self.window);
        let terms = self.term_cache(language);
        let chosen = choose_sentences(visible, &spans, &infos, &content_spans, terms, &mut window, options.length);
        let phrase_spans = rank::key_phrase_spans(visible, &content_spans, &infos);
        let (analyzer, phrase_words) = terms.phrase_words();
        let key_phrases = keyphrases::extract(visible, &phrase_spans, analyzer, phrase_words, options.key_phrases);
        self.window = window;

        // The end of the last sentence's range in the original, which the next one's
        // balanced markup may not reach back over.
        let mut previous_end = 0;
        let sentences = chosen
            .into_iter()
            .map(|(index, span)| match &reduced {
                None => SummarySentence {
                    text: &text[span.start..span.end],
                    plain: segment::without_quote_marks(&text[span.start..span.end]),
                    start: span.start,
                    end: span.end,
                    index,
                },
                Some(reduced) => {
                    let unbalanced = reduced.original_range(span.start..span.end);
                    let balanced = match options.format {
                        InputFormat::Html => markup::balance_html(text, unbalanced.clone()),
                        _ => markup::balance_markdown(text, unbalanced.clone()),
                    };
                    let original = balanced.start.max(previous_end.min(unbalanced.start))..balanced.end;
                    previous_end = original.end;
                    SummarySentence {
                        text: &text[original.clone()],
                        plain: Cow::Owned(visible[span.start..span.end].to_owned()),
                        start: original.start,
                        end: original.end,
                        index,
                    }
                }
            })
            .collect();
        let language_code = language.map(Language::code).or_else(|| neutral_language_code(visible));
        Summary { sentences, language, language_code, key_phrases }
    }

    /// Returns the word analysis of `language`, after clearing the cache when it
    /// contains more word forms than the maximum.
    fn term_cache(&mut self, language: Option<Language>) -> &mut words::TermCache {
        let cached_words: usize = self.caches.iter().map(|(_, cache)| cache.len()).sum();
        if cached_words > self.max_cached_words {
            self.caches.clear();
        }
        let position = match self.caches.iter().position(|(cached, _)| *cached == language) {
            Some(position) => position,
            None => {
                let capacity = self.max_cached_words.min(Self::RESERVED_WORDS);
                let analyzer = words::Analyzer::new(language);
                let cache = words::TermCache::with_capacity(analyzer, capacity, self.max_cached_words);
                self.caches.push((language, cache));
                self.caches.len() - 1
            }
        };
        &mut self.caches[position].1
    }
}

impl Default for Summarizer {
    fn default() -> Self {
        Self::new()
    }
}

/// Returns the index and span of each chosen sentence of `text`, in document order.
/// `infos` describes each sentence of `spans`, and `content_spans` contains the part
/// of each that its terms come from.
fn choose_sentences(
    text: &str,
    spans: &[Span],
    infos: &[rank::SentenceInfo],
    content_spans: &[Span],
    terms: &mut words::TermCache,
    window: &mut rank::WindowSpread,
    length: Length,
) -> Vec<(usize, Span)> {
    if spans.is_empty() {
        return Vec::new();
    }

    let vectors = rank::sentence_vectors(text, content_spans, terms);
    let limit = rank::Limit::new(text, spans, length);
    let scores = rank::score_sentences(infos, &vectors, limit.expected_sentences, text.len(), window);
    let chosen = rank::choose(text, spans, infos, &vectors, &scores, &limit);
    chosen.into_iter().map(|index| (index, spans[index])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(value: usize) -> NonZeroUsize {
        NonZeroUsize::new(value).unwrap()
    }

    #[test]
    fn never_returns_more_than_requested() {
        let text =
            "One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen fifteen sixteen.";
        for requested in 1..=6 {
            assert!(summarize(text, n(requested)).len() <= requested, "requested {requested}");
        }
    }

    #[test]
    fn keeps_document_order() {
        let text = "Storms hit the coast today. Officials closed schools and roads. Storms may return next week along the coast. A local bakery sold bread.";
        let summary = summarize(text, n(3));
        let indexes: Vec<usize> = summary.iter().map(|s| s.index).collect();
        let mut sorted = indexes.clone();
        sorted.sort_unstable();
        assert_eq!(indexes, sorted);
    }

    #[test]
    fn non_empty_input_gets_a_sentence() {
        for text in ["a", "...", "!!!", "42", "数据", "Hi", "- -", "\u{200b}x", ">", "> >\n>", " > \t"] {
            assert!(!summarize(text, n(3)).is_empty(), "input {text:?}");
        }
    }

    #[test]
    fn empty_input_gets_nothing() {
        assert!(summarize("", n(3)).is_empty());
        assert!(summarize("  \n ", n(3)).is_empty());
    }

    #[test]
    fn skips_duplicate_sentences() {
        let text = "The council approved the new budget plan. The council approved the new budget plan. The council approved the new budget plan. Weather stays mild this week in town.";
        let summary = summarize(text, n(3));
        let texts: Vec<&str> = summary.iter().map(|s| s.text).collect();
        assert_eq!(texts, vec!["The council approved the new budget plan.", "Weather stays mild this week in town."]);
    }

    #[test]
    fn chat_log_prefers_messages_with_content() {
        let text = "[10:01] <alice> the build for 2.4 is failing on the arm runners since the bump\n\
                    [10:01] <bob> lol\n\
                    [10:02] <carol> the arm image still has the old openssl headers\n\
                    [10:03] <bob> ok\n\
                    [10:04] <alice> thanks!\n";
        let texts: Vec<&str> = summarize(text, n(2)).iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "[10:01] <alice> the build for 2.4 is failing on the arm runners since the bump",
                "[10:02] <carol> the arm image still has the old openssl headers"
            ]
        );
        // Nicknames are on every line, and are no key phrase.
        let options = Options { key_phrases: 3, ..Options::new(n(2)) };
        let phrases: Vec<String> = summarize_with(text, &options).key_phrases.into_iter().map(|p| p.text).collect();
        assert_eq!(phrases, ["arm", "build", "failing"]);
    }

    #[test]
    fn transcript_prefers_updates_to_greetings() {
        let text = "[00:00:02] Kim Tran: Hi everyone\n\
                    [00:00:04] Luis Gomez: Hi Kim\n\
                    [00:00:06] Kim Tran: Great, let's wait one more minute for Emma\n\
                    [00:00:42] Kim Tran: No worries, okay let's start\n\
                    [00:00:50] Luis Gomez: Yesterday I finished the CSV export for the analytics dashboard and deployed it\n\
                    [00:01:10] Kim Tran: Okay, thanks Luis\n\
                    [00:01:16] Olivia Brown: I'm still blocked on the payment sandbox, our API keys expired last week\n\
                    [00:01:30] Kim Tran: Okay\n\
                    [00:01:50] Raj Patel: The nightly test suite failed three times this week because of a flaky timeout\n\
                    [00:02:10] Kim Tran: Sounds good\n\
                    [00:02:11] Luis Gomez: Sounds good\n\
                    [00:02:54] Kim Tran: Okay, thanks everyone\n";
        let options = Options { key_phrases: 2, ..Options::new(n(2)) };
        let summary = summarize_with(text, &options);
        let texts: Vec<&str> = summary.sentences.iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "[00:01:16] Olivia Brown: I'm still blocked on the payment sandbox, our API keys expired last week",
                "[00:01:50] Raj Patel: The nightly test suite failed three times this week because of a flaky timeout"
            ]
        );
        // Neither the speakers nor "okay" and "sounds good", which are repeated often.
        let phrases: Vec<String> = summary.key_phrases.into_iter().map(|p| p.text.to_lowercase()).collect();
        assert_eq!(phrases.len(), 2, "{phrases:?}");
        for word in ["kim", "tran", "luis", "olivia", "raj", "okay", "sounds", "good", "thanks"] {
            assert!(phrases.iter().all(|phrase| !phrase.split(' ').any(|part| part == word)), "{word} in {phrases:?}");
        }
    }

    #[test]
    fn meeting_transcript_without_times_prefers_updates() {
        let text = "Kim: Hi everyone\n\
                    Luis: Hi Kim\n\
                    Kim: Okay, let's start\n\
                    Luis: Yesterday I finished the CSV export for the analytics dashboard\n\
                    Kim: Nice, thanks\n\
                    Olivia: I'm still blocked on the payment sandbox because our API keys expired\n\
                    Kim: Okay\n\
                    Raj: The nightly test suite failed three times this week on a flaky timeout\n\
                    Luis: Sounds good\n\
                    Kim: Thanks everyone\n";
        let options = Options { key_phrases: 3, ..Options::new(n(2)) };
        let summary = summarize_with(text, &options);
        let texts: Vec<&str> = summary.sentences.iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "Olivia: I'm still blocked on the payment sandbox because our API keys expired",
                "Raj: The nightly test suite failed three times this week on a flaky timeout"
            ]
        );
        // The speakers' names are on every line, and are no key phrase.
        let phrases: Vec<String> = summary.key_phrases.into_iter().map(|p| p.text).collect();
        assert_eq!(phrases, ["Yesterday", "finished", "CSV"]);
    }

    #[test]
    fn court_transcript_prefers_testimony() {
        let text = "THE COURT: Good morning. Please be seated.\n\
                    MR. HARRIS: Good morning, Your Honor.\n\
                    Q. Where were you working on the night of March 4?\n\
                    A. I was on patrol in the east district with my partner.\n\
                    Q. Okay.\n\
                    Q. What did you see when you arrived?\n\
                    A. The glass of the back door was broken and a man was climbing out with a black bag.\n\
                    Q. Did you recognize that man?\n\
                    A. Yes.\n\
                    MS. CHEN: Objection, Your Honor.\n\
                    THE COURT: Overruled.\n";
        let options = Options { key_phrases: 3, ..Options::new(n(2)) };
        let summary = summarize_with(text, &options);
        let texts: Vec<&str> = summary.sentences.iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "Q. Where were you working on the night of March 4?",
                "A. The glass of the back door was broken and a man was climbing out with a black bag."
            ]
        );
        let phrases: Vec<String> = summary.key_phrases.into_iter().map(|p| p.text).collect();
        for label in ["COURT", "HARRIS", "CHEN", "Q", "A"] {
            assert!(
                phrases.iter().all(|phrase| !phrase.split(' ').any(|part| part == label)),
                "{label} in {phrases:?}"
            );
        }
    }

    #[test]
    fn webvtt_voices_prefer_cues_with_content() {
        let text = "WEBVTT\n\n\
                    00:00:00.000 --> 00:00:02.500\n<v Priya>Good morning everyone.</v>\n\n\
                    00:00:02.500 --> 00:00:04.000\n<v Ben>Morning!</v>\n\n\
                    00:00:04.000 --> 00:00:09.000\n<v Priya>The water at the mill bridge had twice the nitrate level of last spring.</v>\n\n\
                    00:00:09.000 --> 00:00:10.000\n<v.loud Ben>Twice?</v>\n\n\
                    00:00:10.000 --> 00:00:15.000\n<v Yusuf>We found forty percent fewer young trout below the bridge than above it.</v>\n\n\
                    00:00:15.000 --> 00:00:16.000\n<v Ben>Thanks.</v>\n";
        let options = Options { key_phrases: 3, ..Options::new(n(2)) };
        let summary = summarize_with(text, &options);
        let texts: Vec<&str> = summary.sentences.iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "<v Priya>The water at the mill bridge had twice the nitrate level of last spring.</v>",
                "<v Yusuf>We found forty percent fewer young trout below the bridge than above it.</v>"
            ]
        );
        // Before, the speakers' names were the key phrases.
        let phrases: Vec<String> = summary.key_phrases.into_iter().map(|p| p.text).collect();
        assert_eq!(phrases, ["bridge", "water", "mill"]);
    }

    #[test]
    fn slack_copy_prefers_messages_to_names() {
        let text = "Priya Nair  9:02 AM\nmorning all\n\
                    Ben Ortiz  9:03 AM\nmorning!\n\
                    Priya Nair  9:05 AM\n\
                    heads up: the payments API started returning 502 errors for 4% of checkout requests since the deploy\n\
                    9:06\nrolling back now\n\
                    Ben Ortiz  9:07 AM\nthe new connection pool limit in the deploy is 20, the old one was 100\n\
                    Priya Nair  9:08 AM\nyep\n\
                    Ben Ortiz  9:20 AM\nrollback finished, the error rate is back under 0.1%\n\
                    Priya Nair  9:21 AM\nthanks Ben\n";
        let options = Options { key_phrases: 3, ..Options::new(n(2)) };
        let summary = summarize_with(text, &options);
        let texts: Vec<&str> = summary.sentences.iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "heads up: the payments API started returning 502 errors for 4% of checkout requests since the deploy",
                "the new connection pool limit in the deploy is 20, the old one was 100"
            ]
        );
        // Before, the writers' names were the key phrases.
        let phrases: Vec<String> = summary.key_phrases.into_iter().map(|p| p.text).collect();
        assert_eq!(phrases, ["errors", "deploy", "heads"]);
    }

    #[test]
    fn discord_copy_prefers_messages_to_names() {
        let text = "Mira — Today at 9:15 PM\nanyone around?\n\
                    jonas_k — Today at 9:16 PM\nyep\n\
                    Mira — Today at 9:16 PM\nthe 1.4 build crashes on start for everyone with an AMD card\n\
                    jonas_k — Today at 9:17 PM\noof\n\
                    Tess — Today at 9:18 PM\nlol\n\
                    jonas_k — Today at 9:20 PM\n\
                    the cache format changed in 1.4 but the version number in the header stayed the same\n\
                    Mira — Today at 9:22 PM\nthanks!\n";
        let options = Options { key_phrases: 3, ..Options::new(n(2)) };
        let summary = summarize_with(text, &options);
        let texts: Vec<&str> = summary.sentences.iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "the 1.4 build crashes on start for everyone with an AMD card",
                "the cache format changed in 1.4 but the version number in the header stayed the same"
            ]
        );
        // Before, "Today" and "PM" of every header were the key phrases.
        let phrases: Vec<String> = summary.key_phrases.into_iter().map(|p| p.text).collect();
        assert_eq!(phrases, ["build", "crashes", "start"]);
    }

    #[test]
    fn discord_times_alone_head_later_messages() {
        let text =
            "Mira — Today at 9:15 PM\nanyone around?\n[9:15 PM]\nthe build on main is red again after the merge\n\
                    jonas_k — Today at 9:16 PM\nyep\n\
                    Mira — Today at 9:16 PM\nthe 1.4 build crashes on start for everyone with an AMD card\n\
                    [9:17 PM]\nsame crash on two laptops here\n\
                    jonas_k — Today at 9:17 PM\noof\nTess — Today at 9:18 PM\nlol\n\
                    jonas_k — Today at 9:20 PM\n\
                    the cache format changed in 1.4 but the version number in the header stayed the same\n\
                    [9:21 PM]\nclearing the cache folder fixes it\nMira — Today at 9:22 PM\nthanks!\n";
        let options = Options { key_phrases: 3, ..Options::new(n(3)) };
        let summary = summarize_with(text, &options);
        let texts: Vec<&str> = summary.sentences.iter().map(|s| s.text).collect();
        // Before, each "[9:17 PM]" joined the messages around it into one sentence.
        assert_eq!(
            texts,
            [
                "the build on main is red again after the merge",
                "the 1.4 build crashes on start for everyone with an AMD card",
                "the cache format changed in 1.4 but the version number in the header stayed the same"
            ]
        );
        let phrases: Vec<String> = summary.key_phrases.into_iter().map(|p| p.text).collect();
        assert_eq!(phrases, ["build", "crashes", "cache"]);
    }

    #[test]
    fn teams_copy_prefers_messages_to_names() {
        let text = "[9:00 AM] Laura Chen\nGood morning everyone\n\
                    [9:01 AM] Tom Becker\nMorning Laura\n\
                    [9:02 AM] Laura Chen\nThe supplier confirmed that the steel beams arrive on the 14th, two weeks late.\n\
                    [9:03 AM] Tom Becker\nok\n\
                    [9:04 AM] Tom Becker\nThen the crane booking on the 3rd has to move, and the crane company charges a fee.\n\
                    [9:05 AM] Laura Chen\nThanks all\n";
        let texts: Vec<&str> = summarize(text, n(2)).iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "The supplier confirmed that the steel beams arrive on the 14th, two weeks late.",
                "Then the crane booking on the 3rd has to move, and the crane company charges a fee."
            ]
        );
    }

    #[test]
    fn zoom_chat_prefers_messages_to_names() {
        let text = "10:02:11 From Alice Smith to Everyone:\n\tHi all\n\
                    10:02:15 From Bob Jones to Everyone:\n\thello!\n\
                    10:05:30 From Bob Jones to Everyone:\n\
                    \tRevenue in the northern region grew 12% but the margin fell because of the new warehouse lease\n\
                    10:06:01 From Carla Diaz to Everyone:\n\tthanks\n\
                    10:10:03 From Alice Smith to Everyone:\n\
                    \tThe board wants a plan to bring the margin back above 8% by the end of next year\n\
                    10:11:20 From Carla Diaz to Everyone:\n\tok\n";
        let options = Options { key_phrases: 3, ..Options::new(n(2)) };
        let summary = summarize_with(text, &options);
        let texts: Vec<&str> = summary.sentences.iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "Revenue in the northern region grew 12% but the margin fell because of the new warehouse lease",
                "The board wants a plan to bring the margin back above 8% by the end of next year"
            ]
        );
        let phrases: Vec<String> = summary.key_phrases.into_iter().map(|p| p.text).collect();
        assert_eq!(phrases, ["margin", "Revenue", "northern"]);
    }

    #[test]
    fn notes_with_field_labels_are_no_chat() {
        // `Note:` and `Step 1:` repeat, but they are fields, not speakers: the text
        // keeps its position prior and its lead.
        let text = "Installing the backup agent\n\n\
                    Note: The agent needs about 200 MB of free disk space.\n\
                    Warning: Do not install the agent on a domain controller.\n\
                    Step 1: Choose the folders to back up.\n\
                    Step 2: Choose a daily schedule at night.\n\
                    Note: The password cannot be reset.\n\
                    Tip: Test a restore of a single file after the first backup.\n";
        let options = Options { key_phrases: 3, ..Options::new(n(2)) };
        let summary = summarize_with(text, &options);
        let texts: Vec<&str> = summary.sentences.iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            ["Note: The agent needs about 200 MB of free disk space.", "Step 1: Choose the folders to back up."]
        );
        let phrases: Vec<String> = summary.key_phrases.into_iter().map(|p| p.text).collect();
        assert_eq!(phrases, ["agent", "Installing", "backup"]);
    }

    #[test]
    fn skips_title_line_when_body_has_sentences() {
        let text = "Budget vote delayed\n\nThe council delayed the budget vote until March. Members asked for more time to read the budget plan.";
        let summary = summarize(text, n(1));
        let texts: Vec<&str> = summary.iter().map(|s| s.text).collect();
        assert_eq!(texts, vec!["The council delayed the budget vote until March."]);
    }

    #[test]
    fn prefers_sentences_to_caption_fragments() {
        let text = "The storm closed roads on Monday. \
                    Storm damage to coast roads and homes near the coast at night He said schools would stay open. \
                    Bakers sold bread in the town square all week. \
                    The coast roads reopen after storm damage is cleared.";
        let texts: Vec<&str> = summarize(text, n(2)).iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            vec!["The storm closed roads on Monday.", "The coast roads reopen after storm damage is cleared."]
        );
    }

    #[test]
    fn uses_title_line_when_nothing_else_is_left() {
        let text = "Town hall news\n\nThe council delayed the budget vote until March.";
        let summary = summarize(text, n(2));
        assert_eq!(summary.len(), 2);
        assert_eq!(summary[0].text, "Town hall news");
    }

    #[test]
    fn reports_detected_and_given_language() {
        let text =
            "Die Regierung hat am Montag angekündigt, dass sie die Steuern erhöhen wird. Viele Bürger sind dagegen.";
        assert_eq!(summarize_with(text, &Options::new(n(1))).language, Some(Language::German));
        let given = Options { language: Some(Language::English), ..Options::new(n(1)) };
        assert_eq!(summarize_with(text, &given).language, Some(Language::English));
    }

    #[test]
    fn german_stop_words_do_not_drive_ranking() {
        let text = "Der und die der und die der und die waren da. \
                    Die Stadt baut eine neue Brücke über den Fluss. \
                    Die neue Brücke über den Fluss kostet viel Geld. \
                    Der Bau der Brücke beginnt im Sommer.";
        let options = Options { language: Some(Language::German), ..Options::new(n(1)) };
        let summary = summarize_with(text, &options);
        assert_eq!(summary.sentences[0].text, "Die Stadt baut eine neue Brücke über den Fluss.");
    }

    #[test]
    fn html_sentences_point_into_original_markup() {
        let html = "<html><head><title>Ignored</title><style>p {}</style></head><body>\
                    <h1>Storm news</h1><p>A <b>storm</b> hit the coast on Monday night.</p>\
                    <p>Officials closed schools &amp; roads across the region.</p></body></html>";
        let options = Options { format: InputFormat::Html, ..Options::new(n(2)) };
        let summary = summarize_with(html, &options);
        let plain: Vec<&str> = summary.sentences.iter().map(|s| s.plain.as_ref()).collect();
        assert_eq!(
            plain,
            vec!["A storm hit the coast on Monday night.", "Officials closed schools & roads across the region."]
        );
        assert_eq!(summary.sentences[0].text, "A <b>storm</b> hit the coast on Monday night.");
        for sentence in &summary.sentences {
            assert_eq!(&html[sentence.start..sentence.end], sentence.text);
        }
    }

    #[test]
    fn sentence_markup_is_balanced() {
        let all = |format, text: &str| -> Vec<String> {
            let options = Options { format, ..Options::with_length(Length::Ratio(Ratio::new(1.0).unwrap())) };
            summarize_with(text, &options).sentences.iter().map(|s| s.text.to_owned()).collect()
        };
        let html = "<p><b>Note:</b> the service restarts at noon on Friday.</p>\
                    <p><em>Save your work</em> before then, please.</p>\
                    <p><b>The first part ends here. The second part</b> ends there.</p>";
        assert_eq!(
            all(InputFormat::Html, html),
            [
                "<b>Note:</b> the service restarts at noon on Friday.",
                "<em>Save your work</em> before then, please.",
                "The first part ends here.",
                "The second part</b> ends there."
            ]
        );
        let markdown =
            "**Note:** the service restarts at noon on Friday.\n\n`fleetctl` is a small tool for fleets.\n\n\
                        [Docs](https://example.org) describe every command of it.";
        assert_eq!(
            all(InputFormat::Markdown, markdown),
            [
                "**Note:** the service restarts at noon on Friday.",
                "`fleetctl` is a small tool for fleets.",
                "[Docs](https://example.org) describe every command of it."
            ]
        );
        let cases = [
            // A sentence that ends inside a link's text takes in the rest of the link.
            ("Read [the guide.](http://x) Then act on it now.", ["Read [the guide.](http://x)", "Then act on it now."]),
            (
                "Read [the guide.][g] Then act on it now.\n\n[g]: http://x",
                ["Read [the guide.][g]", "Then act on it now."],
            ),
            // Sentences with no space between them each take their own closing marks.
            ("今日は**晴れです。**明日は**雨です。**", ["今日は**晴れです。**", "明日は**雨です。**"]),
            ("今日は*晴れです。*明日は*雨です。*", ["今日は*晴れです。*", "明日は*雨です。*"]),
        ];
        for (markdown, expected) in cases {
            assert_eq!(all(InputFormat::Markdown, markdown), expected, "markdown {markdown:?}");
        }
    }

    #[test]
    fn markdown_sentences_point_into_original_markup() {
        let markdown = "# Storm news\n\nA **storm** hit the [coast](https://example.org) on Monday night.\n\n\
                        ```\ncode block here\n```\n\n- Officials closed schools and roads across the region.";
        let options = Options { format: InputFormat::Markdown, ..Options::new(n(2)) };
        let summary = summarize_with(markdown, &options);
        let plain: Vec<&str> = summary.sentences.iter().map(|s| s.plain.as_ref()).collect();
        assert_eq!(
            plain,
            vec!["A storm hit the coast on Monday night.", "Officials closed schools and roads across the region."]
        );
        assert_eq!(summary.sentences[0].text, "A **storm** hit the [coast](https://example.org) on Monday night.");
        assert_eq!(
            summary.sentences[1].text, "Officials closed schools and roads across the region.",
            "no list marker"
        );
    }

    #[test]
    fn ratio_rounds_up_share_of_sentences() {
        let text = "Storms hit the coast today. Officials closed schools and roads. Storms may return next week along the coast. A local bakery sold bread. Rain fell on the hills all night.";
        let cases = [(0.2, 1), (0.3, 2), (0.5, 3), (1.0, 5), (0.01, 1)];
        for (ratio, expected) in cases {
            let options = Options::with_length(Length::Ratio(Ratio::new(ratio).unwrap()));
            assert_eq!(summarize_with(text, &options).sentences.len(), expected, "ratio {ratio}");
        }
    }

    #[test]
    fn ratio_rejects_values_outside_unit_interval() {
        for value in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
            assert_eq!(Ratio::new(value), None, "value {value}");
        }
    }

    #[test]
    fn word_budget_limits_total_words() {
        let text = "Storms hit the coast today. Officials closed schools and roads across the region. Storms may return next week. A local bakery sold bread.";
        for budget in [5, 9, 12, 20] {
            let options = Options::with_length(Length::Words(n(budget)));
            let summary = summarize_with(text, &options);
            let words: usize = summary.sentences.iter().map(|s| s.text.split_whitespace().count()).sum();
            assert!(words <= budget, "budget {budget}: {words} words");
            assert!(!summary.sentences.is_empty(), "budget {budget}: empty summary");
        }
    }

    #[test]
    fn word_budget_below_every_sentence_keeps_best_sentence() {
        let text = "Officials closed schools and roads across the region. Storms may return next week along the coast.";
        let summary = summarize_with(text, &Options::with_length(Length::Words(n(2))));
        assert_eq!(summary.sentences.len(), 1);
    }

    #[test]
    fn word_budget_is_spent_on_whole_sentences_only() {
        let text = "Wind farm opens\n\nThe new wind farm off the northern coast started delivering power on Monday. \
                    Construction created about 350 local jobs over three years. See our site.\n\nAbout Nordlicht\n\n\
                    Nordlicht builds and runs wind farms in northern Europe.";
        let words = |budget| -> Vec<&str> {
            let summary = summarize_with(text, &Options::with_length(Length::Words(n(budget))));
            summary.sentences.iter().map(|s| s.text).collect()
        };
        // No sentence fits: the best one alone, not the headings that would fit.
        assert_eq!(words(5), ["The new wind farm off the northern coast started delivering power on Monday."]);
        // Room is left after whole sentences, but not filled with the headings and the short line.
        for budget in [15, 25, 40] {
            let chosen = words(budget);
            assert!(!chosen.is_empty(), "budget {budget}");
            for left_out in ["Wind farm opens", "See our site.", "About Nordlicht"] {
                assert!(!chosen.contains(&left_out), "budget {budget}: {chosen:?}");
            }
        }
    }

    #[test]
    fn chinese_summary_picks_sentences_sharing_bigrams() {
        let text = "昨天我吃了一个苹果。北京大学今年招收了更多的学生。北京大学的学生来自全国各地。今年北京大学新建了一座图书馆。小猫在院子里睡觉。";
        let texts: Vec<&str> = summarize(text, n(2)).iter().map(|s| s.text).collect();
        // The second pick is the one that repeats the first one least.
        assert_eq!(texts, vec!["北京大学今年招收了更多的学生。", "今年北京大学新建了一座图书馆。"]);
    }

    #[test]
    fn japanese_summary_skips_off_topic_sentences() {
        let text = "猫が好きです。東京タワーは東京の観光名所です。東京タワーの高さは三百三十三メートルです。毎年多くの観光客が東京タワーを訪れます。";
        let texts: Vec<&str> = summarize(text, n(2)).iter().map(|s| s.text).collect();
        assert!(!texts.contains(&"猫が好きです。"), "chose the off-topic first sentence: {texts:?}");
        assert_eq!(texts.len(), 2);
    }

    #[test]
    fn reports_code_of_language_without_stemmer() {
        let options = Options::new(n(1));
        let cases = [
            ("北京大学今年招收了更多的学生。北京大学的学生来自全国各地。", None, Some("zh")),
            ("東京タワーは東京の観光名所です。毎年多くの観光客が東京タワーを訪れます。", None, Some("ja")),
            ("서울은 한국의 수도입니다. 많은 사람들이 서울에 삽니다.", None, Some("ko")),
            ("สวัสดีครับ ยินดีต้อนรับ", None, None),
            ("The council met on Monday. 北京 was on the agenda.", Some(Language::English), Some("en")),
            ("12345 !!! 678", None, None),
        ];
        for (text, language, code) in cases {
            let summary = summarize_with(text, &options);
            assert_eq!((summary.language, summary.language_code), (language, code), "text {text:?}");
        }
    }

    #[test]
    fn prefers_own_text_to_email_quotes_and_signature() {
        let text = "On Monday, Tom wrote:\n> Is the budget review still on Wednesday this week?\n\
                    > I am travelling on Wednesday morning and the budget review matters.\n\n\
                    The budget review has moved to Thursday at two in room four.\n\
                    Please send your final numbers by Wednesday noon.\n\n--\nKaren Wu, Head of Finance at Example Corp.\n\
                    This e-mail and its attachments are confidential and for the named recipient only.";
        let texts: Vec<&str> = summarize(text, n(2)).iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            vec![
                "The budget review has moved to Thursday at two in room four.",
                "Please send your final numbers by Wednesday noon."
            ]
        );
    }

    #[test]
    fn quoted_lines_lose_marks_in_plain() {
        let text = "On Monday, Tom wrote:\n> The budget review moves to Thursday because the auditors\n\
                    > arrive on Wednesday morning.\n";
        let summary = summarize(text, n(3));
        let quoted = summary.iter().find(|sentence| sentence.text.starts_with("The budget")).unwrap();
        assert_eq!(
            quoted.text,
            "The budget review moves to Thursday because the auditors\n> arrive on Wednesday morning."
        );
        assert_eq!(
            quoted.plain,
            "The budget review moves to Thursday because the auditors\narrive on Wednesday morning."
        );
        assert_eq!(&text[quoted.start..quoted.end], quoted.text);
    }

    #[test]
    fn prefers_article_to_its_references() {
        let text = "Harbour Bridge\n\nThe harbour bridge opened to traffic in 1932.[1] It carries six lanes of \
                    traffic across the harbour.[2][3] Its steel arch was the widest in the world for decades.[4]\n\n\
                    References\n1. ^ City Archive. Retrieved 22 March 2012.\n2. ^ Roads Board (2001). Annual report.\n\
                    3. ^ Smith, J. (1999). Bridges of the world.\n4. ^ Lee, K. (2010). Steel arches.";
        let texts: Vec<&str> = summarize(text, n(3)).iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            vec![
                "The harbour bridge opened to traffic in 1932.[1]",
                "It carries six lanes of traffic across the harbour.[2][3]",
                "Its steel arch was the widest in the world for decades.[4]"
            ]
        );
    }

    #[test]
    fn prefers_sentences_to_author_list() {
        let text = "Ketamine after abdominal surgery\n\nJ. Smith, A. B. Kowalski, R. Tanaka et al.\n\n\
                    We assigned 240 adults to ketamine or placebo after major abdominal surgery. \
                    Ketamine cut morphine use by a third over two days. Nausea was as common in both groups.";
        let texts: Vec<&str> = summarize(text, n(1)).iter().map(|s| s.text).collect();
        assert_eq!(texts, ["We assigned 240 adults to ketamine or placebo after major abdominal surgery."]);
    }

    #[test]
    fn ranks_press_release_boilerplate_last() {
        let text = "BERLIN -- Nordlicht opened the largest battery in Europe near Cottbus on Monday. \
                    The battery stores surplus wind and solar power for the evening peak in the region. \
                    It cost 410 million euros and took fourteen months to build on a former coal site. \
                    Nordlicht plans two more battery sites in Saxony-Anhalt by 2028.\n\n\
                    About Nordlicht Energy AG\n\nNordlicht Energy AG is a leading developer of renewable energy \
                    infrastructure with 2,400 employees.\n\nForward-Looking Statements\n\nThis press release \
                    contains forward-looking statements that are subject to risks and uncertainties.";
        let options = Options::with_length(Length::Ratio(Ratio::new(0.5).unwrap()));
        let texts: Vec<&str> = summarize_with(text, &options).sentences.iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "BERLIN -- Nordlicht opened the largest battery in Europe near Cottbus on Monday.",
                "The battery stores surplus wind and solar power for the evening peak in the region.",
                "It cost 410 million euros and took fourteen months to build on a former coal site.",
                "Nordlicht plans two more battery sites in Saxony-Anhalt by 2028."
            ]
        );
    }

    #[test]
    fn story_about_section_stays_body() {
        let text = "Officials approved a new malaria vaccine for children on Monday.\n\nAbout the vaccine\n\n\
                    The vaccine is given in three doses a month apart. Trials in four countries cut cases by \
                    three quarters. Supplies reach clinics in March. Doctors welcomed the decision.";
        let texts: Vec<&str> = summarize(text, n(3)).iter().map(|s| s.text).collect();
        assert!(!texts.contains(&"About the vaccine"), "{texts:?}");
        assert_eq!(texts.len(), 3);
    }

    #[test]
    fn table_of_contents_is_no_back_matter() {
        let text = "Contents\nHistory\nSee also\nReferences\n\nThe harbour bridge opened to traffic in 1932 after \
                    eight years of work. It carries six lanes of traffic and a railway across the harbour.\n\n\
                    History\nThe bridge was proposed in 1815 and designed by a team of engineers from the city.";
        let texts: Vec<&str> = summarize(text, n(2)).iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "The harbour bridge opened to traffic in 1932 after eight years of work.",
                "It carries six lanes of traffic and a railway across the harbour."
            ]
        );
    }

    #[test]
    fn ranks_text_after_a_sign_off_last() {
        let text = "Hi Paul,\n\nPlease find attached the signed contract for the new office lease.\n\
                    The original copy will follow by post next week.\n\nBest regards,\nAnna\n\n\
                    This e-mail and any attachments are confidential and meant for the named recipient only.\n\
                    If you have received this message in error, please notify the sender and delete it.\n\n\
                    On Monday, Paul Smith wrote:\n> Could you send me the contract?";
        let texts: Vec<&str> = summarize(text, n(2)).iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            vec![
                "Please find attached the signed contract for the new office lease.",
                "The original copy will follow by post next week."
            ]
        );
    }

    #[test]
    fn key_phrases_only_when_requested() {
        let text = "Gary Locke will manage Kilmarnock. Gary Locke signed a deal. Fans welcomed Gary Locke.";
        assert!(summarize_with(text, &Options::new(n(1))).key_phrases.is_empty());
        let options = Options { key_phrases: 1, ..Options::new(n(1)) };
        let phrases: Vec<String> = summarize_with(text, &options).key_phrases.into_iter().map(|p| p.text).collect();
        assert_eq!(phrases, vec!["Gary Locke"]);
    }

    #[test]
    fn summarizer_cache_keeps_results_identical() {
        let documents = [
            "Storms hit the coast today. Officials closed schools and roads. Storms may return next week along the coast.",
            "Die Regierung hat am Montag angekündigt, dass sie die Steuern erhöhen wird. Viele Bürger sind dagegen. \
             Die Steuern steigen im nächsten Jahr.",
            "昨天我吃了一个苹果。北京大学今年招收了更多的学生。北京大学的学生来自全国各地。",
            "Running runners ran. The runner runs daily. Storms closed the coast roads again.",
            "<p>A <b>storm</b> hit the coast on Monday night.</p><p>Officials closed schools.</p>",
            "Officials closed schools and roads. Storms hit the coast today.",
        ];
        let lengths = [Length::Sentences(n(2)), Length::Ratio(Ratio::new(0.5).unwrap()), Length::Words(n(8))];
        // A maximum of 0 clears the cache before every document, 5 every few documents, and
        // the default never on this input.
        for max_cached_words in [0, 5, Summarizer::DEFAULT_MAX_CACHED_WORDS] {
            let mut summarizer = Summarizer::with_max_cached_words(max_cached_words);
            for round in 0..2 {
                for (index, text) in documents.iter().enumerate() {
                    let format = if text.starts_with('<') { InputFormat::Html } else { InputFormat::Plain };
                    let length = lengths[(index + round) % lengths.len()];
                    let options = Options { format, key_phrases: 3, ..Options::with_length(length) };
                    assert_eq!(
                        summarizer.summarize(text, &options),
                        summarize_with(text, &options),
                        "maximum {max_cached_words}, round {round}, document {index}"
                    );
                }
            }
        }
    }

    #[test]
    fn offsets_match_text() {
        let text = "Ünïcödé words here now. Second sentence follows it closely. Third one ends.";
        for sentence in summarize(text, n(3)) {
            assert_eq!(&text[sentence.start..sentence.end], sentence.text);
        }
    }
}
