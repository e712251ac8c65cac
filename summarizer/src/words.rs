//! Word analysis: splitting a sentence into words, dropping stop words and stemming.

use crate::swar::{ascii_bytes_in_range, chunk_at, pack_short, HIGH_BITS};
use std::hash::{BuildHasher, Hasher};

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use rust_stemmers::Stemmer;
use unicode_segmentation::UnicodeSegmentation;

use crate::language::Language;

/// Turns sentences into index terms: lower-cased, stop words of a supported language
/// dropped and, when the language has one, stemmed with its Snowball stemmer. Runs of Chinese or
/// Japanese characters, which have no spaces between words, become overlapping
/// character bigrams instead (a single character stays a unigram).
pub(crate) struct Analyzer {
    stemmer: Option<Stemmer>,
    /// True when the stemmer is English's, which [`crate::english`] replaces on ASCII words.
    english: bool,
    /// True for French and Italian, which elide an article or pronoun into the next
    /// word ("l'entreprise", "dell'anno"): see [`elided_prefix_len`].
    elides: bool,
    /// The stop words as bytes, so that a term being built in a byte buffer is
    /// looked up without a UTF-8 check. The values are unused. Most stop words are
    /// short, and the map compares a key of up to 8 bytes as one integer.
    stop_words: BytesMap,
}

impl Analyzer {
    /// Builds the analyzer of `language`, or one that only lower-cases for `None`.
    pub(crate) fn new(language: Option<Language>) -> Self {
        let Some(language) = language else {
            return Self { stemmer: None, english: false, elides: false, stop_words: BytesMap::with_capacity(0) };
        };
        let lines = crate::stop_word_lists::stop_word_lines(language.code()).unwrap_or_default();
        let mut stop_words = BytesMap::with_capacity(lines.lines().count());
        for word in lines.lines().map(str::as_bytes) {
            if stop_words.get(word).is_none() {
                stop_words.insert_new(word, 0);
            }
        }
        Self {
            stemmer: language.stemmer_algorithm().map(Stemmer::create),
            english: language == Language::English,
            elides: matches!(language, Language::French | Language::Italian),
            stop_words,
        }
    }

    /// Calls `emit` with each index term of `sentence`, in order.
    #[cfg(test)]
    pub(crate) fn for_each_term(&self, sentence: &str, mut emit: impl FnMut(&str)) {
        for_each_segment(sentence, |segment, cjk| {
            if cjk {
                for_each_bigram(segment, &mut emit);
            } else {
                self.for_each_word_term(segment, &mut emit);
            }
        });
    }

    #[cfg(test)]
    fn for_each_word_term(&self, text: &str, emit: &mut impl FnMut(&str)) {
        for_each_word(text, |word| {
            if let Some(term) = self.word_term(word) {
                emit(&term);
            }
        });
    }

    /// Returns the length of the elided article or pronoun at the start of `word` in
    /// French or Italian ("l'" of "l'entreprise", "dell'" of "dell'anno"), or 0.
    #[inline]
    pub(crate) fn elided_prefix_len(&self, word: &str) -> usize {
        if self.elides {
            elided_prefix_len(word)
        } else {
            0
        }
    }

    /// Returns whether the analyzer is English's.
    pub(crate) fn is_english(&self) -> bool {
        self.english
    }

    /// Returns the index term of one word: lower-cased and stemmed, or `None` for a
    /// stop word.
    pub(crate) fn word_term(&self, word: &str) -> Option<String> {
        let mut term = Vec::new();
        self.write_word_term(word, None, &mut term).then(|| String::from_utf8_lossy(&term).into_owned())
    }

    /// Writes the UTF-8 bytes of the index term of one word into `term`, which it
    /// clears first, and returns `true`, or returns `false` for a stop word.
    /// `packed` is the word packed by [`pack_short`], when the caller has it.
    ///
    /// An ASCII word is lower-cased, and an English one stemmed, in the buffer, with
    /// no allocation once the buffer is large enough. These are most words of
    /// English text, and each new word form of a document comes through here.
    ///
    /// It is inlined into [`TermCache::add_word`], with the other steps of a new
    /// word form, which took about 3% fewer instructions there (callgrind).
    #[inline(always)]
    fn write_word_term(&self, word: &str, packed: Option<u64>, term: &mut Vec<u8>) -> bool {
        term.clear();
        let elided_len = self.elided_prefix_len(word);
        let word = &word[elided_len..];
        let short_lower = match packed {
            Some(packed) if elided_len == 0 => lower_case_packed_ascii(packed),
            _ => lower_case_short_ascii(word.as_bytes()),
        };
        let ascii = match short_lower {
            Some(lower) => {
                // The packed word is the key of the stop word lookup as it is.
                if self.stop_words.get_short(lower, word.len()).is_some() {
                    return false;
                }
                // Eight bytes are copied and the rest cut off, which takes fewer
                // instructions than a copy of a length known only at run time.
                term.extend_from_slice(&lower.to_le_bytes());
                term.truncate(word.len());
                true
            }
            None => {
                let ascii = append_lower_case_ascii(word.as_bytes(), term);
                if !ascii {
                    term.clear();
                    term.extend_from_slice(word.to_lowercase().as_bytes());
                }
                if self.stop_words.get(term).is_some() {
                    return false;
                }
                ascii
            }
        };
        let Some(stemmer) = &self.stemmer else {
            return true;
        };
        // Some non-ASCII letters, such as the Kelvin sign, lower-case to ASCII.
        if self.english && (ascii || term.is_ascii()) {
            crate::english::stem_bytes(term);
        } else if !(self.english && crate::english::stem_with_right_quotes(term)) {
            stem_with(stemmer, term);
        }
        true
    }
}

/// Replaces the lower-cased word in `term` with its stem by `stemmer`. It is not
/// inlined, so that [`Analyzer::write_word_term`] stays small.
#[inline(never)]
fn stem_with(stemmer: &Stemmer, term: &mut Vec<u8>) {
    // The bytes are a lower-cased `str`, so the conversion borrows them.
    let stem = stemmer.stem(&String::from_utf8_lossy(term)).into_owned();
    term.clear();
    term.extend_from_slice(stem.as_bytes());
}

/// Returns `word` lower-cased and packed by [`pack_short`] when it is ASCII and at
/// most [`INLINE_KEY_BYTES`] long, which most words of English text are, or `None`.
/// The eight bytes are lower-cased at once, in fewer instructions than a loop over
/// them takes.
#[inline(always)]
fn lower_case_short_ascii(word: &[u8]) -> Option<u64> {
    if word.len() > INLINE_KEY_BYTES {
        return None;
    }
    lower_case_packed_ascii(pack_short(word))
}

