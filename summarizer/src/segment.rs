//! Sentence segmentation that keeps byte offsets into the original text.

use crate::swar::{ascii_bytes_in_range, bytes_equal, chunk_at, pack_short, HIGH_BITS, ONES};
use std::borrow::Cow;
use std::collections::HashSet;

use foldhash::fast::FixedState;

use crate::language::{packed, packed_ascii};

/// A sentence found in a text: its byte range in the original text.
///
/// `start..end` is always a valid `str` range of the text it came from, trimmed of
/// surrounding whitespace and never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// Lower-case titles that come before a name, so a period after them never ends a
/// sentence ("Dr. Who", "Gen. Smith") when they are capitalised: "410 ms. We" and
/// "in the 1st. The" do end one.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "messrs", "dr", "prof", "st", "mt", "gen", "gov", "sen", "rep", "capt", "col", "lt", "sgt",
    "rev", "hon", "pres", "supt", "det", "insp", "cpl", "pvt", "maj", "adm", "cmdr", "fr", "sr", "jr",
    // Spanish and Portuguese (Sra. López), Italian (Sig. Rossi), Dutch (Dhr. Bakker).
    "sra", "sres", "sras", "srta", "dra", "lic", "sig", "sigg", "avv", "dhr",
];

/// Lower-case abbreviations that usually continue the sentence but may also end it,
/// as in "He joined Acme Inc. The firm grew." They end a sentence only when the next
/// word is a common sentence opener (see [`SENTENCE_OPENERS`]).
const ABBREVIATIONS: &[&str] = &[
    "ft", "vs", "etc", "e.g", "i.e", "al", "inc", "ltd", "co", "corp", "plc", "llc", "dept", "univ", "no", "nos",
    "fig", "figs", "vol", "vols", "pp", "approx", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "d.c", "ph.d", "cf", "ca", "op", "ave",
    "blvd", "rd", "bros", "mins", "hrs", "yrs", "ref", "tel", "ext", "govt", "intl", "mio", "mrd", "tsd", "bzw", "vgl",
    "ggf", "inkl", "evtl", "bzgl",
    // Titles written in lower case before a name: Italian (il dott. Verdi) and Dutch
    // (mevr. De Vries).
    "dott", "mevr", "dhr", "ing",
];

/// Units of recipes and shopping lists, after which a lower-case word goes on with
/// the item ("1 tsp. vanilla extract") in text without capitals too. A capital
/// after them starts a sentence ("The baby weighed 7 lb. Doctors said").
const UNIT_ABBREVIATIONS: &[&str] = &["tsp", "tbsp", "oz", "lb", "lbs", "qt", "doz", "pkg"];

/// Lower-case abbreviations that refer to a numbered part ("Eq. 4", "Art. 5",
/// "Sect. 4.3", German "Abs. 2 Nr. 3"). Before a number they never end a sentence;
/// otherwise they are ordinary words ("She studied art.").
const NUMBER_ABBREVIATIONS: &[&str] = &[
    "eq", "eqs", "art", "arts", "sect", "sec", "secs", "ch", "chap", "chs", "para", "paras", "pt", "pts", "abs", "nr",
    "ver", "rev",
    // Spanish and Italian (apdo. 2, núm. 3, lett. 2), Russian (ст. 5,
    // п. 3, ч. 2, гл. 4, рис. 1).
    "apdo", "núm", "párr", "lett", "ст", "п", "ч", "гл", "рис", "табл",
];

/// German month names, which follow a day written as an ordinal ("am 14. Dezember").
const GERMAN_MONTHS: &[&str] = &[
    "Januar",
    "Jänner",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// The length in bytes of the longest word of [`TITLES`] and [`ABBREVIATIONS`].
const MAX_ABBREVIATION_BYTES: usize = 6;

/// The [`packed`] forms of [`TITLES`] and [`ABBREVIATIONS`], in the same order.
const TITLE_KEYS: [u64; TITLES.len()] = packed_words(TITLES);
const ABBREVIATION_KEYS: [u64; ABBREVIATIONS.len()] = packed_words(ABBREVIATIONS);

/// Returns the [`packed`] form of each of `words`, which have at most 8 bytes.
const fn packed_words<const N: usize>(words: &[&str]) -> [u64; N] {
    let mut keys = [0u64; N];
    let mut index = 0;
    while index < N {
        keys[index] = match packed(words[index].as_bytes()) {
            Some(key) => key,
            None => panic!("a title or abbreviation is longer than 8 bytes, which `packed` cannot hold"),
        };
        index += 1;
    }
    keys
}

/// Capitalised words that often open a sentence and rarely follow an abbreviation
/// inside one. After an ordinary abbreviation or a single initial they mark a sentence
/// end ("... Acme Inc. The firm ...", "... Plan B. It ...").
const SENTENCE_OPENERS: &[&str] = &[
    "The",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "But",
    "And",
    "In",
    "On",
    "At",
    "His",
    "Her",
    "Their",
    "Its",
    "Our",
    "However",
    "After",
    "When",
    "While",
    "As",
    "So",
    "Yet",
    "Meanwhile",
    "Then",
    "Now",
    "If",
    "What",
    "Why",
    "How",
    "Who",
    "You",
    "Some",
    "Many",
    "Most",
    "Both",
    "Each",
    "For",
    "From",
];

/// Abbreviations that end a list ("etc.", German "usw.", Italian "ecc."), after
/// which an article of another language also opens a sentence ("etc. La tienda").
/// After an initial such an article is part of a name ("Ursula K. Le Guin").
const LIST_ENDINGS: &[&str] = &["etc", "usw", "ecc"];

/// Articles of other languages than English that open a sentence after one of
/// [`LIST_ENDINGS`].
const ARTICLE_OPENERS: &[&str] =
    &["La", "Le", "Les", "El", "Los", "Las", "Il", "Gli", "Un", "Une", "Una", "Der", "Die", "Das", "Het", "Een"];

/// Capitalised function words that start a sentence glued to the previous one with
/// no sentence mark between them, as when a photo caption or a lost period runs into
/// the next sentence ("... in charge of the club He has impressed ..."). Inside a
/// sentence these words are lower-case, so "club He has" marks a boundary. "I" is
/// left out because it is capitalised everywhere.
const GLUED_OPENERS: &[&str] = &[
    "The", "A", "An", "He", "She", "It", "They", "We", "His", "Her", "Their", "Its", "Our", "This", "These", "Those",
    "There", "In", "On", "At", "After", "When", "While", "As", "But", "And", "However", "One", "Two",
];

/// Lower-case words that often come before a capitalised title or name ("the
/// President said", "former Director of"), after which a capitalised common word
/// does not start a glued sentence.
const WORDS_BEFORE_TITLES: &[&str] = &[
    "the", "a", "an", "of", "to", "in", "on", "at", "for", "by", "with", "from", "his", "her", "their", "our", "my",
    "your", "its", "this", "that", "new", "former", "first", "last", "late", "final", "dear",
];

/// The [`short_word_key`] forms of [`GLUED_OPENERS`] and [`WORDS_BEFORE_TITLES`],
/// in the same order. A test on these numbers takes a few compares, where a test on
/// the strings compares lengths and calls `memcmp` for each entry of the same length.
const GLUED_OPENER_KEYS: [u64; GLUED_OPENERS.len()] = short_word_keys(GLUED_OPENERS);
const WORDS_BEFORE_TITLES_KEYS: [u64; WORDS_BEFORE_TITLES.len()] = short_word_keys(WORDS_BEFORE_TITLES);

/// The maximum length in bytes of a word that [`short_word_key`] takes.
const MAX_SHORT_WORD_BYTES: usize = 7;

/// Returns the bytes of `word` as a little-endian number, with its length in the
/// highest byte, or `None` when it is longer than [`MAX_SHORT_WORD_BYTES`]. Two
/// words have the same key exactly when they have the same bytes, because the
/// length distinguishes trailing zero bytes from padding.
#[inline(always)]
fn short_word_key(word: &str) -> Option<u64> {
    let bytes = word.as_bytes();
    (bytes.len() <= MAX_SHORT_WORD_BYTES).then(|| pack_short(bytes) | (bytes.len() as u64) << 56)
}

/// Returns the [`short_word_key`] of each of `words`, at compile time.
const fn short_word_keys<const N: usize>(words: &[&str]) -> [u64; N] {
    let mut keys = [0u64; N];
    let mut index = 0;
    while index < N {
        let bytes = words[index].as_bytes();
        assert!(bytes.len() <= MAX_SHORT_WORD_BYTES, "a word of a short word list is longer than 7 bytes");
        let mut key = (bytes.len() as u64) << 56;
        let mut at = 0;
        while at < bytes.len() {
            key |= (bytes[at] as u64) << (8 * at);
            at += 1;
        }
        keys[index] = key;
        index += 1;
    }
    keys
}

/// Returns whether `word` is one of the words whose [`short_word_key`] forms are
/// `keys`.
#[inline(always)]
fn is_short_word_of(word: &str, keys: &[u64]) -> bool {
    short_word_key(word).is_some_and(|key| keys.contains(&key))
}

/// Lower-case words that take a name after them ("the company says Apple products",
/// "see Honey bee anatomy"), after which a capitalised word that the text also uses
/// in lower case is a name, not the start of a glued sentence. Function-word
/// openers such as "The" still start one after them.
const WORDS_BEFORE_NAMES: &[&str] = &[
    "and",
    "or",
    "nor",
    "than",
    "like",
    "as",
    "via",
    "about",
    "into",
    "including",
    "says",
    "said",
    "say",
    "see",
    "saw",
    "visit",
    "visited",
    "use",
    "uses",
    "used",
    "using",
    "buy",
    "bought",
    "love",
    "loves",
    "called",
    "named",
    "join",
    "joined",
    "told",
    "tell",
    "ask",
    "asked",
    "thank",
    "meet",
    "met",
    "versus",
    "vs",
];

/// The maximum length of a sentence the splitter returns, in bytes. Longer runs of text with no
/// sentence end (transcripts, lists without punctuation, machine output) are cut at
/// a clause mark or a space, so a summary never copies a huge block.
pub const MAX_SENTENCE_BYTES: usize = 1000;

/// Splits `text` into sentences.
///
/// Paragraphs (blank lines) and list items (lines starting with `-`, `*`, `•` or a
/// number followed by `.` or `)`) always end a sentence. Inside a paragraph a sentence
/// ends at `.`, `!`, `?` or `…` (with any closing quotes or brackets after it) when
/// whitespace and a capital letter, digit, quote or opening bracket follow. A period
/// after a title ("Dr.") never ends one. A period after another known abbreviation
/// ("Inc.", "p.m.") or a single capital initial ends one only when a common sentence
/// opener such as "The" or "It" follows. The CJK marks `。！？` end a sentence with no
/// whitespace after them. A sentence longer than [`MAX_SENTENCE_BYTES`] is cut into
/// pieces at clause marks or spaces.
///
/// Every returned span is a non-empty `str` range of `text`, trimmed of whitespace,
/// at most [`MAX_SENTENCE_BYTES`] long. The spans are in order and do not overlap.
/// A byte order mark at the start of `text` is in none of them.
pub fn split_sentences(text: &str) -> Vec<Span> {
    // Some editors start a file with a byte order mark, which is not text.
    if let Some(rest) = text.strip_prefix('\u{feff}') {
        let skipped = text.len() - rest.len();
        let shift = |span: Span| Span { start: span.start + skipped, end: span.end + skipped };
        return split_sentences(rest).into_iter().map(shift).collect();
    }
    // One sentence per 128 bytes: the CNN/DM dev articles average 142 bytes a
    // sentence, so most of them never grow the list, and the BBC ones (94 bytes)
    // grow it once.
    let mut sentences = Vec::with_capacity(text.len() / 128 + 1);
    // A glued sentence starts with a capital, so the glue finder finds none in text
    // without one (as lower-cased corpora are), and it needs no words there. Such
    // text's blocks have no capital either.
    let lowercased = !has_uppercase(text);
    let mut glue = if lowercased { GlueFinder::empty(text) } else { GlueFinder::new(text) };
    for block in split_blocks(text) {
        split_block(text, block, lowercased, &mut glue, &mut sentences);
    }
    // Blocks leave out e-mail quote markers, so text of nothing but markers (">")
    // has no block. It is one sentence, so that no text with a non-whitespace
    // character goes without one.
    let trimmed = text.trim();
    if sentences.is_empty() && !trimmed.is_empty() {
        push_sentence(text.len() - text.trim_start().len(), trimmed, &mut glue, &mut sentences);
    }
    // The spans stay while the text is ranked, and growing by doubling may have
    // left room for nearly as many again: more than 64 KiB is given back.
    if sentences.capacity() - sentences.len() > 4096 {
        sentences.shrink_to_fit();
    }
    sentences
}

/// Splits the text into paragraphs and list items, as untrimmed byte ranges. A
/// change of e-mail quote level (lines that start with `>`) also ends a block,
/// and a block starts after its quote markers.
fn split_blocks(text: &str) -> Vec<Span> {
    let mut blocks = Vec::new();
    // Whether header lines with a writer and a time head the messages of a chat,
    // which makes each of them a unit. It reads every line, so it is found only
    // when a header line turns up, which most texts have none of.
    let headed_chat = std::cell::OnceCell::new();
    let headed_chat = || *headed_chat.get_or_init(|| crate::chat::headers_make_chat(text));
    let mut block_start: Option<usize> = None;
    let mut block_quote_level = 0;
    let mut offset = 0;
    // Whether a clause number may start the next line: at the start of a block, or
    // after a line that ended a clause or started an item. A number at the start of
    // a hard-wrapped line ("grew to\n1.2 Million users") continues the sentence.
    let mut clause_may_start = true;
    // The content of the line before in the same block.
    let mut previous_line: Option<&str> = None;
    // Whether the block starts with a chat line, found from its first line when the
    // second one is read, as most blocks of prose have one line.
    let mut block_is_chat: Option<bool> = None;
    let mut block_first_line = "";
    // Whether the text is a WebVTT file, whether the line before was blank or its
    // header, and whether a block of it that is no text (a comment, a style sheet or
    // a region) is being skipped.
    let (mut webvtt, mut after_webvtt_break, mut in_webvtt_setting) = (false, false, false);

    for line in lines_with_breaks(text) {
        let line_start = offset;
        offset += line.len();
        let indent = line.len() - line.trim_start().len();
        let (quote_level, quote_marker) = quote_marker(&line[indent..]);
        let content = line[indent + quote_marker..].trim();

        if webvtt {
            if in_webvtt_setting {
                in_webvtt_setting = !content.is_empty();
                after_webvtt_break = content.is_empty();
                continue;
            }
            if after_webvtt_break && is_webvtt_setting(content) {
                in_webvtt_setting = true;
                continue;
            }
            after_webvtt_break = content.is_empty();
        }
        // A subtitle cue's timing line ("00:00:01,000 --> 00:00:04,200") is no text,
        // and neither is the cue number on the line before it.
        if is_cue_timing(content) {
            if let Some(start) = block_start.take() {
                // Without blank lines between cues, the number ends the cue before.
                let before = text[start..line_start].trim_end();
                let number = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
                let number_line = number > 0 && before[..before.len() - number].ends_with(['\n', '\r']);
                let end = if number_line { start + before.len() - number } else { line_start };
                if !text[start..end].trim().bytes().all(|byte| byte.is_ascii_digit()) {
                    blocks.push(Span { start, end });
                }
            }
            clause_may_start = true;
            previous_line = None;
            continue;
        }
        // A WebVTT file starts with a line "WEBVTT", which is no text.
        if line_start == 0 && (content == "WEBVTT" || content.starts_with("WEBVTT ")) {
            (webvtt, after_webvtt_break) = (true, true);
            previous_line = None;
            continue;
        }
        // A message of a chat wrapped over several lines ends before the next line
        // with a time and a writer ("[10:03] <alice> we only need to" / "book the
        // dock" / "[10:03] <bob> fine"). In prose such a line start continues.
        let next_message = block_start.is_some()
            && *block_is_chat.get_or_insert_with(|| crate::chat::prefix_len(block_first_line).is_some())
            && (crate::chat::starts_timed_message(content) || crate::chat::starts_with_speaker(content));
        let ends_block = content.is_empty()
            || quote_level != block_quote_level
            || next_message
            || previous_line.is_some_and(|previous| line_is_unit_before(previous, content, &headed_chat));
        previous_line = Some(content);
        if ends_block {
            if let Some(start) = block_start.take() {
                blocks.push(Span { start, end: line_start });
            }
            clause_may_start = true;
            if content.is_empty() {
                previous_line = None;
                continue;
            }
        }
        let content_start = line_start + indent + quote_marker;
        let marker = list_marker_len(content, clause_may_start);
        clause_may_start = marker.is_some() || content.ends_with(['.', ':', ';', '!', '?']);
        if let Some(marker) = marker {
            if let Some(start) = block_start.take() {
                blocks.push(Span { start, end: line_start });
            }
            // The item's text starts after its marker, so a summary never quotes "- ".
            let content_indent = line[indent + quote_marker..].len() - line[indent + quote_marker..].trim_start().len();
            block_start = Some(content_start + content_indent + marker);
            block_is_chat = Some(false);
        }
        if block_start.is_none() {
            block_start = Some(content_start);
            (block_is_chat, block_first_line) = (None, content);
        }
        block_quote_level = quote_level;
    }
    if let Some(start) = block_start {
        blocks.push(Span { start, end: text.len() });
    }
    blocks
}

/// Returns whether the trimmed `line` starts a block of a WebVTT file that is no
/// text: a comment (`NOTE`), a style sheet (`STYLE`) or a region (`REGION`). The
/// block runs to the next blank line.
fn is_webvtt_setting(line: &str) -> bool {
    let keyword = line.split([' ', '\t']).next().unwrap_or(line);
    keyword == "NOTE" || (keyword == line && (line == "STYLE" || line == "REGION"))
}

/// Returns the lines of `text` with their line breaks, as
/// `text.split_inclusive('\n')` does. `memchr` finds the breaks, which reads a
/// text of one long line in fewer instructions than the char search of `str`.
pub(crate) fn lines_with_breaks(text: &str) -> impl Iterator<Item = &str> + Clone {
    let mut breaks = memchr::memchr_iter(b'\n', text.as_bytes());
    let mut start = 0;
    std::iter::from_fn(move || {
        if start == text.len() {
            return None;
        }
        let end = breaks.next().map_or(text.len(), |newline| newline + 1);
        let line = &text[start..end];
        start = end;
        Some(line)
    })
}

/// Returns whether the trimmed `line` is the timing line of a subtitle cue in SRT
/// or WebVTT: two times joined by `-->`, such as `00:00:01,000 --> 00:00:04,200`,
/// maybe with cue settings after them.
fn is_cue_timing(line: &str) -> bool {
    // A timing line starts with a digit and, even with cue settings, is short, so
    // most lines are ruled out before any search.
    const MAX_TIMING_LINE_BYTES: usize = 120;
    if line.len() > MAX_TIMING_LINE_BYTES || !line.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let Some((from, to)) = line.split_once("-->") else {
        return false;
    };
    // A cue time has minutes, seconds and milliseconds ("01:02.500", "00:01:02,500"),
    // which an hour of an agenda ("09:00 --> 10:30 Keynote") has not.
    let is_time = |time: &str| {
        let bytes = time.as_bytes();
        let fraction = bytes.iter().rposition(|&byte| matches!(byte, b',' | b'.'));
        bytes.contains(&b':')
            && fraction.is_some_and(|at| at + 4 == bytes.len() && at > 0)
            && bytes.iter().all(|&byte| byte.is_ascii_digit() || matches!(byte, b':' | b',' | b'.'))
    };
    let mut after = to.split_whitespace();
    // WebVTT cue settings are `name:value` pairs ("align:start position:10%").
    is_time(from.trim())
        && after.next().is_some_and(is_time)
        && after
            .all(|setting| setting.split_once(':').is_some_and(|(name, value)| !name.is_empty() && !value.is_empty()))
}

/// The maximum number of characters of a line that [`line_is_unit_before`] takes
/// for a heading or a label. Hard-wrapped prose has longer lines, except its last.
const MAX_UNIT_LINE_CHARS: usize = 40;

/// Lower-case words after which a short line goes on in the next one: "the office
/// of" / "John Smith" in text wrapped at a narrow width.
const CONTINUING_WORDS: &[&str] =
    &["a", "an", "the", "of", "and", "or", "to", "in", "on", "at", "for", "with", "by", "from", "as", "that"];

/// Returns whether the trimmed line `line` is a unit of its own, not wrapped into
/// the trimmed line `next` that follows it in a block:
/// - a short line without a sentence mark at its end, such as a heading ("Paper
///   jams") or a label ("Media Contact:"), when `next` starts with a capital, an
///   opening quote or a bracket (not a digit: "waren es rund" / "2.300 Menschen" is
///   wrapped). Unless it ends with a colon, the line must also be shorter than three
///   fifths of `next`, as text wrapped at a narrow width has lines of about the
///   same length ("Residents who live near" / "Riverside Drive will get");
/// - a chat or log line that starts with `[` or `<`, when `next` starts with one
///   of them too ("[09:02] <alice> morning", "<bob> hi");
/// - a chat line and an IRC notice next to each other ("<bob> hi" / "-!- carol
///   has joined");
/// - a line that starts with a time without brackets before another one, as in
///   chat exports and logs ("10:02 - Mum: Dinner" / "10:03 - Tom: ok",
///   "2024-05-01 10:02:07 INFO Starting" / "2024-05-01 10:02:08 INFO Listening");
/// - a line that starts with a log level before another one ("ERROR: connection
///   refused" / "INFO: falling back to the replica");
/// - a line that starts with a speaker's label before another one, as in
///   transcripts ("Alice: so the" / "Bob: ok", "Q. Where were you?" / "A. Home");
/// - a line that names the writer and time of the message after it, as chats
///   copied from Slack or Discord have ("Alice Johnson  10:02 AM", "Mira — Today
///   at 9:15 PM"), and the line before it. This needs `headed_chat` to return
///   that such lines head the messages of a chat
///   ([`crate::chat::headers_make_chat`]).
fn line_is_unit_before(line: &str, next: &str, headed_chat: &dyn Fn() -> bool) -> bool {
    let Some(&first) = line.as_bytes().first() else {
        return false;
    };
    if matches!(first, b'[' | b'<') && matches!(next.as_bytes().first(), Some(b'[' | b'<')) {
        return true;
    }
    // An IRC client's notice ends the message before it, and is a line of its own.
    let notice_between = |notice: &str, other: &str| {
        crate::chat::starts_with_notice_mark(notice) && crate::chat::prefix_len(other).is_some()
    };
    if notice_between(next, line) || notice_between(line, next) {
        return true;
    }
    if first.is_ascii_digit() && crate::chat::starts_with_time(line) && crate::chat::starts_with_time(next) {
        return true;
    }
    if crate::chat::starts_with_speaker(line) && crate::chat::starts_with_speaker(next) {
        return true;
    }
    if first.is_ascii_uppercase()
        && crate::chat::starts_with_log_level(line)
        && crate::chat::starts_with_log_level(next)
    {
        return true;
    }
    if (crate::chat::message_header(line).is_some() || crate::chat::message_header(next).is_some()) && headed_chat() {
        return true;
    }
    // A char takes at most 4 bytes, so most lines of prose are ruled out by length.
    if line.len() > 4 * MAX_UNIT_LINE_CHARS {
        return false;
    }
    let Some(last) = line.chars().next_back() else {
        return false;
    };
    if !(last.is_alphanumeric() || matches!(last, ':' | ')' | '"' | '”' | '’')) {
        return false;
    }
    let chars = line.chars().count();
    if chars > MAX_UNIT_LINE_CHARS || (last != ':' && 5 * chars >= 3 * next.chars().count()) {
        return false;
    }
    let last_word = line.rsplit(char::is_whitespace).next().unwrap_or(line);
    if CONTINUING_WORDS.contains(&last_word) {
        return false;
    }
    next.chars().next().is_some_and(|c| c.is_uppercase() || matches!(c, '"' | '“' | '‘' | '«' | '(' | '['))
}

/// Returns the length of the whitespace and e-mail quote markers at the start of
/// `rest` when the whitespace breaks the line and the next line starts with `> `,
/// so that a quoted sentence starts after its markers; 0 otherwise.
#[inline(always)]
fn quote_markers_after_break(rest: &str) -> usize {
    let trimmed = trim_start_whitespace(rest);
    // Most sentences are followed by a word, which rules out marks without a call.
    if !trimmed.starts_with('>') {
        return 0;
    }
    quote_markers_before(rest, trimmed)
}

/// Returns [`quote_markers_after_break`] of `rest`, whose text after its leading
/// whitespace is `trimmed`.
#[inline(never)]
fn quote_markers_before(rest: &str, trimmed: &str) -> usize {
    let whitespace = rest.len() - trimmed.len();
    match quote_marks_len(trimmed) {
        Some(marks) if rest[..whitespace].contains('\n') => whitespace + marks,
        _ => 0,
    }
}

/// Returns the length of the e-mail quote marks at the start of `line` (`>`, `>>`,
/// `> >`) with the spaces and tabs after them, when they are marks: followed by a
/// space or a tab, or by nothing. A `>` before a word is a comparison (">50
/// people").
pub(crate) fn quote_marks_len(line: &str) -> Option<usize> {
    if !line.starts_with('>') {
        return None;
    }
    let after_marks = line.trim_start_matches(['>', ' ', '\t']);
    let marks = &line[..line.len() - after_marks.len()];
    let ends_marks = after_marks.is_empty() || after_marks.starts_with(['\r', '\n']) || marks.ends_with([' ', '\t']);
    ends_marks.then_some(marks.len())
}

/// Returns `sentence` without the e-mail quote marks (and the indent before them) at
/// the start of each line after its first, for a quoted sentence that runs over
/// several `> ` lines. A sentence starts after its own marks, and a block never
/// mixes quoted and unquoted lines, so only such continuation lines start with marks.
pub(crate) fn without_quote_marks(sentence: &str) -> Cow<'_, str> {
    let continues_quote = |line: &str| quote_marks_len(line.trim_start_matches([' ', '\t'])).is_some();
    let mut lines = lines_with_breaks(sentence);
    let first = lines.next().unwrap_or("");
    if !lines.clone().any(continues_quote) {
        return Cow::Borrowed(sentence);
    }
    let mut plain = String::with_capacity(sentence.len());
    plain.push_str(first);
    for line in lines {
        let content = line.trim_start_matches([' ', '\t']);
        match quote_marks_len(content) {
            Some(marks) => plain.push_str(&content[marks..]),
            None => plain.push_str(line),
        }
    }
    // A sentence ends with other text than whitespace, so only a last line of marks
    // alone leaves some.
    plain.truncate(plain.trim_end().len());
    Cow::Owned(plain)
}

