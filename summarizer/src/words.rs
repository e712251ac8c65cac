//! Word analysis: splitting a sentence into words, dropping stop words and stemming.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

const ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "i", "if", "in", "into",
    "is", "it", "its", "more", "no", "not", "of", "on", "one", "or", "our", "out", "over", "said", "she", "so", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "up", "was", "we", "were", "what",
    "when", "which", "who", "will", "with", "would", "you", "your",
];

/// Turns sentences into index terms: lower-cased, stop words dropped, stemmed.
pub(crate) struct Analyzer {
    stemmer: Stemmer,
    stop_words: &'static [&'static str],
}

impl Analyzer {
    pub(crate) fn english() -> Self {
        Self { stemmer: Stemmer::create(Algorithm::English), stop_words: ENGLISH_STOP_WORDS }
    }

    /// Calls `emit` with each index term of `sentence`, in order.
    pub(crate) fn for_each_term(&self, sentence: &str, mut emit: impl FnMut(&str)) {
        for word in sentence.unicode_words() {
            let lower = word.to_lowercase();
            if self.stop_words.contains(&lower.as_str()) {
                continue;
            }
            emit(&self.stemmer.stem(&lower));
        }
    }
}
