//! Sentence ranking: tf-idf vectors, centrality to the document centroid, directed
//! centrality over a window of neighbours, a position prior, and a choice that skips
//! sentences repeating a chosen one.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashSet;

use foldhash::fast::FixedState;
use unicode_segmentation::UnicodeSegmentation;

use crate::segment::{whitespace_words, Span};
use crate::words::{TermCache, TermIds};
use crate::Length;

// The weights below were tuned with bench/eval.sh on the CNN/DailyMail and BBC
// development sets only; see docs/summarizer.md for the scores.

/// Weight of the position prior in a sentence's score as the summary's share of
/// the body sentences nears 0. The rest of the score is content.
const POSITION_WEIGHT: f64 = 1.0;
/// Exponent of the fall of the position weight as the summary's share `s` grows:
/// the weight is `POSITION_WEIGHT * (1 - s)^SHARE_EXPONENT`.
const SHARE_EXPONENT: f64 = 4.0;
/// Share of directed centrality in the content score as the summary's share nears
/// 0. The rest is the cosine to the centroid.
const DIRECTED_WEIGHT: f64 = 0.7;
/// Exponent of the fall of the directed share as the summary's share grows.
const DIRECTED_SHARE_EXPONENT: f64 = 4.0;
/// The number of following body sentences each body sentence is compared with.
const CENTRALITY_WINDOW: usize = 8;
/// Position of the edge threshold between the smallest (0) and largest (1) cosine.
const EDGE_THRESHOLD: f64 = 0.3;
/// Weight of edges to later sentences in directed centrality.
const FORWARD_WEIGHT: f64 = 1.0;
/// Weight of edges to earlier sentences in directed centrality.
const BACKWARD_WEIGHT: f64 = -3.0;
/// Cosine similarity above which a sentence counts as repeating a chosen one.
const REDUNDANCY_THRESHOLD: f64 = 0.6;
/// Weight of the similarity to the chosen sentences in maximal marginal relevance:
/// each pick maximises its score minus this times its largest cosine to a chosen one.
const MMR_WEIGHT: f64 = 0.2;
/// How many of the best-ranked candidates each pick considers.
const MMR_WINDOW: usize = 64;
/// Picks after this many take the best-ranked candidate, so long summaries stay
/// linear in the number of sentences.
const MMR_MAX_CHOSEN: usize = 16;
/// A sentence with more content words than this times the document's median is
/// scored down, because such units are often several sentences or captions run
/// together.
const LONG_SENTENCE_FACTOR: f64 = 2.5;
/// Sentences with fewer content words are chosen only when nothing longer is left.
const MIN_CONTENT_WORDS: usize = 4;
/// A heading has at most this many words.
const MAX_HEADING_WORDS: usize = 20;

/// A sparse, L2-normalised tf-idf vector of one sentence, sorted by term id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SentenceVector<'a> {
    /// The term ids, ascending.
    ids: &'a [u32],
    /// The weight of each term of `ids`.
    weights: &'a [f64],
}

impl<'a> SentenceVector<'a> {
    /// Returns the number of terms.
    fn len(&self) -> usize {
        self.ids.len()
    }

    /// Returns each term id, as an index, with its weight, by ascending id.
    #[inline]
    fn terms(&self) -> impl Iterator<Item = (usize, f64)> + 'a {
        self.ids.iter().zip(self.weights).map(|(&id, &weight)| (id as usize, weight))
    }
}

/// The vectors of all sentences of a document, in one buffer, where a `Vec` for
/// each sentence took 32 bytes and an allocation besides its terms. Ids and
/// weights are kept apart, 12 bytes a term where a pair of `usize` and `f64` took
/// 16, and ends take 4 bytes a sentence, which matters for text of very many tiny
/// sentences (see docs/summarizer.md).
#[derive(Debug, Default)]
pub(crate) struct SentenceVectors {
    /// The term ids of each sentence in turn. Ids count a document's distinct
    /// terms, which are fewer than its bytes, and texts are far below 4 GiB.
    ids: Vec<u32>,
    /// The weight of each term of `ids`.
    weights: Vec<f64>,
    /// For each sentence, the end of its terms in `ids` and `weights`.
    ends: Vec<u32>,
    /// For each sentence, its number of content words, which is at most
    /// `MAX_SENTENCE_BYTES` and so fits in 16 bits.
    content_words: Vec<u16>,
    /// One more than the largest term id, the length of an array indexed by term
    /// id, or 0 for no terms.
    vocabulary: usize,
}

impl SentenceVectors {
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Returns the vector of sentence `index`.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> SentenceVector<'_> {
        let start = index.checked_sub(1).map_or(0, |previous| self.ends[previous] as usize);
        let end = self.ends[index] as usize;
        SentenceVector { ids: &self.ids[start..end], weights: &self.weights[start..end] }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = SentenceVector<'_>> {
        (0..self.len()).map(|index| self.get(index))
    }

    /// Returns the number of content words of sentence `index`.
    fn content_words(&self, index: usize) -> usize {
        self.content_words[index] as usize
    }

    /// Adds a sentence with the term ids that `ids` yields, ascending, and the
    /// weights that `weights` yields for them, which it normalises.
    #[cfg(test)]
    fn push(
        &mut self,
        ids: impl IntoIterator<Item = u32>,
        weights: impl IntoIterator<Item = f64>,
        content_words: usize,
    ) {
        let start = self.ids.len();
        self.ids.extend(ids);
        self.weights.extend(weights);
        debug_assert_eq!(self.ids.len(), self.weights.len(), "one weight for each term id");
        normalize(&mut self.weights[start..]);
        if let Some(&last) = self.ids[start..].last() {
            self.vocabulary = self.vocabulary.max(last as usize + 1);
        }
        // There are fewer terms than bytes of text, which is far below 4 GiB.
        self.ends.push(u32::try_from(self.ids.len()).unwrap_or(u32::MAX));
        // A sentence has at most MAX_SENTENCE_BYTES bytes, so far fewer words.
        self.content_words.push(u16::try_from(content_words).unwrap_or(u16::MAX));
    }
}

/// Facts about one sentence that the ranking needs besides its words and span.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SentenceInfo {
    /// A line on its own without a sentence mark at the end, such as a title.
    pub heading: bool,
    /// A unit inside running text that does not end with a sentence mark, such as a
    /// photo caption that ran into the next sentence or a piece of an overlong run.
    pub fragment: bool,
    /// Text beside the writer's own in an e-mail: a quote (a line that starts with
    /// `> `), the line that introduces it, a greeting, or the signature.
    pub aside: bool,
    /// A line of a chat or log that starts with a time or a nickname, such as
    /// `[10:02] <alice> the build is failing`, or its first sentence. It is a
    /// message, which needs no sentence mark, and its prefix ([`crate::chat::prefix_len`])
    /// is no content.
    pub chat: bool,
}

/// Marks each sentence that is a heading: a whole line of at most
/// [`MAX_HEADING_WORDS`] words that does not end with a sentence mark.
pub(crate) fn describe(text: &str, spans: &[Span]) -> Vec<SentenceInfo> {
    let line_starts = line_start_indexes(text, spans);
    let untimed_chat = UntimedChat {
        nicknames: untimed_nicknames_repeat(text, spans),
        speakers: untimed_speakers_repeat(text, spans, &line_starts),
    };
    let mut infos = describe_each(text, spans, untimed_chat);
    mark_headed_messages(text, spans, &line_starts, &mut infos);
    if infos.iter().any(|info| info.chat) {
        mark_chat_notices(text, spans, &mut infos);
    }
    infos
}

/// Returns whether the sentences that start with a nickname and no time
/// (`<alice> hi`) are chat lines: when most of their nicknames repeat, or an IRC
/// client's notice (`-!- dave has joined`) is among them. The writers of a chat
/// write several lines each, where a list of keys (`<Tab> inserts a tab`, `<Esc>
/// leaves`) or a wrapped address (`<support@example.com> and`) names each once.
fn untimed_nicknames_repeat(text: &str, spans: &[Span]) -> bool {
    let sentence = |span: &Span| &text[span.start..span.end];
    let mut nicknames: Vec<&str> =
        spans.iter().filter_map(|span| crate::chat::untimed_nickname(sentence(span))).collect();
    if nicknames.is_empty() {
        return false;
    }
    if spans.iter().any(|span| crate::chat::starts_with_notice_mark(sentence(span))) {
        return true;
    }
    let lines = nicknames.len();
    nicknames.sort_unstable();
    nicknames.dedup();
    2 * nicknames.len() <= lines
}

/// Returns whether the lines that start with a speaker's label and no time
/// (`Alice Wong: ...`, `THE COURT: ...`, `Q. ...`) are chat lines: when the labels
/// at the start of lines repeat as [`crate::chat::speakers_repeat`] requires. Notes
/// and a glossary (`Note: ...`, `Runoff: ...`) have such lines too.
fn untimed_speakers_repeat(text: &str, spans: &[Span], line_starts: &[usize]) -> bool {
    let mut labels: Vec<&str> = line_starts
        .iter()
        .filter_map(|&index| crate::chat::untimed_speaker(&text[spans[index].start..spans[index].end]))
        .collect();
    crate::chat::speakers_repeat(&mut labels)
}

/// Returns the indexes of the sentences that start a line, for the chat rules that
/// read only the start of each line.
fn line_start_indexes(text: &str, spans: &[Span]) -> Vec<usize> {
    let starts_line = |span: &Span| {
        let before = text.as_bytes()[..span.start].iter().rev().find(|&&byte| !matches!(byte, b' ' | b'\t'));
        before.is_none_or(u8::is_ascii_whitespace)
    };
    (0..spans.len()).filter(|&index| starts_line(&spans[index])).collect()
}

/// Marks the messages of a chat copied from Slack, Discord, Teams or Zoom, where
/// a line of its own names the writer and the time of the lines after it
/// ([`crate::chat::message_header`]). The first sentence of each line after the
/// first header is a chat line, and each header is a heading and an aside, so the
/// names and times are neither in the centroid nor key phrases. That needs writers'
/// names that repeat as [`crate::chat::speakers_repeat`] requires, and a message
/// line after at least half of the headers, which a timetable lacks.
fn mark_headed_messages(text: &str, spans: &[Span], line_starts: &[usize], infos: &mut [SentenceInfo]) {
    let header = |index: usize| crate::chat::message_header(&text[spans[index].start..spans[index].end]);
    let headers: Vec<(usize, Option<&str>)> =
        line_starts.iter().filter_map(|&index| Some((index, header(index)?.writer))).collect();
    let Some(&(first_header, _)) = headers.first() else {
        return;
    };
    let mut writers: Vec<&str> = headers.iter().filter_map(|&(_, writer)| writer).collect();
    let followed = headers.windows(2).filter(|pair| pair[1].0 > pair[0].0 + 1).count()
        + usize::from(headers.last().is_some_and(|&(last, _)| last + 1 < spans.len()));
    if !crate::chat::speakers_repeat(&mut writers) || 2 * followed < headers.len() {
        return;
    }
    let mut next_header = headers.iter().map(|&(index, _)| index).peekable();
    for &index in line_starts.iter().filter(|&&index| index >= first_header) {
        let info = &mut infos[index];
        if next_header.next_if_eq(&index).is_some() {
            *info = SentenceInfo { heading: true, fragment: false, aside: true, chat: false };
        } else {
            *info = SentenceInfo { heading: false, fragment: false, chat: true, ..*info };
        }
    }
}

/// The kinds of lines with a writer's name and no time that are chat lines.
#[derive(Debug, Clone, Copy)]
struct UntimedChat {
    /// Lines that start with a nickname (`<alice> hi`).
    nicknames: bool,
    /// Lines that start with a speaker's label (`Alice Wong: hi`, `Q. Where?`).
    speakers: bool,
}

