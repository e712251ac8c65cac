//! Property tests: any UTF-8 input keeps the summarizer's documented guarantees.

use std::num::NonZeroUsize;

use proptest::prelude::*;
use summarizer::{
    split_sentences, summarize, summarize_with, InputFormat, Length, Options, Ratio, Summarizer, MAX_SENTENCE_BYTES,
};
use unicode_segmentation::UnicodeSegmentation;

/// Text-like input: words, sentence marks, abbreviations, quotes and line breaks in
/// random order, which reaches more of the splitter than uniform random chars.
fn text_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[A-Za-z]{1,9}",
        2 => Just(" ".to_owned()),
        1 => prop::sample::select(vec![
            ".", "!", "?", "…", "...", "。", "\"", "”", ")", "(", ",", ";", "\n", "\n\n", "\r\n", "- ", "1. ",
            "Mr.", "Inc.", "p.m.", "U.S.", "J.", " The ", "é", "数据", "؟ ", "। ", "سؤال", "हिंदी", "東京タワー", "\u{a0}", "\t", "<p>", "</p>", "# ",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..300).prop_map(|pieces| pieces.concat())
}

fn check_guarantees(text: &str, requested: usize) -> Result<(), TestCaseError> {
    let max_sentences = NonZeroUsize::new(requested).expect("requested is at least 1");
    let summary = summarize(text, max_sentences);

    prop_assert!(summary.len() <= requested, "{} sentences for {requested} requested", summary.len());
    if text.chars().any(|c| !c.is_whitespace()) {
        prop_assert!(!summary.is_empty(), "no sentence for non-blank input");
    } else {
        prop_assert!(summary.is_empty(), "a sentence for blank input");
    }
    for pair in summary.windows(2) {
        prop_assert!(pair[0].index < pair[1].index, "sentences out of document order");
        prop_assert!(pair[0].end <= pair[1].start, "sentences overlap");
    }
    for (position, sentence) in summary.iter().enumerate() {
        prop_assert!(text.get(sentence.start..sentence.end) == Some(sentence.text), "offsets do not match the text");
        prop_assert!(!sentence.text.is_empty(), "empty sentence");
        prop_assert_eq!(sentence.text, sentence.text.trim(), "sentence not trimmed");
        prop_assert!(sentence.text.len() <= MAX_SENTENCE_BYTES, "sentence of {} bytes", sentence.text.len());
        let repeated = summary[..position].iter().any(|earlier| earlier.text == sentence.text);
        prop_assert!(!repeated, "duplicate sentence {:?}", sentence.text);
    }
    prop_assert_eq!(&summary, &summarize(text, max_sentences), "summary not deterministic");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_utf8_keeps_guarantees(text in any::<String>(), requested in 1usize..8) {
        check_guarantees(&text, requested)?;
    }

    #[test]
    fn text_like_input_keeps_guarantees(text in text_like(), requested in 1usize..8) {
        check_guarantees(&text, requested)?;
    }

    #[test]
    fn markup_offsets_point_into_original(
        text in prop_oneof![any::<String>(), text_like()],
        html in any::<bool>(),
        requested in 1usize..6,
    ) {
        let format = if html { InputFormat::Html } else { InputFormat::Markdown };
        let options = Options { format, ..Options::new(NonZeroUsize::new(requested).expect("requested is at least 1")) };
        let summary = summarize_with(&text, &options);
        prop_assert!(summary.sentences.len() <= requested);
        for pair in summary.sentences.windows(2) {
            prop_assert!(pair[0].index < pair[1].index, "sentences out of document order");
            prop_assert!(pair[0].start <= pair[1].start, "sentences out of order in the original");
        }
        for sentence in &summary.sentences {
            prop_assert!(text.get(sentence.start..sentence.end) == Some(sentence.text), "offsets do not match the text");
            prop_assert!(!sentence.plain.is_empty(), "empty visible text");
        }
    }

    #[test]
    fn sentence_spans_are_ordered_trimmed_and_bounded(text in text_like()) {
        let spans = split_sentences(&text);
        for pair in spans.windows(2) {
            prop_assert!(pair[0].end <= pair[1].start, "spans overlap or are out of order");
        }
        for span in spans {
            let piece = text.get(span.start..span.end);
            prop_assert!(piece.is_some(), "span is not a str range");
            let piece = piece.unwrap_or_default();
            prop_assert!(!piece.is_empty() && piece == piece.trim(), "span {piece:?} empty or untrimmed");
            prop_assert!(piece.len() <= MAX_SENTENCE_BYTES, "span of {} bytes", piece.len());
        }
    }

    #[test]
    fn word_budget_holds_unless_one_sentence(text in text_like(), budget in 1usize..40) {
        let length = Length::Words(NonZeroUsize::new(budget).expect("budget is at least 1"));
        let summary = summarize_with(&text, &Options::with_length(length));
        let words: usize = summary.sentences.iter().map(|s| s.text.unicode_words().count()).sum();
        prop_assert!(words <= budget || summary.sentences.len() == 1, "{words} words for a budget of {budget}");
        if text.chars().any(|c| !c.is_whitespace()) {
            prop_assert!(!summary.sentences.is_empty(), "no sentence for non-blank input");
        }
    }

    #[test]
    fn ratio_never_exceeds_share(text in text_like(), percent in 1u32..=100) {
        let ratio = Ratio::new(f64::from(percent) / 100.0).expect("percent is in 1..=100");
        let summary = summarize_with(&text, &Options::with_length(Length::Ratio(ratio)));
        let allowed = (ratio.get() * split_sentences(&text).len() as f64).ceil() as usize;
        prop_assert!(summary.sentences.len() <= allowed.max(1), "{} sentences, {allowed} allowed", summary.sentences.len());
        if text.chars().any(|c| !c.is_whitespace()) {
            prop_assert!(!summary.sentences.is_empty(), "no sentence for non-blank input");
        }
    }

    #[test]
    fn key_phrases_are_bounded_and_finite(text in prop_oneof![any::<String>(), text_like()], limit in 0usize..8) {
        let options = Options { key_phrases: limit, ..Options::new(NonZeroUsize::new(3).expect("3 is not zero")) };
        let phrases = summarize_with(&text, &options).key_phrases;
        prop_assert!(phrases.len() <= limit, "{} phrases for {limit} requested", phrases.len());
        for phrase in &phrases {
            prop_assert!(phrase.score.is_finite() && phrase.score > 0.0, "score {}", phrase.score);
            prop_assert!(text.contains(phrase.text.as_str()), "phrase {:?} not in the text", phrase.text);
        }
    }

    #[test]
    fn summarizer_cache_never_changes_summaries(
        texts in prop::collection::vec(prop_oneof![any::<String>(), text_like()], 1..6),
        max_cached_words in prop_oneof![Just(0usize), 1usize..50, Just(Summarizer::DEFAULT_MAX_CACHED_WORDS)],
        requested in 1usize..6,
    ) {
        let options = Options { key_phrases: 2, ..Options::new(NonZeroUsize::new(requested).expect("requested is at least 1")) };
        let mut summarizer = Summarizer::with_max_cached_words(max_cached_words);
        // Each text twice, so the second pass meets every word in the cache.
        for text in texts.iter().chain(&texts) {
            prop_assert_eq!(summarizer.summarize(text, &options), summarize_with(text, &options));
        }
    }
}
