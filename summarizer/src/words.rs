//! Word analysis: splitting a sentence into words, dropping stop words and stemming.

use std::collections::HashSet;

use rust_stemmers::Stemmer;
use unicode_segmentation::UnicodeSegmentation;

use crate::language::Language;

/// Turns sentences into index terms: lower-cased, stop words dropped and, for a
/// supported language, stemmed with its Snowball stemmer.
pub(crate) struct Analyzer {
    stemmer: Option<Stemmer>,
    stop_words: HashSet<&'static str>,
}

impl Analyzer {
    /// Builds the analyzer of `language`, or one that only lower-cases for `None`.
    pub(crate) fn new(language: Option<Language>) -> Self {
        let Some(language) = language else {
            return Self { stemmer: None, stop_words: HashSet::new() };
        };
        let stop_words = stop_words::lookup(language.code()).unwrap_or_default();
        Self {
            stemmer: Some(Stemmer::create(language.stemmer_algorithm())),
            stop_words: stop_words.iter().copied().collect(),
        }
    }

    /// Calls `emit` with each index term of `sentence`, in order.
    pub(crate) fn for_each_term(&self, sentence: &str, mut emit: impl FnMut(&str)) {
        for word in sentence.unicode_words() {
            let lower = word.to_lowercase();
            if self.stop_words.contains(lower.as_str()) {
                continue;
            }
            match &self.stemmer {
                Some(stemmer) => emit(&stemmer.stem(&lower)),
                None => emit(&lower),
            }
        }
    }
}