/// Appends `word` lower-cased to `term`, which must be empty, and returns `true`
/// when `word` is ASCII, or returns `false`, with some of `word` appended, when it
/// is not. It works on eight bytes at a time, as [`lower_case_short_ascii`] does.
fn append_lower_case_ascii(word: &[u8], term: &mut Vec<u8>) -> bool {
    let mut index = 0;
    while let Some(chunk) = chunk_at(word, index) {
        let Some(lower) = lower_case_packed_ascii(chunk) else {
            return false;
        };
        term.extend_from_slice(&lower.to_le_bytes());
        index += 8;
    }
    let Some(lower) = lower_case_packed_ascii(pack_short(&word[index..])) else {
        return false;
    };
    // Eight bytes are appended and the ones after the word cut off, as in
    // `Analyzer::write_word_term`.
    term.extend_from_slice(&lower.to_le_bytes());
    term.truncate(word.len());
    true
}

/// Returns the word that [`pack_short`] packs as `packed` lower-cased, packed the
/// same way, when it is ASCII, or `None`.
#[inline(always)]
fn lower_case_packed_ascii(packed: u64) -> Option<u64> {
    if packed & HIGH_BITS != 0 {
        return None;
    }
    // Setting bit 5 of a capital letter, 0x80 >> 2, makes it the small letter.
    Some(packed | ascii_bytes_in_range(packed, b'A', b'Z' + 1) >> 2)
}

/// The French and Italian words that are elided before a vowel, lower-case: "l'",
/// "d'", "qu'", "dell'", "nell'", "un'".
const ELIDED_WORDS: &[&str] = &[
    "c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "dell", "dall", "nell",
    "sull", "all", "coll", "quell", "bell", "un", "po",
];

/// Returns the length of the elided word and its apostrophe at the start of `word`
/// ("l'" of "l'entreprise"), when a word of at least two letters follows, or 0.
fn elided_prefix_len(word: &str) -> usize {
    let Some(apostrophe) = word.find(['\'', '’']) else {
        return 0;
    };
    let (elided, rest) = word.split_at(apostrophe);
    let rest = &rest[rest.chars().next().map_or(0, char::len_utf8)..];
    let known = ELIDED_WORDS.iter().any(|known| known.eq_ignore_ascii_case(elided));
    if known && rest.chars().take(2).filter(|c| c.is_alphabetic()).count() == 2 {
        word.len() - rest.len()
    } else {
        0
    }
}

/// A hash map from byte strings to `u32` values that keeps all its keys in one
/// buffer, where a map of `Box<str>` allocates each key on its own. The word forms
/// and terms of a [`TermCache`], and the segments of key phrase extraction, are
/// small and never removed one by one. An entry takes 16 bytes, so more of the
/// table stays in the processor's caches.
pub(crate) struct BytesMap {
    /// The keys longer than [`INLINE_KEY_BYTES`], one after another.
    keys: Vec<u8>,
    /// Each entry's key, its length and its value. A key of up to
    /// [`INLINE_KEY_BYTES`] is stored in the entry itself, packed by [`pack_short`](crate::swar::pack_short),
    /// so that most lookups read no other memory and compare one integer. A longer
    /// key is stored as its start in `keys`. Keys are words or bigrams of
    /// sentences, which are at most `MAX_SENTENCE_BYTES` long.
    table: HashTable<(u64, u32, u32)>,
    hasher: FixedState,
}

/// The hash of a key that a lookup in a [`BytesMap`] did not find and, for a key of
/// up to [`INLINE_KEY_BYTES`], the key packed by [`pack_short`] (0 for a longer
/// key), which [`BytesMap::insert_missing`] takes to insert the key.
#[derive(Clone, Copy)]
struct MissingKey {
    hash: u64,
    packed: u64,
}

/// The length of the longest key that a [`BytesMap`] entry stores in itself.
const INLINE_KEY_BYTES: usize = 8;

/// For each length up to [`INLINE_KEY_BYTES`], the mask of that many low bytes.
const LOW_BYTES: [u64; INLINE_KEY_BYTES + 1] = {
    let mut masks = [u64::MAX; INLINE_KEY_BYTES + 1];
    let mut len = 0;
    while len < INLINE_KEY_BYTES {
        masks[len] = (1 << (8 * len)) - 1;
        len += 1;
    }
    masks
};