/// Returns the quote level of a line that starts with e-mail quote markers (`> `,
/// `>> `, `> > `) after its indent, and their length in bytes with the spaces
/// after them. Other lines get `(0, 0)`.
fn quote_marker(line: &str) -> (usize, usize) {
    match quote_marks_len(line) {
        Some(length) => (line.as_bytes()[..length].iter().filter(|&&byte| byte == b'>').count(), length),
        None => (0, 0),
    }
}

/// Returns the length of a clause number or letter at the start of a trimmed line,
/// without the whitespace after it. A numbered clause such as `4.3` or `1.2.1.`
/// must be followed by a capital, a quote or a bracket, so that "3.5 million" at
/// the start of a wrapped line stays text. A letter or Roman numeral in brackets,
/// such as `(a)`, `(iv)` or `b)`, may be followed by any word.
fn clause_marker_len(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let marker = if bytes.first().is_some_and(u8::is_ascii_digit) {
        let mut index = 0;
        let mut levels = 0;
        loop {
            // A part after the first has at most two digits, so "1.500 Menschen"
            // (German thousands) is no clause number.
            let digits = bytes[index..].iter().take_while(|byte| byte.is_ascii_digit()).count();
            if digits == 0 || digits > if levels == 0 { 3 } else { 2 } {
                return None;
            }
            index += digits;
            levels += 1;
            if bytes.get(index) == Some(&b'.') && bytes.get(index + 1).is_some_and(u8::is_ascii_digit) {
                index += 1;
                continue;
            }
            break;
        }
        if levels < 2 {
            return None;
        }
        index += usize::from(bytes.get(index) == Some(&b'.'));
        let next = line[index..].trim_start();
        if next.len() == line.len() - index
            || !next.starts_with(|c: char| c.is_uppercase() || matches!(c, '"' | '“' | '(' | '\''))
        {
            return None;
        }
        index
    } else {
        let inner = line.strip_prefix('(').unwrap_or(line);
        // A label has at most 4 letters, so only the start of the line is searched.
        let close = inner.bytes().take(5).position(|byte| byte == b')')?;
        let label = &inner[..close];
        let letter = label.len() == 1 && label.as_bytes()[0].is_ascii_lowercase();
        let roman = (1..=4).contains(&label.len()) && label.bytes().all(|byte| matches!(byte, b'i' | b'v' | b'x'));
        // A letter label may stand without its opening bracket ("a)"), a Roman one
        // may not.
        let bracketed = line.len() != inner.len();
        if !(letter || (roman && bracketed)) {
            return None;
        }
        let index = line.len() - inner.len() + close + 1;
        // A number after the label reads as "(c) 2026", not as an item.
        let next = line[index..].trim_start();
        if !line[index..].starts_with(char::is_whitespace)
            || next.is_empty()
            || next.starts_with(|c: char| c.is_ascii_digit())
        {
            return None;
        }
        index
    };
    Some(marker)
}

/// Returns the length in bytes of the list marker at the start of a trimmed line, with
/// the whitespace after it, or `None` when the line is not a list item.
fn list_marker_len(line: &str, clause_may_start: bool) -> Option<usize> {
    let marker = if let Some(rest) = line.strip_prefix(['-', '*', '•']) {
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        line.len() - rest.len()
    } else if let Some(length) = clause_marker_len(line).filter(|_| clause_may_start) {
        length
    } else {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 3 {
            return None;
        }
        let rest = &line[digits..];
        if !((rest.starts_with(". ") || rest.starts_with(") ")) && rest.len() > 2) {
            return None;
        }
        digits + 1
    };
    let rest = &line[marker..];
    Some(marker + (rest.len() - rest.trim_start().len()))
}

/// Splits the block `block` of `text` into sentences. `text_lowercased` is true
/// when the whole text has no upper-case char, which saves searching the block for
/// one.
fn split_block(text: &str, block: Span, text_lowercased: bool, glue: &mut GlueFinder<'_>, sentences: &mut Vec<Span>) {
    let body = &text[block.start..block.end];
    // Lower-cased text (as some corpora and transcripts are) has no capitals to mark
    // a sentence start, so any letter after a terminal and whitespace starts one.
    let lowercased = text_lowercased || !has_uppercase(body);
    let mut sentence_start = 0;
    let mut position = 0;
    // Whether the current sentence has a letter before `searched_until`, reset when a
    // sentence starts at or after it. Each part of the text is searched once, so
    // many emoji in a sentence without letters do not search it again and again.
    let (mut searched_until, mut has_letter) = (0, false);

    while let Some((index, ch)) = next_terminal(body, position) {
        if is_emoji(ch) {
            // An emoji ends a sentence that has no mark before the next one: "The
            // screen is gorgeous 😍 The battery lasts". "I ❤ New York" goes on.
            let end = index + emoji_run_len(&body[index..]);
            position = end;
            let rest = &body[end..];
            if searched_until <= sentence_start {
                (searched_until, has_letter) = (sentence_start, false);
            }
            has_letter = has_letter || body[searched_until..index].contains(char::is_alphabetic);
            searched_until = index;
            if has_letter && capitalised_word_opens(rest) {
                push_sentence(block.start + sentence_start, &body[sentence_start..end], glue, sentences);
                sentence_start = end;
            }
            continue;
        }
        let is_cjk_terminal = matches!(ch, '。' | '！' | '？');

        // Absorb runs of terminals and the closing quotes or brackets after them.
        let mut end = index + ch.len_utf8();
        let mut closed_by_quote = false;
        for next in body[end..].chars() {
            if is_spaced_terminal(next) || matches!(next, '。' | '！' | '？') || is_closing_punctuation(next) {
                closed_by_quote |= is_closing_punctuation(next);
                end += next.len_utf8();
            } else {
                break;
            }
        }
        // Footnote and citation marks after the sentence mark belong to the sentence:
        // "opened in 1932.[1] It carries".
        let single_period = ch == '.' && end == index + 1;
        end += citation_marks_len(&body[end..]);
        // Emoji after the sentence mark belong to the sentence when another one
        // follows them: "What a goal! 😂 The crowd went wild".
        let after_mark = &body[end..];
        // Spaces and tabs are ASCII, so counting bytes trims the same as chars.
        let spaces = after_mark.bytes().take_while(|&byte| matches!(byte, b' ' | b'\t')).count();
        // Every char that `is_emoji` accepts starts with a byte of at least 0xE2,
        // which rules out most text before decoding.
        if spaces > 0
            && after_mark.as_bytes().get(spaces).is_some_and(|&byte| byte >= 0xE2)
            && after_mark[spaces..].starts_with(is_emoji)
        {
            let emoji = spaces + emoji_run_len(&after_mark[spaces..]);
            let rest = &after_mark[emoji..];
            if rest.trim().is_empty() || capitalised_word_opens(rest) {
                end += emoji;
            }
        }
        position = end;

        let rest = &body[end..];
        let ends_here = if is_cjk_terminal {
            true
        } else {
            let before = &body[sentence_start..index];
            let after_unit = lowercased && single_period && ends_with_unit(before);
            starts_new_sentence(rest, lowercased && !(closed_by_quote && matches!(ch, '?' | '!')) && !after_unit)
                && !(single_period && continues_after_period(before, rest))
                && !is_list_number(before)
        };
        if ends_here {
            push_sentence(block.start + sentence_start, &body[sentence_start..end], glue, sentences);
            sentence_start = end + quote_markers_after_break(&body[end..]);
        }
    }
    push_sentence(block.start + sentence_start, &body[sentence_start..], glue, sentences);
}

