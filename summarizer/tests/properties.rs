//! Property tests: any UTF-8 input keeps the summarizer's documented guarantees.

use std::num::NonZeroUsize;

use proptest::prelude::*;
use summarizer::{split_sentences, summarize, summarize_with, InputFormat, Options, MAX_SENTENCE_BYTES};

/// Text-like input: words, sentence marks, abbreviations, quotes and line breaks in
/// random order, which reaches more of the splitter than uniform random chars.
fn text_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[A-Za-z]{1,9}",
        2 => Just(" ".to_owned()),
        1 => prop::sample::select(vec![
            ".", "!", "?", "…", "...", "。", "\"", "”", ")", "(", ",", ";", "\n", "\n\n", "\r\n", "- ", "1. ",
            "Mr.", "Inc.", "p.m.", "U.S.", "J.", " The ", "é", "数据", "\u{a0}", "\t", "<p>", "</p>", "# ",
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
}
