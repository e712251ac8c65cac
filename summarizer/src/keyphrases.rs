//! Key phrases: the runs of content words (or, in Chinese and Japanese, the
//! character n-grams) that a document repeats, favouring early and longer ones.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use unicode_segmentation::UnicodeSegmentation;

use crate::segment::Span;
use crate::words::{for_each_bytewise_word_range, for_each_segment, is_bytewise_text, is_cjk, Analyzer, BytesMap};

/// The maximum number of words in a key phrase.
const MAX_PHRASE_WORDS: usize = 3;

/// A key phrase of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPhrase {
    /// The phrase as it first appears in the (visible) text.
    pub text: String,
    /// How many times the phrase occurs, counting stemmed, lower-cased words.
    pub count: usize,
    /// The ranking score: finite and positive, higher is more important.
    pub score: f64,
}

/// The maximum number of characters in a Chinese or Japanese key phrase.
const MAX_CJK_PHRASE_CHARS: usize = 6;

/// Statistics of one candidate phrase of several words, or of a Chinese or
/// Japanese n-gram.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    count: u32,
    first_sentence: u32,
    /// The first occurrence, as byte offsets from the start of sentence
    /// `first_sentence`, which is at most `MAX_SENTENCE_BYTES` long.
    start: u32,
    end: u32,
    /// The number of words, or of characters minus one for Chinese and Japanese.
    words: u8,
}

impl Candidate {
    fn new(start: u32, end: u32, sentence_index: usize, words: usize) -> Self {
        Self {
            count: 0,
            first_sentence: sentence_index_u32(sentence_index),
            start,
            end,
            // At most MAX_PHRASE_WORDS or MAX_CJK_PHRASE_CHARS - 1.
            words: words as u8,
        }
    }
}

/// Statistics of the candidate of one word: how often its term occurs and where
/// it first does, as in [`Candidate`]. It takes 16 bytes, because most distinct
/// words of a text have one, and [`Phrases::term`] returns its term.
#[derive(Debug, Clone, Copy)]
struct Single {
    count: u32,
    first_sentence: u32,
    start: u32,
    end: u32,
}

/// Returns `sentence_index` as a `u32`: a text has fewer sentences than bytes,
/// far below 4 GiB.
fn sentence_index_u32(sentence_index: usize) -> u32 {
    u32::try_from(sentence_index).unwrap_or(u32::MAX)
}

/// Returns the byte offset of `at` from the start of `span`, which is a sentence of
/// at most `MAX_SENTENCE_BYTES`.
fn offset_in(span: Span, at: usize) -> u32 {
    u32::try_from(at - span.start).unwrap_or(u32::MAX)
}

/// Returns the ranking score of a candidate: `count * words * (1 + 1 /
/// sqrt(1 + first sentence index))`.
fn score(count: u32, words: u8, first_sentence: u32) -> f64 {
    let position = 1.0 + 1.0 / (1.0 + f64::from(first_sentence)).sqrt();
    f64::from(count) * f64::from(words) * position
}

/// A candidate in the ranking: its score, its first occurrence in the text, its
/// key and its count.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    score: f64,
    surface: Span,
    key: PhraseKey,
    count: u32,
}

/// The key of a candidate of several words or of a Chinese or Japanese n-gram:
/// the ids of its terms in [`PhraseWords::terms`], or of its character bigrams in
/// [`Phrases::bigrams`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PhraseKey {
    cjk: bool,
    len: u8,
    ids: [u32; MAX_CJK_PHRASE_CHARS - 1],
}

impl PhraseKey {
    fn new(cjk: bool, ids: impl IntoIterator<Item = u32>) -> Self {
        let mut key = Self { cjk, len: 0, ids: [0; MAX_CJK_PHRASE_CHARS - 1] };
        for id in ids {
            key.ids[usize::from(key.len)] = id;
            key.len += 1;
        }
        key
    }

    fn ids(&self) -> &[u32] {
        &self.ids[..usize::from(self.len)]
    }
}

// A key has room for the ids of MAX_CJK_PHRASE_CHARS - 1 bigrams, and so for the
// terms of a phrase of MAX_PHRASE_WORDS words.
const _: () = assert!(MAX_PHRASE_WORDS < MAX_CJK_PHRASE_CHARS);

/// Strings numbered from 0 in order of first use, kept once in one buffer, where a
/// `String` for each took an allocation and 24 bytes more.
struct Names {
    bytes: Vec<u8>,
    /// The end of each name in `bytes`. A cache keeps at most some hundred thousand
    /// names before it is cleared, and a document has fewer bytes of names than of
    /// text, far below 4 GiB.
    ends: Vec<u32>,
    table: HashTable<u32>,
    hasher: FixedState,
}

impl Default for Names {
    fn default() -> Self {
        Self { bytes: Vec::new(), ends: Vec::new(), table: HashTable::new(), hasher: FixedState::default() }
    }
}

impl Names {
    /// Reserves room for `additional` more names, of about 8 bytes each.
    fn reserve(&mut self, additional: usize) {
        self.bytes.reserve(additional.saturating_mul(8));
        self.ends.reserve(additional);
        let (bytes, ends, hasher) = (&self.bytes, &self.ends, &self.hasher);
        self.table.reserve(additional, |&other| {
            hasher.hash_one(std::str::from_utf8(name_bytes(bytes, ends, other)).unwrap_or(""))
        });
    }

    fn name(&self, id: u32) -> &str {
        // Names are whole strs one after another, so each range is on char boundaries.
        std::str::from_utf8(name_bytes(&self.bytes, &self.ends, id)).unwrap_or("")
    }

    fn get(&self, name: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(name);
        self.table.find(hash, |&id| self.name(id) == name).copied()
    }

    /// Returns the id of `name`, and whether it is new.
    fn id(&mut self, name: &str) -> (u32, bool) {
        let hash = self.hasher.hash_one(name);
        if let Some(&id) = self.table.find(hash, |&id| self.name(id) == name) {
            return (id, false);
        }
        // A cache keeps at most some hundred thousand names before it is cleared,
        // and a document has fewer than its bytes, far below 4 GiB.
        let id = self.ends.len() as u32;
        self.bytes.extend_from_slice(name.as_bytes());
        self.ends.push(self.bytes.len() as u32);
        let (bytes, ends, hasher) = (&self.bytes, &self.ends, &self.hasher);
        self.table.insert_unique(hash, id, |&other| {
            hasher.hash_one(std::str::from_utf8(name_bytes(bytes, ends, other)).unwrap_or(""))
        });
        (id, true)
    }
}