/// Makes asides of the notices of a chat program and of the rest of their lines.
/// A notice is a chat line whose text starts with a notice mark (see
/// [`crate::chat::LineStart`]), or a line that starts with a time and names no
/// writer (`12/05/2026, 09:58 - Messages and calls are end-to-end encrypted. No
/// one outside of this chat can read them.`) unless fewer lines name their writer.
fn mark_chat_notices(text: &str, spans: &[Span], infos: &mut [SentenceInfo]) {
    let starts: Vec<crate::chat::LineStart> =
        spans.iter().map(|span| crate::chat::line_start(&text[span.start..span.end])).collect();
    let named = starts.iter().filter(|start| start.named).count();
    let unsigned = starts.iter().filter(|start| start.unsigned).count();
    // The end of the line of the last notice: the later sentences of that line are
    // part of the notice.
    let mut notice_end = 0;
    for ((span, start), info) in spans.iter().zip(&starts).zip(infos.iter_mut()) {
        if start.notice || (named >= unsigned && start.unsigned) {
            notice_end = text[span.start..].find('\n').map_or(text.len(), |newline| span.start + newline);
        }
        if span.start < notice_end {
            info.aside = true;
        }
    }
}

/// Does the work of [`describe`] sentence by sentence. With `untimed_chat` a line
/// that starts with a nickname or a speaker's label and no time may be a chat line.
fn describe_each(text: &str, spans: &[Span], untimed_chat: UntimedChat) -> Vec<SentenceInfo> {
    // Computed once: trimming the rest of the text for every sentence would cost
    // sentences × trailing whitespace.
    let content_start = text.len() - text.trim_start().len();
    let content_end = text.trim_end().len();
    let signature_start = signature_start(text);
    let back_matter_start = back_matter_start(text);
    // Whether the line of each span is quoted is found once per line, searching
    // only the text since the span before, so that the text is read once. Text
    // without a `>` has no quotes, and is not searched.
    let may_quote = memchr::memchr(b'>', text.as_bytes()).is_some();
    let is_quoted = |line: &str| crate::segment::quote_marks_len(line.trim_start()).is_some();
    let (mut searched, mut line_quoted) = (0, is_quoted(text));
    spans
        .iter()
        .map(|&span| {
            let mut quoted = false;
            if may_quote {
                if let Some(newline) = text.as_bytes()[searched..span.start].iter().rposition(|&byte| byte == b'\n') {
                    line_quoted = is_quoted(&text[searched + newline + 1..]);
                }
                searched = span.start;
                quoted = line_quoted;
            }
            // The line that introduces a quote ("On Monday, Tom wrote:") and a
            // greeting ("Hi Paul,") are asides too.
            let sentence_text = text[span.start..span.end].trim_end();
            let attribution = sentence_text.ends_with("wrote:");
            let greeting = sentence_text.ends_with(',')
                && ["Hi ", "Hello ", "Dear ", "Hey "].iter().any(|word| sentence_text.starts_with(word))
                && whitespace_words(sentence_text).nth(4).is_none();
            let aside =
                quoted || attribution || greeting || span.start >= signature_start || span.start >= back_matter_start;
            let sentence = &text[span.start..span.end];
            let ends_line = breaks_line_after(text, span.end) || span.end >= content_end;
            let starts_line = breaks_line_before(text, span.start) || span.start <= content_start;
            let unterminated = !sentence.ends_with(['.', '!', '?', '…', '。', '！', '？', ':', ';', ',']);
            // A chat line may hold several sentences, and the first of them has the
            // prefix.
            let chat = starts_line
                // A line that starts with a letter can only have a speaker's label,
                // which counts only when the labels repeat.
                && (untimed_chat.speakers || crate::chat::may_start_with_time_or_tag(sentence))
                && crate::chat::message_prefix(sentence).is_some_and(|(_, kind)| {
                    use crate::chat::PrefixKind;
                    match kind {
                        PrefixKind::Nickname => untimed_chat.nicknames,
                        PrefixKind::Speaker => untimed_chat.speakers,
                        PrefixKind::Timed | PrefixKind::Voice => true,
                    }
                });
            let heading = ends_line
                && starts_line
                && !chat
                && unterminated
                && !sentence.contains('\n')
                && whitespace_words(sentence).nth(MAX_HEADING_WORDS).is_none();
            let fragment = !heading && !chat && (!ends_with_sentence_mark(sentence) || is_name_list(sentence));
            SentenceInfo { heading, fragment, aside, chat }
        })
        .collect()
}

/// Returns whether a line break (`\n` or `\r`) follows byte `end` of `text`, after
/// any spaces and tabs. The bytes are read one by one, because no byte of a char
/// that is not ASCII is a space, a tab or a line break.
fn breaks_line_after(text: &str, end: usize) -> bool {
    let after = text.as_bytes()[end..].iter().find(|&&byte| !matches!(byte, b' ' | b'\t'));
    after.is_some_and(|&byte| matches!(byte, b'\n' | b'\r'))
}

/// Returns whether `\n` comes before byte `start` of `text` with only spaces and
/// tabs after it, read bytewise as in [`breaks_line_after`].
fn breaks_line_before(text: &str, start: usize) -> bool {
    let before = text.as_bytes()[..start].iter().rev().find(|&&byte| !matches!(byte, b' ' | b'\t'));
    before == Some(&b'\n')
}

/// Returns the spans of the sentences' content: each chat line's span without
/// its time and nickname, which are on every line of a chat, and the other spans
/// as they are. The spans are borrowed when there is no chat line.
pub(crate) fn content_spans<'s>(text: &str, spans: &'s [Span], infos: &[SentenceInfo]) -> Cow<'s, [Span]> {
    if !infos.iter().any(|info| info.chat) {
        return Cow::Borrowed(spans);
    }
    let content = |(span, info): (&Span, &SentenceInfo)| {
        let prefix = if info.chat { crate::chat::prefix_len(&text[span.start..span.end]).unwrap_or(0) } else { 0 };
        Span { start: span.start + prefix, end: span.end }
    };
    Cow::Owned(spans.iter().zip(infos).map(content).collect())
}

/// Returns whether the sentences are those of a chat: most body sentences are chat
/// lines.
fn is_chat(infos: &[SentenceInfo]) -> bool {
    let chat_lines = infos.iter().filter(|info| info.chat).count();
    2 * chat_lines > infos.iter().filter(|info| !info.heading).count()
}

/// Returns the spans that key phrases come from: `content_spans`, less, in a chat,
/// the asides and the chat lines of fewer than [`MIN_CONTENT_WORDS`] words. So a
/// chat program's notices, and "okay" and "sounds good" repeated all through a
/// chat, give no key phrase.
pub(crate) fn key_phrase_spans<'s>(text: &str, content_spans: &'s [Span], infos: &[SentenceInfo]) -> Cow<'s, [Span]> {
    if !is_chat(infos) {
        return Cow::Borrowed(content_spans);
    }
    let has_content = |(span, info): &(&Span, &SentenceInfo)| {
        !info.aside
            && (!info.chat || whitespace_words(&text[span.start..span.end]).nth(MIN_CONTENT_WORDS - 1).is_some())
    };
    Cow::Owned(content_spans.iter().zip(infos).filter(has_content).map(|(span, _)| *span).collect())
}

/// Sign-offs that end an e-mail's own text when they are a line of their own,
/// lower-case and without the comma after them.
const SIGN_OFFS: &[&str] = &[
    "thanks",
    "thank you",
    "many thanks",
    "best",
    "best regards",
    "kind regards",
    "regards",
    "cheers",
    "sincerely",
    "yours sincerely",
    "all the best",
];

/// Returns the offset of the e-mail signature of `text`: the start of the first
/// line that is `--` or `-- ` alone or a sign-off such as `Best regards,`, after
/// which come the sender's name and any legal notice. It is the text's length when
/// there is none.
fn signature_start(text: &str) -> usize {
    // A signature line starts with `--` or comes after a line that ends with a
    // comma. One search for line breaks, which news text has few of, finds both,
    // where three substring searches read the whole text three times.
    let bytes = text.as_bytes();
    let may_sign = text.starts_with("--")
        || memchr::memchr_iter(b'\n', bytes).any(|at| {
            bytes[at + 1..].starts_with(b"--") || bytes[..at].ends_with(b",") || bytes[..at].ends_with(b",\r")
        });
    if !may_sign {
        return text.len();
    }
    let mut offset = 0;
    for line in crate::segment::lines_with_breaks(text) {
        let content = line.trim_end_matches(['\n', '\r']);
        let sign_off = content
            .trim()
            .strip_suffix(',')
            .is_some_and(|words| SIGN_OFFS.iter().any(|known| known.eq_ignore_ascii_case(words)));
        if sign_off || matches!(content, "--" | "-- ") {
            return offset;
        }
        offset += line.len();
    }
    text.len()
}

/// Headings of the back matter of an article, lower-case: the references, notes
/// and links after its text, in the languages with the most encyclopedia articles,
/// and the boilerplate sections at the end of a press release.
const BACK_MATTER_HEADINGS: &[&str] = &[
    "forward-looking statements",
    "safe harbor statement",
    "media contact",
    "media contacts",
    "press contact",
    "investor contact",
    "pressekontakt",
    "medienkontakt",
    "zukunftsgerichtete aussagen",
    "contact presse",
    "contacto de prensa",
    "###",
    "notes",
    "sources",
    "quellen",
    "weiterführende literatur",
    "lectures complémentaires",
    "pour aller plus loin",
    "lecturas adicionales",
    "ulteriori letture",
    "leitura adicional",
    "leituras adicionais",
    "bronnen",
    "voetnoten",
    "verder lezen",
    "literatuur",
    "references",
    "notes and references",
    "footnotes",
    "citations",
    "bibliography",
    "works cited",
    "further reading",
    "external links",
    "see also",
    "einzelnachweise",
    "literatur",
    "weblinks",
    "siehe auch",
    "références",
    "notes et références",
    "bibliographie",
    "voir aussi",
    "liens externes",
    "referencias",
    "bibliografía",
    "véase también",
    "enlaces externos",
    "bibliografia",
    "voci correlate",
    "collegamenti esterni",
    "referências",
    "ver também",
    "ligações externas",
    "referenties",
    "zie ook",
    "externe links",
];

/// The words before a company's name in the heading of a press release's section
/// about it, in English, German, French, Spanish, Portuguese, Dutch and Italian.
const ABOUT_PREFIXES: &[&str] =
    &["About ", "Über ", "À propos de ", "À propos d'", "Acerca de ", "Sobre ", "Over ", "Informazioni su "];

/// Returns the offset of the back matter of `text`: the start of the first line in
/// its second half that is one of [`BACK_MATTER_HEADINGS`] alone or a heading
/// "About <Company>" of a press release. A heading may have Markdown (`## `) or
/// wiki (`== ==`) marks and a colon. The references and links
/// after it are no summary of the article, so they are chosen last. In the first
/// half such a line is a table of contents or a section of the text. It is the
/// text's length when there is none.
fn back_matter_start(text: &str) -> usize {
    // Longer lines are no heading, even with their marks.
    const MAX_HEADING_LINE_BYTES: usize = 48;
    // The search starts at the first line that starts in the second half.
    let half = text.len() / 2;
    let Some(mut offset) = crate::swar::find_byte(&text.as_bytes()[half.saturating_sub(1)..], b'\n')
        .map(|newline| half.saturating_sub(1) + newline + 1)
    else {
        return text.len();
    };
    for line in crate::segment::lines_with_breaks(&text[offset..]) {
        let start = offset;
        offset += line.len();
        if line.len() > MAX_HEADING_LINE_BYTES {
            continue;
        }
        // "###" alone ends a press release.
        let heading = match line.trim() {
            "###" => "###",
            trimmed => trimmed.trim_matches(['#', '=', ' ', '\t']).trim_end_matches(':'),
        };
        // A press release describes its company under "About <Company>" at its
        // end, in a paragraph of its own (a line of wrapped text may start with
        // "About", and "About the vaccine" is a section of a story).
        let about = ABOUT_PREFIXES
            .iter()
            .filter_map(|prefix| heading.strip_prefix(prefix))
            .any(|name| name.starts_with(char::is_uppercase) && !name.ends_with(['.', '!', '?']))
            && text[..start].trim_end_matches([' ', '\t', '\r']).ends_with("\n\n");
        let known = if heading.is_ascii() {
            BACK_MATTER_HEADINGS.iter().any(|known| known.eq_ignore_ascii_case(heading))
        } else {
            BACK_MATTER_HEADINGS.contains(&heading.to_lowercase().as_str())
        };
        if about || known {
            return start;
        }
    }
    text.len()
}

