//! Extractive summarization: picks the sentences that carry a document.
//!
//! The library is pure and deterministic: no I/O, no global state, and the same input
//! always gives the same summary. For any input it guarantees:
//!
//! - text with at least one non-whitespace character gets at least one sentence;
//! - never more sentences than requested;
//! - sentences in their original order, each with its byte offsets in the input;
//! - no sentence longer than [`MAX_SENTENCE_BYTES`] (longer runs are cut);
//! - no duplicate sentences, and no sentence whose words mostly repeat a chosen one;
//! - scores are finite (never NaN) and nothing panics.
//!
//! Ranking combines each sentence's tf-idf cosine similarity to the document centroid
//! with a prior that favours early sentences, which news writing puts first. The prior
//! weighs less when the summary is a large share of the document. Headings (short
//! lines without a sentence mark, such as a title) are chosen only when the body
//! sentences run out. Every step is linear in the length of the text.
//!
//! ```
//! use std::num::NonZeroUsize;
//! let text = "Rust is fast. Rust is safe. Cats sleep a lot.";
//! let summary = summarizer::summarize(text, NonZeroUsize::new(2).unwrap());
//! assert_eq!(summary.len(), 2);
//! assert_eq!(&text[summary[0].start..summary[0].end], summary[0].text);
//! ```

mod rank;
mod segment;
mod words;

use std::num::NonZeroUsize;

pub use segment::{split_sentences, Span, MAX_SENTENCE_BYTES};

/// One sentence of a summary: its text and byte range in the summarized input.
#[derive(Debug, Clone, PartialEq)]
pub struct SummarySentence<'a> {
    /// The sentence as it appears in the input.
    pub text: &'a str,
    /// Byte offset of the first byte in the input.
    pub start: usize,
    /// Byte offset one past the last byte in the input.
    pub end: usize,
    /// Position of the sentence among all sentences of the input, from 0.
    pub index: usize,
}

/// Summarizes `text` into at most `max_sentences` sentences, in document order.
pub fn summarize(text: &str, max_sentences: NonZeroUsize) -> Vec<SummarySentence<'_>> {
    let spans = split_sentences(text);
    if spans.is_empty() {
        return Vec::new();
    }

    let analyzer = words::Analyzer::english();
    let infos = rank::describe(text, &spans);
    let vectors = rank::sentence_vectors(text, &spans, &analyzer);
    let scores = rank::score_sentences(&infos, &vectors, max_sentences.get());
    let chosen = rank::choose(text, &infos, &vectors, &scores, max_sentences.get());

    chosen
        .into_iter()
        .map(|index| {
            let span = spans[index];
            SummarySentence { text: &text[span.start..span.end], start: span.start, end: span.end, index }
        })
        .collect()
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
        for text in ["a", "...", "!!!", "42", "数据", "Hi", "- -", "\u{200b}x"] {
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
    fn skips_title_line_when_body_has_sentences() {
        let text = "Budget vote delayed\n\nThe council delayed the budget vote until March. Members asked for more time to read the budget plan.";
        let summary = summarize(text, n(1));
        let texts: Vec<&str> = summary.iter().map(|s| s.text).collect();
        assert_eq!(texts, vec!["The council delayed the budget vote until March."]);
    }

    #[test]
    fn uses_title_line_when_nothing_else_is_left() {
        let text = "Budget vote delayed\n\nThe council delayed the budget vote until March.";
        let summary = summarize(text, n(2));
        assert_eq!(summary.len(), 2);
        assert_eq!(summary[0].text, "Budget vote delayed");
    }

    #[test]
    fn offsets_match_text() {
        let text = "Ünïcödé words here now. Second sentence follows it closely. Third one ends.";
        for sentence in summarize(text, n(3)) {
            assert_eq!(&text[sentence.start..sentence.end], sentence.text);
        }
    }
}