impl BytesMap {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self { keys: Vec::new(), table: HashTable::with_capacity(capacity), hasher: FixedState::default() }
    }

    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Returns the number of entries the map takes before its table grows.
    fn capacity(&self) -> usize {
        self.table.capacity()
    }

    #[inline(always)]
    pub(crate) fn get(&self, key: &[u8]) -> Option<u32> {
        self.find(key).ok()
    }

    /// Returns the value of `key`, or else what [`Self::insert_missing`] needs to
    /// insert it.
    #[inline(always)]
    fn find(&self, key: &[u8]) -> Result<u32, MissingKey> {
        if key.len() <= INLINE_KEY_BYTES {
            return self.find_short(pack_short(key), key.len());
        }
        let len = key.len() as u32;
        let hash = hash_long(&self.hasher, key);
        let found = self
            .table
            .find(hash, |&(start, stored_len, _)| stored_len == len && long_key(&self.keys, start, stored_len) == key);
        found.map(|&(_, _, value)| value).ok_or(MissingKey { hash, packed: 0 })
    }

    /// Returns the value of the key `bytes[start..end]`, as [`Self::get`] does.
    #[cfg(test)]
    fn get_at(&self, bytes: &[u8], start: usize, end: usize) -> Option<u32> {
        self.find_at(bytes, start, end).ok()
    }

    /// Returns the value of the key `bytes[start..end]`, or else what
    /// [`Self::insert_missing`] needs, as [`Self::find`] does. A short key is packed in one load of the eight bytes at
    /// `start` where `bytes` has them, which takes fewer instructions than
    /// [`pack_short`].
    #[inline(always)]
    fn find_at(&self, bytes: &[u8], start: usize, end: usize) -> Result<u32, MissingKey> {
        let len = end - start;
        if len <= INLINE_KEY_BYTES {
            if let Some(chunk) = chunk_at(bytes, start) {
                return self.find_short(chunk & LOW_BYTES[len], len);
            }
        }
        self.find(&bytes[start..end])
    }

    /// Returns the value of the key of `len` bytes, at most [`INLINE_KEY_BYTES`],
    /// that [`pack_short`] packs as `packed`.
    #[inline(always)]
    fn get_short(&self, packed: u64, len: usize) -> Option<u32> {
        self.find_short(packed, len).ok()
    }

    /// Returns the value of the key that [`pack_short`] packs as `packed`, or else
    /// what [`Self::insert_missing`] needs, as [`Self::get_short`] does.
    #[inline(always)]
    fn find_short(&self, packed: u64, len: usize) -> Result<u32, MissingKey> {
        let len = len as u32;
        let hash = hash_short(&self.hasher, packed);
        let found = self.table.find(hash, |&(stored, stored_len, _)| stored == packed && stored_len == len);
        found.map(|&(_, _, value)| value).ok_or(MissingKey { hash, packed })
    }

    /// Returns the value of `key` and `false` when the map has it, or else inserts
    /// `key` with `value` and returns `value` and `true`. The key is packed and
    /// hashed once, where a [`Self::get`] and a [`Self::insert_new`] do both twice.
    /// (hashbrown's `entry`, which also searches once, took more instructions.)
    #[inline(always)]
    fn get_or_insert(&mut self, key: &[u8], value: u32) -> (u32, bool) {
        match self.find(key) {
            Ok(found) => (found, false),
            Err(missing) => {
                self.insert_missing(key, missing, value);
                (value, true)
            }
        }
    }

    /// Inserts `key`, which must not be in the map yet, with `value`.
    pub(crate) fn insert_new(&mut self, key: &[u8], value: u32) {
        let missing = if key.len() <= INLINE_KEY_BYTES {
            let packed = pack_short(key);
            MissingKey { hash: hash_short(&self.hasher, packed), packed }
        } else {
            MissingKey { hash: hash_long(&self.hasher, key), packed: 0 }
        };
        self.insert_missing(key, missing, value);
    }

    /// Inserts `key`, which must not be in the map yet, with `value`. `missing` is
    /// what the lookup of `key` returned.
    #[inline(always)]
    fn insert_missing(&mut self, key: &[u8], missing: MissingKey, value: u32) {
        // Keys are at most MAX_SENTENCE_BYTES long, so the length fits.
        let len = u32::try_from(key.len()).unwrap_or(u32::MAX);
        let MissingKey { hash, packed } = missing;
        let stored = if key.len() <= INLINE_KEY_BYTES {
            packed
        } else {
            let start = self.keys.len() as u64;
            self.keys.extend_from_slice(key);
            start
        };
        let (keys, hasher) = (&self.keys, &self.hasher);
        self.table
            .insert_unique(hash, (stored, len, value), |&(stored, len, _)| stored_hash(hasher, keys, stored, len));
    }
}

/// Returns the hash of the key of an entry of a [`BytesMap`] whose `keys` are
/// `keys`: `stored` is the packed key or the start of the key in `keys`.
fn stored_hash(hasher: &FixedState, keys: &[u8], stored: u64, len: u32) -> u64 {
    if len as usize <= INLINE_KEY_BYTES {
        hash_short(hasher, stored)
    } else {
        hash_long(hasher, long_key(keys, stored, len))
    }
}

/// Returns the key that starts at `start` of `keys` and is `len` bytes long.
fn long_key(keys: &[u8], start: u64, len: u32) -> &[u8] {
    let start = start as usize;
    &keys[start..start + len as usize]
}

fn hash_short(hasher: &FixedState, packed: u64) -> u64 {
    let mut state = hasher.build_hasher();
    state.write_u64(packed);
    state.finish()
}

/// Returns the hash of the bytes of `key` alone. `Hash for [u8]` also writes the
/// length first, which a map with one key type does not need.
fn hash_long(hasher: &FixedState, key: &[u8]) -> u64 {
    let mut state = hasher.build_hasher();
    state.write(key);
    state.finish()
}

/// The value of a stop word in [`TermCache::forms`], which no term id reaches.
const STOP_WORD: u32 = u32::MAX;

/// The index terms of one language, kept between documents by a
/// [`crate::Summarizer`], so that each distinct word form is lower-cased, checked
/// against the stop words and stemmed once for all the documents it occurs in.
///
/// The ids it hands out are global to the cache. [`TermIds`] maps them to ids
/// numbered from 0 in order of first use in one document, which are the ids a
/// fresh cache would give, so the cache never changes a result.
pub(crate) struct TermCache {
    analyzer: Analyzer,
    /// Global term id of each word form seen, [`STOP_WORD`] for a stop word.
    forms: BytesMap,
    /// The number of Chinese and Japanese bigrams seen, which are terms of their
    /// own and have no entry in `forms`.
    bigrams: usize,
    /// Global term id of each index term other than the bigrams of `bmp_bigrams`.
    terms: BytesMap,
    /// Global term id of each bigram of two chars of the Basic Multilingual Plane,
    /// which are most Chinese and Japanese chars, keyed by the two code points as
    /// `first << 16 | second`. An entry takes 8 bytes where `terms` takes 16, and
    /// text of Chinese characters has about one new bigram for every 3 bytes.
    bmp_bigrams: HashTable<(u32, u32)>,
    hasher: FixedState,
    /// For each global term id: the number of the document that last used it (0
    /// for none) and its id in that document. A document that starts with no
    /// terms leaves it empty, because its ids are the global ones, and the next
    /// document fills it.
    document_ids: Vec<(u32, u32)>,
    /// The number of the current document, counted from 1.
    document: u32,
    /// True when the current document started with no terms, so that each term's
    /// global id is its id in the document.
    global_ids: bool,
    /// The buffer that the term of each new word form is written into.
    term_buffer: Vec<u8>,
    /// The word forms that key phrase extraction has analysed.
    phrase_words: crate::keyphrases::PhraseWords,
    /// The number of word forms above which [`TermCache::end_term_ids`] drops
    /// the word forms and terms, because the summarizer clears a cache that
    /// contains more before the next document.
    max_words: usize,
}

impl TermCache {
    /// Creates a cache with room for `capacity` word forms and as many terms before
    /// its tables grow, which drops them after a document's term ids when it
    /// contains more than `max_words` (see [`TermCache::end_term_ids`]).
    pub(crate) fn with_capacity(analyzer: Analyzer, capacity: usize, max_words: usize) -> Self {
        let terms = BytesMap::with_capacity(capacity);
        Self {
            analyzer,
            forms: BytesMap::with_capacity(capacity),
            bmp_bigrams: HashTable::new(),
            hasher: FixedState::default(),
            // Room for as many as `terms` takes before it grows (7,168 for a capacity
            // of 4,096 with hashbrown 0.15), so that the two grow together. Pages of it
            // that are never written are not made resident (on Linux).
            document_ids: Vec::with_capacity(terms.capacity()),
            terms,
            document: 0,
            global_ids: false,
            term_buffer: Vec::new(),
            bigrams: 0,
            phrase_words: crate::keyphrases::PhraseWords::default(),
            max_words,
        }
    }