/// Returns whether `word` is a lower-case word that joins the names of a list of
/// authors.
fn is_name_list_joiner(word: &str) -> bool {
    matches!(word, "and" | "et" | "al." | "al" | "&" | "von" | "van" | "de" | "der" | "den" | "da" | "di" | "le")
}

/// Returns whether `sentence` is a list of names, such as the authors of a paper
/// ("J. Smith, A. B. Kowalski, R. Tanaka et al."): at least two words and a comma,
/// every word a capitalised one or one of [`is_name_list_joiner`], and some letter
/// in lower case, which text in capitals ("STORM WARNING, WITH WINDS") and scripts
/// without case lack. It names people and makes no statement, so it counts as a fragment.
fn is_name_list(sentence: &str) -> bool {
    !has_leading_ascii_non_name(sentence) && is_name_list_by_words(sentence)
}

/// Returns [`is_name_list`] as it reads every word with the word iterator, without
/// the byte search for a word that rules a name list out.
fn is_name_list_by_words(sentence: &str) -> bool {
    // Most sentences have a lower-case word among their first few, which settles
    // it before the rest is read.
    let (mut words, mut comma, mut lower_case) = (0, false, false);
    for word in whitespace_words(sentence) {
        words += 1;
        comma |= word.ends_with(',');
        // Words are never empty, and an ASCII letter first settles the case.
        let first = word.as_bytes()[0];
        let capitalised = if first.is_ascii_alphabetic() {
            first.is_ascii_uppercase()
        } else {
            word.chars().find(|c| c.is_alphabetic()).is_some_and(char::is_uppercase)
        };
        if !capitalised && !is_name_list_joiner(word.trim_end_matches(',')) {
            return false;
        }
        lower_case |= word.chars().any(char::is_lowercase);
    }
    words >= 2 && comma && lower_case
}

/// Returns whether one of the leading all-ASCII words of `sentence` is neither
/// capitalised nor one of [`is_name_list_joiner`], which rules out a name list as
/// [`is_name_list`] tests it. The search stops at the first byte that is not
/// ASCII, because a word may then end at whitespace that is not ASCII. Reading bytes
/// takes fewer instructions than the word iterator on the one or two words that
/// settle most sentences.
fn has_leading_ascii_non_name(sentence: &str) -> bool {
    let bytes = sentence.as_bytes();
    // The ASCII whitespace of `char::is_whitespace`: tab to carriage return, and
    // space.
    let is_space = |byte: u8| matches!(byte, b'\t'..=b'\r' | b' ');
    let mut start = 0;
    loop {
        while bytes.get(start).is_some_and(|&byte| is_space(byte)) {
            start += 1;
        }
        let end = start + bytes[start..].iter().take_while(|&&byte| byte.is_ascii() && !is_space(byte)).count();
        if end == start || bytes.get(end).is_some_and(|byte| !byte.is_ascii()) {
            return false;
        }
        let word = &sentence[start..end];
        // The first letter decides the case, as in `is_name_list`.
        let capitalised = word.bytes().find(u8::is_ascii_alphabetic).is_some_and(|letter| letter.is_ascii_uppercase());
        if !capitalised && !is_name_list_joiner(word.trim_end_matches(',')) {
            return true;
        }
        start = end;
    }
}

/// Returns whether `sentence` ends with a sentence mark, before any closing quotes,
/// brackets and citation marks (`."[2]`).
fn ends_with_sentence_mark(sentence: &str) -> bool {
    let closing = ['"', '\'', ')', ']', '}', '»', '”', '’', '」', '』', '）'];
    crate::segment::trim_citation_marks(sentence)
        .trim_end_matches(closing)
        .ends_with(['.', '!', '?', '…', '。', '！', '？', '؟', '۔', '।', '॥'])
}

/// The term ids of all sentences in one list, sorted by id within each sentence,
/// with the count of each, the end of each sentence's terms and its number of
/// content words. The ids and ends are kept as they are in the vectors. A count
/// is at most a sentence's number of words, which is below `MAX_SENTENCE_BYTES`,
/// so it takes 2 bytes while the table of terms still grows.
struct TermCounts {
    ids: Vec<u32>,
    counts: Vec<u16>,
    ends: Vec<u32>,
    content_words: Vec<u16>,
}

/// Returns the [`TermCounts`] of the sentences of `spans`.
fn term_counts(text: &str, spans: &[Span], term_ids: &mut TermIds) -> TermCounts {
    // A guess of one distinct term per 8 bytes of sentence text saves most of the
    // copies that growing from empty makes, and takes at most one byte per byte.
    let sentence_bytes: usize = spans.iter().map(|span| span.end - span.start).sum();
    let mut ids: Vec<u32> = Vec::with_capacity(sentence_bytes / 8);
    let mut counts: Vec<u16> = Vec::with_capacity(sentence_bytes / 8);
    let mut ends: Vec<u32> = Vec::with_capacity(spans.len());
    let mut content_words: Vec<u16> = Vec::with_capacity(spans.len());
    // Room for the terms of most sentences, which a vector growing from empty
    // would reallocate several times in each document.
    let mut earlier_ids: Vec<u32> = Vec::with_capacity(64);
    let mut new_counts: Vec<u32> = Vec::with_capacity(64);

    for span in spans {
        // Ids are numbered in order of first use, so the terms that the document
        // has not used before take the next ids in the order they appear, above
        // all earlier ones. They are counted by id without sorting, and only the
        // ids of earlier terms are sorted.
        let first_new = term_ids.len() as u32;
        earlier_ids.clear();
        new_counts.clear();
        let mut words = 0usize;
        term_ids.for_each_term_id(&text[span.start..span.end], |id| {
            words += 1;
            match id.checked_sub(first_new) {
                None => earlier_ids.push(id),
                Some(offset) => match new_counts.get_mut(offset as usize) {
                    Some(count) => *count += 1,
                    None => {
                        debug_assert_eq!(offset as usize, new_counts.len(), "a new id skips one");
                        new_counts.push(1);
                    }
                },
            }
        });
        earlier_ids.sort_unstable();
        let start = ids.len();
        for &id in &earlier_ids {
            if ids[start..].last() == Some(&id) {
                *counts.last_mut().expect("one count for each id") += 1;
            } else {
                ids.push(id);
                counts.push(1);
            }
        }
        ids.extend(first_new..first_new + new_counts.len() as u32);
        counts.extend(new_counts.iter().map(|&count| count as u16));
        // There are fewer terms than bytes of text, which is far below 4 GiB, and a
        // sentence has at most MAX_SENTENCE_BYTES bytes, so far fewer words.
        ends.push(u32::try_from(ids.len()).unwrap_or(u32::MAX));
        content_words.push(u16::try_from(words).unwrap_or(u16::MAX));
    }
    TermCounts { ids, counts, ends, content_words }
}

/// Builds the tf-idf vector of each sentence, with inverse sentence frequency as idf.
pub(crate) fn sentence_vectors(text: &str, spans: &[Span], terms: &mut TermCache) -> SentenceVectors {
    let mut term_ids = TermIds::new(terms);
    let TermCounts { ids, counts, ends, content_words } = term_counts(text, spans, &mut term_ids);
    let mut document_frequency = vec![0u32; term_ids.len()];
    terms.end_term_ids();
    for &id in &ids {
        document_frequency[id as usize] += 1;
    }

    // The idf of a term depends only on its frequency, so it is computed once per
    // frequency: most terms share the few smallest ones. Frequencies beyond the
    // table are rare and computed each time, so the table stays small when a term
    // is in very many sentences.
    const IDF_TABLE_LENGTH: usize = 64;
    let sentence_count = spans.len() as f64;
    let idf_of = |frequency: u32| ((sentence_count + 1.0) / (frequency as f64 + 1.0)).ln() + 1.0;
    let mut idf_by_frequency: [Option<f64>; IDF_TABLE_LENGTH] = [None; IDF_TABLE_LENGTH];
    let mut idf = |id: u32| {
        let frequency = document_frequency[id as usize];
        match idf_by_frequency.get_mut(frequency as usize) {
            Some(slot) => *slot.get_or_insert_with(|| idf_of(frequency)),
            None => idf_of(frequency),
        }
    };

    let weights = Vec::with_capacity(ids.len());
    let mut vectors = SentenceVectors { ids, weights, ends, content_words, vocabulary: 0 };
    let mut start = 0;
    for &end in &vectors.ends {
        let end = end as usize;
        if let Some(&last) = vectors.ids[start..end].last() {
            vectors.vocabulary = vectors.vocabulary.max(last as usize + 1);
        }
        vectors.weights.extend(vectors.ids[start..end].iter().zip(&counts[start..end]).map(|(&id, &tf)| {
            // ln(1) is 0, so a term seen once weighs its idf.
            let tf_weight = if tf == 1 { 1.0 } else { 1.0 + f64::from(tf).ln() };
            tf_weight * idf(id)
        }));
        normalize(&mut vectors.weights[start..end]);
        start = end;
    }
    vectors
}

fn normalize(weights: &mut [f64]) {
    let norm = weights.iter().map(|w| w * w).sum::<f64>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        for weight in weights.iter_mut() {
            *weight /= norm;
        }
    }
}

/// Returns the dot product of two normalised vectors, or 0 when it is not finite.
/// Vectors of similar length are merged in one pass. When one is more than 8 times
/// longer, the shorter one is walked and the longer one binary-searched, so a
/// sentence against a large vector costs O(sentence terms × log vocabulary). Both
/// ways add the same products in the same order (ascending term id).
fn cosine(a: &SentenceVector, b: &SentenceVector) -> f64 {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut dot = 0.0;
    if long.len() > 8 * short.len() {
        for (id, weight) in short.ids.iter().zip(short.weights) {
            if let Ok(index) = long.ids.binary_search(id) {
                dot += weight * long.weights[index];
            }
        }
    } else {
        let (mut i, mut j) = (0, 0);
        while i < short.len() && j < long.len() {
            match short.ids[i].cmp(&long.ids[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += short.weights[i] * long.weights[j];
                    i += 1;
                    j += 1;
                }
            }
        }
    }
    if dot.is_finite() {
        dot
    } else {
        0.0
    }
}

/// Returns one more than the largest term id of `vectors`, the length of an array
/// indexed by term id, or 0 for no terms.
fn vocabulary_size(vectors: &SentenceVectors) -> usize {
    vectors.vocabulary
}

/// Returns the dot product of `vector` with a vector spread out in `spread`, indexed
/// by term id with 0 for a term it lacks, or 0 when the product is not finite. Every
/// weight is positive and finite, so this adds the products of [`cosine`] in the
/// same order (ascending term id) and gives the same result without merging: the
/// other products are +0.0, which leave a sum of positive numbers unchanged.
fn dot_with_spread(vector: &SentenceVector, spread: &[f64]) -> f64 {
    let mut dot = 0.0;
    for (&id, &weight) in vector.ids.iter().zip(vector.weights) {
        dot += weight * spread[id as usize];
    }
    if dot.is_finite() {
        dot
    } else {
        0.0
    }
}

