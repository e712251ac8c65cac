//! Word analysis: splitting a sentence into words, dropping stop words and stemming.

use std::collections::HashSet;

use rust_stemmers::Stemmer;
use unicode_segmentation::UnicodeSegmentation;

use crate::language::Language;

/// Turns sentences into index terms: lower-cased, stop words dropped and, for a
/// supported language, stemmed with its Snowball stemmer. Runs of Chinese or
/// Japanese characters, which have no spaces between words, become overlapping
/// character bigrams instead (a single character stays a unigram).
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
        let mut segment_start = 0;
        let mut cjk_run: Option<usize> = None;
        for (index, ch) in sentence.char_indices() {
            match (is_cjk(ch), cjk_run) {
                (true, None) => {
                    self.for_each_word_term(&sentence[segment_start..index], &mut emit);
                    cjk_run = Some(index);
                }
                (false, Some(start)) => {
                    for_each_bigram(&sentence[start..index], &mut emit);
                    cjk_run = None;
                    segment_start = index;
                }
                _ => {}
            }
        }
        match cjk_run {
            Some(start) => for_each_bigram(&sentence[start..], &mut emit),
            None => self.for_each_word_term(&sentence[segment_start..], &mut emit),
        }
    }

    fn for_each_word_term(&self, text: &str, emit: &mut impl FnMut(&str)) {
        for word in text.unicode_words() {
            if let Some(term) = self.word_term(word) {
                emit(&term);
            }
        }
    }

    /// Returns the index term of one word: lower-cased and stemmed, or `None` for a
    /// stop word.
    pub(crate) fn word_term(&self, word: &str) -> Option<String> {
        let lower = word.to_lowercase();
        if self.stop_words.contains(lower.as_str()) {
            return None;
        }
        Some(match &self.stemmer {
            Some(stemmer) => stemmer.stem(&lower).into_owned(),
            None => lower,
        })
    }
}

/// Returns whether `ch` is a Han ideograph, Hiragana or Katakana character.
pub(crate) fn is_cjk(ch: char) -> bool {
    matches!(ch,
        '\u{3040}'..='\u{30FF}' // Hiragana, Katakana
        | '\u{31F0}'..='\u{31FF}' // Katakana phonetic extensions
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FF9F}' // half-width Katakana
        | '\u{20000}'..='\u{2FA1F}' // CJK extensions B to F and supplement
    )
}

/// Calls `emit` with each overlapping pair of characters of `run`, or with `run`
/// itself when it is a single character.
fn for_each_bigram(run: &str, emit: &mut impl FnMut(&str)) {
    let starts: Vec<usize> = run.char_indices().map(|(index, _)| index).chain([run.len()]).collect();
    if starts.len() <= 3 {
        emit(run);
        return;
    }
    for window in starts.windows(3) {
        emit(&run[window[0]..window[2]]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(language: Option<Language>, sentence: &str) -> Vec<String> {
        let mut terms = Vec::new();
        Analyzer::new(language).for_each_term(sentence, |term| terms.push(term.to_owned()));
        terms
    }

    #[test]
    fn chinese_becomes_character_bigrams() {
        assert_eq!(terms(None, "今天下雨。"), vec!["今天", "天下", "下雨"]);
    }

    #[test]
    fn japanese_kana_and_kanji_become_bigrams() {
        assert_eq!(terms(None, "東京タワー"), vec!["東京", "京タ", "タワ", "ワー"]);
    }

    #[test]
    fn single_han_character_stays_unigram() {
        assert_eq!(terms(None, "AI 与 data"), vec!["ai", "与", "data"]);
    }

    #[test]
    fn latin_words_around_chinese_are_stemmed() {
        assert_eq!(terms(Some(Language::English), "Running 北京 marathons"), vec!["run", "北京", "marathon"]);
    }
}