/// Returns the bytes of name `id` of a [`Names`] with the given `bytes` and `ends`.
fn name_bytes<'a>(bytes: &'a [u8], ends: &[u32], id: u32) -> &'a [u8] {
    let id = id as usize;
    let start = id.checked_sub(1).map_or(0, |previous| ends[previous] as usize);
    &bytes[start..ends[id] as usize]
}

/// A word of a run of content words kept for the second pass of [`extract`]: the
/// index of its candidate in [`Phrases::singles`], and its surface without an
/// elided article, as byte offsets in its sentence.
struct StoredWord {
    single: u32,
    start: u32,
    end: u32,
}

/// The analysis of the word forms seen by key phrase extraction, kept between
/// documents by a [`crate::Summarizer`] (in its [`crate::words::TermCache`]) so
/// that each form is analysed once for all of them.
pub(crate) struct PhraseWords {
    /// The [`SegmentKind`] of each distinct segment seen (a word or the text
    /// between words), packed by [`SegmentKind::pack`]. A map of `Box<str>` to
    /// the kind took about three times the memory.
    kinds: BytesMap,
    /// The terms of the content words, whose ids the kinds hold.
    terms: Names,
    /// For each term of `terms`: the number of the document that last used it
    /// (0 for none), and the index of its candidate in that document's
    /// [`Phrases::singles`]. A document that starts with no terms leaves it
    /// empty, because the index is then the term id, and the next one fills it.
    singles: Vec<(u32, u32)>,
    /// The number of the current document, counted from 1.
    document: u32,
    /// True when the current document started with no terms, so that its terms'
    /// ids, given in order of first use, are the indexes of their candidates.
    fresh: bool,
    /// The number of distinct word forms and terms that the ranking found in the
    /// document, when it started with an empty cache, or zeros. See
    /// [`PhraseWords::expect_words`].
    expected_words: (usize, usize),
}

impl Default for PhraseWords {
    fn default() -> Self {
        Self {
            kinds: BytesMap::with_capacity(0),
            terms: Names::default(),
            singles: Vec::new(),
            document: 0,
            fresh: false,
            expected_words: (0, 0),
        }
    }
}

impl PhraseWords {
    /// Returns the number of segments kept.
    pub(crate) fn len(&self) -> usize {
        self.kinds.len()
    }

    /// Sets the number of distinct word forms and terms that the ranking found in
    /// the next document, or zeros when it does not know them.
    ///
    /// Extraction that starts with no segments reserves room for as many, because
    /// growing its tables and lists step by step left about as much memory again
    /// resident: on 1 MB of distinct 4-letter words, 27 MB peak RSS where 20 MB
    /// with the room reserved (glibc 2.36).
    pub(crate) fn expect_words(&mut self, forms: usize, terms: usize) {
        self.expected_words = (forms, terms);
    }

    /// Starts a new document, for which no term has a candidate yet.
    fn start_document(&mut self) {
        // The slots of a fresh document were never filled.
        self.singles.resize(self.terms.ends.len(), (0, 0));
        self.fresh = self.terms.ends.is_empty();
        self.document = self.document.wrapping_add(1);
        if self.document == 0 {
            // After 2^32 documents the numbers start again, so that no earlier
            // document's number is taken for the new one's.
            self.singles.iter_mut().for_each(|slot| slot.0 = 0);
            self.document = 1;
        }
    }

    /// Returns the id of `term` in `terms`, after adding it when it is new.
    fn term_id(&mut self, term: &str) -> u32 {
        let (id, new) = self.terms.id(term);
        if new && !self.fresh {
            self.singles.push((0, 0));
        }
        id
    }

    /// Returns the index in `phrases.singles` of the candidate of `term` in the
    /// current document, after adding one for its first occurrence when it has
    /// none.
    fn single(&mut self, term: u32, phrases: &mut Phrases, first: impl FnOnce() -> Single) -> u32 {
        if self.fresh {
            // Each new term gets the next id from `content_runs`, which
            // `count_candidates` then meets first, so the candidates are in id order.
            debug_assert!(term as usize <= phrases.singles.len(), "term {term} skips a candidate");
            if term as usize == phrases.singles.len() {
                phrases.singles.push(first());
            }
            return term;
        }
        let slot = &mut self.singles[term as usize];
        if slot.0 != self.document {
            // Fewer singles than words of text.
            *slot = (self.document, phrases.singles.len() as u32);
            phrases.singles.push(first());
            phrases.single_terms.push(term);
        }
        slot.1
    }
}

/// The candidates of one document.
struct Phrases {
    /// The candidate of each single word seen.
    singles: Vec<Single>,
    /// The term of each candidate of `singles`, unless the document started with
    /// no terms (see [`PhraseWords::fresh`]) and it is empty.
    single_terms: Vec<u32>,
    /// The character bigrams of Chinese and Japanese text, and how many times each
    /// occurs by bigram id.
    bigrams: Names,
    bigram_counts: Vec<u32>,
    /// The candidates of several words and the Chinese and Japanese n-grams.
    multi: HashMap<PhraseKey, Candidate, FixedState>,
}

impl Phrases {
    /// Returns the term of candidate `single` of `singles`.
    fn term(&self, single: u32) -> u32 {
        self.single_terms.get(single as usize).copied().unwrap_or(single)
    }

    /// Returns the strings of the terms (in `terms`) or bigrams of `key`.
    fn key_names<'a>(&'a self, key: &'a PhraseKey, terms: &'a Names) -> impl Iterator<Item = &'a str> + 'a {
        let names = if key.cjk { &self.bigrams } else { terms };
        key.ids().iter().map(move |&id| names.name(id))
    }
}