    /// Returns the analyzer with the word forms of key phrase extraction.
    pub(crate) fn phrase_words(&mut self) -> (&Analyzer, &mut crate::keyphrases::PhraseWords) {
        (&self.analyzer, &mut self.phrase_words)
    }

    /// Returns the number of word forms and bigrams cached, with the segments of key
    /// phrase extraction.
    pub(crate) fn len(&self) -> usize {
        self.forms.len() + self.bigrams + self.phrase_words.len()
    }

    /// Returns the global term id of the word `text[start..end]`, `None` for a stop
    /// word. Most words are found in `forms`, and this lookup is inlined into the
    /// word scanner.
    #[inline(always)]
    fn word_id(&mut self, text: &str, start: usize, end: usize) -> Option<u32> {
        match self.forms.find_at(text.as_bytes(), start, end) {
            Ok(id) => (id != STOP_WORD).then_some(id),
            Err(missing) => self.add_word(&text[start..end], missing),
        }
    }

    /// Analyses a word form that is not in `forms` yet, adds it and returns its
    /// global term id, `None` for a stop word. `missing` is what the lookup of
    /// `word` in `forms` returned.
    #[inline(never)]
    fn add_word(&mut self, word: &str, missing: MissingKey) -> Option<u32> {
        let Self { analyzer, forms, terms, bmp_bigrams, document_ids, global_ids, term_buffer, .. } = self;
        let packed = (word.len() <= INLINE_KEY_BYTES).then_some(missing.packed);
        let id = analyzer
            .write_word_term(word, packed, term_buffer)
            .then(|| add_term(terms, bmp_bigrams.len(), document_ids, *global_ids, term_buffer).0);
        forms.insert_missing(word.as_bytes(), missing, id.unwrap_or(STOP_WORD));
        id
    }

    /// Returns the global term id of a Chinese or Japanese bigram, which is its own
    /// term.
    fn bigram_id(&mut self, bigram: &str) -> u32 {
        // No term of a word equals a bigram, because words never contain the Chinese
        // and Japanese chars of bigrams. So a bigram is looked up in `bmp_bigrams`
        // or `terms` alone, where an entry in `forms` as well took 16 bytes more.
        if let Some(key) = bmp_bigram_key(bigram) {
            let hash = hash_short(&self.hasher, u64::from(key));
            if let Some(&(_, id)) = self.bmp_bigrams.find(hash, |&(stored, _)| stored == key) {
                return id;
            }
            let id = self.new_term_id();
            let hasher = &self.hasher;
            self.bmp_bigrams.insert_unique(hash, (key, id), |&(stored, _)| hash_short(hasher, u64::from(stored)));
            self.bigrams += 1;
            return id;
        }
        let Self { terms, bmp_bigrams, document_ids, global_ids, .. } = self;
        let (id, added) = add_term(terms, bmp_bigrams.len(), document_ids, *global_ids, bigram.as_bytes());
        if added {
            self.bigrams += 1;
        }
        id
    }

    /// Returns the number of terms, the next global term id.
    fn term_count(&self) -> usize {
        self.terms.len() + self.bmp_bigrams.len()
    }

    /// Returns the global term id of a new term, with its slot in `document_ids`.
    fn new_term_id(&mut self) -> u32 {
        // Term ids stay below STOP_WORD: each term is a distinct word of at least
        // one byte, and a text of u32::MAX bytes is far beyond every limit.
        let id = self.term_count() as u32;
        if !self.global_ids {
            self.document_ids.push((0, 0));
        }
        id
    }

    /// Ends the term ids of a document. A cache that contains more than its
    /// maximum of word forms is cleared before the next document, so it drops its
    /// word forms and terms now, and the rest of the ranking and key phrase
    /// extraction do not hold them.
    pub(crate) fn end_term_ids(&mut self) {
        // In a document that started with no terms, the tables contain its own
        // word forms and terms alone.
        let (forms, terms) = if self.global_ids { (self.forms.len(), self.terms.len()) } else { (0, 0) };
        self.phrase_words.expect_words(forms, terms);
        if self.len() > self.max_words {
            self.clear_terms();
        }
    }

    /// Drops the word forms and terms, and keeps the analyzer and the word forms
    /// of key phrase extraction.
    fn clear_terms(&mut self) {
        self.forms = BytesMap::with_capacity(0);
        self.terms = BytesMap::with_capacity(0);
        self.bmp_bigrams = HashTable::new();
        self.bigrams = 0;
        self.document_ids = Vec::new();
    }

    /// Starts a new document.
    fn start_document(&mut self) {
        // The slots of a document that used the global ids were never filled.
        self.document_ids.resize(self.term_count(), (0, 0));
        self.global_ids = self.term_count() == 0;
        self.document = self.document.wrapping_add(1);
        if self.document == 0 {
            // After 2^32 documents the numbers start again, so that no earlier
            // document's number is taken for the new one's.
            self.document_ids.iter_mut().for_each(|slot| slot.0 = 0);
            self.document = 1;
        }
    }
}

/// Returns the key of `bigram` in [`TermCache::bmp_bigrams`] when it is two chars of
/// the Basic Multilingual Plane, or `None`.
fn bmp_bigram_key(bigram: &str) -> Option<u32> {
    let mut chars = bigram.chars();
    let (first, second) = (u32::from(chars.next()?), u32::from(chars.next()?));
    (chars.next().is_none() && first <= 0xFFFF && second <= 0xFFFF).then_some(first << 16 | second)
}

/// Returns the global term id of `term` in a [`TermCache`] with `terms`, the
/// number of `other_terms` in its other table, `document_ids` and `global_ids`,
/// and whether `term` was new and added.
#[inline(always)]
fn add_term(
    terms: &mut BytesMap,
    other_terms: usize,
    document_ids: &mut Vec<(u32, u32)>,
    global_ids: bool,
    term: &[u8],
) -> (u32, bool) {
    // Term ids stay below STOP_WORD: each term is a distinct word of at least one
    // byte, and a text of u32::MAX bytes is far beyond every limit.
    let new_id = (terms.len() + other_terms) as u32;
    let (id, added) = terms.get_or_insert(term, new_id);
    if added && !global_ids {
        document_ids.push((0, 0));
    }
    (id, added)
}

