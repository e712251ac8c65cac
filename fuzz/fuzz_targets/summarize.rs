//! Feeds arbitrary UTF-8 to the summarizer in every input format and length mode
//! and checks the guarantees that do not depend on the ranking, and that a
//! `Summarizer` with a warm word cache returns the same summary.

#![no_main]

use std::num::NonZeroUsize;

use libfuzzer_sys::fuzz_target;
use summarizer::{summarize_with, InputFormat, Length, Options, Ratio, Summarizer, MAX_SENTENCE_BYTES};

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };

    let format = match control % 3 {
        0 => InputFormat::Plain,
        1 => InputFormat::Html,
        _ => InputFormat::Markdown,
    };
    let amount = usize::from(control / 3 % 16) + 1;
    let length = match control / 48 {
        0 => Length::Sentences(NonZeroUsize::new(amount).expect("amount is at least 1")),
        1 => Length::Ratio(Ratio::new(amount as f64 / 16.0).expect("amount / 16 is in (0, 1]")),
        _ => Length::Words(NonZeroUsize::new(amount * 4).expect("amount is at least 1")),
    };
    let options = Options { format, key_phrases: amount % 5, ..Options::with_length(length) };

    let summary = summarize_with(text, &options);
    if let Length::Sentences(count) = length {
        assert!(summary.sentences.len() <= count.get(), "more sentences than requested");
    }
    // A byte order mark at the start is no text (`split_sentences` skips it).
    let after_mark = text.strip_prefix('\u{feff}').unwrap_or(text);
    if format == InputFormat::Plain && after_mark.chars().any(|c| !c.is_whitespace()) {
        assert!(!summary.sentences.is_empty(), "no sentence for non-blank text");
    }
    for pair in summary.sentences.windows(2) {
        assert!(pair[0].index < pair[1].index, "sentences out of document order");
    }
    for sentence in &summary.sentences {
        assert_eq!(text.get(sentence.start..sentence.end), Some(sentence.text), "offsets do not slice the input");
        if format == InputFormat::Plain {
            assert!(sentence.text.len() <= MAX_SENTENCE_BYTES, "sentence longer than the maximum");
        }
    }
    for phrase in &summary.key_phrases {
        assert!(phrase.score.is_finite(), "key phrase score is not finite");
    }
    assert_eq!(summary, summarize_with(text, &options), "summary is not deterministic");

    // A Summarizer that has already seen the first half of the text, so its word
    // cache is warm, must return the same summary.
    let mut middle = text.len() / 2;
    while !text.is_char_boundary(middle) {
        middle -= 1;
    }
    let mut summarizer = Summarizer::new();
    summarizer.summarize(&text[..middle], &options);
    assert_eq!(summarizer.summarize(text, &options), summary, "the word cache changed the summary");
});