/// Returns whether `before`, the text of a sentence up to a period, is the `Q` or
/// `A` that starts a question or an answer in a court transcript ("Q. What did you
/// see?"), at the start of a line.
// Not inlined: it is rarely called, and inlined it slowed the splitting of
// every sentence (by about 0.1% of the instructions on the BBC dev articles).
#[inline(never)]
fn is_question_or_answer_mark(before: &str) -> bool {
    // Most sentences end in lower case, so the last byte rules them out.
    let Some((&mark, spaces)) = before.as_bytes().split_last() else {
        return false;
    };
    matches!(mark, b'Q' | b'A')
        && spaces.iter().all(u8::is_ascii_whitespace)
        && (spaces.is_empty() || spaces.contains(&b'\n'))
}

/// Returns whether `text` has an upper-case letter, as
/// `text.chars().any(char::is_uppercase)` does. Eight ASCII bytes are tested at a
/// time and only other characters are decoded, because a block of lower-cased text
/// (as some corpora are) is searched to its end.
fn has_uppercase(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        index = next_capital_or_non_ascii(bytes, index);
        let Some(&byte) = bytes.get(index) else {
            return false;
        };
        if byte.is_ascii() {
            if byte.is_ascii_uppercase() {
                return true;
            }
            index += 1;
            continue;
        }
        let ch = text[index..].chars().next().unwrap_or(' ');
        if ch.is_uppercase() {
            return true;
        }
        index += ch.len_utf8();
    }
    false
}

/// Returns the index of the first byte of `bytes` at or after `from` that is an
/// ASCII capital or not ASCII, or the length of `bytes` when there is none. It
/// reads sixteen bytes a step and runs out of line, as [`next_mark_or_non_ascii`]
/// does.
#[inline(never)]
fn next_capital_or_non_ascii(bytes: &[u8], from: usize) -> usize {
    // The capitals are exact up to the first byte that is not ASCII, which its high
    // bit marks too: no carry reaches a byte before it. So the lowest byte found is
    // exact: an ASCII capital or a byte that is not ASCII.
    let capitals = |word: u64| ascii_bytes_in_range(word, b'A', b'[') | (word & HIGH_BITS);
    let chunk =
        |block: &[u8], at: usize| u64::from_le_bytes(block[at..at + 8].try_into().expect("a chunk has 8 bytes"));
    let mut index = from;
    // Lower-case text has long runs without either, which are skipped 32 bytes a
    // step with one branch. The steps below find the byte in the block that has one.
    while let Some(block) = bytes.get(index..index + 32) {
        let found = capitals(chunk(block, 0))
            | capitals(chunk(block, 8))
            | capitals(chunk(block, 16))
            | capitals(chunk(block, 24));
        if found != 0 {
            break;
        }
        index += 32;
    }
    while let Some(pair) = bytes.get(index..index + 16) {
        let (low, high) = pair.split_at(8);
        let found = capitals(u64::from_le_bytes(low.try_into().expect("a chunk has 8 bytes")));
        if found != 0 {
            return index + (found.trailing_zeros() / 8) as usize;
        }
        let found = capitals(u64::from_le_bytes(high.try_into().expect("a chunk has 8 bytes")));
        if found != 0 {
            return index + 8 + (found.trailing_zeros() / 8) as usize;
        }
        index += 16;
    }
    while let Some(word) = chunk_at(bytes, index) {
        let found = capitals(word);
        if found != 0 {
            return index + (found.trailing_zeros() / 8) as usize;
        }
        index += 8;
    }
    let rest = bytes.get(index..).unwrap_or_default();
    index + rest.iter().position(|&byte| byte.is_ascii_uppercase() || !byte.is_ascii()).unwrap_or(rest.len())
}

/// Returns whether `ch` is an emoji: a pictograph, an emoticon, or a symbol or
/// dingbat such as ✨ or ❤.
fn is_emoji(ch: char) -> bool {
    matches!(ch, '\u{1F300}'..='\u{1FAFF}' | '\u{2600}'..='\u{27BF}')
}

/// Returns the length of the emoji at the start of `text` with those that follow
/// it and the joiners and variation selectors between them.
fn emoji_run_len(text: &str) -> usize {
    text.char_indices()
        .find(|&(_, ch)| !(is_emoji(ch) || matches!(ch, '\u{200D}' | '\u{FE0F}')))
        .map_or(text.len(), |(index, _)| index)
}

/// Returns whether `rest` is whitespace, a capitalised word and a word that starts
/// in lower case: the start of a sentence, where "New York" is a name.
fn capitalised_word_opens(rest: &str) -> bool {
    let trimmed = trim_start_whitespace(rest);
    if trimmed.len() == rest.len() {
        return false;
    }
    let mut words = trimmed.split_whitespace();
    let first = words.next().and_then(|word| word.chars().next());
    let second = words.next().and_then(|word| word.chars().next());
    first.is_some_and(char::is_uppercase) && second.is_some_and(char::is_lowercase)
}

/// The maximum length in bytes of a bracketed label that [`citation_marks_len`]
/// takes for a citation, such as `[citation needed]`.
const MAX_CITATION_BYTES: usize = 40;

/// Returns the length of the footnote and citation marks at the start of `rest`:
/// bracketed labels without whitespace before them (`[1]`, `[a]`, `[12][13]`,
/// `[citation needed]`, at most [`MAX_CITATION_BYTES`] each), superscript digits
/// (`¹²`) and the marks `*`, `†` and `‡`.
#[inline(always)]
fn citation_marks_len(rest: &str) -> usize {
    // After most sentence marks comes a space: its first byte rules it out without
    // a call. Every mark starts with `[` or `*`, or with 0xC2 or 0xE2 (`¹²³`,
    // `⁰⁴⁵⁶⁷⁸⁹` and `†‡`).
    if !matches!(rest.as_bytes().first(), Some(b'[' | b'*' | 0xC2 | 0xE2)) {
        return 0;
    }
    citation_marks_len_after_first_byte(rest)
}

/// Returns [`citation_marks_len`] of `rest` once its first byte has not ruled
/// marks out.
#[inline(never)]
fn citation_marks_len_after_first_byte(rest: &str) -> usize {
    let mut length = 0;
    loop {
        let after = &rest[length..];
        if let Some(inner) = after.strip_prefix('[') {
            let Some(close) = inner.bytes().take(MAX_CITATION_BYTES + 1).position(|byte| byte == b']') else {
                return length;
            };
            let label = &inner[..close];
            if label.is_empty() || label.contains(['[', '\n', '\r']) || label.starts_with(char::is_whitespace) {
                return length;
            }
            length += close + 2;
        } else if let Some(mark) = after.chars().next().filter(|&ch| is_footnote_mark(ch)) {
            length += mark.len_utf8();
        } else {
            return length;
        }
    }
}

/// Returns `sentence` without the footnote and citation marks at its end, which
/// [`citation_marks_len`] takes after a sentence mark.
pub(crate) fn trim_citation_marks(sentence: &str) -> &str {
    let mut rest = sentence;
    loop {
        if let Some(open) = rest.strip_suffix(']').and_then(|inner| inner.rfind('[')) {
            let label = &rest[open..];
            if citation_marks_len(label) == label.len() {
                rest = &rest[..open];
                continue;
            }
        }
        match rest.chars().next_back() {
            Some(mark) if is_footnote_mark(mark) => rest = &rest[..rest.len() - mark.len_utf8()],
            _ => return rest,
        }
    }
}

/// Returns whether `ch` marks a footnote after a sentence: a superscript digit, `*`,
/// `†` or `‡`.
fn is_footnote_mark(ch: char) -> bool {
    matches!(ch, '¹' | '²' | '³' | '\u{2070}' | '\u{2074}'..='\u{2079}' | '*' | '†' | '‡')
}

/// Returns the byte offset and char of the first sentence mark of `body` at or after
/// byte `from`: a mark of [`is_spaced_terminal`], one of `。！？` or an emoji. ASCII bytes other
/// than `.!?` are skipped without decoding.
fn next_terminal(body: &str, from: usize) -> Option<(usize, char)> {
    let bytes = body.as_bytes();
    let mut index = from;
    while index < bytes.len() {
        index = next_mark_or_non_ascii(bytes, index)?;
        let byte = bytes[index];
        if byte.is_ascii() {
            return Some((index, char::from(byte)));
        }
        let ch = body[index..].chars().next()?;
        if is_spaced_terminal(ch) || matches!(ch, '。' | '！' | '？') || is_emoji(ch) {
            return Some((index, ch));
        }
        index += ch.len_utf8();
    }
    None
}

/// Returns the index of the first byte of `bytes` at or after `from` that is `.`,
/// `!`, `?` or not ASCII. Eight bytes are tested at a time. Out of line, the loop
/// keeps its constants in registers, which it cannot inside the long splitter.
#[inline(never)]
fn next_mark_or_non_ascii(bytes: &[u8], from: usize) -> Option<usize> {
    let marks =
        |word: u64| bytes_equal(word, b'.') | bytes_equal(word, b'!') | bytes_equal(word, b'?') | (word & HIGH_BITS);
    let mut index = from;
    // Two chunks a step halve the work of the loop itself.
    while let Some(pair) = bytes.get(index..index + 16) {
        let (low, high) = pair.split_at(8);
        let found = marks(u64::from_le_bytes(low.try_into().expect("a chunk has 8 bytes")));
        if found != 0 {
            return Some(index + (found.trailing_zeros() / 8) as usize);
        }
        let found = marks(u64::from_le_bytes(high.try_into().expect("a chunk has 8 bytes")));
        if found != 0 {
            return Some(index + 8 + (found.trailing_zeros() / 8) as usize);
        }
        index += 16;
    }
    while let Some(word) = chunk_at(bytes, index) {
        let found = marks(word);
        if found != 0 {
            return Some(index + (found.trailing_zeros() / 8) as usize);
        }
        index += 8;
    }
    let rest = bytes.get(index..)?;
    let position = rest.iter().position(|&byte| matches!(byte, b'.' | b'!' | b'?') || !byte.is_ascii())?;
    Some(index + position)
}

/// Returns whether `ch` ends a sentence when whitespace follows it: `.!?…`, the
/// Arabic question mark `؟`, the Urdu full stop `۔` and the Devanagari danda `।` and
/// double danda `॥`.
fn is_spaced_terminal(ch: char) -> bool {
    matches!(ch, '.' | '!' | '?' | '…' | '؟' | '۔' | '।' | '॥')
}

/// Returns whether the sentence so far is only a list number, as in "1. First step".
fn is_list_number(before: &str) -> bool {
    // A sentence mostly ends with an ASCII letter or punctuation before its mark,
    // which rules it out without trimming: a list number ends with a digit, maybe
    // followed by whitespace.
    if before
        .as_bytes()
        .last()
        .is_some_and(|&byte| byte.is_ascii() && !byte.is_ascii_digit() && !is_ascii_whitespace_char(byte))
    {
        return false;
    }
    let trimmed = before.trim();
    !trimmed.is_empty() && trimmed.len() <= 3 && trimmed.bytes().all(|b| b.is_ascii_digit())
}

fn is_closing_punctuation(ch: char) -> bool {
    matches!(ch, '"' | '\'' | ')' | ']' | '}' | '»' | '”' | '’' | '」' | '』' | '）')
}

/// Returns whether the text after a terminal can start a new sentence. That is the end
/// of the block, or whitespace and then one of: a capital letter, a letter of a script
/// without case (Arabic, Devanagari), any letter in lower-cased text, a digit, or an
/// opening quote or bracket. In lower-cased text a quoted question or exclamation is
/// followed by its attribution (`"why now?" she asked.`), so the caller passes
/// `lowercased` false there.
fn starts_new_sentence(rest: &str, lowercased: bool) -> bool {
    let mut trimmed = trim_start_whitespace(rest);
    if trimmed.is_empty() {
        return true;
    }
    if trimmed.len() == rest.len() {
        return false;
    }
    // Inside an e-mail quote the next line starts with its quote markers.
    let markers = quote_markers_after_break(rest);
    if markers > 0 {
        trimmed = &rest[markers..];
    }
    let first = trimmed.chars().next().unwrap_or(' ');
    first.is_uppercase()
        || (first.is_alphabetic() && !first.is_lowercase())
        || (lowercased && first.is_alphabetic())
        || first.is_numeric()
        || matches!(first, '"' | '\'' | '(' | '[' | '“' | '‘' | '«')
        || !first.is_alphabetic() && !first.is_ascii_punctuation()
}

/// Returns whether a period after `before` (the sentence up to the period) belongs to
/// an abbreviation or initial that does not end the sentence, given the `rest` after it.
fn continues_after_period(before: &str, rest: &str) -> bool {
    let word = last_word_before_period(before);
    if word.is_empty() {
        return false;
    }

    let (title, abbreviation) = title_or_abbreviation(word);
    if title && word.starts_with(char::is_uppercase) {
        return true;
    }
    if continues_before_number_or_letter(word, rest.trim_start()) {
        return true;
    }
    let mut letters = word.chars();
    let first = letters.next().unwrap_or(' ');
    let is_initial = first.is_uppercase() && letters.next().is_none();
    if is_initial && is_question_or_answer_mark(before) {
        return true;
    }
    if !is_initial && !is_initial_chain(word) && !abbreviation {
        return false;
    }
    !next_word_opens_sentence(word, rest)
}

/// Returns whether `ch` separates the word before a period from the text before
/// that word: whitespace, or an opening bracket or quote mark.
fn separates_word_before_period(ch: char) -> bool {
    ch.is_whitespace() || matches!(ch, '(' | '"' | '“' | '[' | '\'')
}

/// Returns the text of `before` after its last char that
/// [`separates_word_before_period`], as `before.rsplit(separates_word_before_period)`
/// returns first. ASCII bytes are tested one by one from the end, where the char
/// search of `rsplit` decodes each char backwards, and only the text up to a byte
/// that is not ASCII goes to a char search.
fn last_word_before_period(before: &str) -> &str {
    let bytes = before.as_bytes();
    let mut end = bytes.len();
    while end > 0 {
        let byte = bytes[end - 1];
        if !byte.is_ascii() {
            // `end` follows an ASCII byte or is the end, so it is a char boundary.
            let head = &before[..end];
            let start = head
                .char_indices()
                .rev()
                .find(|&(_, ch)| separates_word_before_period(ch))
                .map_or(0, |(index, ch)| index + ch.len_utf8());
            return &before[start..];
        }
        if is_ascii_whitespace_char(byte) || matches!(byte, b'(' | b'"' | b'[' | b'\'') {
            return &before[end..];
        }
        end -= 1;
    }
    before
}

/// Returns whether a period after `word` (the last word before it) continues the
/// sentence because of what follows it, `next` (the text after the whitespace that
/// follows the period):
/// - a number after one of [`NUMBER_ABBREVIATIONS`] or a single lower-case letter
///   ("Eq. 4", "v. 3.2", "s. 50B", "p. 12");
/// - a single letter and a period after a single lower-case letter ("z. B.",
///   "u. a.", "e. g."), or a capital, a period and a number after one of
///   [`NUMBER_ABBREVIATIONS`] ("art. L. 123");
/// - a German month after a day of one or two digits ("am 14. Dezember").
fn continues_before_number_or_letter(word: &str, next: &str) -> bool {
    let bytes = word.as_bytes();
    let single_lowercase = bytes.len() == 1 && bytes[0].is_ascii_lowercase();
    if next.starts_with(|c: char| c.is_ascii_digit()) {
        return single_lowercase || is_number_abbreviation(word);
    }
    let mut next_chars = next.chars();
    let letter = next_chars.next().filter(|c| c.is_alphabetic());
    let letter_with_period = letter.is_some() && next_chars.next() == Some('.');
    if single_lowercase && letter_with_period {
        return true;
    }
    // A French code article: "art. L. 123-4".
    if letter_with_period
        && letter.is_some_and(|c| c.is_ascii_uppercase())
        && next_chars.as_str().trim_start().starts_with(|c: char| c.is_ascii_digit())
        && is_number_abbreviation(word)
    {
        return true;
    }
    let day = (1..=2).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_digit);
    day && GERMAN_MONTHS
        .iter()
        .any(|month| next.strip_prefix(month).is_some_and(|after| !after.starts_with(char::is_alphanumeric)))
}

/// Returns whether the last word of `before` is one of [`UNIT_ABBREVIATIONS`]. It
/// reads at most 5 bytes from the end, as no unit has more than 4, and compares
/// bytes, as every unit is ASCII.
fn ends_with_unit(before: &str) -> bool {
    let bytes = before.as_bytes();
    let length = bytes.iter().rev().take(5).take_while(|byte| !byte.is_ascii_whitespace()).count();
    let word = &bytes[bytes.len() - length..];
    length < 5 && UNIT_ABBREVIATIONS.iter().any(|unit| unit.as_bytes().eq_ignore_ascii_case(word))
}

/// Returns whether `word`, lower-cased, is one of [`NUMBER_ABBREVIATIONS`].
fn is_number_abbreviation(word: &str) -> bool {
    if word.is_ascii() {
        NUMBER_ABBREVIATIONS.iter().any(|abbreviation| abbreviation.eq_ignore_ascii_case(word))
    } else {
        NUMBER_ABBREVIATIONS.contains(&word.to_lowercase().as_str())
    }
}