/// Scores each sentence by content and position. Scores are finite, and headings
/// get a position but do not advance it.
///
/// Content blends the cosine to the centroid of the body sentences with the
/// directed centrality of [`directed_centrality`]. Both the directed share and the
/// position prior weigh less as the summary takes a larger share `s` of the body
/// sentences, by `(1 - s)^DIRECTED_SHARE_EXPONENT` and `(1 - s)^SHARE_EXPONENT`: a
/// 3-sentence summary of a news article leans on the lead and on what later
/// sentences repeat, while a summary of 40% of a text relies mostly on the centroid.
/// A sentence with more than [`LONG_SENTENCE_FACTOR`] times the median number of
/// content words has its score scaled down by that limit over its count.
///
/// A chat, where most body sentences are chat lines, is scored otherwise. It has
/// no position prior, as it opens with greetings. Its messages with fewer than
/// [`MIN_CONTENT_WORDS`] content words ("okay", "sounds good") count as headings,
/// so their words do not steer the centroid. Each message's score is multiplied by
/// the square root of its content words in place of the long-sentence limit: a line
/// cannot be several sentences run together, and the cosines of short messages are
/// the highest.
pub(crate) fn score_sentences(
    infos: &[SentenceInfo],
    vectors: &SentenceVectors,
    max_sentences: usize,
    text_bytes: usize,
    window: &mut WindowSpread,
) -> Vec<f64> {
    let chat = is_chat(infos);
    let infos: Cow<[SentenceInfo]> = if chat {
        let short = |index: usize| vectors.content_words(index) < MIN_CONTENT_WORDS;
        let mark = |(index, info): (usize, &SentenceInfo)| SentenceInfo {
            heading: info.heading || (info.chat && short(index)),
            ..*info
        };
        Cow::Owned(infos.iter().enumerate().map(mark).collect())
    } else {
        Cow::Borrowed(infos)
    };

    // The scores are written over the directed centrality. The centroid
    // similarities (8 bytes a sentence) are kept beside them only when they take
    // at most the size of the text. Otherwise they are computed again
    // below, so text of very many tiny sentences needs one buffer fewer.
    let mut scores = directed_centrality(&infos, vectors, text_bytes, window);
    let centroid = CentroidSimilarity::new(&infos, vectors, infos.len() * 8 <= text_bytes);

    let body_sentences = infos.iter().filter(|info| !info.heading).count().max(1);
    let share = (max_sentences as f64 / body_sentences as f64).min(1.0);
    let position_weight = if chat { 0.0 } else { POSITION_WEIGHT * (1.0 - share).powf(SHARE_EXPONENT) };
    let directed_weight = DIRECTED_WEIGHT * (1.0 - share).powf(DIRECTED_SHARE_EXPONENT);
    let long_sentence_words = LONG_SENTENCE_FACTOR * median_content_words(vectors);

    let mut body_position = 0usize;
    for (index, info) in infos.iter().enumerate() {
        let position = 1.0 / (1.0 + body_position as f64).sqrt();
        if !info.heading {
            body_position += 1;
        }
        let content = (1.0 - directed_weight) * centroid.relative(index) + directed_weight * scores[index];
        let score = (1.0 - position_weight) * content + position_weight * position;
        let words = vectors.content_words(index) as f64;
        scores[index] = if chat {
            score * words.sqrt()
        } else if words > long_sentence_words {
            score * long_sentence_words / words
        } else {
            score
        };
    }
    scores
}

/// Returns the median number of content words per sentence, 0 for no sentences.
fn median_content_words(vectors: &SentenceVectors) -> f64 {
    // A copy of the 16-bit counts, where a list of `usize` took 8 bytes a sentence.
    let mut counts = vectors.content_words.clone();
    let middle = counts.len() / 2;
    if counts.is_empty() {
        return 0.0;
    }
    *counts.select_nth_unstable(middle).1 as f64
}

/// Each sentence's cosine to the centroid of the body sentences, divided by the
/// largest one.
struct CentroidSimilarity<'a> {
    vectors: &'a SentenceVectors,
    /// The centroid spread out by term id, with +0.0 for a term it lacks.
    spread: Vec<f64>,
    /// Whether each term id is one of the centroid's terms.
    present: Vec<bool>,
    /// The number of the centroid's terms.
    len: usize,
    /// The centroid as a sparse vector, built only for a sentence with more terms
    /// than it, which only a heading can have.
    sparse: OnceCell<(Vec<u32>, Vec<f64>)>,
    /// The largest cosine of a sentence to the centroid, at least 0.
    largest: f64,
    /// Each sentence's cosine, when kept.
    cosines: Option<Vec<f64>>,
}

impl<'a> CentroidSimilarity<'a> {
    /// Sums the centroid and finds the largest cosine to it, keeping each
    /// sentence's cosine when `keep` is set.
    fn new(infos: &[SentenceInfo], vectors: &'a SentenceVectors, keep: bool) -> Self {
        // Term ids are dense from 0, so the centroid is summed in an array.
        let vocabulary = vocabulary_size(vectors);
        let mut spread = vec![0.0; vocabulary];
        let mut present = vec![false; vocabulary];
        for (info, vector) in infos.iter().zip(vectors.iter()) {
            if info.heading {
                continue;
            }
            for (id, weight) in vector.terms() {
                spread[id] += weight;
                present[id] = true;
            }
        }
        // A term of no body sentence weighs +0.0, whose square leaves the sum of the
        // others unchanged, so this is the norm of the centroid's own terms.
        normalize(&mut spread);
        let len = present.iter().filter(|&&present| present).count();
        let mut centroid = Self { vectors, spread, present, len, sparse: OnceCell::new(), largest: 0.0, cosines: None };
        let sentence_cosines = (0..vectors.len()).map(|index| centroid.cosine(index));
        let (largest, cosines) = if keep {
            let cosines: Vec<f64> = sentence_cosines.collect();
            (cosines.iter().copied().fold(0.0, f64::max), Some(cosines))
        } else {
            (sentence_cosines.fold(0.0, f64::max), None)
        };
        centroid.largest = largest;
        centroid.cosines = cosines;
        centroid
    }

    /// Returns the cosine of sentence `index` to the centroid.
    fn cosine(&self, index: usize) -> f64 {
        let vector = self.vectors.get(index);
        if vector.len() > self.len {
            let (ids, weights) = self.sparse.get_or_init(|| {
                let ids: Vec<u32> = (0..self.present.len() as u32).filter(|&id| self.present[id as usize]).collect();
                let weights = ids.iter().map(|&id| self.spread[id as usize]).collect();
                (ids, weights)
            });
            return cosine(&vector, &SentenceVector { ids, weights });
        }
        dot_with_spread(&vector, &self.spread)
    }

    /// Returns the cosine of sentence `index` to the centroid divided by the largest
    /// one, or 0 when none is positive.
    fn relative(&self, index: usize) -> f64 {
        let cosine = match &self.cosines {
            Some(cosines) => cosines[index],
            None => self.cosine(index),
        };
        if self.largest > 0.0 {
            cosine / self.largest
        } else {
            0.0
        }
    }
}

/// Scores each body sentence by directed centrality in the manner of PacSum, scaled
/// to `[0, 1]`. Headings score 0.
///
/// Each body sentence is compared with the next [`CENTRALITY_WINDOW`] body
/// sentences, which keeps the cost linear in the number of sentences. An edge
/// weighs its cosine minus a threshold at [`EDGE_THRESHOLD`] of the way from the
/// smallest to the largest cosine found, or 0 below it. A sentence gains
/// [`FORWARD_WEIGHT`] times its edges to later sentences and [`BACKWARD_WEIGHT`]
/// (negative) times its edges to earlier ones, so a sentence that later ones repeat
/// ranks high and one that repeats earlier ones ranks low.
fn directed_centrality(
    infos: &[SentenceInfo],
    vectors: &SentenceVectors,
    text_bytes: usize,
    window: &mut WindowSpread,
) -> Vec<f64> {
    let body_sentences = infos.iter().filter(|info| !info.heading).count();
    let keep_cosines = body_sentences * CENTRALITY_WINDOW * std::mem::size_of::<f64>() <= 2 * text_bytes;
    // The rows take 64 bytes a term. Text whose terms are mostly new (Chinese
    // characters that seldom recur) has nearly a term for each 3 bytes, so its rows
    // would take 20 times its size. Its cosines are merged pair by pair instead.
    let vocabulary = vocabulary_size(vectors);
    let rows = vocabulary <= WindowSpread::MAX_KEPT_ROWS
        || vocabulary * std::mem::size_of::<[f64; CENTRALITY_WINDOW]>() <= 4 * text_bytes;
    directed_centrality_with(infos, vectors, keep_cosines, rows.then_some(window))
}

/// Does the work of [`directed_centrality`]. It needs each cosine twice, once for
/// the threshold and once for the weights. With `keep_cosines` they are kept from
/// the first time, at 64 bytes per sentence. Otherwise they are computed again,
/// which costs less memory but more time. [`directed_centrality`] keeps them when
/// that takes at most twice the size of the text, so text of very many short
/// sentences takes less memory, and both ways give the same scores.
fn directed_centrality_with(
    infos: &[SentenceInfo],
    vectors: &SentenceVectors,
    keep_cosines: bool,
    mut window: Option<&mut WindowSpread>,
) -> Vec<f64> {
    // The body sentences are walked afresh each time, where a list of them took 8
    // bytes a sentence of a text of tiny ones.
    let body = || (0..infos.len()).filter(|&index| !infos[index].heading);
    let body_sentences = body().count();
    let mut scores = vec![0.0; infos.len()];
    if body_sentences < 2 {
        return scores;
    }
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    // Reserved only when kept: an upper bound, as the first sentences have fewer
    // earlier ones in their window.
    let mut kept_cosines = Vec::with_capacity(if keep_cosines { body_sentences * CENTRALITY_WINDOW } else { 0 });
    for_each_window_cosine(body(), vectors, window.as_deref_mut(), |_, _, cosine| {
        // Cosines are finite sums of products of positive weights, so never NaN
        // or -0.0, and comparisons find what `f64::min` and `f64::max` would
        // with fewer instructions.
        if cosine < low {
            low = cosine;
        }
        if cosine > high {
            high = cosine;
        }
        if keep_cosines {
            kept_cosines.push(cosine);
        }
    });
    let threshold = low + EDGE_THRESHOLD * (high - low);
    let mut add_edge = |earlier: usize, later: usize, cosine: f64| {
        let weight = (cosine - threshold).max(0.0);
        scores[earlier] += FORWARD_WEIGHT * weight;
        scores[later] += BACKWARD_WEIGHT * weight;
    };
    if keep_cosines {
        let mut cosines = kept_cosines.into_iter();
        for_each_window_edge(body(), |earlier, later| add_edge(earlier, later, cosines.next().unwrap_or(0.0)));
    } else {
        for_each_window_cosine(body(), vectors, window, add_edge);
    }

    let low = body().map(|index| scores[index]).fold(f64::INFINITY, f64::min);
    let high = body().map(|index| scores[index]).fold(f64::NEG_INFINITY, f64::max);
    if high > low {
        for index in body() {
            scores[index] = (scores[index] - low) / (high - low);
        }
    } else {
        scores.fill(0.0);
    }
    scores
}

/// Calls `visit` with the indexes of the earlier and the later sentence of each
/// edge of directed centrality, in the order of [`for_each_window_cosine`].
fn for_each_window_edge(body: impl IntoIterator<Item = usize>, mut visit: impl FnMut(usize, usize)) {
    // The last CENTRALITY_WINDOW body sentences, each at its position modulo the
    // window.
    let mut recent = [0usize; CENTRALITY_WINDOW];
    for (position, later) in body.into_iter().enumerate() {
        for earlier in position.saturating_sub(CENTRALITY_WINDOW)..position {
            visit(recent[earlier % CENTRALITY_WINDOW], later);
        }
        recent[position % CENTRALITY_WINDOW] = later;
    }
}