/// Returns the top `limit` key phrases of `text`, best first.
///
/// Candidates are runs of 1 to [`MAX_PHRASE_WORDS`] words inside one sentence that
/// contain no stop word, number or punctuation other than a hyphen or apostrophe
/// between words. A candidate of several words must occur at least twice. The score
/// is `count * words * (1 + 1 / sqrt(1 + first sentence index))`. A candidate that
/// shares a stemmed word with a better one is skipped, so the phrases do not repeat
/// one another.
///
/// Chinese and Japanese have no spaces between words, so their candidates are the
/// character n-grams of 2 to [`MAX_CJK_PHRASE_CHARS`] characters inside a run of
/// such characters that occur at least twice. An n-gram of `n` characters counts as
/// `n - 1` words and is keyed by its character bigrams, so a recurring name such as
/// 北京大学 beats its parts and the parts are then skipped as overlapping.
///
/// A phrase that occurs twice has parts that each occur at least twice. So a first
/// pass counts the single words and the character bigrams, and a second counts only
/// the phrases of several words and the n-grams whose parts all recur. Counting
/// every run of words and every n-gram took about 400 times the size of a text of
/// Chinese characters that seldom recur, and most of the time of a summary.
///
/// Every candidate that occurs twice scores more than 2, and every word seen once
/// scores at most 2 and shares no term with any other candidate. So the words seen
/// once, which are most distinct words of a text of new terms, are left out of the
/// ranking, and only the first few of them fill the phrases when fewer than `limit`
/// recurring ones are chosen.
pub(crate) fn extract(
    text: &str,
    spans: &[Span],
    analyzer: &Analyzer,
    phrase_words: &mut PhraseWords,
    limit: usize,
) -> Vec<KeyPhrase> {
    if limit == 0 {
        return Vec::new();
    }
    let phrases = count_candidates(text, spans, analyzer, phrase_words);
    let surface = |first_sentence: u32, start: u32, end: u32| {
        let sentence_start = spans[first_sentence as usize].start;
        Span { start: sentence_start + start as usize, end: sentence_start + end as usize }
    };
    let ranked_single = |(index, single): (usize, &Single)| Ranked {
        score: score(single.count, 1, single.first_sentence),
        surface: surface(single.first_sentence, single.start, single.end),
        key: PhraseKey::new(false, [phrases.term(index as u32)]),
        count: single.count,
    };
    let recurring_singles =
        phrases.singles.iter().enumerate().filter(|(_, single)| single.count >= 2).map(ranked_single);
    // A phrase of several words or an n-gram is a candidate only when it recurs.
    let recurring_multi =
        phrases.multi.iter().filter(|(_, candidate)| candidate.count >= 2).map(|(key, candidate)| Ranked {
            score: score(candidate.count, candidate.words, candidate.first_sentence),
            surface: surface(candidate.first_sentence, candidate.start, candidate.end),
            key: *key,
            count: candidate.count,
        });
    let mut ranked: Vec<Ranked> = recurring_singles.chain(recurring_multi).collect();
    let ranks_before = |a: &Ranked, b: &Ranked| {
        b.score.total_cmp(&a.score).then(a.surface.start.cmp(&b.surface.start)).then_with(|| {
            phrases.key_names(&a.key, &phrase_words.terms).cmp(phrases.key_names(&b.key, &phrase_words.terms))
        })
    };

    // Only the best candidates are needed, so they are sorted a block at a time:
    // the next block is selected from the rest and sorted when the walk reaches
    // it. No two candidates have the same key, so the order is the full sort's.
    let mut sorted = 0;
    let mut block = limit.saturating_mul(4).max(16);
    let mut chosen: Vec<Ranked> = Vec::new();
    for index in 0..ranked.len() {
        if chosen.len() == limit {
            break;
        }
        if index == sorted {
            let rest = &mut ranked[sorted..];
            let end = block.min(rest.len());
            if end < rest.len() {
                rest.select_nth_unstable_by(end - 1, ranks_before);
            }
            rest[..end].sort_by(ranks_before);
            sorted += end;
            block = block.saturating_mul(2);
        }
        let candidate = ranked[index];
        let key = &candidate.key;
        let overlaps =
            chosen.iter().any(|kept| kept.key.cjk == key.cjk && kept.key.ids().iter().any(|id| key.ids().contains(id)));
        if !overlaps {
            chosen.push(candidate);
        }
    }

    // The words seen once rank below all of these and share no term with them or
    // one another, so the best of them take the places left, in ranking order.
    // They come in order of their first sentence's index and then of their start,
    // which is their ranking order, so each takes one comparison.
    let places = limit - chosen.len();
    let mut once: Vec<Ranked> = Vec::new();
    if places > 0 {
        for single in phrases.singles.iter().enumerate().filter(|(_, single)| single.count == 1) {
            keep_best(&mut once, ranked_single(single), places, ranks_before);
        }
    }
    chosen.extend(once);

    let phrase = |candidate: Ranked| KeyPhrase {
        text: text[candidate.surface.start..candidate.surface.end].to_owned(),
        count: candidate.count as usize,
        score: candidate.score,
    };
    chosen.into_iter().map(phrase).collect()
}

/// Adds `item` to `best`, which keeps at most `max_len` items, sorted by
/// `ranks_before` and best first, when it ranks before the last of them or there is
/// room. An item that ranks after all of them takes one comparison.
fn keep_best<T>(best: &mut Vec<T>, item: T, max_len: usize, ranks_before: impl Fn(&T, &T) -> Ordering) {
    if best.len() == max_len {
        match best.last() {
            Some(last) if ranks_before(&item, last).is_lt() => {
                best.pop();
            }
            _ => return,
        }
    }
    let at = best.partition_point(|kept| ranks_before(kept, &item).is_lt());
    best.insert(at, item);
}

/// Counts the candidates of `text` in the two passes of [`extract`].
fn count_candidates(text: &str, spans: &[Span], analyzer: &Analyzer, phrase_words: &mut PhraseWords) -> Phrases {
    let mut phrases = Phrases {
        singles: Vec::new(),
        single_terms: Vec::new(),
        bigrams: Names::default(),
        bigram_counts: Vec::new(),
        multi: HashMap::default(),
    };
    // The words of the runs of more than one word, for the second pass, and the
    // end of each run in them with its sentence.
    let mut stored_words: Vec<StoredWord> = Vec::new();
    let (forms, terms) = std::mem::take(&mut phrase_words.expected_words);
    if phrase_words.kinds.len() == 0 && phrase_words.terms.ends.is_empty() {
        // Each word form is a segment, and in a text of distinct words most forms
        // are in runs of several words.
        phrase_words.kinds = BytesMap::with_capacity(forms);
        phrase_words.terms.reserve(terms);
        phrase_words.singles.reserve(terms);
        phrases.singles.reserve(terms);
        stored_words.reserve(forms);
    }
    phrase_words.start_document();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut sentence_runs = Runs::default();
    for (sentence_index, &span) in spans.iter().enumerate() {
        content_runs(text, span, analyzer, phrase_words, &mut sentence_runs);
        for run in sentence_runs.iter() {
            for word in run {
                // A French or Italian phrase starts after an elided article
                // ("investissements", not "d'investissements") and keeps those inside.
                let start = offset_in(span, word.span.start + word.elided);
                let end = offset_in(span, word.span.end);
                let first_sentence = sentence_index_u32(sentence_index);
                let single =
                    phrase_words.single(word.term, &mut phrases, || Single { count: 0, first_sentence, start, end });
                phrases.singles[single as usize].count += 1;
                if run.len() > 1 {
                    stored_words.push(StoredWord { single, start, end });
                }
            }
            if run.len() > 1 {
                runs.push((stored_words.len(), sentence_index));
            }
        }
        count_cjk_bigrams(&text[span.start..span.end], &mut phrases);
    }

    let mut start = 0;
    for &(end, sentence_index) in &runs {
        let run = &stored_words[start..end];
        start = end;
        for first in 0..run.len() {
            for last in first + 1..(first + MAX_PHRASE_WORDS).min(run.len()) {
                // A phrase with a word seen once is seen once, as are longer ones.
                let phrase = &run[first..=last];
                if phrase.iter().any(|word| phrases.singles[word.single as usize].count < 2) {
                    break;
                }
                let key = PhraseKey::new(false, phrase.iter().map(|word| phrases.term(word.single)));
                phrases
                    .multi
                    .entry(key)
                    .or_insert_with(|| Candidate::new(run[first].start, run[last].end, sentence_index, phrase.len()))
                    .count += 1;
            }
        }
    }
    for (sentence_index, span) in spans.iter().enumerate() {
        add_cjk_ngrams(text, *span, sentence_index, &mut phrases);
    }
    phrases
}