/// Returns whether `word`, lower-cased, is one of [`TITLES`] and whether it is one
/// of [`ABBREVIATIONS`].
fn title_or_abbreviation(word: &str) -> (bool, bool) {
    if word.is_ascii() {
        // No entry is longer than MAX_ABBREVIATION_BYTES or contains a zero byte,
        // which `packed` could not tell from its padding. It lower-cases ASCII, so
        // equal keys are equal lower-cased words.
        if word.len() > MAX_ABBREVIATION_BYTES || word.as_bytes().contains(&0) {
            return (false, false);
        }
        let key = packed_ascii(word.as_bytes());
        return (TITLE_KEYS.contains(&key), ABBREVIATION_KEYS.contains(&key));
    }
    // Lower-casing can turn other chars into ASCII (the Kelvin sign into `k`).
    let lower = word.to_lowercase();
    (TITLES.contains(&lower.as_str()), ABBREVIATIONS.contains(&lower.as_str()))
}

/// Returns whether `word` is a run of capital initials joined by periods, without
/// the last period: "J.R.R" of "J.R.R. Tolkien", "L.M" of "L.M. Rendall".
fn is_initial_chain(word: &str) -> bool {
    // The first initial rules out most words before the search for a period.
    word.starts_with(char::is_uppercase)
        && word.contains('.')
        && word.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(char::is_uppercase) && chars.next().is_none()
        })
}

/// Returns whether `rest` starts (after whitespace) with a word of [`SENTENCE_OPENERS`]
/// followed by whitespace or a comma, or with one of [`ARTICLE_OPENERS`] when the
/// period came after `before`, one of [`LIST_ENDINGS`]. "A." and "I." stay initials.
fn next_word_opens_sentence(before: &str, rest: &str) -> bool {
    let trimmed = trim_start_whitespace(rest);
    let word_end = trimmed.find(|c: char| !c.is_alphabetic()).unwrap_or(trimmed.len());
    let (word, after) = trimmed.split_at(word_end);
    let followed_by_space = after.is_empty() || after.starts_with(char::is_whitespace) || after.starts_with(',');
    let list_ending = || LIST_ENDINGS.iter().any(|ending| ending.eq_ignore_ascii_case(before));
    followed_by_space && (SENTENCE_OPENERS.contains(&word) || (ARTICLE_OPENERS.contains(&word) && list_ending()))
}

/// Pushes `piece` (found at byte `offset` of the text) as sentences: cut where a
/// sentence runs into the next without a sentence mark (see
/// [`GlueFinder::boundaries`]), and then where a part is longer than
/// [`MAX_SENTENCE_BYTES`].
fn push_sentence(offset: usize, piece: &str, glue: &mut GlueFinder<'_>, sentences: &mut Vec<Span>) {
    if glue.finds_nothing() {
        push_part(offset, piece, sentences);
        return;
    }
    let mut part_start = 0;
    for boundary in glue.boundaries(Span { start: offset, end: offset + piece.len() }) {
        // A part without letters, such as the clause number of "4.3 On termination
        // ...", is no sentence of its own.
        if !piece[part_start..boundary].contains(char::is_alphabetic) {
            continue;
        }
        push_part(offset + part_start, &piece[part_start..boundary], sentences);
        part_start = boundary;
    }
    push_part(offset + part_start, &piece[part_start..], sentences);
}

/// Finds glued sentence starts in the pieces of one text, which come in order.
///
/// A glued start is a capitalised word between two words, so the finder looks only
/// at the words that start with an ASCII capital or a char that is not ASCII, and
/// reads their neighbours from the text. Building the list of every word of the
/// text took more instructions than the rest of the search.
struct GlueFinder<'t> {
    text: &'t str,
    /// The words that may open a glued sentence, in order: each word that starts
    /// with an ASCII capital or a char that is not ASCII and whose neighbours pass
    /// the byte tests of [`may_glue`]. Cutting a neighbour at a piece's edge keeps
    /// the bytes those tests read, so no other word can open a glued sentence in
    /// any piece.
    sites: Vec<GlueSite>,
    /// The index in `sites` of the first one whose word before does not end before
    /// the start of the last piece searched.
    next_site: usize,
    /// The lower-cased common words that [`find_lowercase_uses`] found.
    common_words: HashSet<String, FixedState>,
}

/// A word of the text that may open a glued sentence, with the spans of its
/// neighbours. The whitespace between the words is stored as a byte length, which
/// keeps the list of a text of many capitalised words small.
struct GlueSite {
    before_start: usize,
    opener: Span,
    after_end: usize,
    /// The length of the whitespace before the opener, or [`u8::MAX`] when it is
    /// that long or longer and has to be found again.
    before_gap: u8,
    /// The length of the whitespace after the opener, as `before_gap`.
    after_gap: u8,
    /// Whether [`is_glued_opener`] holds for the three whole words.
    glued: bool,
}

impl GlueSite {
    /// Returns the word of `text` before the opener.
    #[inline(always)]
    fn before(&self, text: &str) -> Span {
        let end = if self.before_gap < u8::MAX {
            self.opener.start - usize::from(self.before_gap)
        } else {
            whitespace_run_start(text, self.opener.start)
        };
        Span { start: self.before_start, end }
    }

    /// Returns the word of `text` after the opener.
    #[inline(always)]
    fn after(&self, text: &str) -> Span {
        let start = if self.after_gap < u8::MAX {
            self.opener.end + usize::from(self.after_gap)
        } else {
            whitespace_run_end(text, self.opener.end)
        };
        Span { start, end: self.after_end }
    }
}

/// Returns `gap` as a [`GlueSite`] stores it.
#[inline(always)]
fn short_gap(gap: usize) -> u8 {
    u8::try_from(gap).unwrap_or(u8::MAX)
}

impl<'t> GlueFinder<'t> {
    /// Returns a finder that finds no glued start, for text without an upper-case
    /// char, where none can be.
    fn empty(text: &'t str) -> Self {
        Self { text, sites: Vec::new(), next_site: 0, common_words: HashSet::default() }
    }

    /// Finds the words of `text` that may open a glued sentence, and the common
    /// words among them.
    fn new(text: &'t str) -> Self {
        let word = |span: Span| &text[span.start..span.end];
        let mut sites = glue_sites(text);
        // The lower-cased capitalised words that could start a glued sentence are
        // common words rather than names when the text also uses them in lower case
        // ("... for video According to ..." when the text also says "according").
        // Punkt uses the same orthographic evidence.
        let mut candidates = HashSet::default();
        // Until the common words are known, `glued` tells whether the words are in
        // the shape of `may_glue`.
        for site in &mut sites {
            let opener = word(site.opener);
            site.glued = may_glue(word(site.before(text)), opener, word(site.after(text)));
            if site.glued && !is_short_word_of(opener, &GLUED_OPENER_KEYS) {
                candidates.insert(lowercase(opener));
            }
        }
        let common_words = find_lowercase_uses(text, candidates);
        for site in &mut sites {
            site.glued = site.glued
                && is_shaped_glued_opener(
                    word(site.before(text)),
                    word(site.opener),
                    word(site.after(text)),
                    &common_words,
                );
        }
        Self { text, sites, next_site: 0, common_words }
    }

    /// Returns whether [`Self::boundaries`] returns no boundary for any piece.
    fn finds_nothing(&self) -> bool {
        self.sites.is_empty()
    }

    /// Returns the byte offsets, relative to `piece`, where a glued sentence starts
    /// in `piece` of the text. That is a word of [`GLUED_OPENERS`] or of the common
    /// words in the shape that [`may_glue`] checks. "Plan A and B" is no boundary,
    /// because "A" before "and", "or" or "to" is a letter, not an article.
    ///
    /// The words are those of `whitespace_words(piece)`: the text's words that
    /// overlap the piece, cut to it. Each piece must start at or after the start of
    /// the one before.
    fn boundaries(&mut self, piece: Span) -> Vec<usize> {
        // The ends of the words before the sites grow with the sites, so the sites
        // skipped here are out of every later piece too.
        let text = self.text;
        while self.sites.get(self.next_site).is_some_and(|site| site.before(text).end <= piece.start) {
            self.next_site += 1;
        }
        let clipped = |word: Span| &text[word.start.max(piece.start)..word.end.min(piece.end)];
        let mut boundaries = Vec::new();
        // A site is in the piece when its neighbours overlap it. Then the opener is
        // whole, and only a neighbour cut by the piece's edge needs a new test.
        for site in self.sites[self.next_site..].iter().take_while(|site| site.after(text).start < piece.end) {
            let whole = site.before_start >= piece.start && site.after_end <= piece.end;
            let glued = if whole {
                site.glued
            } else {
                let opener = &text[site.opener.start..site.opener.end];
                is_glued_opener(clipped(site.before(text)), opener, clipped(site.after(text)), &self.common_words)
            };
            if glued {
                boundaries.push(site.opener.start - piece.start);
            }
        }
        boundaries
    }
}

/// Returns the [`GlueSite`]s of `text`, with `glued` false.
fn glue_sites(text: &str) -> Vec<GlueSite> {
    let bytes = text.as_bytes();
    let mut sites = Vec::new();
    let mut visit = |start: usize| {
        if let Some(site) = glue_site_at(text, start) {
            sites.push(site);
        }
    };
    let mut index = 0;
    while let Some(chunk) = chunk_at(bytes, index) {
        let mut found = capital_or_char_start_bytes(chunk);
        while found != 0 {
            visit(index + (found.trailing_zeros() / 8) as usize);
            found &= found - 1;
        }
        index += 8;
    }
    for (offset, &byte) in bytes[index..].iter().enumerate() {
        if byte.is_ascii_uppercase() || byte >= 0xC0 {
            visit(index + offset);
        }
    }
    sites
}

/// Sets the high bit of each byte of `chunk` that is an ASCII capital or the first
/// byte of a char that is not ASCII (0xC0 and up in UTF-8).
#[inline(always)]
fn capital_or_char_start_bytes(chunk: u64) -> u64 {
    // Without their high bits the bytes are ASCII, as `ascii_bytes_in_range` needs,
    // and the bytes that had one are no capitals.
    let low_bits = chunk & !HIGH_BITS;
    let capitals = ascii_bytes_in_range(low_bits, b'A', b'[') & !chunk;
    let char_starts = chunk & (chunk << 1) & HIGH_BITS;
    capitals | char_starts
}

/// Returns the [`GlueSite`] of the word at byte `start` of `text`, which starts with
/// an ASCII capital or a char that is not ASCII. There is one when the char before
/// `start` is whitespace and there are words before and after it. The last byte of
/// the word before and the first byte of the word after must not rule out
/// [`may_glue`] either.
#[inline(always)]
fn glue_site_at(text: &str, start: usize) -> Option<GlueSite> {
    let bytes = text.as_bytes();
    if start == 0 || !whitespace_before(text, start).0 {
        return None;
    }
    let before_end = whitespace_run_start(text, start);
    if before_end == 0 || last_byte_rules_out_glue(bytes[before_end - 1]) {
        return None;
    }
    let opener_end = word_end(text, start);
    let after_start = whitespace_run_end(text, opener_end);
    if after_start == bytes.len() || first_byte_rules_out_glue(bytes[after_start]) {
        return None;
    }
    Some(GlueSite {
        before_start: word_start(text, before_end),
        opener: Span { start, end: opener_end },
        after_end: word_end(text, after_start),
        before_gap: short_gap(start - before_end),
        after_gap: short_gap(after_start - opener_end),
        glued: false,
    })
}

/// Returns whether the char that ends at byte `end` of `text` is whitespace, and its
/// length in bytes. `end` must be a char boundary after the start of the text.
#[inline(always)]
fn whitespace_before(text: &str, end: usize) -> (bool, usize) {
    let byte = text.as_bytes()[end - 1];
    if byte.is_ascii() {
        return (is_ascii_whitespace_char(byte), 1);
    }
    let ch = text[..end].chars().next_back().unwrap_or(' ');
    (ch.is_whitespace(), ch.len_utf8())
}

/// Returns the end of the word of `text` that has a char at byte `from`, or `from`
/// when that char is whitespace: the first whitespace char at or after `from`.
/// Eight bytes of printable ASCII are skipped at a time.
#[inline(always)]
fn word_end(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut index = from;
    loop {
        while let Some(chunk) = chunk_at(bytes, index) {
            let flagged = may_be_whitespace_bytes(chunk);
            if flagged != 0 {
                index += (flagged.trailing_zeros() / 8) as usize;
                break;
            }
            index += 8;
        }
        // `index` is at the first byte that may be whitespace, which starts a char
        // because the bytes before it are ASCII, or fewer than eight bytes are left.
        if index >= bytes.len() {
            return bytes.len();
        }
        let (whitespace, length) = whitespace_at(text, index);
        if whitespace {
            return index;
        }
        index += length;
    }
}

/// Returns the start of the word of `text` that ends at byte `end`: the end of the
/// last whitespace char before `end`, or 0. Eight bytes of printable ASCII are
/// skipped at a time.
#[inline(always)]
fn word_start(text: &str, end: usize) -> usize {
    let bytes = text.as_bytes();
    let mut index = end;
    loop {
        while let Some(chunk) = index.checked_sub(8).and_then(|start| chunk_at(bytes, start)) {
            let flagged = may_be_whitespace_bytes(chunk);
            if flagged != 0 {
                // The last flagged byte ends a char, because the bytes after it are
                // ASCII, and `index` moves to just after it.
                index -= (flagged.leading_zeros() / 8) as usize;
                break;
            }
            index -= 8;
        }
        if index == 0 {
            return 0;
        }
        let (whitespace, length) = whitespace_before(text, index);
        if whitespace {
            return index;
        }
        index -= length;
    }
}

/// Sets the high bit of each byte of `chunk` that may be part of whitespace: the
/// bytes up to 0x20 and the bytes of chars that are not ASCII. The other bytes are
/// printable ASCII.
#[inline(always)]
fn may_be_whitespace_bytes(chunk: u64) -> u64 {
    // Without their high bits the bytes carry into no other byte.
    let low_bits = chunk & !HIGH_BITS;
    (!low_bits.wrapping_add(ONES * 0x5F) | chunk) & HIGH_BITS
}

/// Returns the first byte at or after `from` that is not in whitespace, or the end
/// of `text`.
#[inline(always)]
fn whitespace_run_end(text: &str, from: usize) -> usize {
    let mut index = from;
    while index < text.len() {
        let (whitespace, length) = whitespace_at(text, index);
        if !whitespace {
            break;
        }
        index += length;
    }
    index
}

/// Returns the start of the whitespace of `text` that ends at byte `end`, or `end`
/// when the char before it is no whitespace.
#[inline(always)]
fn whitespace_run_start(text: &str, end: usize) -> usize {
    let mut index = end;
    while index > 0 {
        let (whitespace, length) = whitespace_before(text, index);
        if !whitespace {
            break;
        }
        index -= length;
    }
    index
}

/// The maximum number of candidates that [`find_lowercase_uses`] searches the text
/// for one by one. Each search reads the text again, so more of them read the
/// words once instead.
const MAX_SEARCHED_CANDIDATES: usize = 16;

/// Returns the `candidates`, lower-cased capitalised words, that are also a
/// whitespace-separated word of `text` that starts in lower case, with any
/// trailing chars that are not alphanumeric trimmed.
fn find_lowercase_uses(text: &str, candidates: HashSet<String, FixedState>) -> HashSet<String, FixedState> {
    if candidates.is_empty() {
        return candidates;
    }
    if candidates.len() > MAX_SEARCHED_CANDIDATES {
        return find_lowercase_uses_by_words(text, &candidates);
    }
    find_lowercase_uses_by_search(text, candidates)
}

/// Returns [`find_lowercase_uses`] of a few `candidates`, each found by a substring
/// search, which skips most of the text's bytes.
fn find_lowercase_uses_by_search(text: &str, candidates: HashSet<String, FixedState>) -> HashSet<String, FixedState> {
    let mut found = HashSet::default();
    for candidate in candidates {
        // A word of the candidate starts with it, and no match of the candidate
        // starts inside another, because it has no whitespace.
        let is_used = memchr::memmem::find_iter(text.as_bytes(), candidate.as_bytes())
            .any(|start| is_lowercase_use(text, start, &candidate));
        if is_used {
            found.insert(candidate);
        }
    }
    found
}

/// Returns whether the word of `text` that starts at byte `start`, where a match of
/// `candidate` starts, is `candidate` in the sense of [`find_lowercase_uses`].
#[inline(always)]
fn is_lowercase_use(text: &str, start: usize, candidate: &str) -> bool {
    if start > 0 && !whitespace_before(text, start).0 {
        return false;
    }
    let word = &text[start..word_end(text, start + candidate.len())];
    bare_word(word) == candidate && word.starts_with(char::is_lowercase)
}

/// Returns `word` without its trailing chars that are not alphanumeric.
#[inline(always)]
fn bare_word(word: &str) -> &str {
    if word.as_bytes().last().is_some_and(u8::is_ascii_alphanumeric) {
        word
    } else {
        word.trim_end_matches(|c: char| !c.is_alphanumeric())
    }
}

