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
//! with a prior that favours early sentences, which news writing puts first. Every step
//! is linear in the length of the text.
//!
//! ```
//! use std::num::NonZeroUsize;
//! let text = "Rust is fast. Rust is safe. Cats sleep a lot.";
//! let summary = summarizer::summarize(text, NonZeroUsize::new(2).unwrap());
//! assert_eq!(summary.len(), 2);
//! assert_eq!(&text[summary[0].start..summary[0].end], summary[0].text);
//! ```

mod segment;

use std::collections::HashMap;
use std::num::NonZeroUsize;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

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

/// Weight of the position prior against centrality, from 0 (centrality only) to 1.
const POSITION_WEIGHT: f64 = 0.45;
/// Cosine similarity above which a sentence counts as repeating a chosen one.
const REDUNDANCY_THRESHOLD: f64 = 0.6;
/// Sentences with fewer content words are chosen only when nothing longer is left.
const MIN_CONTENT_WORDS: usize = 4;

const ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "i", "if", "in", "into",
    "is", "it", "its", "more", "no", "not", "of", "on", "one", "or", "our", "out", "over", "said", "she", "so", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "up", "was", "we", "were", "what",
    "when", "which", "who", "will", "with", "would", "you", "your",
];

/// Summarizes `text` into at most `max_sentences` sentences, in document order.
pub fn summarize(text: &str, max_sentences: NonZeroUsize) -> Vec<SummarySentence<'_>> {
    let spans = split_sentences(text);
    if spans.is_empty() {
        return Vec::new();
    }

    let vectors = sentence_vectors(text, &spans);
    let scores = score_sentences(&vectors);
    let chosen = choose(&spans, text, &vectors, &scores, max_sentences.get());

    chosen
        .into_iter()
        .map(|index| {
            let span = spans[index];
            SummarySentence { text: &text[span.start..span.end], start: span.start, end: span.end, index }
        })
        .collect()
}

/// A sparse, L2-normalised tf-idf vector of one sentence, sorted by term id.
#[derive(Debug, Default)]
struct SentenceVector {
    terms: Vec<(usize, f64)>,
    content_words: usize,
}

fn sentence_vectors(text: &str, spans: &[Span]) -> Vec<SentenceVector> {
    let stemmer = Stemmer::create(Algorithm::English);
    let mut vocabulary: HashMap<String, usize> = HashMap::new();
    let mut counts: Vec<HashMap<usize, f64>> = Vec::with_capacity(spans.len());

    for span in spans {
        let mut sentence_counts = HashMap::new();
        for word in text[span.start..span.end].unicode_words() {
            let lower = word.to_lowercase();
            if ENGLISH_STOP_WORDS.contains(&lower.as_str()) {
                continue;
            }
            let stem = stemmer.stem(&lower).into_owned();
            let next_id = vocabulary.len();
            let id = *vocabulary.entry(stem).or_insert(next_id);
            *sentence_counts.entry(id).or_insert(0.0) += 1.0;
        }
        counts.push(sentence_counts);
    }

    let mut document_frequency = vec![0usize; vocabulary.len()];
    for sentence_counts in &counts {
        for &id in sentence_counts.keys() {
            document_frequency[id] += 1;
        }
    }

    let sentence_count = spans.len() as f64;
    counts
        .into_iter()
        .map(|sentence_counts| {
            let content_words = sentence_counts.values().sum::<f64>() as usize;
            let mut terms: Vec<(usize, f64)> = sentence_counts
                .into_iter()
                .map(|(id, tf)| {
                    let idf = ((sentence_count + 1.0) / (document_frequency[id] as f64 + 1.0)).ln() + 1.0;
                    (id, (1.0 + tf.ln()) * idf)
                })
                .collect();
            terms.sort_unstable_by_key(|&(id, _)| id);
            normalize(&mut terms);
            SentenceVector { terms, content_words }
        })
        .collect()
}

fn normalize(terms: &mut [(usize, f64)]) {
    let norm = terms.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        for (_, weight) in terms.iter_mut() {
            *weight /= norm;
        }
    }
}

fn cosine(a: &SentenceVector, b: &SentenceVector) -> f64 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.terms.len() && j < b.terms.len() {
        match a.terms[i].0.cmp(&b.terms[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a.terms[i].1 * b.terms[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    if dot.is_finite() {
        dot
    } else {
        0.0
    }
}

/// Scores each sentence by centrality (cosine to the centroid) blended with position.
fn score_sentences(vectors: &[SentenceVector]) -> Vec<f64> {
    let mut centroid: HashMap<usize, f64> = HashMap::new();
    for vector in vectors {
        for &(id, weight) in &vector.terms {
            *centroid.entry(id).or_insert(0.0) += weight;
        }
    }
    let mut centroid_terms: Vec<(usize, f64)> = centroid.into_iter().collect();
    centroid_terms.sort_unstable_by_key(|&(id, _)| id);
    normalize(&mut centroid_terms);
    let centroid = SentenceVector { terms: centroid_terms, content_words: 0 };

    let centralities: Vec<f64> = vectors.iter().map(|v| cosine(v, &centroid)).collect();
    let max_centrality = centralities.iter().copied().fold(0.0, f64::max);

    centralities
        .iter()
        .enumerate()
        .map(|(index, &centrality)| {
            let relative = if max_centrality > 0.0 { centrality / max_centrality } else { 0.0 };
            let position = 1.0 / (1.0 + index as f64).sqrt();
            (1.0 - POSITION_WEIGHT) * relative + POSITION_WEIGHT * position
        })
        .collect()
}

/// Picks the best-scored sentences that do not repeat a chosen one, in document order.
fn choose(spans: &[Span], text: &str, vectors: &[SentenceVector], scores: &[f64], max_sentences: usize) -> Vec<usize> {
    let mut ranked: Vec<usize> = (0..spans.len()).collect();
    ranked.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));

    let mut chosen: Vec<usize> = Vec::new();
    for pass in [true, false] {
        for &candidate in &ranked {
            if chosen.len() == max_sentences {
                break;
            }
            let long_enough = vectors[candidate].content_words >= MIN_CONTENT_WORDS;
            if pass != long_enough || chosen.contains(&candidate) {
                continue;
            }
            let candidate_text = &text[spans[candidate].start..spans[candidate].end];
            let repeats = chosen.iter().any(|&kept| {
                &text[spans[kept].start..spans[kept].end] == candidate_text
                    || cosine(&vectors[kept], &vectors[candidate]) > REDUNDANCY_THRESHOLD
            });
            if !repeats {
                chosen.push(candidate);
            }
        }
    }

    chosen.sort_unstable();
    chosen
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
    fn offsets_match_text() {
        let text = "Ünïcödé words here now. Second sentence follows it closely. Third one ends.";
        for sentence in summarize(text, n(3)) {
            assert_eq!(&text[sentence.start..sentence.end], sentence.text);
        }
    }
}