/// Maps the words of one document to term ids numbered from 0 in order of first
/// use, through a [`TermCache`].
pub(crate) struct TermIds<'c> {
    cache: &'c mut TermCache,
    /// The number of distinct terms of this document so far.
    len: u32,
}

impl<'c> TermIds<'c> {
    /// Starts a new document on `cache`.
    pub(crate) fn new(cache: &'c mut TermCache) -> Self {
        cache.start_document();
        Self { cache, len: 0 }
    }

    /// Returns the number of distinct terms seen, which bounds every id returned.
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    /// Calls `emit` with the term id of each index term of `sentence`, in the order
    /// of [`Analyzer::for_each_term`].
    ///
    /// It is not inlined: inlined into the ranking, the scanner's loops kept the
    /// sentence's bytes and length on the stack and took more instructions.
    #[inline(never)]
    pub(crate) fn for_each_term_id(&mut self, sentence: &str, mut emit: impl FnMut(u32)) {
        // Bytewise text, such as an ASCII sentence or one with curly quotes, has no
        // byte of a Chinese or Japanese char. So `for_each_segment` would pass it
        // whole to `for_each_word`, which would test it again.
        if crate::swar::is_ascii(sentence.as_bytes()) || is_bytewise_text(sentence) {
            for_each_bytewise_word_range(sentence.as_bytes(), &mut |start, end| {
                self.emit_word_id(sentence, start, end, &mut emit);
            });
            return;
        }
        for_each_segment(sentence, |segment, cjk| {
            if cjk {
                for_each_bigram(segment, &mut |bigram| {
                    let global = self.cache.bigram_id(bigram);
                    emit(self.document_id(global));
                });
            } else {
                for_each_word(segment, |word| self.emit_word_id(word, 0, word.len(), &mut emit));
            }
        });
    }

    /// Calls `emit` with the term id of the word `text[start..end]` unless it is a
    /// stop word.
    #[inline(always)]
    fn emit_word_id(&mut self, text: &str, start: usize, end: usize, emit: &mut impl FnMut(u32)) {
        if let Some(global) = self.cache.word_id(text, start, end) {
            emit(self.document_id(global));
        }
    }

    /// Returns the id in this document of the global term id `global`.
    fn document_id(&mut self, global: u32) -> u32 {
        if self.cache.global_ids {
            // Global ids are given in order of first use, from 0 in this document.
            self.len = self.len.max(global + 1);
            return global;
        }
        let document = self.cache.document;
        let slot = &mut self.cache.document_ids[global as usize];
        if slot.0 != document {
            *slot = (document, self.len);
            self.len += 1;
        }
        slot.1
    }
}

/// Calls `emit` with each maximal run of Chinese or Japanese characters of `text`
/// (with `true`) and each piece of other text between them (with `false`).
pub(crate) fn for_each_segment<'t>(text: &'t str, mut emit: impl FnMut(&'t str, bool)) {
    // Every char of `is_cjk` is encoded with a first byte of 0xE3 or more, so text
    // without such a byte is one segment, found without decoding. `is_ascii`, which
    // tests a word of bytes at a time, settles most text first.
    if text.is_ascii() || !text.bytes().any(|byte| byte >= 0xE3) {
        emit(text, false);
        return;
    }
    let mut segment_start = 0;
    let mut cjk_run: Option<usize> = None;
    for (index, ch) in text.char_indices() {
        match (is_cjk(ch), cjk_run) {
            (true, None) => {
                emit(&text[segment_start..index], false);
                cjk_run = Some(index);
            }
            (false, Some(start)) => {
                emit(&text[start..index], true);
                cjk_run = None;
                segment_start = index;
            }
            _ => {}
        }
    }
    match cjk_run {
        Some(start) => emit(&text[start..], true),
        None => emit(&text[segment_start..], false),
    }
}

/// Calls `emit` with each word of `text`: the Unicode words of UAX #29 that contain
/// a letter or digit. Words never cross ASCII whitespace, so each whitespace-separated
/// piece is split on its own, and a piece of [`is_bytewise_text`] only goes through
/// [`for_each_bytewise_word`], which is several times faster.
pub(crate) fn for_each_word<'t>(text: &'t str, mut emit: impl FnMut(&'t str)) {
    // ASCII whitespace neither is nor joins a word byte of `for_each_bytewise_word`,
    // so such text can be scanned whole.
    if is_bytewise_text(text) {
        for_each_bytewise_word(text, &mut emit);
        return;
    }
    for piece in text.split_ascii_whitespace() {
        if is_bytewise_text(piece) {
            for_each_bytewise_word(piece, &mut emit);
        } else {
            piece.unicode_words().for_each(&mut emit);
        }
    }
}

/// Returns whether every char of `text` is ASCII or one of [`typographic_char`],
/// the text that [`for_each_bytewise_word`] splits as UAX #29 does.
pub(crate) fn is_bytewise_text(text: &str) -> bool {
    // Most text is ASCII, which `is_ascii` settles in fewer instructions than the
    // search below.
    if text.is_ascii() {
        return true;
    }
    let bytes = text.as_bytes();
    let mut index = 0;
    loop {
        index = next_non_ascii(bytes, index);
        if index == bytes.len() {
            return true;
        }
        match typographic_char(&bytes[index..]) {
            Some((length, _)) => index += length,
            None => return false,
        }
    }
}

/// Returns the index of the first byte of `bytes` at or after `from` that is not
/// ASCII, or the length of `bytes` when there is none. Eight bytes are tested at a
/// time.
fn next_non_ascii(bytes: &[u8], from: usize) -> usize {
    let mut index = from;
    while let Some(word) = chunk_at(bytes, index) {
        if word & HIGH_BITS != 0 {
            return index + ((word & HIGH_BITS).trailing_zeros() / 8) as usize;
        }
        index += 8;
    }
    let rest = &bytes[index.min(bytes.len())..];
    index + rest.iter().position(|&byte| !byte.is_ascii()).unwrap_or(rest.len())
}