/// Counts the character bigrams of each run of Chinese or Japanese characters in
/// `sentence`.
fn count_cjk_bigrams(sentence: &str, phrases: &mut Phrases) {
    for_each_segment(sentence, |segment, cjk| {
        if !cjk {
            return;
        }
        let mut boundaries = segment.char_indices().map(|(index, _)| index).chain([segment.len()]);
        let (Some(mut start), Some(mut middle)) = (boundaries.next(), boundaries.next()) else {
            return;
        };
        for end in boundaries {
            let (bigram, new) = phrases.bigrams.id(&segment[start..end]);
            if new {
                phrases.bigram_counts.push(0);
            }
            phrases.bigram_counts[bigram as usize] += 1;
            (start, middle) = (middle, end);
        }
    });
}

/// Counts the character n-grams of each run of Chinese or Japanese characters in
/// one sentence whose bigrams all recur, as candidates keyed by their bigrams.
fn add_cjk_ngrams(text: &str, span: Span, sentence_index: usize, phrases: &mut Phrases) {
    let sentence = &text[span.start..span.end];
    for_each_segment(sentence, |segment, cjk| {
        if !cjk {
            return;
        }
        // The offset of the segment in the sentence.
        let offset = segment.as_ptr() as usize - sentence.as_ptr() as usize;
        let starts: Vec<usize> = segment.char_indices().map(|(index, _)| index).chain([segment.len()]).collect();
        let chars = starts.len() - 1;
        let chars_of: Vec<char> = segment.chars().collect();
        // The id of the bigram at each char when it recurs; the first pass counted
        // every bigram.
        let recurring: Vec<Option<u32>> = (0..chars.saturating_sub(1))
            .map(|at| {
                let bigram = phrases.bigrams.get(&segment[starts[at]..starts[at + 2]])?;
                (phrases.bigram_counts[bigram as usize] >= 2).then_some(bigram)
            })
            .collect();
        for first in 0..chars {
            if is_phrase_edge_particle(chars_of[first]) {
                continue;
            }
            for length in 2..=MAX_CJK_PHRASE_CHARS.min(chars - first) {
                // An n-gram with a bigram seen once is seen once, as are longer ones.
                if recurring[first + length - 2].is_none() {
                    break;
                }
                if is_phrase_edge_particle(chars_of[first + length - 1]) {
                    continue;
                }
                let key = PhraseKey::new(true, recurring[first..first + length - 1].iter().flatten().copied());
                // A sentence is at most MAX_SENTENCE_BYTES long.
                let start = (offset + starts[first]) as u32;
                let end = (offset + starts[first + length]) as u32;
                phrases
                    .multi
                    .entry(key)
                    .or_insert_with(|| Candidate::new(start, end, sentence_index, length - 1))
                    .count += 1;
            }
        }
    });
}

/// English words that are not stop words but make poor key phrases: reporting verbs
/// ("Lopez said") and the parts of "et al.". They end a run, as stop words do.
const ENGLISH_PHRASE_BREAKS: &[&str] =
    &["said", "says", "say", "told", "tells", "asked", "added", "according", "et", "al"];

/// Returns whether a Chinese or Japanese key phrase may not start or end with `ch`.
/// At the edge of a Japanese n-gram, Hiragana is mostly a particle or an inflection
/// ("計画を", "から"). The Chinese function characters join words ("业的").
fn is_phrase_edge_particle(ch: char) -> bool {
    matches!(ch, '\u{3040}'..='\u{309F}')
        || matches!(
            ch,
            '的' | '了'
                | '是'
                | '在'
                | '和'
                | '与'
                | '及'
                | '或'
                | '也'
                | '都'
                | '就'
                | '而'
                | '之'
                | '其'
                | '这'
                | '那'
                | '个'
                | '着'
                | '过'
                | '把'
                | '被'
                | '对'
                | '从'
        )
}

/// Returns whether `ch` belongs to a script that writes words without spaces and
/// that has no n-gram candidates here: Thai, Lao, Khmer and Myanmar. UAX #29 cuts
/// such text into pieces of syllables, which make no phrases.
fn is_unspaced_script(ch: char) -> bool {
    matches!(ch, '\u{0E00}'..='\u{0EFF}' | '\u{1000}'..='\u{109F}' | '\u{1780}'..='\u{17FF}')
}

/// A content word of a sentence: its byte range in the text, the length of an
/// elided article at its start ("d'" of "d'investissements"), and the id of its
/// index term in [`PhraseWords::terms`].
struct RunWord {
    span: Span,
    elided: usize,
    term: u32,
}

/// The effect of a segment of a sentence (a word or the text between words) on a
/// run of content words.
#[derive(Debug, Clone, Copy)]
enum SegmentKind {
    /// A content word, with the id of its term and the length of its elided article.
    Word(u32, usize),
    /// Whitespace, a hyphen or an apostrophe between two words of a run.
    Joiner,
    /// A stop word, number, punctuation or other text that ends a run.
    Break,
}

impl SegmentKind {
    /// The packed [`SegmentKind::Break`].
    const PACKED_BREAK: u32 = u32::MAX;
    /// The packed [`SegmentKind::Joiner`].
    const PACKED_JOINER: u32 = u32::MAX - 1;