/// Returns [`find_lowercase_uses`] of many `candidates`, read from each word of
/// `text` once.
fn find_lowercase_uses_by_words(text: &str, candidates: &HashSet<String, FixedState>) -> HashSet<String, FixedState> {
    // The first bytes and lengths of the candidates reject most words before they
    // are trimmed and hashed. A word keeps its first byte when trimmed, because it
    // starts with a letter.
    let mut first_bytes = [false; 256];
    let mut lengths = 0u64;
    for candidate in candidates {
        if let Some(&byte) = candidate.as_bytes().first() {
            first_bytes[usize::from(byte)] = true;
        }
        lengths |= 1u64.checked_shl(candidate.len() as u32).unwrap_or(0);
    }
    let may_be_candidate = |bare: &str| bare.len() >= 64 || lengths & (1 << bare.len()) != 0;

    let mut found = HashSet::default();
    for word in whitespace_words(text) {
        // Words are never empty.
        let first = word.as_bytes()[0];
        if !first_bytes[usize::from(first)] {
            continue;
        }
        let lowercase =
            if first.is_ascii() { first.is_ascii_lowercase() } else { word.starts_with(char::is_lowercase) };
        if !lowercase {
            continue;
        }
        let bare = bare_word(word);
        if may_be_candidate(bare) && candidates.contains(bare) {
            found.insert(bare.to_owned());
        }
    }
    found
}

#[inline(always)]
fn is_glued_opener(before: &str, opener: &str, after: &str, common_words: &HashSet<String, FixedState>) -> bool {
    may_glue(before, opener, after) && is_shaped_glued_opener(before, opener, after, common_words)
}

/// Returns [`is_glued_opener`] of words for which [`may_glue`] holds.
#[inline(always)]
fn is_shaped_glued_opener(before: &str, opener: &str, after: &str, common_words: &HashSet<String, FixedState>) -> bool {
    if is_short_word_of(opener, &GLUED_OPENER_KEYS) {
        return !(opener == "A" && matches!(after, "and" | "or" | "to"));
    }
    !common_words.is_empty() && !WORDS_BEFORE_NAMES.contains(&before) && common_words.contains(&lowercase(opener))
}

/// Returns whether `before opener after` has the shape of a glued sentence start.
/// `before` starts in lower case (or with a digit or symbol), ends with a lower-case
/// letter, a digit or `)`, and is not in [`WORDS_BEFORE_TITLES`]. `opener` is a
/// capitalised word and `after` starts in lower case.
#[inline(always)]
fn may_glue(before: &str, opener: &str, after: &str) -> bool {
    // The opener test comes first because most words are not capitalised, and an
    // ASCII first byte that is not a capital letter settles it without decoding or
    // a call.
    if opener.as_bytes().first().is_some_and(|&byte| byte.is_ascii() && !byte.is_ascii_uppercase()) {
        return false;
    }
    // ASCII bytes that settle the result without decoding come next: the first byte
    // of `after` and the last of `before` fail most openers, names followed by a
    // capitalised word or after a comma.
    if after.as_bytes().first().is_some_and(|&byte| first_byte_rules_out_glue(byte)) {
        return false;
    }
    if before.as_bytes().last().is_some_and(|&byte| last_byte_rules_out_glue(byte)) {
        return false;
    }
    may_glue_after_bytes(before, opener, after)
}

/// Returns whether `byte`, the first byte of the word after an opener, rules out
/// [`may_glue`] without decoding: ASCII but not a lower-case letter.
#[inline(always)]
fn first_byte_rules_out_glue(byte: u8) -> bool {
    byte.is_ascii() && !byte.is_ascii_lowercase()
}

/// Returns whether `byte`, the last byte of the word before an opener, rules out
/// [`may_glue`] without decoding: ASCII but not a lower-case letter, a digit or `)`.
#[inline(always)]
fn last_byte_rules_out_glue(byte: u8) -> bool {
    byte.is_ascii() && !(byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b')')
}

/// Returns the result of [`may_glue`] once the bytes it tests first have not ruled
/// it out.
#[inline(never)]
fn may_glue_after_bytes(before: &str, opener: &str, after: &str) -> bool {
    if !is_capitalised(opener) {
        return false;
    }
    // A clause or section number ("Terms: 4.3 On termination") starts the clause
    // after it. Most words fail the test of each byte at their first letter, so it
    // comes before the search for a period.
    let before_bytes = before.as_bytes();
    if before_bytes.iter().all(|&byte| byte.is_ascii_digit() || byte == b'.') && before_bytes.contains(&b'.') {
        return false;
    }
    let first = first_char(before);
    let last = last_char(before);
    let before_ends_clause = last.is_lowercase() || last.is_ascii_digit() || last == ')';
    let next = first_char(after);
    before_ends_clause
        && !first.is_uppercase()
        && next.is_lowercase()
        && !is_short_word_of(before, &WORDS_BEFORE_TITLES_KEYS)
}

/// Returns whether `word` is an upper-case char followed by one or more lower-case
/// chars. ASCII bytes are tested as bytes, and the chars are decoded from the first
/// byte that is not ASCII on.
#[inline(always)]
fn is_capitalised(word: &str) -> bool {
    let bytes = word.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if !first.is_ascii() {
        let mut chars = word.chars();
        return chars.next().is_some_and(char::is_uppercase)
            && chars.clone().next().is_some()
            && chars.all(char::is_lowercase);
    }
    if !first.is_ascii_uppercase() || bytes.len() < 2 {
        return false;
    }
    match bytes[1..].iter().position(|byte| !byte.is_ascii_lowercase()) {
        None => true,
        // The bytes before it are ASCII, so a byte that is not ASCII starts a char.
        Some(position) if !bytes[1 + position].is_ascii() => word[1 + position..].chars().all(char::is_lowercase),
        Some(_) => false,
    }
}

/// Returns the first char of `text`, or a space when it is empty.
#[inline(always)]
fn first_char(text: &str) -> char {
    match text.as_bytes().first() {
        Some(&byte) if byte.is_ascii() => char::from(byte),
        _ => text.chars().next().unwrap_or(' '),
    }
}

/// Returns the last char of `text`, or a space when it is empty.
#[inline(always)]
fn last_char(text: &str) -> char {
    match text.as_bytes().last() {
        Some(&byte) if byte.is_ascii() => char::from(byte),
        _ => text.chars().next_back().unwrap_or(' '),
    }
}

/// Returns `word` lower-cased, as [`str::to_lowercase`] does, which for ASCII text
/// is [`str::to_ascii_lowercase`] without the search for chars to decode.
fn lowercase(word: &str) -> String {
    if word.is_ascii() {
        word.to_ascii_lowercase()
    } else {
        word.to_lowercase()
    }
}

/// Returns the byte ranges of the pieces of `text` between Unicode whitespace: the
/// ranges of [`str::split_whitespace`].
pub(crate) fn whitespace_word_spans(text: &str) -> Vec<Span> {
    scan_whitespace_words::<false>(text).spans
}

/// The whitespace-separated words of a text, as [`whitespace_word_spans`] finds
/// them, with the words that may start with a capital.
struct WordSpans {
    spans: Vec<Span>,
    /// The indexes in `spans`, in order, of the words whose first byte is an ASCII
    /// capital or not ASCII. No other word starts with an upper-case char. Only
    /// the tests read it, as the glue finder's reference.
    #[cfg_attr(not(test), allow(dead_code))]
    maybe_capitalised: Vec<usize>,
}

/// Returns the words of `text` as [`WordSpans`].
#[cfg(test)]
fn whitespace_word_spans_with_capitals(text: &str) -> WordSpans {
    scan_whitespace_words::<true>(text)
}

/// Returns the words of `text` as [`WordSpans`], with `maybe_capitalised` left
/// empty unless `CAPITALS` is true.
///
/// Eight bytes of ASCII are classified at a time, and only the starts and ends of
/// words are visited, which takes fewer instructions than a search for each word.
/// Eight bytes with one that is not ASCII are decoded char by char.
#[inline(always)]
fn scan_whitespace_words<const CAPITALS: bool>(text: &str) -> WordSpans {
    let bytes = text.as_bytes();
    // English words with the space after them average about six bytes.
    let mut spans = Vec::with_capacity(text.len() / 5 + 1);
    // One capitalised word per 32 bytes: the CNN/DM dev articles average one per 38
    // bytes, so most of them never grow the list.
    let mut maybe_capitalised = Vec::with_capacity(if CAPITALS { text.len() / 32 + 1 } else { 0 });
    // The start of the word that the byte before `index` is in, if it is in one.
    let mut word_start: Option<usize> = None;
    let mut index = 0;
    while let Some(chunk) = chunk_at(bytes, index) {
        if chunk & HIGH_BITS != 0 {
            // Chars, which may run past the chunk, until the chunk's bytes are done.
            let end = index + 8;
            while index < end {
                index = visit_char::<CAPITALS>(text, index, &mut word_start, &mut spans, &mut maybe_capitalised);
            }
            continue;
        }
        // The high bit of byte `i` is set when byte `i` is whitespace, and the
        // changes against the byte before (or the state before the chunk, for byte
        // 0) are where words start and end.
        let whitespace = ascii_whitespace_bytes(chunk);
        let before = (whitespace << 8) | if word_start.is_none() { 0x80 } else { 0 };
        let changes = whitespace ^ before;
        let mut starts = changes & !whitespace;
        let mut ends = changes & whitespace;
        // Ends and starts alternate, so after the end of a word that started before
        // the chunk each start pairs with the next end, if any.
        if let Some(start) = word_start {
            if ends == 0 {
                index += 8;
                continue;
            }
            spans.push(Span { start, end: index + (ends.trailing_zeros() / 8) as usize });
            ends &= ends - 1;
            word_start = None;
        }
        while starts != 0 {
            let start_bit = starts.trailing_zeros();
            starts &= starts - 1;
            let start = index + (start_bit / 8) as usize;
            // The word's first byte, taken from the chunk, is ASCII.
            if CAPITALS && ((chunk >> (start_bit & !7)) as u8).is_ascii_uppercase() {
                maybe_capitalised.push(spans.len());
            }
            if ends == 0 {
                word_start = Some(start);
                break;
            }
            spans.push(Span { start, end: index + (ends.trailing_zeros() / 8) as usize });
            ends &= ends - 1;
        }
        index += 8;
    }
    while index < bytes.len() {
        index = visit_char::<CAPITALS>(text, index, &mut word_start, &mut spans, &mut maybe_capitalised);
    }
    if let Some(start) = word_start {
        spans.push(Span { start, end: bytes.len() });
    }
    WordSpans { spans, maybe_capitalised }
}

/// Takes the char at byte `index` of `text` into the [`WordSpans`] of
/// [`scan_whitespace_words`], and returns the index of the next char.
#[inline(always)]
fn visit_char<const CAPITALS: bool>(
    text: &str,
    index: usize,
    word_start: &mut Option<usize>,
    spans: &mut Vec<Span>,
    maybe_capitalised: &mut Vec<usize>,
) -> usize {
    let (whitespace, length) = whitespace_at(text, index);
    match (*word_start, whitespace) {
        (Some(start), true) => {
            spans.push(Span { start, end: index });
            *word_start = None;
        }
        (None, false) => {
            *word_start = Some(index);
            let first = text.as_bytes()[index];
            if CAPITALS && (first.is_ascii_uppercase() || !first.is_ascii()) {
                maybe_capitalised.push(spans.len());
            }
        }
        _ => {}
    }
    index + length
}

/// Returns the high bit of each ASCII whitespace byte of `chunk`, eight bytes that
/// are all ASCII. The whitespace of `char::is_whitespace` in ASCII is tab, line
/// feed, vertical tab, form feed, carriage return and space.
#[inline(always)]
fn ascii_whitespace_bytes(chunk: u64) -> u64 {
    // An ASCII byte plus at most 0x80 carries into no other byte, so each high bit
    // is exact.
    let up_to_space = !chunk.wrapping_add(ONES * 0x5F) & HIGH_BITS;
    let controls = !chunk.wrapping_add(ONES * 0x60) & HIGH_BITS;
    // Most chunks of text have no control byte, and then only spaces are left.
    if controls == 0 {
        return up_to_space;
    }
    (up_to_space & !controls) | ascii_bytes_in_range(chunk, 0x09, 0x0E)
}

/// Returns the byte range of the first piece of `text` between Unicode whitespace
/// at or after byte `from`, a char boundary. ASCII bytes are tested directly and
/// only other characters are decoded.
#[inline(always)]
fn next_whitespace_word(text: &str, from: usize) -> Option<Span> {
    let bytes = text.as_bytes();
    let mut index = from;
    while index < bytes.len() {
        let (whitespace, length) = whitespace_at(text, index);
        if !whitespace {
            break;
        }
        index += length;
    }
    if index == bytes.len() {
        return None;
    }

    let start = index;
    loop {
        index = next_control_or_non_ascii(bytes, index);
        let Some(&byte) = bytes.get(index) else {
            break;
        };
        if byte.is_ascii() {
            if is_ascii_whitespace_char(byte) {
                break;
            }
            index += 1;
            continue;
        }
        let (whitespace, length) = whitespace_at(text, index);
        if whitespace {
            break;
        }
        index += length;
    }
    Some(Span { start, end: index })
}

/// Returns the index of the first byte of `bytes` at or after `from` that is below
/// `!` (ASCII whitespace and control bytes) or not ASCII, or the length of `bytes`
/// when there is none. Eight bytes are tested at a time.
#[inline(always)]
fn next_control_or_non_ascii(bytes: &[u8], from: usize) -> usize {
    let mut index = from;
    while let Some(word) = chunk_at(bytes, index) {
        // Sets the high bit of each byte below 0x21 and of each byte that is not
        // ASCII. A borrow may also set it above the lowest such byte, never below.
        let found = (word.wrapping_sub(ONES * 0x21) & !word & HIGH_BITS) | (word & HIGH_BITS);
        if found != 0 {
            return index + (found.trailing_zeros() / 8) as usize;
        }
        index += 8;
    }
    let rest = &bytes[index.min(bytes.len())..];
    index + rest.iter().position(|&byte| byte < b'!' || !byte.is_ascii()).unwrap_or(rest.len())
}

/// Returns whether the ASCII `byte` is a whitespace char of `char::is_whitespace`:
/// tab, line feed, vertical tab, form feed, carriage return or space.
#[inline(always)]
fn is_ascii_whitespace_char(byte: u8) -> bool {
    matches!(byte, b'\t'..=b'\r' | b' ')
}

/// Returns whether the char at byte `index` of `text` is whitespace, and its length
/// in bytes. `index` must be a char boundary before the end of the text.
#[inline(always)]
fn whitespace_at(text: &str, index: usize) -> (bool, usize) {
    let byte = text.as_bytes()[index];
    if byte.is_ascii() {
        return (is_ascii_whitespace_char(byte), 1);
    }
    let ch = text[index..].chars().next().unwrap_or(' ');
    (ch.is_whitespace(), ch.len_utf8())
}

/// Returns `text` without its leading whitespace, as [`str::trim_start`] does.
/// ASCII whitespace is skipped byte by byte, and only a char that is not ASCII
/// goes to `trim_start`. Its char-by-char search takes several times the
/// instructions on the one or two spaces that usually follow a sentence mark.
#[inline(always)]
fn trim_start_whitespace(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() && is_ascii_whitespace_char(bytes[index]) {
        index += 1;
    }
    match bytes.get(index) {
        Some(byte) if !byte.is_ascii() => text[index..].trim_start(),
        _ => &text[index..],
    }
}

/// Returns `text` without its trailing whitespace, as [`str::trim_end`] does, with
/// the shortcut of [`trim_start_whitespace`].
#[inline(always)]
fn trim_end_whitespace(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut end = bytes.len();
    while end > 0 && is_ascii_whitespace_char(bytes[end - 1]) {
        end -= 1;
    }
    match end.checked_sub(1).map(|last| bytes[last]) {
        Some(byte) if !byte.is_ascii() => text[..end].trim_end(),
        _ => &text[..end],
    }
}

/// Returns the pieces of `text` between Unicode whitespace, the same as
/// [`str::split_whitespace`] but faster on mostly ASCII text: ASCII bytes are tested
/// directly and only other characters are decoded.
pub(crate) fn whitespace_words(text: &str) -> WhitespaceWords<'_> {
    WhitespaceWords { text, position: 0 }
}

/// The iterator of [`whitespace_words`].
pub(crate) struct WhitespaceWords<'t> {
    text: &'t str,
    /// The byte offset where the search for the next word starts.
    position: usize,
}

impl<'t> Iterator for WhitespaceWords<'t> {
    type Item = &'t str;

    #[inline]
    fn next(&mut self) -> Option<&'t str> {
        let Some(span) = next_whitespace_word(self.text, self.position) else {
            self.position = self.text.len();
            return None;
        };
        self.position = span.end;
        Some(&self.text[span.start..span.end])
    }
}

/// Pushes the trimmed `piece` (found at byte `offset` of the text) as one sentence, or
/// as several when it is longer than [`MAX_SENTENCE_BYTES`].
fn push_part(offset: usize, piece: &str, sentences: &mut Vec<Span>) {
    let trimmed_start = trim_start_whitespace(piece);
    let leading = piece.len() - trimmed_start.len();
    let mut rest = trim_end_whitespace(trimmed_start);
    let mut start = offset + leading;

    while rest.len() > MAX_SENTENCE_BYTES {
        let cut = overlong_cut(rest);
        let head = rest[..cut].trim_end();
        if !head.is_empty() {
            sentences.push(Span { start, end: start + head.len() });
        }
        let tail = rest[cut..].trim_start();
        start += rest.len() - tail.len();
        rest = tail;
    }
    if !rest.is_empty() {
        sentences.push(Span { start, end: start + rest.len() });
    }
}