/// Returns the length in bytes of the char at the start of `bytes`, and whether it
/// joins two letters or two digits as `'` does, when it is one of the typographic
/// marks of English news text that [`for_each_bytewise_word`] handles. Returns
/// `None` for any other char.
///
/// In UAX #29 (as `unicode-segmentation` 1.13 implements it) the quotes ‘ and
/// ’ are MidNumLet, as `.` is, so they join as `'` does outside Hebrew text. The
/// quotes “ and ”, the dashes – and —, the pound sign £ and the no-break space are
/// in no word class, so like other ASCII punctuation they split words.
fn typographic_char(bytes: &[u8]) -> Option<(usize, bool)> {
    match bytes {
        // U+2018 ‘ and U+2019 ’.
        [0xE2, 0x80, 0x98 | 0x99, ..] => Some((3, true)),
        // U+2013 –, U+2014 —, U+201C “ and U+201D ”.
        [0xE2, 0x80, 0x93 | 0x94 | 0x9C | 0x9D, ..] => Some((3, false)),
        // U+00A0, the no-break space, and U+00A3 £.
        [0xC2, 0xA0 | 0xA3, ..] => Some((2, false)),
        _ => None,
    }
}

/// Calls `emit` with each UAX #29 word of `piece`, a text of [`is_bytewise_text`].
/// A word is a run of ASCII letters, digits and `_`. Inside it, `.`, `'`, `‘` or `’`
/// may join two letters or two digits, `:` two letters, and `,` or `;` two digits.
/// Runs without a letter or digit are skipped.
fn for_each_bytewise_word<'t>(piece: &'t str, emit: &mut impl FnMut(&'t str)) {
    for_each_bytewise_word_range(piece.as_bytes(), &mut |start, end| emit(&piece[start..end]));
}

/// Does the work of [`for_each_bytewise_word`] on the bytes of a piece, calling
/// `emit` with the start and end of each word. Words start and end at char
/// boundaries.
#[inline(always)]
pub(crate) fn for_each_bytewise_word_range(bytes: &[u8], emit: &mut impl FnMut(usize, usize)) {
    let mut index = 0;
    while index < bytes.len() {
        if !is_word_byte(bytes[index]) {
            index += 1;
            continue;
        }
        let start = index;
        loop {
            // The byte at `index` is a word byte: the first of the word, or the
            // letter or digit after a joining mark.
            index = word_run_end(bytes, index + 1);
            match joining_mark_len(bytes, index) {
                0 => break,
                mark_len => index += mark_len,
            }
        }
        // A join needs a letter or digit on each side, so only a run of `_` has none.
        let has_alphanumeric = bytes[start] != b'_' || bytes[start..index].iter().any(|&byte| byte != b'_');
        if has_alphanumeric {
            emit(start, index);
        }
        // The byte after the word, if any, is no word byte.
        index += 1;
    }
}

/// Returns the length of the mark at `bytes[index]` when it joins the run of word
/// bytes that ends there to the run after it, or 0. The joining marks are `.`,
/// `'`, `‘` and `’` between two letters or two digits, `:` between two letters,
/// and `,` or `;` between two digits.
#[inline(always)]
fn joining_mark_len(bytes: &[u8], index: usize) -> usize {
    let Some(&mark) = bytes.get(index) else {
        return 0;
    };
    // Most runs end at a space, which one table lookup rules out.
    if !MAY_JOIN[usize::from(mark)] {
        return 0;
    }
    let (mark, mark_len) = if mark.is_ascii() {
        (mark, 1)
    } else {
        match typographic_char(&bytes[index..]) {
            Some((length, true)) => (b'\'', length),
            _ => return 0,
        }
    };
    let Some(&after) = bytes.get(index + mark_len) else {
        return 0;
    };
    let before = bytes[index - 1];
    let letters = before.is_ascii_alphabetic() && after.is_ascii_alphabetic();
    let digits = before.is_ascii_digit() && after.is_ascii_digit();
    let joins = match mark {
        b'.' | b'\'' => letters || digits,
        b':' => letters,
        _ => digits,
    };
    if joins {
        mark_len
    } else {
        0
    }
}

/// For each byte, whether it may be a joining mark of [`joining_mark_len`] or the
/// first byte of one: `.`, `'`, `:`, `,`, `;` or 0xE2, which starts `‘` and `’`.
const MAY_JOIN: [bool; 256] = {
    let mut table = [false; 256];
    let marks = [b'.', b'\'', b':', b',', b';', 0xE2];
    let mut index = 0;
    while index < marks.len() {
        table[marks[index] as usize] = true;
        index += 1;
    }
    table
};

/// Returns the index of the first byte at or after `from` that is not an ASCII
/// letter, digit or `_`, or the length of `bytes` when there is none. Bytes are
/// tested four to a bounds check, which takes about half the instructions of a
/// loop that checks each byte (callgrind, on the CNN/DailyMail articles).
#[inline(always)]
fn word_run_end(bytes: &[u8], from: usize) -> usize {
    let mut index = from;
    while let Some(&[first, second, third, fourth]) = bytes.get(index..index + 4) {
        if !is_word_byte(first) {
            return index;
        }
        if !is_word_byte(second) {
            return index + 1;
        }
        if !is_word_byte(third) {
            return index + 2;
        }
        if !is_word_byte(fourth) {
            return index + 3;
        }
        index += 4;
    }
    while index < bytes.len() && is_word_byte(bytes[index]) {
        index += 1;
    }
    index
}

/// Returns whether `byte` is an ASCII letter, digit or `_`, by table lookup.
fn is_word_byte(byte: u8) -> bool {
    const TABLE: [bool; 256] = {
        let mut table = [false; 256];
        let mut byte = 0;
        while byte < 256 {
            let value = byte as u8;
            table[byte] = value.is_ascii_alphanumeric() || value == b'_';
            byte += 1;
        }
        table
    };
    TABLE[usize::from(byte)]
}

/// Returns whether `ch` is a Hiragana or Katakana character.
pub(crate) fn is_kana(ch: char) -> bool {
    matches!(ch,
        '\u{3040}'..='\u{30FF}' // Hiragana, Katakana
        | '\u{31F0}'..='\u{31FF}' // Katakana phonetic extensions
        | '\u{FF66}'..='\u{FF9F}' // half-width Katakana
    )
}

/// Returns whether `ch` is a Han ideograph, Hiragana or Katakana character.
pub(crate) fn is_cjk(ch: char) -> bool {
    is_kana(ch)
        || matches!(ch,
            '\u{3400}'..='\u{4DBF}' // CJK extension A
            | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
            | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
            | '\u{20000}'..='\u{2FA1F}' // CJK extensions B to F and supplement
        )
}