/// Calls `visit` with each edge of directed centrality: the indexes of an earlier
/// and a later sentence of `body` that is at most [`CENTRALITY_WINDOW`] body
/// sentences after it, and their cosine. Edges come in order of the later sentence,
/// then of the earlier one. So each sentence's edges to earlier sentences come
/// first, in order, then its edges to later ones, in order.
///
/// Each sentence is spread out by term id into its own slot of one array, which
/// keeps the last [`CENTRALITY_WINDOW`] sentences. Each sentence then walks its
/// terms once and sums its products with every slot side by side, where summing
/// it against each earlier sentence in turn walks its terms once per earlier
/// sentence. Each sum adds the same products in the same order as
/// [`dot_with_spread`], so the cosines are the same.
///
/// Without `window` each cosine is merged pair by pair by [`cosine`], which adds
/// the same products in the same order, so the cosines are the same again.
fn for_each_window_cosine(
    body: impl IntoIterator<Item = usize>,
    vectors: &SentenceVectors,
    window: Option<&mut WindowSpread>,
    mut visit: impl FnMut(usize, usize, f64),
) {
    const WINDOW: usize = CENTRALITY_WINDOW;
    let Some(window) = window else {
        for_each_window_edge(body, |earlier, later| {
            visit(earlier, later, cosine(&vectors.get(earlier), &vectors.get(later)))
        });
        return;
    };
    let spread = window.rows(vocabulary_size(vectors));
    // The sentence of each slot of `spread`, and how many slots hold one.
    let mut recent = [0usize; WINDOW];
    let mut filled = 0;
    for (position, sentence) in body.into_iter().enumerate() {
        let mut sums = [0.0f64; WINDOW];
        let vector = vectors.get(sentence);
        for (&id, &weight) in vector.ids.iter().zip(vector.weights) {
            let row = &spread[id as usize];
            for slot in 0..WINDOW {
                sums[slot] += weight * row[slot];
            }
        }
        for earlier in position.saturating_sub(WINDOW)..position {
            let sum = sums[earlier % WINDOW];
            visit(recent[earlier % WINDOW], sentence, if sum.is_finite() { sum } else { 0.0 });
        }

        // The slot of the sentence WINDOW places back, which no later sentence
        // reaches, now takes this one.
        let slot = position % WINDOW;
        if position >= WINDOW {
            for &id in vectors.get(recent[slot]).ids {
                spread[id as usize][slot] = 0.0;
            }
        }
        for (id, weight) in vectors.get(sentence).terms() {
            spread[id][slot] = weight;
        }
        recent[slot] = sentence;
        filled = (position + 1).min(WINDOW);
    }

    // The slots still taken are cleared, so that the rows are all zero again.
    for &sentence in &recent[..filled] {
        for &id in vectors.get(sentence).ids {
            spread[id as usize] = [0.0; WINDOW];
        }
    }
    window.release();
}

/// The rows of [`for_each_window_cosine`], one for each term id with a slot for each
/// sentence of the window. A [`crate::Summarizer`] keeps them from one document to
/// the next, so that each document does not zero 64 bytes per term. Between
/// documents every row is zero.
#[derive(Debug, Default)]
pub(crate) struct WindowSpread {
    rows: Vec<[f64; CENTRALITY_WINDOW]>,
}

impl WindowSpread {
    /// The maximum number of rows kept between documents, 1 MiB at 64 bytes a row.
    /// More rows are freed after the document that needed them, so that one long
    /// text does not keep its memory.
    const MAX_KEPT_ROWS: usize = 16_384;

    /// Returns at least `len` rows, all zero.
    fn rows(&mut self, len: usize) -> &mut [[f64; CENTRALITY_WINDOW]] {
        if self.rows.len() < len {
            self.rows.resize(len, [0.0; CENTRALITY_WINDOW]);
        }
        &mut self.rows
    }

    /// Frees the rows when there are more than [`Self::MAX_KEPT_ROWS`].
    fn release(&mut self) {
        if self.rows.len() > Self::MAX_KEPT_ROWS {
            self.rows = Vec::new();
        }
    }
}

/// A [`Length`] resolved against one document.
#[derive(Debug, Clone)]
pub(crate) struct Limit {
    /// The maximum number of sentences.
    pub max_sentences: usize,
    /// The maximum number of words in all, with the word count of each sentence.
    pub word_budget: Option<(usize, Vec<usize>)>,
    /// About how many sentences the summary will have, which sets the weight of
    /// the position prior.
    pub expected_sentences: usize,
}

impl Limit {
    pub(crate) fn new(text: &str, spans: &[Span], length: Length) -> Self {
        match length {
            Length::Sentences(count) => {
                Self { max_sentences: count.get(), word_budget: None, expected_sentences: count.get() }
            }
            Length::Ratio(ratio) => {
                let count = ((ratio.get() * spans.len() as f64).ceil() as usize).clamp(1, spans.len());
                Self { max_sentences: count, word_budget: None, expected_sentences: count }
            }
            Length::Words(budget) => {
                let words: Vec<usize> =
                    spans.iter().map(|span| text[span.start..span.end].unicode_words().count()).collect();
                let mean = (words.iter().sum::<usize>() as f64 / spans.len().max(1) as f64).max(1.0);
                let expected = ((budget.get() as f64 / mean).round() as usize).max(1);
                Self {
                    max_sentences: spans.len(),
                    word_budget: Some((budget.get(), words)),
                    expected_sentences: expected,
                }
            }
        }
    }
}

/// Picks the best-scored sentences that do not repeat a chosen one and fit the
/// limit, in document order.
///
/// Body sentences with at least [`MIN_CONTENT_WORDS`] content words come first.
/// Shorter sentences, headings and fragments fill the summary only when those run
/// out, and asides (e-mail quotes, signatures and back matter) only after them.
/// Under a word budget a sentence that does not fit is skipped, only the first
/// tier that has sentences is used, and when none of them fits the best one is
/// returned alone.
pub(crate) fn choose(
    text: &str,
    spans: &[Span],
    infos: &[SentenceInfo],
    vectors: &SentenceVectors,
    scores: &[f64],
    limit: &Limit,
) -> Vec<usize> {
    let sentence = |index: usize| &text[spans[index].start..spans[index].end];

    // Whole sentences of some length first, then the shorter ones, headings and
    // fragments, and asides last.
    let tier = |index: usize| {
        let info = &infos[index];
        if info.aside {
            2
        } else if vectors.content_words(index) >= MIN_CONTENT_WORDS && !info.heading && !info.fragment {
            0
        } else {
            1
        }
    };

    // Better-scored sentences first, and of equal scores the earlier one.
    let ranks_before = |a: usize, b: usize| scores[b].total_cmp(&scores[a]).then(a.cmp(&b));
    let mut tier_sizes = [0usize; 3];
    for index in 0..infos.len() {
        tier_sizes[tier(index)] += 1;
    }

    let mut finder = RepeatFinder::new(vectors, MAX_REPEAT_VISITS);
    let mut marginal = MarginalSimilarity::new(vectors);
    let mut words_used = 0;
    for pass in 0..3 {
        // A word budget is spent on whole sentences of the first tier that has any:
        // headings and short lines do not fill what is left of it.
        if limit.word_budget.is_some() && tier_sizes[..pass].iter().any(|&size| size > 0) {
            break;
        }
        if finder.chosen.len() >= limit.max_sentences {
            break;
        }
        // The tier's sentences by rank. Indexes are u32 because the pool of a text of
        // very many tiny sentences is large, and texts have fewer sentences than bytes.
        let mut pool: Vec<u32> = Vec::with_capacity(tier_sizes[pass]);
        pool.extend((0..infos.len()).filter(|&index| tier(index) == pass).map(|index| index as u32));
        pool.sort_unstable_by(|&a, &b| ranks_before(a as usize, b as usize));
        let mut untaken = Untaken::new(pool.len());
        marginal.start_pool();
        let mut cursor = 0;
        while finder.chosen.len() < limit.max_sentences {
            cursor = untaken.first_from(cursor);
            if cursor == pool.len() {
                break;
            }
            let slot = if finder.chosen.is_empty() || finder.chosen.len() >= MMR_MAX_CHOSEN {
                cursor
            } else {
                best_marginal_slot(&pool, &untaken, cursor, &finder.chosen, &mut marginal, scores)
            };
            untaken.take(slot);
            let candidate = pool[slot] as usize;
            marginal.forget(candidate);

            if let Some((budget, words)) = &limit.word_budget {
                if words_used + words[candidate] > *budget {
                    continue;
                }
            }
            if !finder.repeats(candidate, sentence(candidate)) {
                finder.add(candidate, sentence(candidate));
                if let Some((_, words)) = &limit.word_budget {
                    words_used += words[candidate];
                }
            }
        }
    }
    let mut chosen = finder.chosen;
    if chosen.is_empty() {
        // Nothing fits the word budget: the best sentence of the first tier alone.
        chosen.extend((0..infos.len()).min_by(|&a, &b| tier(a).cmp(&tier(b)).then(ranks_before(a, b))));
    }

    chosen.sort_unstable();
    chosen
}

/// The number of chosen sentences up to which [`RepeatFinder`] compares a candidate
/// with each of them, before it builds its index of terms.
const REPEAT_SCAN_LIMIT: usize = 16;

/// The maximum number of entries of its index of terms that [`RepeatFinder`]
/// visits for one candidate, which bounds the time of a long summary of a long text.
const MAX_REPEAT_VISITS: usize = 1024;

/// Finds whether a candidate repeats a chosen sentence: has the same text, or a
/// cosine above [`REDUNDANCY_THRESHOLD`] to it.
///
/// Comparing each candidate with every chosen sentence takes time that grows with
/// the square of the document when the summary is a share of a long one. So beyond
/// [`REPEAT_SCAN_LIMIT`] chosen sentences, a candidate is compared only with those
/// that share an indexed term with it. A chosen sentence leaves its lightest terms
/// out of the index while their squared weights sum to less than the threshold's
/// square. Its cosine to a unit vector over those terms alone is then below the
/// threshold, so the result is the same as comparing with every chosen sentence.
///
/// Text in which most sentences share weighty terms with most others would still
/// cost time that grows with the square of its length. 1 MB of sentences over a
/// vocabulary of a few hundred words took 2 s with ratio 1, and 5.4 MB with ratio
/// 0.5 took 65 s. So a candidate visits at most [`MAX_REPEAT_VISITS`] entries of
/// the index, through its weightiest terms first: in such text a repeat of a chosen
/// sentence that shares only lighter terms can remain. With the limit those runs
/// took 1.1 s and 5.9 s, and ratio 1 on the 1 MB kept 9,251 sentences where the
/// full search kept 9,143.
struct RepeatFinder<'a> {
    vectors: &'a SentenceVectors,
    /// The maximum number of entries of the index that one candidate visits.
    max_visits: usize,
    /// The candidate's terms, weightiest first.
    by_weight: Vec<(usize, f64)>,
    /// The chosen sentences, in the order they were chosen.
    chosen: Vec<usize>,
    texts: HashSet<&'a str, FixedState>,
    /// For each term id, the positions in `chosen` of the sentences that index it.
    /// Empty until more than [`REPEAT_SCAN_LIMIT`] sentences are chosen.
    postings: Vec<Vec<u32>>,
    /// For each position in `chosen`, the last candidate compared with it, so that
    /// each is compared once.
    compared: Vec<usize>,
}

impl<'a> RepeatFinder<'a> {
    fn new(vectors: &'a SentenceVectors, max_visits: usize) -> Self {
        Self {
            vectors,
            max_visits,
            by_weight: Vec::new(),
            chosen: Vec::new(),
            texts: HashSet::default(),
            postings: Vec::new(),
            compared: Vec::new(),
        }
    }

    /// Returns whether sentence `candidate`, whose text is `text`, repeats a chosen one.
    fn repeats(&mut self, candidate: usize, text: &str) -> bool {
        if self.texts.contains(text) {
            return true;
        }
        let vector = self.vectors.get(candidate);
        if self.postings.is_empty() {
            return self.chosen.iter().any(|&kept| cosine(&self.vectors.get(kept), &vector) > REDUNDANCY_THRESHOLD);
        }
        self.by_weight.clear();
        self.by_weight.extend(vector.terms());
        self.by_weight.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut visits = 0;
        for &(id, _) in &self.by_weight {
            for &position in &self.postings[id] {
                if visits == self.max_visits {
                    return false;
                }
                visits += 1;
                let position = position as usize;
                if self.compared[position] == candidate {
                    continue;
                }
                self.compared[position] = candidate;
                if cosine(&self.vectors.get(self.chosen[position]), &vector) > REDUNDANCY_THRESHOLD {
                    return true;
                }
            }
        }
        false
    }

    /// Adds sentence `index`, whose text is `text`, to the chosen ones.
    fn add(&mut self, index: usize, text: &'a str) {
        self.texts.insert(text);
        self.chosen.push(index);
        if !self.postings.is_empty() {
            self.index(self.chosen.len() - 1);
        } else if self.chosen.len() > REPEAT_SCAN_LIMIT {
            self.postings = vec![Vec::new(); vocabulary_size(self.vectors)];
            for position in 0..self.chosen.len() {
                self.index(position);
            }
        }
    }