/// Returns where to cut a piece longer than [`MAX_SENTENCE_BYTES`]. The first choice
/// is after the last clause mark (`;`, `:` or `,` with whitespace after it, or a CJK
/// clause mark) in the second half of the allowed length. The next is the last
/// whitespace, and the last resort is the last char boundary that fits. The cut is
/// always a char boundary in `1..=MAX_SENTENCE_BYTES`.
fn overlong_cut(piece: &str) -> usize {
    let mut limit = MAX_SENTENCE_BYTES;
    while !piece.is_char_boundary(limit) {
        limit -= 1;
    }
    let window = &piece[..limit];
    let half = MAX_SENTENCE_BYTES / 2;

    let clause = window
        .char_indices()
        .rev()
        .take_while(|&(index, _)| index >= half)
        .find(|&(index, ch)| {
            let spaced = matches!(ch, ';' | ':' | ',') && piece[index + 1..].starts_with(char::is_whitespace);
            spaced || matches!(ch, '；' | '：' | '，' | '、')
        })
        .map(|(index, ch)| index + ch.len_utf8());
    if let Some(cut) = clause {
        return cut;
    }
    let space =
        window.char_indices().rev().find(|&(index, ch)| index > 0 && ch.is_whitespace()).map(|(index, _)| index);
    // A char is at most 4 bytes, so `limit` is at least MAX_SENTENCE_BYTES - 3.
    space.unwrap_or(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns the common words of `text` as the glue finder found them from a list
    /// of all its words, the reference for [`GlueFinder::new`]. They are the
    /// lower-cased capitalised words in the shape of [`may_glue`] that the text also
    /// uses in lower case.
    fn common_words_from_word_list(text: &str) -> HashSet<String, FixedState> {
        let WordSpans { spans: word_spans, maybe_capitalised } = whitespace_word_spans_with_capitals(text);
        let word = |span: Span| &text[span.start..span.end];
        let mut candidates: HashSet<String, FixedState> = HashSet::default();
        for &index in &maybe_capitalised {
            if index == 0 || index + 1 >= word_spans.len() {
                continue;
            }
            let [before, opener, after] =
                [word(word_spans[index - 1]), word(word_spans[index]), word(word_spans[index + 1])];
            if may_glue(before, opener, after) && !is_short_word_of(opener, &GLUED_OPENER_KEYS) {
                candidates.insert(lowercase(opener));
            }
        }
        let mut found = HashSet::default();
        for &span in &word_spans {
            let candidate = word(span);
            if !candidate.starts_with(char::is_lowercase) {
                continue;
            }
            let bare = candidate.trim_end_matches(|c: char| !c.is_alphanumeric());
            if candidates.contains(bare) {
                found.insert(bare.to_owned());
            }
        }
        found
    }

    /// Returns [`may_glue`] without the byte tests that come before decoding.
    fn may_glue_by_chars(before: &str, opener: &str, after: &str) -> bool {
        let mut opener_chars = opener.chars();
        let capitalised = opener_chars.next().is_some_and(char::is_uppercase)
            && opener_chars.clone().next().is_some()
            && opener_chars.all(char::is_lowercase);
        let first = before.chars().next().unwrap_or(' ');
        let last = before.chars().next_back().unwrap_or(' ');
        let before_ends_clause = last.is_lowercase() || last.is_ascii_digit() || last == ')';
        let next = after.chars().next().unwrap_or(' ');
        let clause_number = before.contains('.') && before.chars().all(|c| c.is_ascii_digit() || c == '.');
        capitalised
            && !clause_number
            && before_ends_clause
            && !first.is_uppercase()
            && next.is_lowercase()
            && !WORDS_BEFORE_TITLES.contains(&before)
    }

    #[test]
    fn short_word_keys_match_the_lists() {
        for (words, keys) in [(GLUED_OPENERS, &GLUED_OPENER_KEYS[..]), (WORDS_BEFORE_TITLES, &WORDS_BEFORE_TITLES_KEYS)]
        {
            for (word, key) in words.iter().zip(keys) {
                assert_eq!(short_word_key(word), Some(*key), "word {word:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn short_word_test_matches_list_test(word in "(?i)(the|a|an|however|former|his|one)[a-z\0]{0,2}|\\PC{0,8}") {
            proptest::prop_assert_eq!(is_short_word_of(&word, &GLUED_OPENER_KEYS), GLUED_OPENERS.contains(&word.as_str()));
            proptest::prop_assert_eq!(
                is_short_word_of(&word, &WORDS_BEFORE_TITLES_KEYS),
                WORDS_BEFORE_TITLES.contains(&word.as_str())
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn lines_with_breaks_match_split_inclusive(text in "[a\n\r\u{e9}]{0,12}") {
            let lines: Vec<&str> = lines_with_breaks(&text).collect();
            let expected: Vec<&str> = text.split_inclusive('\n').collect();
            proptest::prop_assert_eq!(lines, expected);
        }
    }

    proptest::proptest! {
        #[test]
        fn last_word_before_period_matches_rsplit(before in "[a (\"\u{201c}\\['\t\u{b}\u{85}\u{a0}\u{e9}]{0,10}") {
            let expected = before.rsplit(separates_word_before_period).next().unwrap_or("");
            proptest::prop_assert_eq!(last_word_before_period(&before), expected);
        }
    }

    #[test]
    fn max_abbreviation_bytes_is_longest_entry() {
        let longest = TITLES.iter().chain(ABBREVIATIONS).map(|entry| entry.len()).max();
        assert_eq!(longest, Some(MAX_ABBREVIATION_BYTES));
    }

    #[test]
    fn byte_order_mark_starts_no_sentence() {
        let text = "\u{feff}Storms hit the coast. Schools closed.";

        let texts: Vec<&str> = split_sentences(text).iter().map(|span| &text[span.start..span.end]).collect();

        assert_eq!(texts, ["Storms hit the coast.", "Schools closed."]);
    }

    proptest::proptest! {
        #[test]
        fn glue_shape_matches_char_tests(
            before in "(the|said|won|He|9|4\\.3|x\\)|a,|é|ß|\u{2160}|)",
            opener in "[TtÉéAa][a-zé]{0,3}|He|\u{2160}x|",
            after in "(was|Smith|é|É|ß|,|1|)",
        ) {
            proptest::prop_assert_eq!(may_glue(&before, &opener, &after), may_glue_by_chars(&before, &opener, &after));
        }

        #[test]
        fn capitalised_test_matches_char_test(word in "[TtÉé\u{2160}1]?[a-zéA1\u{2170}]{0,3}") {
            let mut chars = word.chars();
            let expected = chars.next().is_some_and(char::is_uppercase)
                && chars.clone().next().is_some()
                && chars.all(char::is_lowercase);
            proptest::prop_assert_eq!(is_capitalised(&word), expected);
        }

        #[test]
        fn abbreviation_lookup_ignores_case(
            word in "(?i)(mr|messrs|dr|u\\.s|e\\.g|approx|ph\\.d|inc|st|u\\.\u{212a})[a-z.\0]{0,2}|\\PC{0,8}",
        ) {
            let lower = word.to_lowercase();
            let expected = (TITLES.contains(&lower.as_str()), ABBREVIATIONS.contains(&lower.as_str()));
            proptest::prop_assert_eq!(title_or_abbreviation(&word), expected);
        }
    }

    fn sentences(text: &str) -> Vec<&str> {
        split_sentences(text).into_iter().map(|s| &text[s.start..s.end]).collect()
    }

    #[test]
    fn splits_on_terminal_punctuation() {
        assert_eq!(
            sentences("It rained. Then it stopped! Did it? Yes."),
            vec!["It rained.", "Then it stopped!", "Did it?", "Yes."]
        );
    }

    #[test]
    fn citation_marks_after_sentence_mark_end_the_sentence() {
        let cases: [(&str, &[&str]); 6] = [
            (
                "The bridge opened in 1932.[1] It carries six lanes.",
                &["The bridge opened in 1932.[1]", "It carries six lanes."],
            ),
            (
                "It opened.[a][12] It closed.[citation needed] Then",
                &["It opened.[a][12]", "It closed.[citation needed]", "Then"],
            ),
            ("It opened.¹² It closed.* Then it reopened.†", &["It opened.¹²", "It closed.*", "Then it reopened.†"]),
            ("He said \"no.\"[3] She left.", &["He said \"no.\"[3]", "She left."]),
            // Text in brackets with whitespace inside at its start, or over a line, is no citation.
            ("It opened.[ 1] It closed.", &["It opened.[ 1] It closed."]),
            ("See Fig.[2] and Dr.[3] Smith.", &["See Fig.[2] and Dr.[3] Smith."]),
        ];
        for (text, expected) in cases {
            assert_eq!(sentences(text), expected, "text {text:?}");
        }
    }

    #[test]
    fn keeps_titles_units_and_references_of_other_languages() {
        let cases: [(&str, &[&str]); 9] = [
            ("La Sra. López llegó ayer. El Sr. Pérez no.", &["La Sra. López llegó ayer.", "El Sr. Pérez no."]),
            ("Il dott. Verdi è arrivato. Poi è partito.", &["Il dott. Verdi è arrivato.", "Poi è partito."]),
            (
                "Dhr. Bakker en mevr. De Vries kwamen. Zij bleven.",
                &["Dhr. Bakker en mevr. De Vries kwamen.", "Zij bleven."],
            ),
            (
                "Согласно ст. 5 закона и п. 3 правил. Суд решил.",
                &["Согласно ст. 5 закона и п. 3 правил.", "Суд решил."],
            ),
            ("Según el apdo. 2 del art. 3 de la ley. Fin.", &["Según el apdo. 2 del art. 3 de la ley.", "Fin."]),
            ("Vu les art. L. 123-4 du code. Décrète.", &["Vu les art. L. 123-4 du code.", "Décrète."]),
            ("Vende pan, leche, etc. La tienda abre hoy.", &["Vende pan, leche, etc.", "La tienda abre hoy."]),
            ("On vend du pain, etc. Le magasin ouvre.", &["On vend du pain, etc.", "Le magasin ouvre."]),
            ("1 tsp. vanilla extract", &["1 tsp. vanilla extract"]),
        ];
        for (text, expected) in cases {
            assert_eq!(sentences(text), expected, "text {text:?}");
        }
    }

    #[test]
    fn short_lines_without_sentence_mark_are_units() {
        let cases: [(&str, &[&str]); 7] = [
            (
                "Paper jams\nIf a page jams, open the top cover.\nCleaning the glass\nWipe it with a soft cloth weekly.",
                &["Paper jams", "If a page jams, open the top cover.", "Cleaning the glass", "Wipe it with a soft cloth weekly."],
            ),
            ("Media Contact:\nJane Doe\n+49 30 1234567", &["Media Contact:", "Jane Doe\n+49 30 1234567"]),
            (
                "[09:02] <alice> the nightly build failed again, it looks like the tests time out\n[09:03] <bob> hey",
                &["[09:02] <alice> the nightly build failed again, it looks like the tests time out", "[09:03] <bob> hey"],
            ),
            // Wrapped prose: a long line, a line ending in a function word, a lower-case next line.
            (
                "The minister met the heads of the regional water boards and\nJohn Smith of the national agency on Monday.",
                &["The minister met the heads of the regional water boards and\nJohn Smith of the national agency on Monday."],
            ),
            ("We visited the office of\nJohn Smith. Then\nwe left.", &["We visited the office of\nJohn Smith.", "Then\nwe left."]),
            // Text wrapped at a narrow width, and Chinese, whose characters have no case.
            (
                "Residents who live near\nRiverside Drive will get free\nparking permits this year.",
                &["Residents who live near\nRiverside Drive will get free\nparking permits this year."],
            ),
            ("政府宣布今年将投入大量资金，其\n中大部分资金将用于淘汰老旧车辆。", &["政府宣布今年将投入大量资金，其\n中大部分资金将用于淘汰老旧车辆。"]),
        ];
        for (text, expected) in cases {
            assert_eq!(sentences(text), expected, "text {text:?}");
        }
    }

    #[test]
    fn emoji_between_sentences_ends_the_first() {
        let cases: [(&str, &[&str]); 5] = [
            (
                "The screen is gorgeous 😍 The battery easily lasts two days.",
                &["The screen is gorgeous 😍", "The battery easily lasts two days."],
            ),
            ("AMAZING 😍😍😍 The noise cancelling is insane", &["AMAZING 😍😍😍", "The noise cancelling is insane"]),
            ("Thanks 👍🏽 We ship today.", &["Thanks 👍🏽", "We ship today."]),
            ("I ❤ New York in the spring.", &["I ❤ New York in the spring."]),
            ("Great! 😍 The battery lasts.", &["Great! 😍", "The battery lasts."]),
        ];
        for (text, expected) in cases {
            assert_eq!(sentences(text), expected, "text {text:?}");
        }
    }

    #[test]
    fn subtitle_cue_numbers_and_timings_are_no_text() {
        let text = "1\n00:00:01,000 --> 00:00:04,200\nWelcome back to the show.\n\n2\n\
                    00:00:04.500 --> 00:00:07.000 align:start\nToday we talk about bees.\n";
        assert_eq!(sentences(text), ["Welcome back to the show.", "Today we talk about bees."]);
        assert_eq!(sentences("The ratio went 3 --> 4 overnight."), ["The ratio went 3 --> 4 overnight."]);
        // An agenda's hours have no milliseconds, and text after times is no setting.
        let agenda = "Programme.\n09:00 --> 10:30 Keynote on storage.\n00:00:01,000 --> 00:00:02,000 Doors open.";
        assert_eq!(
            sentences(agenda),
            ["Programme.", "09:00 --> 10:30 Keynote on storage.", "00:00:01,000 --> 00:00:02,000 Doors open."]
        );
    }

    #[test]
    fn emoji_ends_sentence_only_after_letters() {
        // The letters are looked for once per part of the text between emoji.
        let text = format!("{}Then 😀 The end came.", "1 😀 ".repeat(100));
        let found = sentences(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[1], "The end came.");
        assert_eq!(sentences("1 😀 2 😀 The end came."), ["1 😀 2 😀 The end came."]);
    }

    #[test]
    fn subtitle_headers_and_numbers_dropped() {
        let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nWelcome back.\n";
        assert_eq!(sentences(vtt), ["Welcome back."]);
        // Comments, style sheets and regions are no text, in WebVTT files alone.
        let vtt = "WEBVTT - river show\n\nSTYLE\n::cue { color: yellow }\n\n\
                   REGION\nid:left width:40%\n\nNOTE\nMachine captions, checked by an editor.\n\n\
                   00:00:01.000 --> 00:00:02.000\nWelcome back.\n\nNOTE the next cue was cut\n\n\
                   00:00:02.500 --> 00:00:04.000\nNOTE that bees came first.\n";
        assert_eq!(sentences(vtt), ["Welcome back.", "NOTE that bees came first."]);
        let notes = "NOTE\nThe door code changed.\n\nSTYLE\nKeep it short.";
        assert_eq!(sentences(notes), ["NOTE", "The door code changed.", "STYLE", "Keep it short."]);
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nWe talk about\n2\n00:00:02,000 --> 00:00:03,000\nbees today.\n";
        assert_eq!(sentences(srt), ["We talk about", "bees today."]);
    }

    #[test]
    fn chat_lines_with_either_bracket_are_units() {
        let chat = "[10:01] alice: the build failed again on the staging database\n<carol> thanks bob";
        assert_eq!(
            sentences(chat),
            ["[10:01] alice: the build failed again on the staging database", "<carol> thanks bob"]
        );
    }

    #[test]
    fn chat_messages_end_before_the_next_writer() {
        // A message wrapped over two lines ends before the next writer's line.
        let wrapped = "[10:03] <alice> their engineer installs them, we only need to\n  book the loading dock\n[10:03] <bob> lol fine";
        assert_eq!(
            sentences(wrapped),
            [
                "[10:03] <alice> their engineer installs them, we only need to\n  book the loading dock",
                "[10:03] <bob> lol fine"
            ]
        );

        // Exports with times without brackets.
        let whatsapp = "12/05/2026, 10:05 - Mum: Dinner is on Saturday at seven\n12/05/2026, 10:06 - Tom: ok";
        assert_eq!(
            sentences(whatsapp),
            ["12/05/2026, 10:05 - Mum: Dinner is on Saturday at seven", "12/05/2026, 10:06 - Tom: ok"]
        );
        let log = "2024-05-01 10:02:07 INFO  Starting payment-service\n2024-05-01 10:05:13 WARN  Slow query";
        assert_eq!(
            sentences(log),
            ["2024-05-01 10:02:07 INFO  Starting payment-service", "2024-05-01 10:05:13 WARN  Slow query"]
        );
        let levels = "ERROR: connection to db-primary refused after 3 retries\nINFO: falling back to replica\nWARNING replica lag is 45 seconds";
        assert_eq!(
            sentences(levels),
            [
                "ERROR: connection to db-primary refused after 3 retries",
                "INFO: falling back to replica",
                "WARNING replica lag is 45 seconds"
            ]
        );
        let irssi = "10:02 <alice> the budget review moved to tuesday\n10:03 <bob> noted";
        assert_eq!(sentences(irssi), ["10:02 <alice> the budget review moved to tuesday", "10:03 <bob> noted"]);

        // In prose, a wrapped line that is a day and a time, or a time alone, goes
        // on: such lines are headers only where writers' names repeat.
        for prose in [
            "The hearing on the new bus lanes was moved to\nMonday 10:30\nand all residents may speak for three minutes each.",
            "The leaders passed halfway in\n1:05:12\nbefore the pace dropped on the long climb.",
            "Please join us for the party in the courtyard on\nSaturday at 2:00 PM\nand bring one dish for the shared table.",
        ] {
            assert_eq!(sentences(prose), [prose]);
        }

        // In prose, a wrapped line that starts like a timed message goes on.
        let wrapped = "The meeting now starts at\n10:30 Monday: please bring the signed forms.";
        assert_eq!(sentences(wrapped), ["The meeting now starts at\n10:30 Monday: please bring the signed forms."]);

        // An address in angle brackets at the start of a wrapped line is no writer.
        let address = "Please write to our support team at\n<support@example.com> and include the order number.";
        assert_eq!(
            sentences(address),
            ["Please write to our support team at\n<support@example.com> and include the order number."]
        );

        // A time at the start of a wrapped line of prose names no writer.
        let prose = "The first fault was logged at\n[10:02] and the second one soon after.";
        assert_eq!(sentences(prose), ["The first fault was logged at\n[10:02] and the second one soon after."]);
    }

    #[test]
    fn transcript_lines_are_units() {
        let meeting =
            "Kim: Hi everyone\nLuis: Hi Kim\nOlivia: the totals are off by one day for customers in Asia\nKim: ok";
        assert_eq!(
            sentences(meeting),
            [
                "Kim: Hi everyone",
                "Luis: Hi Kim",
                "Olivia: the totals are off by one day for customers in Asia",
                "Kim: ok"
            ]
        );
        let court = "THE COURT: You may answer\nTHE WITNESS: The pharmacist counted the boxes with us\nMS. CHEN: Nothing further";
        assert_eq!(
            sentences(court),
            [
                "THE COURT: You may answer",
                "THE WITNESS: The pharmacist counted the boxes with us",
                "MS. CHEN: Nothing further"
            ]
        );

        // A turn wrapped over two lines ends before the next speaker's line.
        let wrapped =
            "Alice: their engineer installs them, we only need to\nbook the loading dock\nBob: fine, I will call them";
        assert_eq!(
            sentences(wrapped),
            [
                "Alice: their engineer installs them, we only need to\nbook the loading dock",
                "Bob: fine, I will call them"
            ]
        );

        // Fields of notes are no speakers: the short lines run together as before.
        let notes = "Note: the agent needs space\nWarning: never on a domain controller";
        assert_eq!(sentences(notes), ["Note: the agent needs space\nWarning: never on a domain controller"]);
        // A wrapped line of prose that starts with a capitalised word and a colon
        // goes on when the line before names no speaker.
        let prose =
            "The board approved the budget for the new library on Monday in a vote of\nSeven: four members abstained.";
        assert_eq!(sentences(prose), [prose]);
    }

    #[test]
    fn message_header_lines_are_units() {
        let slack =
            "Priya Nair  9:05 AM\nthe payments API returns 502 errors\n9:06\nrolling back now\nBen Ortiz  9:06 AM\nugh";
        assert_eq!(
            sentences(slack),
            [
                "Priya Nair  9:05 AM",
                "the payments API returns 502 errors",
                "9:06",
                "rolling back now",
                "Ben Ortiz  9:06 AM",
                "ugh"
            ]
        );
        let discord = "Mira — Today at 9:15 PM\nanyone around?\njonas_k — Today at 9:16 PM\nyep";
        assert_eq!(
            sentences(discord),
            ["Mira — Today at 9:15 PM", "anyone around?", "jonas_k — Today at 9:16 PM", "yep"]
        );
        // Discord puts a time alone in brackets before a later message of a writer.
        let discord = "Mira — Today at 9:15 PM\nanyone around?\n[9:16 PM]\nthe build is red\n\
                       jonas_k — Today at 9:17 PM\nyep";
        assert_eq!(
            sentences(discord),
            [
                "Mira — Today at 9:15 PM",
                "anyone around?",
                "[9:16 PM]",
                "the build is red",
                "jonas_k — Today at 9:17 PM",
                "yep"
            ]
        );

        // A wrapped line of prose that ends with a time goes on.
        let prose = "The council said that the meeting will start\nat 10:30\nand end before noon.";
        assert_eq!(sentences(prose), [prose]);
    }

    #[test]
    fn court_question_and_answer_marks_stay() {
        let text = "Q. What did you see when you arrived?\nA. The glass of the back door was broken.\nQ. And then?\nA. He ran.";
        assert_eq!(
            sentences(text),
            [
                "Q. What did you see when you arrived?",
                "A. The glass of the back door was broken.",
                "Q. And then?",
                "A. He ran."
            ]
        );
        let colons = "Q: Where are you employed?\nA: At Northfield Logistics.";
        assert_eq!(sentences(colons), ["Q: Where are you employed?", "A: At Northfield Logistics."]);
        // After another word, Q. is an initial, which ends a sentence before "The".
        let initial = "It was signed by Agent Q. The rest is history.";
        assert_eq!(sentences(initial), ["It was signed by Agent Q.", "The rest is history."]);
    }

    #[test]
    fn initials_articles_and_units_split() {
        let cases: [(&str, &[&str]); 6] = [
            ("The novel is by Ursula K. Le Guin and is long.", &["The novel is by Ursula K. Le Guin and is long."]),
            ("Mohamed A. El Baradei spoke.", &["Mohamed A. El Baradei spoke."]),
            ("Barcelona vs. Las Palmas ended 2-1.", &["Barcelona vs. Las Palmas ended 2-1."]),
            (
                "The baby weighed 7 lb. Doctors said she was fine.",
                &["The baby weighed 7 lb.", "Doctors said she was fine."],
            ),
            (
                "He took off his cap. 20 minutes later it rained.",
                &["He took off his cap.", "20 minutes later it rained."],
            ),
            ("add 2 oz. butter and stir. bake for an hour.", &["add 2 oz. butter and stir.", "bake for an hour."]),
        ];
        for (text, expected) in cases {
            assert_eq!(sentences(text), expected, "text {text:?}");
        }
    }

    #[test]
    fn keeps_abbreviations_and_initials() {
        let cases = [
            ("Mr. Smith met Dr. Jones. They talked.", 2),
            ("The U.S. economy grew. Prices fell.", 2),
            ("J. K. Rowling wrote it. It sold well.", 2),
            ("Costs rose 3.5 percent in Jan. 2020 alone. Then fell.", 2),
            ("See e.g. the report. It is long.", 2),
        ];
        for (text, expected) in cases {
            assert_eq!(sentences(text).len(), expected, "case: {text}");
        }
    }

    #[test]
    fn initial_chain_keeps_name_together() {
        assert_eq!(
            sentences("He studied English with J.R.R. Tolkien at Oxford. The piece is by L.M. Rendall. It sold."),
            vec!["He studied English with J.R.R. Tolkien at Oxford.", "The piece is by L.M. Rendall.", "It sold."]
        );
        assert_eq!(sentences("The deal went to J.P. The firm grew."), vec!["The deal went to J.P.", "The firm grew."]);
    }

    #[test]
    fn closing_quotes_stay_with_sentence() {
        assert_eq!(sentences("He said \"Stop.\" She left."), vec!["He said \"Stop.\"", "She left."]);
    }

    #[test]
    fn paragraphs_and_list_items_end_sentences() {
        let text = "Heading without stop\n\nFirst para\ncontinues here.\n- item one\n- item two\n1. numbered";
        assert_eq!(
            sentences(text),
            vec!["Heading without stop", "First para\ncontinues here.", "item one", "item two", "numbered"]
        );
    }

    #[test]
    fn lowercased_text_still_splits() {
        assert_eq!(
            sentences("growth slowed in 2004. the bank said rates e.g. stay flat. exports rose."),
            vec!["growth slowed in 2004.", "the bank said rates e.g. stay flat.", "exports rose."]
        );
    }

    #[test]
    fn mixed_case_text_keeps_lowercase_continuations() {
        assert_eq!(sentences("It cost 5 vs. 6 dollars. Then it fell.").len(), 2);
        assert_eq!(sentences("The file is called notes.txt and it is small.").len(), 1);
        assert_eq!(sentences("1. First step is easy."), vec!["First step is easy."]);
    }

    #[test]
    fn chinese_marks_end_sentences() {
        assert_eq!(sentences("今天下雨。明天晴天！真的吗？"), vec!["今天下雨。", "明天晴天！", "真的吗？"]);
    }

    #[test]
    fn arabic_question_mark_ends_sentence() {
        assert_eq!(
            sentences("هل ستمطر غدا؟ قال الخبراء إن المطر قادم. الناس ينتظرون."),
            vec!["هل ستمطر غدا؟", "قال الخبراء إن المطر قادم.", "الناس ينتظرون."]
        );
    }

    #[test]
    fn arabic_in_mixed_script_text_still_splits() {
        assert_eq!(
            sentences("The BBC quoted him: هل ستمطر غدا؟ قال الخبراء نعم."),
            vec!["The BBC quoted him: هل ستمطر غدا؟", "قال الخبراء نعم."]
        );
    }

    #[test]
    fn hindi_danda_ends_sentence() {
        assert_eq!(sentences("आज बारिश हुई। कल धूप होगी॥ लोग खुश हैं।"), vec!["आज बारिश हुई।", "कल धूप होगी॥", "लोग खुश हैं।"]);
    }

    #[test]
    fn lowercased_quoted_question_keeps_attribution() {
        assert_eq!(
            sentences("\"why now?\" she asked. nobody answered!\" he said. \"go.\" they left."),
            vec!["\"why now?\" she asked.", "nobody answered!\" he said.", "\"go.\"", "they left."]
        );
    }

    #[test]
    fn offsets_point_into_original() {
        let text = "  Alpha beta.   Gamma delta!  ";
        for span in split_sentences(text) {
            let piece = &text[span.start..span.end];
            assert_eq!(piece, piece.trim());
            assert!(!piece.is_empty());
        }
    }

    #[test]
    fn keeps_abbreviation_mr_inside_sentence() {
        assert_eq!(
            sentences("Mr. Brown and Mrs. Green met Prof. White."),
            vec!["Mr. Brown and Mrs. Green met Prof. White."]
        );
    }

    #[test]
    fn title_never_ends_sentence_even_before_opener() {
        assert_eq!(sentences("He called Dr. The Great to ask."), vec!["He called Dr. The Great to ask."]);
    }

    #[test]
    fn ends_sentence_after_company_abbreviation_before_opener() {
        assert_eq!(
            sentences("She joined Acme Inc. The firm grew fast."),
            vec!["She joined Acme Inc.", "The firm grew fast."]
        );
    }

    #[test]
    fn keeps_company_abbreviation_before_name() {
        assert_eq!(sentences("Acme Inc. Chairman Bob Ray spoke."), vec!["Acme Inc. Chairman Bob Ray spoke."]);
    }

    #[test]
    fn ends_sentence_after_time_before_opener() {
        assert_eq!(
            sentences("The vote closed at 5 p.m. It passed easily. Polls open at 9 a.m. on Friday."),
            vec!["The vote closed at 5 p.m.", "It passed easily.", "Polls open at 9 a.m. on Friday."]
        );
    }

    #[test]
    fn ends_sentence_after_single_letter_before_opener() {
        assert_eq!(
            sentences("They chose Plan B. It worked. George W. Bush spoke."),
            vec!["They chose Plan B.", "It worked.", "George W. Bush spoke."]
        );
    }

    #[test]
    fn keeps_initial_before_initial_a() {
        assert_eq!(sentences("J. A. Smith wrote it."), vec!["J. A. Smith wrote it."]);
    }

    #[test]
    fn keeps_decimals_and_versions() {
        assert_eq!(
            sentences("Growth was 2.5% and v1.2.3 shipped. Prices rose $3.50 a unit."),
            vec!["Growth was 2.5% and v1.2.3 shipped.", "Prices rose $3.50 a unit."]
        );
    }

    #[test]
    fn keeps_urls_and_emails() {
        assert_eq!(
            sentences("Visit www.example.com or mail a.b@example.org today. See https://x.org/a?b=c. Done."),
            vec!["Visit www.example.com or mail a.b@example.org today.", "See https://x.org/a?b=c.", "Done."]
        );
    }

    #[test]
    fn keeps_ellipsis_before_lowercase() {
        assert_eq!(
            sentences("He paused... and then left. Wait… What happened?"),
            vec!["He paused... and then left.", "Wait…", "What happened?"]
        );
    }

    #[test]
    fn keeps_quoted_question_with_attribution() {
        assert_eq!(sentences("\"Why now?\" she asked. Nobody knew."), vec!["\"Why now?\" she asked.", "Nobody knew."]);
    }

    #[test]
    fn keeps_bracketed_sentence_together() {
        assert_eq!(sentences("It fell (see below.) Then it rose."), vec!["It fell (see below.)", "Then it rose."]);
    }

    #[test]
    fn joins_hard_wrapped_lines() {
        assert_eq!(
            sentences("This sentence is wrapped\nacross two lines. The next\r\none too."),
            vec!["This sentence is wrapped\nacross two lines.", "The next\r\none too."]
        );
    }

    #[test]
    fn crlf_blank_lines_end_paragraphs() {
        assert_eq!(sentences("Title line\r\n\r\nBody text here."), vec!["Title line", "Body text here."]);
    }

    #[test]
    fn non_breaking_space_separates_sentences() {
        assert_eq!(sentences("It ended.\u{a0}Then more."), vec!["It ended.", "Then more."]);
    }

    #[test]
    fn cuts_overlong_text_at_clause_marks() {
        let clause = "word word word word word word word word word, ";
        let text = clause.repeat(100);
        let pieces = split_sentences(&text);
        assert!(pieces.len() > 1, "expected several pieces, got {}", pieces.len());
        for span in &pieces {
            assert!(span.end - span.start <= MAX_SENTENCE_BYTES, "piece of {} bytes", span.end - span.start);
            assert!(text[span.start..span.end].ends_with(','), "piece does not end at a comma");
        }
    }

    #[test]
    fn cuts_overlong_text_without_spaces_at_char_boundaries() {
        let text = "é".repeat(3000);
        let pieces = split_sentences(&text);
        let total: usize = pieces.iter().map(|span| span.end - span.start).sum();
        assert_eq!(total, text.len());
        for span in &pieces {
            assert!(span.end - span.start <= MAX_SENTENCE_BYTES);
            assert!(text.is_char_boundary(span.start));
            assert!(text.is_char_boundary(span.end));
        }
    }

    #[test]
    fn splits_sentence_glued_after_caption() {
        assert_eq!(
            sentences("Locke won six games in charge of the club He has impressed the chairman."),
            vec!["Locke won six games in charge of the club", "He has impressed the chairman."]
        );
    }

    #[test]
    fn splits_before_capitalised_common_word() {
        assert_eq!(
            sentences("Scroll down for video According to police, he fled. It went according to plan."),
            vec!["Scroll down for video", "According to police, he fled.", "It went according to plan."]
        );
    }

    #[test]
    fn keeps_capitalised_common_word_after_verb_as_name() {
        let cases: [(&str, &[&str]); 4] = [
            (
                "The company says Apple products are overpriced. I ate an apple today.",
                &["The company says Apple products are overpriced.", "I ate an apple today."],
            ),
            (
                "For more information, see Honey bee anatomy. Bees make honey.",
                &["For more information, see Honey bee anatomy.", "Bees make honey."],
            ),
            // A function word still opens a glued sentence after such a word.
            ("Officials say The storm was mild", &["Officials say", "The storm was mild"]),
            // A clause number keeps the clause that follows it.
            ("Terms: 4.3 On termination the tenant leaves.", &["Terms: 4.3 On termination the tenant leaves."]),
        ];
        for (text, expected) in cases {
            assert_eq!(sentences(text), expected, "text {text:?}");
        }
    }

    #[test]
    fn keeps_capitalised_words_that_are_not_glued_starts() {
        let cases = [
            "See images A and B for the detail.",
            "She met the new Director of the museum, and the director agreed.",
            "They starred in The Godfather together.",
            "Police said Wright was there.",
        ];
        for text in cases {
            assert_eq!(sentences(text), vec![text], "case: {text}");
        }
    }

    #[test]
    fn lower_case_title_ends_sentence() {
        assert_eq!(
            sentences("The query took 410 ms. We then added an index. Ms. Lopez agreed."),
            vec!["The query took 410 ms.", "We then added an index.", "Ms. Lopez agreed."]
        );
    }

    #[test]
    fn references_to_numbered_parts_continue_the_sentence() {
        let cases = [
            "See Eq. 4 of the paper and Art. 5 of the treaty.",
            "The rule is in Sect. 4.3 of the supplement, see chap. 3 and p. 12.",
            "DataVault v. 3.2 is covered by s. 50B of the Act.",
            "Nach § 5 Abs. 2 Nr. 3 muss der Antrag vorliegen.",
            "Grund dafür seien z. B. die Baustellen, u. a. in Berlin.",
            "Ab dem 14. Dezember fahren mehr Züge, ab 1. Januar noch mehr.",
            "Das kostet rund 40 Mrd. Euro im Jahr.",
        ];
        for text in cases {
            assert_eq!(sentences(text), vec![text], "case: {text}");
        }
        // Elsewhere these words end a sentence as any other word does.
        assert_eq!(
            sentences("She studied art. Paintings filled her flat. It was 2019. April came."),
            vec!["She studied art.", "Paintings filled her flat.", "It was 2019.", "April came."]
        );
    }

    #[test]
    fn clause_number_stays_with_its_clause() {
        assert_eq!(
            sentences("The fee is due. 4.3 On termination the Licensee shall delete all copies."),
            vec!["The fee is due.", "4.3 On termination the Licensee shall delete all copies."]
        );
    }

    #[test]
    fn clause_numbers_and_letters_start_items() {
        let text = "1. DEFINITIONS\n1.1 \"Software\" means the program.\n2.2 The Licensee shall not:\n\
                    (a) copy the Software;\n(iv) modify it; or\nb) lend it.\nIt grew to\n3.5 million users.";
        assert_eq!(
            sentences(text),
            vec![
                "DEFINITIONS",
                "\"Software\" means the program.",
                "The Licensee shall not:",
                "copy the Software;",
                "modify it; or",
                "lend it.",
                "It grew to\n3.5 million users."
            ]
        );
    }

    #[test]
    fn item_lookalikes_stay_text() {
        let text = "1.500 Menschen demonstrierten in Berlin.\n\nAm Samstag waren es rund\n2.300 Menschen.\n\
                    Growth reached\n1.2 Million users.\n\n>50 people came.\n(c) 2026 Coast News.";
        assert_eq!(
            sentences(text),
            vec![
                "1.500 Menschen demonstrierten in Berlin.",
                "Am Samstag waren es rund\n2.300 Menschen.",
                "Growth reached\n1.2 Million users.",
                ">50 people came.",
                "(c) 2026 Coast News."
            ]
        );
    }

    #[test]
    fn quote_levels_end_blocks() {
        let text =
            "I will join late.\nOn Monday, Tom wrote:\n> Is the review\n> still on? I travel.\n> Can you join?\n>> Older text.\nThanks.";
        assert_eq!(
            sentences(text),
            vec![
                "I will join late.",
                "On Monday, Tom wrote:",
                "Is the review\n> still on?",
                "I travel.",
                "Can you join?",
                "Older text.",
                "Thanks."
            ]
        );
    }

    #[test]
    fn nested_quote_marks_end_sentences_too() {
        let text = "On Monday, Tom wrote:\n>> Can we meet on Friday?\n>> The landlord wants an answer.\n>\t Soon.";
        assert_eq!(
            sentences(text),
            vec!["On Monday, Tom wrote:", "Can we meet on Friday?", "The landlord wants an answer.", "Soon."]
        );
    }

    #[test]
    fn quote_marks_dropped_after_first_line() {
        let cases = [
            ("one line", "one line"),
            ("a > b\nc", "a > b\nc"),
            ("first\n> second\n  >> third", "first\nsecond\nthird"),
            ("first\n>\tsecond", "first\nsecond"),
            ("first\n>50 people", "first\n>50 people"),
            ("> >\n>", "> >"),
        ];
        for (sentence, expected) in cases {
            assert_eq!(without_quote_marks(sentence), expected, "sentence {sentence:?}");
        }
    }

    #[test]
    fn whitespace_words_match_split_whitespace() {
        let cases =
            ["", "  ", "a", " a  b\tc\n", "x\u{a0}y\u{2003}z\u{b}w\u{c}v", "été là\u{3000}東京 ", "\u{85}a\u{2028}"];
        for text in cases {
            let expected: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(whitespace_words(text).collect::<Vec<_>>(), expected, "text {text:?}");
        }
    }

    fn span_texts<'t>(text: &'t str, spans: &[Span]) -> Vec<&'t str> {
        spans.iter().map(|span| &text[span.start..span.end]).collect()
    }

    proptest::proptest! {
        #[test]
        fn control_search_matches_byte_loop(text in "[a! \0\x1f\x20\x21\x7f\u{80}-\u{ff}]{0,40}", from in 0usize..40) {
            let bytes = text.as_bytes();
            let from = from.min(bytes.len());
            let expected = (from..bytes.len()).find(|&index| bytes[index] < b'!' || !bytes[index].is_ascii()).unwrap_or(bytes.len());
            proptest::prop_assert_eq!(next_control_or_non_ascii(bytes, from), expected);
        }

        #[test]
        fn uppercase_search_matches_char_test(text in "[a-zA-Z@\\[`{ .\u{80}-\u{ff}ÉéΣσ\u{2160}]{0,40}|\\PC{0,40}") {
            proptest::prop_assert_eq!(has_uppercase(&text), text.chars().any(char::is_uppercase));
        }

        #[test]
        fn mark_search_matches_byte_loop(text in "[a.!?\0\x7f\u{80}-\u{ff}\u{2026}]{0,40}", from in 0usize..40) {
            let bytes = text.as_bytes();
            let expected = (from..bytes.len()).find(|&index| matches!(bytes[index], b'.' | b'!' | b'?') || !bytes[index].is_ascii());
            proptest::prop_assert_eq!(next_mark_or_non_ascii(bytes, from), expected);
        }

        #[test]
        fn mark_search_finds_marks_after_long_runs(text in "a{0,40}[.!?é\u{80}]?a{0,40}[.!?]?", from in 0usize..40) {
            let bytes = text.as_bytes();
            let expected = (from..bytes.len()).find(|&index| matches!(bytes[index], b'.' | b'!' | b'?') || !bytes[index].is_ascii());
            proptest::prop_assert_eq!(next_mark_or_non_ascii(bytes, from), expected);
        }

        #[test]
        fn uppercase_search_finds_capitals_after_long_runs(text in "[a-z @\\[]{0,40}[A-ZÉé\u{2160}]?[a-z ]{0,40}") {
            proptest::prop_assert_eq!(has_uppercase(&text), text.chars().any(char::is_uppercase));
        }

        #[test]
        fn capital_search_matches_byte_loop(text in "[a-z @\\[`]{0,100}[A-Z\u{e9}\u{80}]?[a-z A-Z]{0,40}", from in 0usize..150) {
            let bytes = text.as_bytes();
            let from = from.min(bytes.len());
            let expected = (from..bytes.len()).find(|&index| bytes[index].is_ascii_uppercase() || !bytes[index].is_ascii()).unwrap_or(bytes.len());
            proptest::prop_assert_eq!(next_capital_or_non_ascii(bytes, from), expected);
        }

        #[test]
        fn list_number_test_matches_trimmed_digits(before in "[0-9 \t\n\u{a0}\u{2003}a.]{0,6}") {
            let trimmed = before.trim();
            let expected = !trimmed.is_empty() && trimmed.len() <= 3 && trimmed.bytes().all(|b| b.is_ascii_digit());
            proptest::prop_assert_eq!(is_list_number(&before), expected);
        }

        #[test]
        fn initial_chain_test_matches_part_test(word in "[A-Za-zÉé.\u{2160}]{0,6}") {
            let expected = word.contains('.')
                && word.split('.').all(|part| {
                    let mut chars = part.chars();
                    chars.next().is_some_and(char::is_uppercase) && chars.next().is_none()
                });
            proptest::prop_assert_eq!(is_initial_chain(&word), expected);
        }

        #[test]
        fn whitespace_trims_match_str_trims(text in "[ \t\n\x0b\x0c\r\x1f\u{85}\u{a0}\u{2003}a.é]{0,12}") {
            proptest::prop_assert_eq!(trim_start_whitespace(&text), text.trim_start());
            proptest::prop_assert_eq!(trim_end_whitespace(&text), text.trim_end());
        }

        #[test]
        fn whitespace_mask_matches_byte_test(chunk in proptest::array::uniform8(0u8..0x80)) {
            let expected = chunk.iter().enumerate().filter(|(_, byte)| byte.is_ascii_whitespace() || **byte == 0x0B).map(|(index, _)| 0x80 << (8 * index)).sum::<u64>();
            proptest::prop_assert_eq!(ascii_whitespace_bytes(u64::from_le_bytes(chunk)), expected);
        }

        #[test]
        fn whitespace_words_match_split_whitespace_on_any_text(
            text in "\\PC{0,40}|[a \t\n\u{a0}\u{2003}\u{b}\u{85}é]{0,40}|[ab! \0\x08\t\x0e\x1f\x7f\u{80}\u{a0}é]{0,40}",
        ) {
            let expected: Vec<&str> = text.split_whitespace().collect();
            proptest::prop_assert_eq!(whitespace_words(&text).collect::<Vec<_>>(), expected.clone());
            proptest::prop_assert_eq!(span_texts(&text, &whitespace_word_spans(&text)), expected);
        }

        #[test]
        fn glue_finder_finds_nothing_without_capitals(
            text in "((the|he|a|and|club|boy|won|x\\.|é|ß|£|\u{2170}|ǅe|東。)[ \n\u{a0}]{1,2}){0,14}",
            cut in 0usize..80,
        ) {
            // `split_sentences` leaves the words out of the glue finder of text
            // without an upper-case char, which is right only if it finds nothing
            // there with them.
            proptest::prop_assume!(!text.chars().any(char::is_uppercase));
            let mut glue = GlueFinder::new(&text);
            let cut = (0..=cut.min(text.len())).rev().find(|&at| text.is_char_boundary(at)).unwrap_or(0);
            proptest::prop_assert_eq!(glue.boundaries(Span { start: 0, end: cut }), Vec::<usize>::new());
            proptest::prop_assert_eq!(glue.boundaries(Span { start: cut, end: text.len() }), Vec::<usize>::new());
        }

        #[test]
        fn lowercase_matches_str_lowercase(word in "[a-zA-Z0-9.]{0,8}|\\PC{0,8}") {
            proptest::prop_assert_eq!(lowercase(&word), word.to_lowercase());
        }

        #[test]
        fn word_scan_finds_maybe_capitalised_words(
            text in "\\PC{0,40}|([a-zA-Z@\\[]{1,5}|[ \t\n\u{a0}\u{2003}]{1,2}|É|é|東|\u{85}){0,40}",
        ) {
            let words = whitespace_word_spans_with_capitals(&text);
            let expected: Vec<usize> = (0..words.spans.len())
                .filter(|&index| {
                    let first = text.as_bytes()[words.spans[index].start];
                    first.is_ascii_uppercase() || !first.is_ascii()
                })
                .collect();
            proptest::prop_assert_eq!(&words.spans, &whitespace_word_spans(&text));
            proptest::prop_assert_eq!(words.maybe_capitalised, expected);
        }

        #[test]
        fn word_spans_match_split_whitespace_on_long_text(
            text in "([a-z]{1,9}|[ \t\n\r\x0b\x0c\0\x1f]{1,3}|\u{a0}|\u{2003}|é|東|\u{85}){0,40}",
        ) {
            let expected: Vec<&str> = text.split_whitespace().collect();
            proptest::prop_assert_eq!(span_texts(&text, &whitespace_word_spans(&text)), expected);
        }

        #[test]
        fn glue_finder_sees_the_words_of_each_piece(
            text in "((The|He|A|and|or|club|Club|boy|Locke|won|x\\.|é|Été|été,|東。)[ \n\u{a0}\u{2003}]{1,2}){0,14}",
            cuts in proptest::collection::vec(0usize..80, 0..12),
        ) {
            // Pieces that split the text at char boundaries, in order, as split_block makes.
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&cut| cut < text.len() && text.is_char_boundary(cut)).collect();
            cuts.push(0);
            cuts.push(text.len());
            cuts.sort_unstable();
            cuts.dedup();
            let mut glue = GlueFinder::new(&text);
            let common_words = glue.common_words.clone();
            for piece in cuts.windows(2) {
                let (start, end) = (piece[0], piece[1]);
                let expected: Vec<usize> = {
                    let piece_text = &text[start..end];
                    let words: Vec<(usize, &str)> = whitespace_words(piece_text)
                        .map(|word| (word.as_ptr() as usize - piece_text.as_ptr() as usize, word))
                        .collect();
                    words
                        .windows(3)
                        .filter(|triple| is_glued_opener(triple[0].1, triple[1].1, triple[2].1, &common_words))
                        .map(|triple| triple[1].0)
                        .collect()
                };
                proptest::prop_assert_eq!(glue.boundaries(Span { start, end }), expected);
            }
        }

        #[test]
        fn glue_finder_common_words_match_word_list(
            triples in proptest::collection::vec((0usize..4, 0usize..64, 0usize..64, 0usize..4), 0..60),
            spaces in proptest::collection::vec("[ \n\u{a0}\u{2003}]{1,2}", 180),
        ) {
            // The name of number `n` below 64: "B" and three letters.
            let name = |n: usize| -> String {
                std::iter::once('B').chain((0..3).map(|digit| ['a', 'b', 'c', 'é'][n >> (2 * digit) & 3])).collect()
            };
            // Each triple of words has the shape of a glued start unless its first
            // word rules it out, so up to 60 of them give more candidates than are
            // searched one by one, and fewer give fewer.
            let words = triples.iter().flat_map(|&(before, opener, after, mark)| {
                let before = match before {
                    0 => "x.".to_owned(),
                    1 => "7".to_owned(),
                    _ => name(opener ^ before).to_lowercase(),
                };
                let after = name(after).to_lowercase() + ["", ".", ",", "!"][mark];
                [before, name(opener), after]
            });
            let text: String = words.zip(&spaces).map(|(word, space)| format!("{word}{space}")).collect();
            proptest::prop_assert_eq!(GlueFinder::new(&text).common_words, common_words_from_word_list(&text));
        }

        #[test]
        fn lowercase_use_search_matches_word_scan(
            text in "([a-cA-Cé]{1,4}[.,'!]{0,2}|[ \n\u{a0}\u{2003}]{1,2}){0,40}",
            candidates in proptest::collection::hash_set("[a-cé][a-cé]{0,3}", 0..20),
        ) {
            let candidates: HashSet<String, FixedState> = candidates.into_iter().collect();
            proptest::prop_assert_eq!(
                find_lowercase_uses_by_search(&text, candidates.clone()),
                find_lowercase_uses_by_words(&text, &candidates)
            );
        }

        #[test]
        fn word_ends_match_char_search(
            text in "\\PC{0,40}|([a-zA-Z.]{1,9}|[ \t\n\x0b\x0c\0\x1f\x7f]{1,3}|\u{a0}|\u{2003}|é|東|\u{85}){0,20}",
            at in 0usize..200,
        ) {
            let at = (0..=at.min(text.len())).rev().find(|&at| text.is_char_boundary(at)).unwrap_or(0);
            let expected_end = text[at..].find(char::is_whitespace).map_or(text.len(), |offset| at + offset);
            let expected_start = text[..at].rfind(char::is_whitespace).map_or(0, |start| {
                start + text[start..].chars().next().map_or(0, char::len_utf8)
            });
            proptest::prop_assert_eq!(word_end(&text, at), expected_end);
            proptest::prop_assert_eq!(word_start(&text, at), expected_start);
        }

        #[test]
        fn capital_or_char_start_bytes_match_byte_tests(chunk in proptest::array::uniform8(proptest::num::u8::ANY)) {
            let expected = chunk
                .iter()
                .enumerate()
                .filter(|(_, byte)| byte.is_ascii_uppercase() || **byte >= 0xC0)
                .map(|(index, _)| 0x80u64 << (8 * index))
                .sum::<u64>();
            proptest::prop_assert_eq!(capital_or_char_start_bytes(u64::from_le_bytes(chunk)), expected);
        }
    }

    #[test]
    fn glue_finder_reads_whitespace_of_any_length() {
        for gap in [1, 254, 255, 256, 600] {
            let spaces = " ".repeat(gap);
            let text = format!("the won{spaces}He{spaces}won");
            let mut glue = GlueFinder::new(&text);
            assert_eq!(glue.boundaries(Span { start: 0, end: text.len() }), vec![7 + gap], "gap {gap}");
            // A piece that starts inside the word before cuts it.
            assert_eq!(glue.boundaries(Span { start: 6, end: text.len() }), vec![1 + gap], "gap {gap}");
        }
    }

    #[test]
    fn glue_finder_tests_neighbours_cut_by_the_piece() {
        let text = "won Locke He won. A and";
        let mut glue = GlueFinder::new(text);
        // "Locke" starts with a capital, so "He" after it starts no sentence in the
        // whole text, but in a piece that starts inside it the word before is "ocke".
        assert_eq!(glue.boundaries(Span { start: 0, end: 17 }), Vec::<usize>::new());
        assert_eq!(glue.boundaries(Span { start: 5, end: 17 }), vec![5]);
        // A word after the opener that the piece cuts still counts.
        assert_eq!(GlueFinder::new("the won He won").boundaries(Span { start: 0, end: 13 }), vec![8]);
        // A piece that ends before the word after the opener has no glued start.
        assert_eq!(GlueFinder::new("the won He won").boundaries(Span { start: 0, end: 11 }), Vec::<usize>::new());
    }

    #[test]
    fn whitespace_only_has_no_sentences() {
        assert!(split_sentences(" \n\n\t ").is_empty());
    }

    #[test]
    fn two_wrapped_day_times_stay_in_prose() {
        // Two wrapped lines of a day and a time make two headers that "name" a
        // writer ("Monday", "Friday"), so the prose is taken for a copied chat.
        let prose = "The hearing on the new bus lanes was moved to\nMonday 10:30\nand the vote on them to\nFriday 9:00\nso all residents may speak first.";
        assert_eq!(sentences(prose), [prose]);
    }
}