    /// Returns the kind as one `u32` for [`PhraseWords::kinds`]: a word as its term
    /// id times 16 plus the length of its elided article, which is at most 9 bytes
    /// ("quoiqu’"). Returns `None` for a word that does not fit, which is then
    /// analysed again each time, as happens only beyond 268 million terms.
    fn pack(self) -> Option<u32> {
        match self {
            SegmentKind::Word(term, elided) => {
                let elided = u32::try_from(elided).ok().filter(|&elided| elided < 16)?;
                let packed = term.checked_mul(16)? | elided;
                (packed < Self::PACKED_JOINER).then_some(packed)
            }
            SegmentKind::Joiner => Some(Self::PACKED_JOINER),
            SegmentKind::Break => Some(Self::PACKED_BREAK),
        }
    }

    /// Returns the kind that [`SegmentKind::pack`] packed as `packed`.
    fn unpack(packed: u32) -> Self {
        match packed {
            Self::PACKED_BREAK => SegmentKind::Break,
            Self::PACKED_JOINER => SegmentKind::Joiner,
            _ => SegmentKind::Word(packed / 16, (packed % 16) as usize),
        }
    }
}

/// Returns the [`SegmentKind`] of `segment`, giving a new term its id in
/// `phrase_words`.
fn segment_kind(segment: &str, analyzer: &Analyzer, phrase_words: &mut PhraseWords) -> SegmentKind {
    if analyzer.is_english() && ENGLISH_PHRASE_BREAKS.iter().any(|word| word.eq_ignore_ascii_case(segment)) {
        return SegmentKind::Break;
    }
    let is_word = segment.chars().any(char::is_alphanumeric);
    let joins_words = segment.chars().all(char::is_whitespace) || matches!(segment, "-" | "'" | "’");
    let plain_word = is_word
        && !segment.chars().all(|c| c.is_numeric())
        && !is_initialism(segment)
        && !segment.chars().any(|c| is_cjk(c) || is_unspaced_script(c));
    let term = if plain_word { analyzer.word_term(segment) } else { None };
    let short = segment.chars().count() < 2;
    match term {
        Some(term) if !short => SegmentKind::Word(phrase_words.term_id(&term), analyzer.elided_prefix_len(segment)),
        _ if joins_words && !is_word => SegmentKind::Joiner,
        _ => SegmentKind::Break,
    }
}

/// The runs of content words of one sentence, kept in one list.
#[derive(Default)]
struct Runs {
    words: Vec<RunWord>,
    /// The end of each run in `words`. No run is empty.
    ends: Vec<usize>,
}

impl Runs {
    /// Ends the run of the words pushed since the last end, if there are any.
    fn end_run(&mut self) {
        if self.words.len() > self.ends.last().copied().unwrap_or(0) {
            self.ends.push(self.words.len());
        }
    }

    fn iter(&self) -> impl Iterator<Item = &[RunWord]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let run = &self.words[start..end];
            start = end;
            run
        })
    }
}

/// Splits one sentence into runs of content words (see [`RunWord`]) in `runs`,
/// which it clears first. Stop words, numbers, punctuation, Chinese or Japanese
/// characters (see [`add_cjk_ngrams`]), web and e-mail addresses, and for English
/// the words of [`ENGLISH_PHRASE_BREAKS`] end a run.
fn content_runs(text: &str, span: Span, analyzer: &Analyzer, phrase_words: &mut PhraseWords, runs: &mut Runs) {
    runs.words.clear();
    runs.ends.clear();
    let sentence = &text[span.start..span.end];
    let addresses = address_ranges(sentence);
    let in_address = |offset: usize| addresses.iter().any(|address| address.contains(&offset));
    let mut visit = |offset: usize, segment: &str, runs: &mut Runs| {
        if in_address(offset) {
            runs.end_run();
            return;
        }
        let kind = match phrase_words.kinds.get(segment.as_bytes()) {
            Some(packed) => SegmentKind::unpack(packed),
            None => {
                let kind = segment_kind(segment, analyzer, phrase_words);
                if let Some(packed) = kind.pack() {
                    phrase_words.kinds.insert_new(segment.as_bytes(), packed);
                }
                kind
            }
        };
        match kind {
            SegmentKind::Word(term, elided) => {
                let start = span.start + offset;
                runs.words.push(RunWord { span: Span { start, end: start + segment.len() }, elided, term })
            }
            SegmentKind::Joiner => {}
            SegmentKind::Break => runs.end_run(),
        }
    };
    if is_bytewise_text(sentence) {
        // The words of such text are found without the tables of UAX #29, which it
        // splits the same way. Between two words UAX #29 makes a segment of each
        // run of horizontal whitespace and of each other char. So the text between
        // them joins the words when each of its chars is whitespace or a joiner and
        // none is in an address.
        let mut gap_start = 0;
        for_each_bytewise_word_range(sentence.as_bytes(), &mut |start, end| {
            let joins = sentence[gap_start..start]
                .char_indices()
                .all(|(at, c)| (c.is_whitespace() || matches!(c, '-' | '\'' | '’')) && !in_address(gap_start + at));
            if !joins {
                runs.end_run();
            }
            visit(start, &sentence[start..end], runs);
            gap_start = end;
        });
    } else {
        for (offset, segment) in sentence.split_word_bound_indices() {
            visit(offset, segment, runs);
        }
    }
    runs.end_run();
}

/// Returns whether `word` is letters of at most two joined by periods, such as
/// "a.m", "e.g" or "U.S", whose last period the word leaves out.
fn is_initialism(word: &str) -> bool {
    word.contains('.') && word.split('.').all(|part| part.chars().count() <= 2)
}