    /// Adds the chosen sentence at `position` to the index of terms.
    fn index(&mut self, position: usize) {
        let mut by_weight: Vec<(usize, f64)> = self.vectors.get(self.chosen[position]).terms().collect();
        by_weight.sort_by(|a, b| a.1.total_cmp(&b.1));
        // The lightest terms stay out while their squares sum to less than the
        // threshold's square, less a margin for rounding.
        let limit = REDUNDANCY_THRESHOLD * REDUNDANCY_THRESHOLD - 1e-9;
        let mut left_out = 0.0;
        for (id, weight) in by_weight {
            left_out += weight * weight;
            if left_out >= limit {
                self.postings[id].push(position as u32);
            }
        }
        // `usize::MAX` is no sentence's index, so a new position counts as not yet
        // compared.
        self.compared.resize(self.chosen.len(), usize::MAX);
    }
}

/// Returns the slot of `pool` (among the first [`MMR_WINDOW`] of `untaken` from
/// `cursor` on) with the best maximal marginal relevance: its score minus
/// [`MMR_WEIGHT`] times its largest cosine to a chosen sentence. Ties go to the
/// better-ranked slot.
fn best_marginal_slot(
    pool: &[u32],
    untaken: &Untaken,
    cursor: usize,
    chosen: &[usize],
    marginal: &mut MarginalSimilarity<'_>,
    scores: &[f64],
) -> usize {
    let mut best = (cursor, f64::NEG_INFINITY);
    let mut slot = untaken.first_from(cursor);
    for position in 0..MMR_WINDOW {
        if slot == pool.len() {
            break;
        }
        let candidate = pool[slot] as usize;
        let relevance = scores[candidate] - MMR_WEIGHT * marginal.max_cosine(position, candidate, chosen);
        if relevance > best.1 {
            best = (slot, relevance);
        }
        slot = untaken.first_from(slot + 1);
    }
    best.0
}

/// The slots of a pool of candidates not yet taken, as a tree of bit sets. The
/// first level has a bit for each slot, set while it is untaken. Each level above
/// has a bit for each 64-bit word of the level below, set while that word has a
/// bit set, up to a level of one word. Finding the next untaken slot walks up and
/// down the levels, so it takes nearly constant time. Scanning over taken slots
/// took time that grew with the square of the sentences under a word budget, as
/// most candidates are taken there without fitting. A pool of a million tiny
/// sentences takes 130 KB, where a `u32` for each slot took 4 MB.
struct Untaken {
    /// The levels, the bits of the slots first. A level's bits past its end are 0.
    levels: Vec<Vec<u64>>,
    len: usize,
}

impl Untaken {
    fn new(len: usize) -> Self {
        let mut levels = Vec::new();
        let mut bits = len;
        loop {
            let mut words = vec![u64::MAX; bits.div_ceil(64)];
            if let Some(last) = words.last_mut() {
                if !bits.is_multiple_of(64) {
                    *last = (1u64 << (bits % 64)) - 1;
                }
            }
            let word_count = words.len();
            levels.push(words);
            if word_count <= 1 {
                break;
            }
            bits = word_count;
        }
        Self { levels, len }
    }

    /// Marks `slot` taken.
    fn take(&mut self, slot: usize) {
        let mut position = slot;
        for words in &mut self.levels {
            let word = &mut words[position / 64];
            *word &= !(1u64 << (position % 64));
            if *word != 0 {
                break;
            }
            position /= 64;
        }
    }

    /// Returns the first untaken slot at or after `slot`, or the pool's length.
    fn first_from(&self, slot: usize) -> usize {
        if slot >= self.len {
            return self.len;
        }
        // Most lookups end in the slot's own word.
        let bits = self.levels[0][slot / 64] & (u64::MAX << (slot % 64));
        if bits != 0 {
            return slot / 64 * 64 + bits.trailing_zeros() as usize;
        }
        // Up: the first level with a bit set at or after `position` in its word.
        let mut level = 0;
        let mut position = slot;
        loop {
            let words = &self.levels[level];
            let Some(&word) = words.get(position / 64) else {
                return self.len;
            };
            let bits = word & (u64::MAX << (position % 64));
            if bits != 0 {
                position = position / 64 * 64 + bits.trailing_zeros() as usize;
                break;
            }
            if level + 1 == self.levels.len() {
                return self.len;
            }
            level += 1;
            position = position / 64 + 1;
        }
        // Down: each set bit leads to a word of the level below with a bit set.
        while level > 0 {
            level -= 1;
            position = position * 64 + self.levels[level][position].trailing_zeros() as usize;
        }
        position
    }
}

/// The largest cosine of each sentence to the chosen ones, kept from one pick of
/// [`best_marginal_slot`] to the next, so that each pick compares a candidate only
/// with the sentences chosen since it was last compared.
struct MarginalSimilarity<'a> {
    vectors: &'a SentenceVectors,
    /// The candidates compared and not taken yet, in the order of the pool. Each
    /// has the largest cosine to the chosen sentences it counts, and how many of
    /// them it counts. Each pick compares the first [`MMR_WINDOW`] untaken candidates
    /// of the pool, in order, and [`Self::forget`] drops a taken one. So these are
    /// the first untaken candidates, at most [`MMR_WINDOW`] of them, and a pick
    /// finds each at its position in the window. A list of all sentences took 9
    /// bytes a sentence of a text of tiny ones. Picks by marginal relevance stop at
    /// [`MMR_MAX_CHOSEN`] chosen sentences, so the count fits in a byte.
    /// They are `entries[first..]`: taking the first candidate, the common case,
    /// moves `first` on, and the entries before it are dropped now and then.
    entries: Vec<(u32, f64, u8)>,
    first: usize,
    /// The last chosen sentence spread out by term id, with the sentence's index,
    /// against which most candidates are summed without merging. Empty until used.
    spread: Vec<f64>,
    spread_sentence: Option<usize>,
}

impl<'a> MarginalSimilarity<'a> {
    fn new(vectors: &'a SentenceVectors) -> Self {
        Self { vectors, entries: Vec::new(), first: 0, spread: Vec::new(), spread_sentence: None }
    }

    /// Returns the largest cosine of sentence `candidate` to the sentences of
    /// `chosen`, which only grows between calls. The cosines are folded in the
    /// order of `chosen` from 0, as a fold over all of them would be. `position` is
    /// the candidate's place among the untaken candidates of the pool. Its entry
    /// is found there at once, or else looked for in the whole window.
    fn max_cosine(&mut self, position: usize, candidate: usize, chosen: &[usize]) -> f64 {
        const { assert!(MMR_MAX_CHOSEN <= u8::MAX as usize) };
        debug_assert!(chosen.len() <= usize::from(u8::MAX), "more chosen sentences than a byte counts");
        // Sentence indexes fit in u32, as the pools of `choose` hold them.
        let key = candidate as u32;
        let window = &self.entries[self.first..];
        let entry = self.first
            + match window.get(position) {
                Some(&(sentence, _, _)) if sentence == key => position,
                _ => match window.iter().position(|&(sentence, _, _)| sentence == key) {
                    Some(entry) => entry,
                    None => {
                        self.entries.push((key, 0.0, 0));
                        self.entries.len() - 1 - self.first
                    }
                },
            };
        let (_, mut largest, counted) = self.entries[entry];
        if usize::from(counted) == chosen.len() {
            return largest;
        }
        let last = chosen.len().saturating_sub(1);
        for (position, &kept) in chosen.iter().enumerate().skip(usize::from(counted)) {
            let similarity = if position == last {
                self.cosine_to_spread(kept, candidate)
            } else {
                cosine(&self.vectors.get(kept), &self.vectors.get(candidate))
            };
            largest = largest.max(similarity);
        }
        self.entries[entry] = (key, largest, u8::try_from(chosen.len()).unwrap_or(u8::MAX));
        largest
    }

    /// Drops the entry of `candidate`, which is taken.
    fn forget(&mut self, candidate: usize) {
        match self.window().iter().position(|&(sentence, _, _)| sentence as usize == candidate) {
            Some(0) => {
                self.first += 1;
                if self.first >= MMR_WINDOW {
                    self.entries.drain(..self.first);
                    self.first = 0;
                }
            }
            Some(entry) => {
                self.entries.remove(self.first + entry);
            }
            None => {}
        }
    }

    /// Returns the entries of the candidates compared and not taken yet.
    fn window(&self) -> &[(u32, f64, u8)] {
        &self.entries[self.first..]
    }

    /// Drops all entries, for the pool of the next tier.
    fn start_pool(&mut self) {
        self.entries.clear();
        self.first = 0;
    }