/// Calls `emit` with each overlapping pair of characters of `run`, or with `run`
/// itself when it is a single character.
fn for_each_bigram<'t>(run: &'t str, emit: &mut impl FnMut(&'t str)) {
    let mut starts = run.char_indices().map(|(index, _)| index).chain([run.len()]);
    let (Some(mut first), Some(mut second)) = (starts.next(), starts.next()) else {
        return;
    };
    let Some(mut third) = starts.next() else {
        emit(run);
        return;
    };
    loop {
        emit(&run[first..third]);
        let Some(next) = starts.next() else {
            return;
        };
        (first, second, third) = (second, third, next);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn terms(language: Option<Language>, sentence: &str) -> Vec<String> {
        let mut terms = Vec::new();
        Analyzer::new(language).for_each_term(sentence, |term| terms.push(term.to_owned()));
        terms
    }

    fn found_words(piece: &str) -> Vec<&str> {
        let mut words = Vec::new();
        for_each_word(piece, |word| words.push(word));
        words
    }

    #[test]
    fn ascii_words_match_unicode_words() {
        let cases = [
            "U.S. economy grew 3.5% in 2004, to $1,000.50; don't stop",
            "e-mail a:b 1:2 a.1 1.a x_y _z __ it's 'quoted' end.",
            "v1.2.3 10,000;20 a,b a;b ...dots... A.B.C",
        ];
        for text in cases {
            let expected: Vec<&str> = text.unicode_words().collect();
            assert_eq!(found_words(text), expected, "text {text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_words_match_unicode_words_on_any_ascii(text in "[a-zA-Z0-9_.,;:'\" \t\n\r-]{0,40}") {
            let expected: Vec<&str> = text.unicode_words().collect();
            proptest::prop_assert_eq!(found_words(&text), expected);
        }

        #[test]
        fn typographic_words_match_unicode_words(text in "[a-zA-Z0-9_.,;:'\" \t\n-]{0,12}[‘’“”–—£\u{a0}a-zA-Z0-9_.,:' é]{0,30}") {
            let expected: Vec<&str> = text.unicode_words().collect();
            proptest::prop_assert_eq!(found_words(&text), expected);
        }
    }

    #[test]
    fn typographic_words_match_unicode_words_in_cases() {
        let cases = [
            "Obama’s ‘rock’n’roll’ era—1,000 “firsts” – £3.5bn\u{a0}deal",
            "’a ‘1’2’ x’ ’’ a’’b a’.b 1’,2 _’a a’_ café’s £’s –’s",
            "l’État’s 10\u{a0}000 a\u{a0}’b a’\u{a0}b",
        ];
        for text in cases {
            let expected: Vec<&str> = text.unicode_words().collect();
            assert_eq!(found_words(text), expected, "text {text:?}");
        }
    }

    #[test]
    fn bytes_map_finds_every_key_after_growing() {
        let keys: Vec<String> =
            (0..2000).map(|number| format!("w{number}")).chain(["".to_owned(), "w".to_owned()]).collect();
        let mut map = BytesMap::with_capacity(0);
        for (value, key) in keys.iter().enumerate() {
            assert_eq!(map.get(key.as_bytes()), None, "key {key:?} before insertion");
            map.insert_new(key.as_bytes(), value as u32);
        }
        assert_eq!(map.len(), keys.len());
        for (value, key) in keys.iter().enumerate() {
            assert_eq!(map.get(key.as_bytes()), Some(value as u32), "key {key:?}");
        }
        assert_eq!(map.get(b"w2000"), None);
    }

    proptest::proptest! {
        #[test]
        fn bytes_map_matches_hash_map(
            keys in proptest::collection::vec(proptest::collection::vec(proptest::sample::select(vec![0u8, 1, b'a', b'b', 0xff]), 0..13), 0..60),
            probes in proptest::collection::vec(proptest::collection::vec(proptest::sample::select(vec![0u8, 1, b'a', b'b', 0xff]), 0..13), 0..30),
        ) {
            let mut map = BytesMap::with_capacity(0);
            let mut expected = std::collections::HashMap::new();
            for (index, key) in keys.iter().enumerate() {
                if !expected.contains_key(key) {
                    let value = expected.len() as u32;
                    if index % 2 == 0 {
                        map.insert_new(key, value);
                    } else {
                        // As `TermCache::add_word` inserts: with what a lookup of the
                        // key in a longer text returned, packed from a load or not.
                        let mut text = b"ab".to_vec();
                        text.extend_from_slice(key);
                        text.extend(std::iter::repeat_n(b'c', index % 10));
                        match map.find_at(&text, 2, 2 + key.len()) {
                            Ok(found) => proptest::prop_assert!(false, "key {:?} found as {} before insertion", key, found),
                            Err(missing) => map.insert_missing(key, missing, value),
                        }
                    }
                    expected.insert(key.clone(), value);
                }
            }
            for key in keys.iter().chain(&probes) {
                proptest::prop_assert_eq!(map.get(key), expected.get(key).copied(), "key {:?}", key);
            }
            // Each key again as a piece of a longer text, with 0 to 9 bytes after
            // it, so that some are packed from a load and some are not.
            for (index, key) in keys.iter().chain(&probes).enumerate() {
                let mut text = vec![b'a'; index % 4];
                let start = text.len();
                text.extend_from_slice(key);
                text.extend(std::iter::repeat_n(b'b', index % 10));
                let found = map.get_at(&text, start, start + key.len());
                proptest::prop_assert_eq!(found, expected.get(key).copied(), "key {:?} in {:?}", key, text);
            }
        }
    }

    /// The term ids of each sentence of a document, and the number of distinct terms.
    type NumberedIds = (Vec<Vec<u32>>, usize);

    /// Returns the term ids that [`TermIds`] gives each sentence of one document,
    /// with the number of distinct terms it counts, and the ids that numbering the
    /// terms of [`Analyzer::for_each_term`] from 0 in order of first use gives, with
    /// their number.
    fn found_and_expected_ids(cache: &mut TermCache, sentences: &[String]) -> (NumberedIds, NumberedIds) {
        let mut term_ids = TermIds::new(cache);
        let found: Vec<Vec<u32>> = sentences
            .iter()
            .map(|sentence| {
                let mut ids = Vec::new();
                term_ids.for_each_term_id(sentence, |id| ids.push(id));
                ids
            })
            .collect();
        let found_len = term_ids.len();
        let analyzer = &term_ids.cache.analyzer;
        let mut numbers: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        let expected = sentences
            .iter()
            .map(|sentence| {
                let mut ids = Vec::new();
                analyzer.for_each_term(sentence, |term| {
                    let next = numbers.len() as u32;
                    ids.push(*numbers.entry(term.to_owned()).or_insert(next));
                });
                ids
            })
            .collect();
        ((found, found_len), (expected, numbers.len()))
    }

    /// Sentences of ASCII text, of English stop words and capitals, of text with
    /// typographic marks and accents, and of Chinese characters, some beyond the
    /// Basic Multilingual Plane (U+20000 and U+20001).
    const SENTENCE: &str = "[a-zA-Z0-9_.,;:' \n-]{0,30}|((The|the|and|of|Running|runs|U.S.|don't|ab|AB)[ ,.]){0,8}\
                            |[a-zA-Z ’“é.]{0,20}|[a-z 北京东]{0,10}|[a 北京\u{20000}\u{20001}]{0,8}";

    proptest::proptest! {
        #[test]
        fn term_ids_number_analyzer_terms(
            documents in proptest::collection::vec(
                (proptest::collection::vec(SENTENCE, 0..6), proptest::bool::weighted(0.25)),
                1..5,
            ),
        ) {
            // One cache for all documents, as a `Summarizer` keeps it. A document
            // that starts with no terms numbers them with the global ids, and
            // `clear_terms` after some documents starts the next with none.
            let mut cache = TermCache::with_capacity(Analyzer::new(Some(Language::English)), 0, usize::MAX);
            for (sentences, clear_after) in &documents {
                let (found, expected) = found_and_expected_ids(&mut cache, sentences);
                proptest::prop_assert_eq!(found, expected);
                if *clear_after {
                    cache.clear_terms();
                }
            }
        }
    }

    #[test]
    fn stop_words_match_the_stop_words_crate() {
        for &language in crate::LANGUAGES {
            let lines = crate::stop_word_lists::stop_word_lines(language.code());
            let words: Vec<&str> = lines.unwrap_or_default().lines().collect();
            assert_eq!(Some(words.as_slice()), stop_words::lookup(language.code()), "{language:?}");
        }
    }

    #[test]
    fn analyzer_finds_every_stop_word() {
        for &language in crate::LANGUAGES {
            let analyzer = Analyzer::new(Some(language));
            let lines = crate::stop_word_lists::stop_word_lines(language.code()).unwrap_or_default();
            let words: HashSet<&str> = lines.lines().collect();
            assert_eq!(analyzer.stop_words.len(), words.len(), "{language:?}");
            for word in &words {
                assert!(analyzer.stop_words.get(word.as_bytes()).is_some(), "{language:?} stop word {word:?}");
            }
            for word in ["summarizer", "x", ""] {
                assert_eq!(analyzer.stop_words.get(word.as_bytes()), None, "{language:?} word {word:?}");
            }
        }
    }

    /// Returns the index term of `word` as the analyzer of `language` made it before
    /// ASCII words were lower-cased eight bytes at a time. The word is lower-cased
    /// char by char, looked up among the stop words and stemmed by `rust-stemmers`,
    /// whose English stems [`crate::english`] matches.
    fn reference_word_term(language: Option<Language>, word: &str) -> Option<String> {
        let elides = matches!(language, Some(Language::French | Language::Italian));
        let word = &word[if elides { elided_prefix_len(word) } else { 0 }..];
        let lower = word.to_lowercase();
        let code = language.map_or("", Language::code);
        let lines = crate::stop_word_lists::stop_word_lines(code).unwrap_or_default();
        if lines.lines().any(|stop_word| stop_word == lower) {
            return None;
        }
        match language.and_then(Language::stemmer_algorithm) {
            Some(algorithm) => Some(Stemmer::create(algorithm).stem(&lower).into_owned()),
            None => Some(lower),
        }
    }

    /// Words of up to eight bytes and longer, in capitals or not, with stop words,
    /// elided articles, right single quotation marks and non-ASCII letters (the
    /// Kelvin sign lower-cases to `k`).
    const WORD: &str = "[a-zA-Z0-9'_.]{0,12}|(The|THE|And|aND|Yourselves|L'|D'|Qu'|Die|UND|Ünd)[a-zA-Zé]{0,3}\
                        |[a-zA-Z’']{1,12}|(Don|It|Obama|Skies)’[st]?|[a-zA-Zéß’ÉK\u{212a}]{1,10}";

    proptest::proptest! {
        #[test]
        fn word_terms_match_reference(word in WORD) {
            for language in [Some(Language::English), Some(Language::French), Some(Language::German), None] {
                let analyzer = Analyzer::new(language);
                let expected = reference_word_term(language, &word);
                proptest::prop_assert_eq!(analyzer.word_term(&word), expected, "{:?}", language);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_lower_casing_matches_std(word in "[a-zA-Z0-9'_.@\\[`{]{0,30}|[a-zA-Zé]{0,20}") {
            let mut term = Vec::new();
            let ascii = append_lower_case_ascii(word.as_bytes(), &mut term);
            proptest::prop_assert_eq!(ascii, word.is_ascii());
            if ascii {
                proptest::prop_assert_eq!(term, word.to_ascii_lowercase().into_bytes());
            }
        }
    }

    #[test]
    fn short_ascii_words_lower_case_in_one_integer() {
        let cases: [(&[u8], Option<&[u8]>); 6] = [
            (b"", Some(b"")),
            (b"AZaz@[`{", Some(b"azaz@[`{")),
            (b"Obama", Some(b"obama")),
            (b"NINE-LETTERS", None),
            (b"caf\xc3\xa9", None),
            (b"09_.'", Some(b"09_.'")),
        ];
        for (word, expected) in cases {
            let found = lower_case_short_ascii(word).map(|packed| packed.to_le_bytes()[..word.len()].to_vec());
            assert_eq!(found.as_deref(), expected, "word {word:?}");
        }
    }

    #[test]
    fn hindi_drops_stop_words_without_stemming() {
        assert_eq!(terms(Some(Language::Hindi), "यह किताब बहुत अच्छी है"), vec!["किताब", "अच्छी"]);
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
    fn french_and_italian_terms_drop_elided_articles() {
        assert_eq!(
            terms(Some(Language::French), "l'entreprise d'État"),
            terms(Some(Language::French), "entreprise État")
        );
        assert_eq!(terms(Some(Language::Italian), "dell'anno"), terms(Some(Language::Italian), "anno"));
        // English keeps its apostrophes, and a single letter after one is no word.
        assert_eq!(terms(Some(Language::English), "o'clock"), vec!["o'clock"]);
        assert_eq!(elided_prefix_len("l'a"), 0);
    }

    #[test]
    fn latin_words_around_chinese_are_stemmed() {
        assert_eq!(terms(Some(Language::English), "Running 北京 marathons"), vec!["run", "北京", "marathon"]);
    }
}