/// Returns the byte ranges, in `sentence`, of its whitespace-separated words that
/// are web or e-mail addresses: those with `://` or `@`, or that start with `www.`.
fn address_ranges(sentence: &str) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    // Most sentences have none of the marks of an address, which one pass rules out.
    let bytes = sentence.as_bytes();
    let www = |at: usize| bytes.get(at..at + 4).is_some_and(|start| start.eq_ignore_ascii_case(b"www."));
    if !bytes.iter().enumerate().any(|(at, &byte)| byte == b'@' || byte == b':' || ((byte | 0x20) == b'w' && www(at))) {
        return ranges;
    }
    let mut offset = 0;
    for piece in sentence.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end();
        if word.contains("://")
            || word.contains('@')
            || word.get(..4).is_some_and(|start| start.eq_ignore_ascii_case("www."))
        {
            ranges.push(offset..offset + word.len());
        }
        offset += piece.len();
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Language;
    use crate::segment::split_sentences;

    // The extraction as it was before it counted in two passes, which the property
    // test below compares with the two passes.
    /// Statistics of one candidate phrase, keyed by its stemmed words or, for Chinese
    /// and Japanese, by its character bigrams.
    struct ReferenceCandidate {
        surface: Span,
        /// The number of words, or of characters minus one for Chinese and Japanese.
        words: usize,
        count: usize,
        first_sentence: usize,
        /// A character n-gram of Chinese or Japanese text, which counts only when it
        /// recurs.
        cjk: bool,
    }

    /// Returns the top `limit` key phrases of `text`, best first.
    ///
    /// Candidates are runs of 1 to [`MAX_PHRASE_WORDS`] words inside one sentence that
    /// contain no stop word, number or punctuation other than a hyphen or apostrophe
    /// between words. A candidate of several words must occur at least twice. The score
    /// is `count * words * (1 + 1 / sqrt(1 + first sentence index))`. A candidate that
    /// shares a stemmed word with a better one is skipped, so the phrases do not repeat
    /// one another.
    ///
    /// Chinese and Japanese have no spaces between words, so their candidates are the
    /// character n-grams of 2 to [`MAX_CJK_PHRASE_CHARS`] characters inside a run of
    /// such characters that occur at least twice. An n-gram of `n` characters counts as
    /// `n - 1` words and is keyed by its character bigrams, so a recurring name such as
    /// 北京大学 beats its parts and the parts are then skipped as overlapping.
    fn extract_reference(text: &str, spans: &[Span], analyzer: &Analyzer, limit: usize) -> Vec<KeyPhrase> {
        if limit == 0 {
            return Vec::new();
        }
        let mut candidates: HashMap<Vec<String>, ReferenceCandidate> = HashMap::new();
        for (sentence_index, span) in spans.iter().enumerate() {
            for run in reference_content_runs(text, *span, analyzer) {
                for start in 0..run.len() {
                    for end in start + 1..=(start + MAX_PHRASE_WORDS).min(run.len()) {
                        let key: Vec<String> = run[start..end].iter().map(|word| word.term.clone()).collect();
                        // A French or Italian phrase starts after an elided article
                        // ("investissements", not "d'investissements") and keeps those inside.
                        let first = &run[start];
                        let surface = Span { start: first.span.start + first.elided, end: run[end - 1].span.end };
                        let candidate = candidates.entry(key).or_insert(ReferenceCandidate {
                            surface,
                            words: end - start,
                            count: 0,
                            first_sentence: sentence_index,
                            cjk: false,
                        });
                        candidate.count += 1;
                    }
                }
            }
            add_cjk_ngrams_reference(text, *span, sentence_index, &mut candidates);
        }

        let mut ranked: Vec<(f64, usize, Vec<String>, ReferenceCandidate)> = candidates
            .into_iter()
            .filter(|(_, candidate)| (candidate.words == 1 && !candidate.cjk) || candidate.count >= 2)
            .map(|(key, candidate)| {
                let position = 1.0 + 1.0 / (1.0 + candidate.first_sentence as f64).sqrt();
                let score = candidate.count as f64 * candidate.words as f64 * position;
                (score, candidate.surface.start, key, candidate)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then_with(|| a.2.cmp(&b.2)));

        let mut chosen: Vec<(Vec<String>, KeyPhrase)> = Vec::new();
        for (score, _, key, candidate) in ranked {
            if chosen.len() == limit {
                break;
            }
            let overlaps = chosen.iter().any(|(kept, _)| kept.iter().any(|term| key.contains(term)));
            if overlaps {
                continue;
            }
            let phrase = KeyPhrase {
                text: text[candidate.surface.start..candidate.surface.end].to_owned(),
                count: candidate.count,
                score,
            };
            chosen.push((key, phrase));
        }
        chosen.into_iter().map(|(_, phrase)| phrase).collect()
    }

    /// Counts the character n-grams of each run of Chinese or Japanese characters in
    /// one sentence, as candidates keyed by their character bigrams.
    fn add_cjk_ngrams_reference(
        text: &str,
        span: Span,
        sentence_index: usize,
        candidates: &mut HashMap<Vec<String>, ReferenceCandidate>,
    ) {
        let sentence = &text[span.start..span.end];
        for_each_segment(sentence, |segment, cjk| {
            if !cjk {
                return;
            }
            let offset = span.start + (segment.as_ptr() as usize - sentence.as_ptr() as usize);
            let starts: Vec<usize> = segment.char_indices().map(|(index, _)| index).chain([segment.len()]).collect();
            let chars = starts.len() - 1;
            let chars_of: Vec<char> = segment.chars().collect();
            for first in 0..chars {
                if is_phrase_edge_particle(chars_of[first]) {
                    continue;
                }
                for length in 2..=MAX_CJK_PHRASE_CHARS.min(chars - first) {
                    if is_phrase_edge_particle(chars_of[first + length - 1]) {
                        continue;
                    }
                    let key: Vec<String> =
                        (first..first + length - 1).map(|at| segment[starts[at]..starts[at + 2]].to_owned()).collect();
                    let surface = Span { start: offset + starts[first], end: offset + starts[first + length] };
                    let candidate = candidates.entry(key).or_insert(ReferenceCandidate {
                        surface,
                        words: length - 1,
                        count: 0,
                        first_sentence: sentence_index,
                        cjk: true,
                    });
                    candidate.count += 1;
                }
            }
        });
    }

    /// A content word of [`reference_content_runs`], with its term as a string.
    struct ReferenceRunWord {
        span: Span,
        elided: usize,
        term: String,
    }

    /// Splits one sentence into runs of content words as the extraction did before
    /// it kept the kind of each segment.
    fn reference_content_runs(text: &str, span: Span, analyzer: &Analyzer) -> Vec<Vec<ReferenceRunWord>> {
        let mut runs = Vec::new();
        let mut run: Vec<ReferenceRunWord> = Vec::new();
        let sentence = &text[span.start..span.end];
        let addresses = address_ranges(sentence);
        for (offset, segment) in sentence.split_word_bound_indices() {
            let start = span.start + offset;
            if addresses.iter().any(|address| address.contains(&offset)) {
                runs.push(std::mem::take(&mut run));
                continue;
            }
            if analyzer.is_english() && ENGLISH_PHRASE_BREAKS.iter().any(|word| word.eq_ignore_ascii_case(segment)) {
                runs.push(std::mem::take(&mut run));
                continue;
            }
            let is_word = segment.chars().any(char::is_alphanumeric);
            let joins_words = segment.chars().all(char::is_whitespace) || matches!(segment, "-" | "'" | "’");
            let plain_word = is_word
                && !segment.chars().all(|c| c.is_numeric())
                && !is_initialism(segment)
                && !segment.chars().any(|c| is_cjk(c) || is_unspaced_script(c));
            let term = if plain_word { analyzer.word_term(segment) } else { None };
            let short = segment.chars().count() < 2;
            match term {
                Some(term) if !short => run.push(ReferenceRunWord {
                    span: Span { start, end: start + segment.len() },
                    elided: analyzer.elided_prefix_len(segment),
                    term,
                }),
                _ if joins_words && !is_word => {}
                _ => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        runs.retain(|run| !run.is_empty());
        runs
    }

    /// Checks that [`content_runs`] finds the runs of [`reference_content_runs`] in
    /// each sentence of `text`.
    fn check_runs(text: &str, spans: &[Span], analyzer: &Analyzer) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut words = PhraseWords::default();
        for span in spans {
            let mut runs = Runs::default();
            content_runs(text, *span, analyzer, &mut words, &mut runs);
            let found: Vec<Vec<(Span, usize, String)>> = runs
                .iter()
                .map(|run| {
                    run.iter().map(|word| (word.span, word.elided, words.terms.name(word.term).to_owned())).collect()
                })
                .collect();
            let expected: Vec<Vec<(Span, usize, String)>> = reference_content_runs(text, *span, analyzer)
                .into_iter()
                .map(|run| run.into_iter().map(|word| (word.span, word.elided, word.term)).collect())
                .collect();
            proptest::prop_assert_eq!(found, expected, "sentence {:?}", &text[span.start..span.end]);
        }
        Ok(())
    }

    /// Checks that [`extract`] finds the runs and phrases of the reference, with a
    /// fresh [`PhraseWords`] and with one that kept the word forms of another text.
    fn check_extract(
        text: &str,
        spans: &[Span],
        analyzer: &Analyzer,
        limit: usize,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        check_runs(text, spans, analyzer)?;
        let expected = extract_reference(text, spans, analyzer, limit);
        let mut words = PhraseWords::default();
        let found = extract(text, spans, analyzer, &mut words, limit);
        proptest::prop_assert_eq!(&found, &expected);
        let other = "Storm roads met the coast. Rain, l'eau, 北京大学 and dogs' roads.";
        extract(other, &split_sentences(other), analyzer, &mut words, limit);
        let warm = extract(text, spans, analyzer, &mut words, limit);
        proptest::prop_assert_eq!(&warm, &expected, "with kept word forms");
        Ok(())
    }

    fn phrases(text: &str, limit: usize) -> Vec<String> {
        let spans = split_sentences(text);
        let analyzer = Analyzer::new(Some(Language::English));
        extract(text, &spans, &analyzer, &mut PhraseWords::default(), limit)
            .into_iter()
            .map(|phrase| phrase.text)
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn extract_matches_counting_every_run(
            sentences in proptest::collection::vec(
                "((Storm|storm|coast|the|of|roads|rain|Gary Locke|d'eau|l'eau|said|5|3.5|1,000|e.g.|a.m.|_|a_b|dogs'|can't|rock’n’roll|‘quoted’|“so”|—|--| - |\\(x\\)|£5|www.x.com|a@b.io|https://x.io/a-b|北京|大学|的|学生|今年|東京|タワー|は|です|[a-c]{2}|[北京大学生的]{1,6})[,;:]?[ \t\n\u{a0}]{1,2}){1,14}[.!?。]",
                0..12,
            ),
            limit in 1usize..12,
            language in proptest::sample::select(vec![None, Some(Language::English), Some(Language::French)]),
        ) {
            let text = sentences.join(" ");
            let spans = split_sentences(&text);
            let analyzer = Analyzer::new(language);
            check_extract(&text, &spans, &analyzer, limit)?;
        }
    }

    proptest::proptest! {
        #[test]
        fn extract_matches_counting_every_run_in_latin_text(
            sentences in proptest::collection::vec(
                "((Storm|storm|coast|the|roads|rain|Gary Locke|d'eau|said|3.5|1,000|e.g.|_|a_b|dogs'|can't|rock’n’roll|‘quoted’|“so”|—|--| - |\\(x\\)|£5|www.x.com|a@b.io|https://x.io/a-b|[a-c]{2})[,;:]?[ \t\n\u{a0}]{1,2}){1,14}[.!?]",
                0..12,
            ),
            limit in 1usize..12,
        ) {
            // No Chinese or Japanese, so that each sentence takes the bytewise path.
            let text = sentences.join(" ");
            let spans = split_sentences(&text);
            let analyzer = Analyzer::new(Some(Language::English));
            check_extract(&text, &spans, &analyzer, limit)?;
        }
    }

    proptest::proptest! {
        #[test]
        fn extract_matches_counting_every_run_with_spans_reversed(
            sentences in proptest::collection::vec(
                "((Storm|storm|coast|the|roads|rain|Gary Locke|d'eau|said|[a-e]{2}|[a-c]{3})[,;:]?[ \n]{1,2}){1,8}[.!?]",
                0..10,
            ),
            limit in 1usize..12,
        ) {
            // The sentence indexes then count from the end of the text, and the
            // first occurrence of a word is its last in the text.
            let text = sentences.join(" ");
            let mut spans = split_sentences(&text);
            spans.reverse();
            let analyzer = Analyzer::new(Some(Language::English));
            check_extract(&text, &spans, &analyzer, limit)?;
        }
    }

    proptest::proptest! {
        #[test]
        fn keep_best_matches_sort_and_truncate(
            items in proptest::collection::vec(0u8..20, 0..40),
            max_len in 1usize..8,
        ) {
            // Pairs of a value and its position, so that equal values keep their order.
            let mut best = Vec::new();
            for (position, &value) in items.iter().enumerate() {
                keep_best(&mut best, (value, position), max_len, |a: &(u8, usize), b: &(u8, usize)| a.cmp(b));
            }
            let mut expected: Vec<(u8, usize)> = items.iter().copied().zip(0..).collect();
            expected.sort();
            expected.truncate(max_len);
            proptest::prop_assert_eq!(best, expected);
        }
    }

    #[test]
    fn walk_past_first_block_matches_full_sort() {
        // Forty words seen once come first among the candidates, and rank last.
        // Then thirty phrases "alpha X" rank next after "alpha", above each X
        // alone, so with a limit of 2 the walk skips them past the first sorted
        // block of 16 to reach the second phrase.
        let once: Vec<String> = (0..40u8)
            .map(|index| format!("kilo{}", char::from(b'a' + index % 26)).repeat(1 + usize::from(index / 26)))
            .collect();
        let mut sentences = vec![format!("{}.", once.join(" "))];
        for index in 0..30u8 {
            let second = format!("mike{}", char::from(b'a' + index % 26)).repeat(1 + usize::from(index / 26));
            for _ in 0..3 {
                sentences.push(format!("Alpha {second}."));
            }
        }
        let text = sentences.join(" ");
        let spans = split_sentences(&text);
        let analyzer = Analyzer::new(Some(Language::English));
        for limit in [1, 2, 3, 8] {
            assert_eq!(
                extract(&text, &spans, &analyzer, &mut PhraseWords::default(), limit),
                extract_reference(&text, &spans, &analyzer, limit)
            );
        }
    }

    #[test]
    fn initialisms_make_no_phrases() {
        let text =
            "The museum opens at 9 a.m. and closes at 5 p.m. on weekdays. The museum café opens at 10 a.m. daily.";
        let found = phrases(text, 5);
        for initialism in ["a.m", "p.m"] {
            assert!(!found.iter().any(|phrase| phrase.contains(initialism)), "{found:?}");
        }
        assert_eq!(found[0], "museum");
    }

    #[test]
    fn french_phrases_start_after_elided_article() {
        let text = "Le plan d'investissements publics sera voté. Les investissements publics augmentent. \
                    Le programme d'investissements publics commence l'année prochaine.";
        let spans = split_sentences(text);
        let analyzer = Analyzer::new(Some(Language::French));
        let found: Vec<String> = extract(text, &spans, &analyzer, &mut PhraseWords::default(), 2)
            .into_iter()
            .map(|phrase| phrase.text)
            .collect();
        assert_eq!(found[0], "investissements publics");
    }

    #[test]
    fn repeated_name_ranks_first() {
        let text = "Gary Locke will manage Kilmarnock from Friday. The club said Gary Locke signed a deal. \
                    Fans of Kilmarnock welcomed the news. Gary Locke thanked the players.";
        assert_eq!(phrases(text, 2), vec!["Gary Locke", "Kilmarnock"]);
    }

    #[test]
    fn reporting_verbs_and_addresses_are_no_phrases() {
        let text = "Maria Lopez said the bridge would close. The bridge work, Lopez said, is urgent. \
                    Smith et al. found cracks in the bridge, according to https://example.com/bridge-report. \
                    Write to bridge.team@example.com or see www.example.com for bridge news.";
        let found = phrases(text, 6);
        assert_eq!(found[0], "bridge", "phrases {found:?}");
        for phrase in &found {
            let lower = phrase.to_lowercase();
            for word in ["said", "according", "et", "al", "https", "com", "example", "www"] {
                assert!(!lower.split_whitespace().any(|part| part == word), "phrase {phrase:?} in {found:?}");
            }
        }
        assert!(found.contains(&"Lopez".to_owned()), "phrases {found:?}");
    }

    #[test]
    fn thai_gives_no_fragment_phrases() {
        let text = "สวัสดีครับ ยินดีต้อนรับ สวัสดีครับ. Bangkok hosts Bangkok events.";
        assert_eq!(phrases(text, 3), vec!["Bangkok", "hosts", "events"]);
    }

    #[test]
    fn stop_words_and_numbers_bound_phrases() {
        let text = "The price of oil rose 5 percent. The price of oil fell later. Oil traders were calm.";
        let found = phrases(text, 3);
        assert_eq!(found[0], "oil", "phrases {found:?}");
        assert!(found.iter().all(|phrase| !phrase.contains(" of ")), "phrase spans a stop word: {found:?}");
        assert!(found.iter().all(|phrase| !phrase.contains('5')), "phrase contains a number: {found:?}");
    }

    #[test]
    fn phrases_do_not_share_words() {
        let text = "Climate change hurts farms. Climate change is real. Climate scientists agree on climate change.";
        let found = phrases(text, 5);
        assert_eq!(found[0], "Climate change");
        assert!(!found.contains(&"Climate".to_owned()), "phrases {found:?}");
        assert!(!found.contains(&"change".to_owned()), "phrases {found:?}");
    }

    #[test]
    fn chinese_phrases_are_recurring_character_ngrams() {
        let text = "北京大学今年招收了更多的学生。北京大学的学生来自全国各地。今年北京大学新建了一座图书馆。";
        let spans = split_sentences(text);
        let found = extract(text, &spans, &Analyzer::new(None), &mut PhraseWords::default(), 3);
        let found: Vec<(&str, usize)> = found.iter().map(|phrase| (phrase.text.as_str(), phrase.count)).collect();
        // "的学生" recurs too, but starts with the particle 的.
        assert_eq!(found, vec![("北京大学", 3), ("今年", 2), ("学生", 2)]);
    }

    #[test]
    fn japanese_phrases_skip_ngrams_seen_once() {
        let text = "東京タワーは東京の観光名所です。東京タワーの高さは三百三十三メートルです。";
        let spans = split_sentences(text);
        let found = extract(text, &spans, &Analyzer::new(None), &mut PhraseWords::default(), 5);
        let texts: Vec<&str> = found.iter().map(|phrase| phrase.text.as_str()).collect();
        // "です" recurs too, but is Hiragana, which phrases do not start or end with.
        assert_eq!(texts, vec!["東京タワー"]);
    }

    #[test]
    fn zero_limit_and_empty_text_give_nothing() {
        assert!(phrases("Some words here.", 0).is_empty());
        assert!(phrases("", 5).is_empty());
        assert!(phrases("the of and", 5).is_empty());
    }

    #[test]
    fn scores_are_finite_and_descending() {
        let text = "Storms hit the coast. Storms closed roads near the coast. Schools closed too.";
        let spans = split_sentences(text);
        let found = extract(text, &spans, &Analyzer::new(Some(Language::English)), &mut PhraseWords::default(), 10);
        for pair in found.windows(2) {
            assert!(pair[0].score >= pair[1].score, "not descending: {found:?}");
        }
        assert!(found.iter().all(|phrase| phrase.score.is_finite() && phrase.score > 0.0), "{found:?}");
    }

    #[test]
    fn unbounded_limit_returns_every_phrase() {
        // A caller may ask for every phrase with the largest limit, as the old
        // extraction allowed. Four times that limit, the first sorted block,
        // overflowed.
        let text = "Storms hit the coast. Storms closed roads near the coast.";
        assert_eq!(phrases(text, usize::MAX), phrases(text, 100));
    }
}