    /// Returns the cosine of sentences `chosen` and `candidate` by [`dot_with_spread`],
    /// which equals [`cosine`], after spreading `chosen` out unless it already is.
    fn cosine_to_spread(&mut self, chosen: usize, candidate: usize) -> f64 {
        if self.spread_sentence != Some(chosen) {
            if self.spread.is_empty() {
                self.spread = vec![0.0; vocabulary_size(self.vectors)];
            }
            if let Some(previous) = self.spread_sentence {
                for &id in self.vectors.get(previous).ids {
                    self.spread[id as usize] = 0.0;
                }
            }
            for (id, weight) in self.vectors.get(chosen).terms() {
                self.spread[id] = weight;
            }
            self.spread_sentence = Some(chosen);
        }
        dot_with_spread(&self.vectors.get(candidate), &self.spread)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::split_sentences;
    use crate::words::Analyzer;

    fn directed_scores(text: &str) -> Vec<f64> {
        let spans = split_sentences(text);
        let infos = describe(text, &spans);
        let vectors = sentence_vectors(text, &spans, &mut TermCache::with_capacity(Analyzer::new(None), 0, 0));
        directed_centrality(&infos, &vectors, text.len(), &mut WindowSpread::default())
    }

    #[test]
    fn directed_centrality_favours_sentence_that_later_ones_repeat() {
        let scores = directed_scores(
            "Floods closed the river bridge. Bakers sold bread downtown. Floods near the river bridge grew. \
             The river bridge floods again.",
        );
        assert_eq!(scores[0], 1.0, "scores {scores:?}");
        assert!(scores[0] > scores[2], "first mention not above the repeat: {scores:?}");
        assert!(scores[2] > scores[3], "second mention not above the last repeat: {scores:?}");
    }

    /// Returns a unit vector for each list of (term id, count) pairs, in which a
    /// repeated id keeps its first count.
    fn unit_vectors(sentences: &[Vec<(usize, u32)>]) -> SentenceVectors {
        let mut vectors = SentenceVectors::default();
        for terms in sentences {
            let mut terms: Vec<(u32, f64)> = terms.iter().map(|&(id, count)| (id as u32, f64::from(count))).collect();
            terms.sort_by_key(|&(id, _)| id);
            terms.dedup_by_key(|&mut (id, _)| id);
            let content_words = terms.len();
            vectors.push(terms.iter().map(|&(id, _)| id), terms.iter().map(|&(_, weight)| weight), content_words);
        }
        vectors
    }

    #[test]
    fn back_matter_starts_at_headings_of_other_languages() {
        let body = "Die Firma hat heute ein neues Werk eröffnet. Es beschäftigt viele Menschen aus der Region.\n\n";
        for heading in ["Über Acme", "Pressekontakt", "Quellen", "Verder lezen"] {
            let text = format!("{body}{heading}\n\nAcme ist ein Hersteller.");
            assert_eq!(back_matter_start(&text), body.len(), "heading {heading:?}");
        }
        let text = format!("{body}Über die Zukunft\n\nDas Werk wächst.");
        assert_eq!(back_matter_start(&text), text.len(), "a section of the text");
    }

    #[test]
    fn name_lists_need_capitals_and_lower_case() {
        assert!(is_name_list("J. Smith, A. B. Kowalski, R. Tanaka et al."));
        assert!(!is_name_list("STORM WARNING ISSUED FOR THE COAST, WITH WINDS."));
        assert!(!is_name_list("הממשלה הודיעה, ביום שני."));
        assert!(!is_name_list("The council met, and voted."));
        assert!(!is_name_list("Paris."));
    }

    #[test]
    fn chat_notices_are_asides() {
        let text = "[09:00] -!- bob [~bob@host] has joined #dev\n\
                    [09:01] <bob> did you see the regression report for the journal patch?\n\
                    [09:02] * alice reads it\n\
                    [09:03] <alice> yes, it corrupts the journal when the disk is full\n";
        let infos = describe(text, &crate::segment::split_sentences(text));
        let asides: Vec<bool> = infos.iter().map(|info| info.aside).collect();
        assert_eq!(asides, [true, false, true, false]);

        // In an export where most lines name their writer, a line that names none
        // is the program's notice.
        let text = "12/05/2026, 09:58 - Messages and calls are end-to-end encrypted.\n\
                    12/05/2026, 10:05 - Mum: Dinner is on Saturday at seven\n\
                    12/05/2026, 10:06 - Tom: I will bring the cake and the candles\n";
        let infos = describe(text, &crate::segment::split_sentences(text));
        let asides: Vec<bool> = infos.iter().map(|info| info.aside).collect();
        assert_eq!(asides, [true, false, false]);
    }

    #[test]
    fn nicknames_must_repeat_without_times() {
        let keys = "Keyboard shortcuts are listed below with a short description of each key\n\
                    <Tab> inserts spaces up to the next tab stop\n\
                    <Esc> leaves insert mode and returns to normal mode\n\
                    <BS> deletes the character before the cursor\n";
        let infos = describe(keys, &crate::segment::split_sentences(keys));
        assert!(infos.iter().all(|info| !info.chat), "{infos:?}");

        // A notice of an IRC client tells a chat even when few nicknames repeat.
        let irc = "<alice> did the deploy of the payment service finish last night\n\
                   -!- dave has joined #ops\n\
                   <bob> yes, but the database migration failed twice\n";
        let spans = crate::segment::split_sentences(irc);
        let infos = describe(irc, &spans);
        let kinds: Vec<(bool, bool)> = infos.iter().map(|info| (info.chat, info.aside)).collect();
        assert_eq!(kinds, [(true, false), (false, true), (true, false)], "{spans:?}");
    }

    #[test]
    fn speakers_must_repeat_without_times() {
        let interview = "Interviewer: How did you end up running the cold chain program?\n\
                         Maria Lopez: I spent eight years as a pharmacist in rural clinics.\n\
                         Interviewer: Okay\n\
                         Maria Lopez: In 2019 we started fitting solar fridges in forty clinics\n";
        let infos = describe(interview, &crate::segment::split_sentences(interview));
        let kinds: Vec<(bool, bool, bool)> =
            infos.iter().map(|info| (info.chat, info.heading, info.fragment)).collect();
        assert_eq!(kinds, [(true, false, false); 4]);

        // A glossary names each term once.
        let glossary = "Baseline: The measurements taken before the programme started.\n\
                        Catchment: The area of land from which rain drains into a river.\n\
                        Runoff: Rain water that flows over the ground.\n\
                        Slurry: A mix of animal manure and water.\n";
        let infos = describe(glossary, &crate::segment::split_sentences(glossary));
        assert!(infos.iter().all(|info| !info.chat), "{infos:?}");

        // A news story quotes a speaker once.
        let news = "The council voted on Tuesday to build protected cycle lanes.\n\
                    Mayor Linda Park: \"We cannot keep asking people to cycle next to buses.\"\n\
                    The work starts in April and takes two years.\n";
        let infos = describe(news, &crate::segment::split_sentences(news));
        assert!(infos.iter().all(|info| !info.chat), "{infos:?}");
    }

    #[test]
    fn headed_messages_are_chat_lines() {
        let slack = "Priya Nair  9:05 AM\n\
                     the payments API returns 502 errors for 4% of checkout requests\n\
                     Ben Ortiz  9:06 AM\n\
                     ugh\n\
                     Priya Nair  9:08 AM\n\
                     rolling back now\n\
                     Ben Ortiz  9:20 AM\n\
                     rollback finished, the error rate is back under 0.1%\n";
        let infos = describe(slack, &crate::segment::split_sentences(slack));
        let kinds: Vec<(bool, bool, bool)> = infos.iter().map(|info| (info.chat, info.heading, info.aside)).collect();
        let header = (false, true, true);
        let message = (true, false, false);
        assert_eq!(kinds, [header, message, header, message, header, message, header, message]);

        // A timetable repeats its labels, but no message follows them.
        let timetable = "Departs 10:02\nArrives 11:40\nDeparts 12:02\nArrives 13:40\nDeparts 14:02\nArrives 15:40\n";
        let infos = describe(timetable, &crate::segment::split_sentences(timetable));
        assert!(infos.iter().all(|info| !info.chat && !info.aside), "{infos:?}");

        // An agenda names each item once.
        let agenda =
            "Registration 9:00 AM\nThe chair opens the meeting.\nKeynote 10:00 AM\nThe results of the survey.\n\
                      Break 11:00 AM\nLunch 12:30 PM\n";
        let infos = describe(agenda, &crate::segment::split_sentences(agenda));
        assert!(infos.iter().all(|info| !info.chat && !info.aside), "{infos:?}");
    }

    #[test]
    fn voice_tags_are_chat_lines() {
        let text = "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n<v Priya>Good morning everyone.</v>\n\n\
                    00:00:02.500 --> 00:00:04.000\n<v.loud Ben>Morning</v>\n";
        let infos = describe(text, &crate::segment::split_sentences(text));
        let kinds: Vec<(bool, bool)> = infos.iter().map(|info| (info.chat, info.heading)).collect();
        assert_eq!(kinds, [(true, false), (true, false)]);
    }

    #[test]
    fn chat_notice_takes_the_rest_of_its_line() {
        let text = "12/05/2026, 10:01 - Messages and calls are end-to-end encrypted. No one outside of this chat can read them.\n\
                    12/05/2026, 10:02 - Mum: Dinner is at seven on Saturday at grandma's house\n\
                    12/05/2026, 10:05 - Dad: I can pick up the car from the garage on Saturday\n";
        let infos = describe(text, &crate::segment::split_sentences(text));
        let asides: Vec<bool> = infos.iter().map(|info| info.aside).collect();
        assert_eq!(asides, [true, true, false, false]);
    }

    #[test]
    fn chat_lines_are_messages_not_fragments() {
        let text = "[10:01] <alice> the build for 2.4 fails on the arm runners\n[10:02] <bob> lol\n";
        let infos = describe(text, &crate::segment::split_sentences(text));
        assert_eq!(infos.len(), 2);
        for info in &infos {
            assert!(info.chat, "{info:?}");
            assert!(!info.fragment, "{info:?}");
            assert!(!info.heading, "{info:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn line_break_tests_match_trimming(text in "[a \t\n\r\u{a0}\u{e9}]{0,12}", at in 0usize..12) {
            proptest::prop_assume!(at <= text.len() && text.is_char_boundary(at));
            let after = text[at..].trim_start_matches([' ', '\t']).starts_with(['\n', '\r']);
            let before = text[..at].trim_end_matches([' ', '\t']).ends_with('\n');
            proptest::prop_assert_eq!(breaks_line_after(&text, at), after);
            proptest::prop_assert_eq!(breaks_line_before(&text, at), before);
        }
    }

    proptest::proptest! {
        #[test]
        fn untaken_finds_same_slots_as_a_scan(len in 0usize..40, takes in proptest::collection::vec(0usize..40, 0..60), from in 0usize..41) {
            let mut untaken = Untaken::new(len);
            let mut is_taken = vec![false; len];
            for slot in takes.into_iter().filter(|&slot| slot < len) {
                let first = (slot..len).find(|&other| !is_taken[other]).unwrap_or(len);
                proptest::prop_assert_eq!(untaken.first_from(slot), first);
                if !is_taken[slot] {
                    untaken.take(slot);
                    is_taken[slot] = true;
                }
            }
            let from = from.min(len);
            proptest::prop_assert_eq!(untaken.first_from(from), (from..len).find(|&slot| !is_taken[slot]).unwrap_or(len));
        }
    }

    proptest::proptest! {
        #[test]
        fn untaken_skips_long_taken_runs_as_a_scan(
            len in 0usize..20_000,
            runs in proptest::collection::vec((0usize..20_000, 0usize..9_000), 0..12),
            probes in proptest::collection::vec(0usize..20_001, 1..40),
        ) {
            // Runs of taken slots span whole words and levels of the bit sets.
            let mut untaken = Untaken::new(len);
            let mut is_taken = vec![false; len];
            for (start, run) in runs {
                let (first, end) = (start.min(len), (start + run).min(len));
                for (slot, taken) in is_taken[first..end].iter_mut().enumerate() {
                    if !*taken {
                        untaken.take(first + slot);
                        *taken = true;
                    }
                }
            }
            for from in probes {
                let from = from.min(len);
                proptest::prop_assert_eq!(untaken.first_from(from), (from..len).find(|&slot| !is_taken[slot]).unwrap_or(len), "from {}", from);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn repeat_finder_matches_full_scan(
            sentences in proptest::collection::vec(proptest::collection::vec((0usize..12, 1u32..4), 0..6), 0..120),
        ) {
            // Unit vectors over a small vocabulary, so that many pairs come near the
            // threshold. Equal term lists get equal texts, as equal sentences would.
            let vectors = unit_vectors(&sentences);
            let texts: Vec<String> = vectors.iter().map(|vector| format!("{:?}", vector.terms().collect::<Vec<_>>())).collect();

            let mut finder = RepeatFinder::new(&vectors, usize::MAX);
            let mut chosen: Vec<usize> = Vec::new();
            for candidate in 0..vectors.len() {
                let expected = chosen.iter().any(|&kept| {
                    texts[kept] == texts[candidate] || cosine(&vectors.get(kept), &vectors.get(candidate)) > REDUNDANCY_THRESHOLD
                });
                proptest::prop_assert_eq!(finder.repeats(candidate, &texts[candidate]), expected, "candidate {}", candidate);
                if !expected {
                    chosen.push(candidate);
                    finder.add(candidate, &texts[candidate]);
                }
            }
        }
    }

    #[test]
    fn repeat_finder_stops_after_its_visits() {
        // Ten chosen sentences share the candidate's weightiest term 0 but not its
        // other terms, and the last chosen one repeats the candidate through terms
        // 1 and 2 alone, which weigh less.
        let mut sentences: Vec<Vec<(usize, u32)>> = (0..10).map(|index| vec![(0, 1), (10 + index, 1)]).collect();
        sentences.push(vec![(1, 1), (2, 1)]);
        sentences.push(vec![(0, 3), (1, 2), (2, 2)]);
        sentences.extend((0..REPEAT_SCAN_LIMIT).map(|index| vec![(30 + index, 1)]));
        let vectors = unit_vectors(&sentences);
        let candidate = 11;
        assert!(cosine(&vectors.get(10), &vectors.get(candidate)) > REDUNDANCY_THRESHOLD);
        let texts: Vec<String> = (0..sentences.len()).map(|index| format!("sentence {index}")).collect();
        for (max_visits, repeats) in [(usize::MAX, true), (10, false)] {
            let mut finder = RepeatFinder::new(&vectors, max_visits);
            for chosen in (12..sentences.len()).chain(0..=10) {
                finder.add(chosen, &texts[chosen]);
            }
            assert_eq!(finder.repeats(candidate, "candidate"), repeats, "at most {max_visits} visits");
        }
    }

    proptest::proptest! {
        #[test]
        fn window_cosines_match_spread_sums(
            sentences in proptest::collection::vec(proptest::collection::vec((0usize..12, 1u32..4), 0..6), 0..30),
        ) {
            let vectors = unit_vectors(&sentences);
            let body: Vec<usize> = (0..vectors.len()).filter(|index| index % 5 != 3).collect();
            let mut found = Vec::new();
            let mut window = WindowSpread::default();
            for_each_window_cosine(body.iter().copied(), &vectors, Some(&mut window), |earlier, later, cosine| found.push((earlier, later, cosine.to_bits())));
            proptest::prop_assert!(window.rows.iter().all(|row| *row == [0.0; CENTRALITY_WINDOW]), "rows left set");
            let mut merged = Vec::new();
            for_each_window_cosine(body.iter().copied(), &vectors, None, |earlier, later, cosine| merged.push((earlier, later, cosine.to_bits())));
            proptest::prop_assert_eq!(&merged, &found, "merged pair by pair");

            // Each later sentence in turn, with the earlier ones of its window in order.
            let mut expected = Vec::new();
            for (position, &later) in body.iter().enumerate() {
                for &earlier in &body[position.saturating_sub(CENTRALITY_WINDOW)..position] {
                    let mut spread = vec![0.0; vocabulary_size(&vectors)];
                    for (id, weight) in vectors.get(earlier).terms() {
                        spread[id] = weight;
                    }
                    expected.push((earlier, later, dot_with_spread(&vectors.get(later), &spread).to_bits()));
                }
            }
            let mut edges = Vec::new();
            for_each_window_edge(body.iter().copied(), |earlier, later| edges.push((earlier, later)));
            let found_edges: Vec<(usize, usize)> = found.iter().map(|&(earlier, later, _)| (earlier, later)).collect();
            proptest::prop_assert_eq!(edges, found_edges);
            proptest::prop_assert_eq!(found, expected);
        }

        #[test]
        fn directed_centrality_matches_edge_by_edge_sums(
            sentences in proptest::collection::vec(proptest::collection::vec((0usize..12, 1u32..4), 0..6), 0..40),
            headings in proptest::collection::vec(proptest::bool::weighted(0.2), 40),
        ) {
            let vectors = unit_vectors(&sentences);
            let infos: Vec<SentenceInfo> = (0..vectors.len())
                .map(|index| SentenceInfo { heading: headings[index], fragment: false, aside: false, chat: false })
                .collect();
            let body: Vec<usize> = (0..vectors.len()).filter(|&index| !headings[index]).collect();

            // Each earlier sentence with the next ones of its window, cosines taken
            // pair by pair: the order in which the scores were summed before the
            // cosines were streamed.
            let mut edges = Vec::new();
            for (position, &earlier) in body.iter().enumerate() {
                let mut spread = vec![0.0; vocabulary_size(&vectors)];
                for (id, weight) in vectors.get(earlier).terms() {
                    spread[id] = weight;
                }
                for &later in body[position + 1..].iter().take(CENTRALITY_WINDOW) {
                    edges.push((earlier, later, dot_with_spread(&vectors.get(later), &spread)));
                }
            }
            let mut expected = vec![0.0f64; vectors.len()];
            if body.len() >= 2 {
                let low = edges.iter().map(|edge| edge.2).fold(f64::INFINITY, f64::min);
                let high = edges.iter().map(|edge| edge.2).fold(f64::NEG_INFINITY, f64::max);
                let threshold = low + EDGE_THRESHOLD * (high - low);
                for &(earlier, later, cosine) in &edges {
                    let weight = (cosine - threshold).max(0.0);
                    expected[earlier] += FORWARD_WEIGHT * weight;
                    expected[later] += BACKWARD_WEIGHT * weight;
                }
                let low = body.iter().map(|&index| expected[index]).fold(f64::INFINITY, f64::min);
                let high = body.iter().map(|&index| expected[index]).fold(f64::NEG_INFINITY, f64::max);
                if high > low {
                    for &index in &body {
                        expected[index] = (expected[index] - low) / (high - low);
                    }
                } else {
                    expected.fill(0.0);
                }
            }
            let expected: Vec<u64> = expected.iter().map(|score| score.to_bits()).collect();
            // One spread for both ways, as a summarizer keeps it between documents.
            let mut window = WindowSpread::default();
            for keep_cosines in [false, true] {
                for rows in [true, false] {
                    let found: Vec<u64> =
                        directed_centrality_with(&infos, &vectors, keep_cosines, rows.then_some(&mut window))
                            .iter()
                            .map(|score| score.to_bits())
                            .collect();
                    proptest::prop_assert_eq!(&found, &expected, "keeping cosines: {}, rows: {}", keep_cosines, rows);
                }
            }
        }

        #[test]
        fn marginal_similarity_matches_full_fold(
            sentences in proptest::collection::vec(proptest::collection::vec((0usize..12, 1u32..4), 0..6), 1..40),
            steps in proptest::collection::vec((0usize..40, proptest::bool::ANY), 0..60),
        ) {
            let vectors = unit_vectors(&sentences);

            // Each step requests one sentence's largest cosine, and may then choose it.
            let mut marginal = MarginalSimilarity::new(&vectors);
            let mut chosen: Vec<usize> = Vec::new();
            for (candidate, choose) in steps {
                let candidate = candidate % vectors.len();
                let expected = chosen.iter().map(|&kept| cosine(&vectors.get(kept), &vectors.get(candidate))).fold(0.0, f64::max);
                // Positions of other candidates, and of none, are looked for too.
                let found = marginal.max_cosine(candidate % 3, candidate, &chosen);
                proptest::prop_assert_eq!(found.to_bits(), expected.to_bits(), "candidate {}", candidate);
                if choose {
                    chosen.push(candidate);
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn marginal_window_holds_untaken_candidates_only(
            sentences in proptest::collection::vec(proptest::collection::vec((0usize..12, 1u32..4), 0..6), 1..200),
            picks in proptest::collection::vec((0usize..MMR_WINDOW, proptest::bool::ANY), 0..300),
        ) {
            // Picks as `choose` makes them: each takes a slot of the window, and
            // some of those taken are chosen.
            let vectors = unit_vectors(&sentences);
            let pool: Vec<u32> = (0..vectors.len() as u32).collect();
            let scores = vec![0.0; vectors.len()];
            let mut untaken = Untaken::new(pool.len());
            let mut marginal = MarginalSimilarity::new(&vectors);
            let mut chosen: Vec<usize> = Vec::new();
            for (offset, choose) in picks {
                let cursor = untaken.first_from(0);
                if cursor == pool.len() {
                    break;
                }
                if !chosen.is_empty() && chosen.len() < MMR_MAX_CHOSEN {
                    best_marginal_slot(&pool, &untaken, cursor, &chosen, &mut marginal, &scores);
                }
                let mut slot = cursor;
                for _ in 0..offset {
                    match untaken.first_from(slot + 1) {
                        next if next < pool.len() => slot = next,
                        _ => break,
                    }
                }
                untaken.take(slot);
                marginal.forget(slot);
                if choose {
                    chosen.push(slot);
                }
                proptest::prop_assert!(marginal.window().len() <= MMR_WINDOW, "{} entries", marginal.window().len());
                for &(sentence, largest, counted) in marginal.window() {
                    let sentence = sentence as usize;
                    proptest::prop_assert!(untaken.first_from(sentence) == sentence, "sentence {} is taken", sentence);
                    let expected = chosen[..usize::from(counted)]
                        .iter()
                        .map(|&kept| cosine(&vectors.get(kept), &vectors.get(sentence)))
                        .fold(0.0, f64::max);
                    proptest::prop_assert_eq!(largest.to_bits(), expected.to_bits(), "sentence {}", sentence);
                }
            }
        }
    }

    /// Returns each sentence's cosine to the centroid of the body sentences, divided
    /// by the largest one, from the centroid's terms gathered into a sparse vector
    /// and normalised there.
    fn gathered_centroid_similarity(infos: &[SentenceInfo], vectors: &SentenceVectors) -> Vec<f64> {
        let vocabulary = vocabulary_size(vectors);
        let mut weights = vec![0.0; vocabulary];
        let mut present = vec![false; vocabulary];
        for (info, vector) in infos.iter().zip(vectors.iter()) {
            if !info.heading {
                for (id, weight) in vector.terms() {
                    weights[id] += weight;
                    present[id] = true;
                }
            }
        }
        let centroid_ids: Vec<u32> = (0..vocabulary as u32).filter(|&id| present[id as usize]).collect();
        let mut centroid_weights: Vec<f64> = centroid_ids.iter().map(|&id| weights[id as usize]).collect();
        normalize(&mut centroid_weights);
        let centroid = SentenceVector { ids: &centroid_ids, weights: &centroid_weights };
        let mut similarities: Vec<f64> = vectors.iter().map(|vector| cosine(&vector, &centroid)).collect();
        let largest = similarities.iter().copied().fold(0.0, f64::max);
        for similarity in &mut similarities {
            *similarity = if largest > 0.0 { *similarity / largest } else { 0.0 };
        }
        similarities
    }

    proptest::proptest! {
        #[test]
        fn centroid_similarity_matches_gathered_centroid(
            sentences in proptest::collection::vec(proptest::collection::vec((0usize..12, 1u32..4), 0..8), 0..30),
            headings in proptest::collection::vec(proptest::bool::weighted(0.3), 30),
        ) {
            let vectors = unit_vectors(&sentences);
            let infos: Vec<SentenceInfo> = (0..vectors.len())
                .map(|index| SentenceInfo { heading: headings[index], fragment: false, aside: false, chat: false })
                .collect();
            let expected: Vec<u64> =
                gathered_centroid_similarity(&infos, &vectors).iter().map(|value| value.to_bits()).collect();
            for keep in [false, true] {
                let centroid = CentroidSimilarity::new(&infos, &vectors, keep);
                let found: Vec<u64> = (0..vectors.len()).map(|index| centroid.relative(index).to_bits()).collect();
                proptest::prop_assert_eq!(&found, &expected, "keeping cosines: {}", keep);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn term_counts_match_sorted_ids(
            documents in proptest::collection::vec(
                proptest::collection::vec("((storm|Storm|coast|the|roads|rain|schools|a|b) ){0,12}[.!?]", 0..8),
                1..4,
            ),
        ) {
            // One cache for all documents, as a `Summarizer` keeps it, and one for
            // the ids of the reference.
            let analyzer = || Analyzer::new(Some(crate::Language::English));
            let (mut cache, mut reference_cache) =
                (TermCache::with_capacity(analyzer(), 0, usize::MAX), TermCache::with_capacity(analyzer(), 0, usize::MAX));
            for sentences in &documents {
                let text = sentences.join(" ");
                let mut spans = Vec::new();
                let mut start = 0;
                for sentence in sentences {
                    spans.push(Span { start, end: start + sentence.len() });
                    start += sentence.len() + 1;
                }
                let found = term_counts(&text, &spans, &mut TermIds::new(&mut cache));

                let mut reference_ids = TermIds::new(&mut reference_cache);
                let mut expected_counts = Vec::new();
                let mut expected_ends = Vec::new();
                let mut expected_content_words = Vec::new();
                for span in &spans {
                    let mut ids = Vec::new();
                    reference_ids.for_each_term_id(&text[span.start..span.end], |id| ids.push(id));
                    expected_content_words.push(ids.len() as u16);
                    ids.sort_unstable();
                    let start = expected_counts.len();
                    for id in ids {
                        match expected_counts[start..].last_mut() {
                            Some((last, count)) if *last == id => *count += 1,
                            _ => expected_counts.push((id, 1u32)),
                        }
                    }
                    expected_ends.push(expected_counts.len() as u32);
                }
                let found_counts: Vec<(u32, u32)> =
                    found.ids.iter().zip(&found.counts).map(|(&id, &count)| (id, count as u32)).collect();
                proptest::prop_assert_eq!(found_counts, expected_counts);
                proptest::prop_assert_eq!(found.ends, expected_ends);
                proptest::prop_assert_eq!(found.content_words, expected_content_words);
            }
        }
    }

    #[test]
    fn window_spread_frees_long_rows() {
        let mut window = WindowSpread::default();
        assert_eq!(window.rows(10).len(), 10);
        window.release();
        assert_eq!(window.rows.len(), 10, "rows up to the maximum stay");
        assert_eq!(window.rows(WindowSpread::MAX_KEPT_ROWS + 1).len(), WindowSpread::MAX_KEPT_ROWS + 1);
        window.release();
        assert!(window.rows.is_empty(), "rows above the maximum are not freed");
    }

    #[test]
    fn directed_centrality_is_finite_for_degenerate_input() {
        for text in ["", "One.", "Same words. Same words. Same words.", "!!! ??? ..."] {
            let scores = directed_scores(text);
            assert!(scores.iter().all(|score| score.is_finite()), "text {text:?}: {scores:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn name_list_byte_search_matches_word_loop(
            sentence in "(([A-Z]\\.|Smith,?|al\\.|and|et|the|de|\"Ab|1a|É|é|über|&|,)[ \t\u{a0}\u{2003}]{0,2}){0,8}",
        ) {
            proptest::prop_assert_eq!(is_name_list(&sentence), is_name_list_by_words(&sentence));
        }
    }
}
