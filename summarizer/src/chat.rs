//! Chat logs and transcripts: the time and the nickname or speaker's name that
//! start each line, such as `[10:02] <alice>` or `00:00:01 Alice Wong:`.

/// The maximum length in bytes of the time or the nickname that starts a chat line.
const MAX_PART_BYTES: usize = 32;

/// Returns the length of the prefix of a chat or log line, with the whitespace
/// after it, when text follows it. The prefix is a time in brackets (`[10:02]`,
/// `[2024-05-01 10:02:07]`), a nickname in angle brackets (`<alice>`), or a time
/// and then a nickname or a speaker's name (`[10:02] <alice>`, `[10:02] alice:`,
/// `[00:01:02] John Smith:`). A time without brackets needs a name after it:
/// `10:02 <alice>`, `00:00:01 Alice Wong:`, `12/05/2026, 10:02 - Mum:`. A reference
/// such as `[1] Smith`, a tag such as `<b>Note</b>` and an agenda's `10:30 Keynote`
/// are no prefix.
pub(crate) fn prefix_len(line: &str) -> Option<usize> {
    message_prefix(line).map(|(length, _)| length)
}

/// Returns the length of the prefix of a chat line, as [`prefix_len`] does, and
/// which kind of writer's mark it is. Besides the prefixes of [`prefix_len`], this
/// takes a WebVTT voice tag (`<v Alice>`, `<v.loud Alice>`) and a speaker's label
/// without a time (`Alice Wong:`, `THE COURT:`, and `Q.` or `A.` in court
/// transcripts). A caller decides whether the lines with labels and nicknames but
/// no time are a chat, as lists and notes have lines such as `<Tab> inserts a tab`
/// or `Note: ...` too.
pub(crate) fn message_prefix(line: &str) -> Option<(usize, PrefixKind)> {
    let prefix = parse_prefix(line)?;
    ((prefix.named || prefix.time == Time::Bracketed) && prefix.len < line.len()).then_some((prefix.len, prefix.kind))
}

/// The kind of the prefix of a chat line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrefixKind {
    /// A time, maybe with a name after it: `[10:02]`, `10:02 <alice>`.
    Timed,
    /// A nickname in angle brackets without a time: `<alice>`.
    Nickname,
    /// A WebVTT voice tag: `<v Alice>`.
    Voice,
    /// A speaker's label and a colon without a time (`Alice Wong:`), or a court
    /// transcript's `Q.` or `A.`.
    Speaker,
}

/// Returns whether `line` starts with a time and a writer's name (`[10:03] <bob>`,
/// `10:03 - Tom:`), the start of a message of a chat with times.
pub(crate) fn starts_timed_message(line: &str) -> bool {
    may_start_with_time(line)
        && parse_prefix(line).is_some_and(|prefix| prefix.time != Time::None && prefix.named && prefix.len < line.len())
}

/// Returns whether `line` starts with a mark that IRC clients put before their
/// notices: `-!-`, `***`, `-->` or `<--`.
pub(crate) fn starts_with_notice_mark(line: &str) -> bool {
    NOTICE_MARKS.iter().any(|mark| line.starts_with(mark))
}

/// The marks before the notices of IRC clients.
const NOTICE_MARKS: [&str; 4] = ["-!-", "***", "-->", "<--"];

/// Returns the nickname of a chat line that starts with one and no time
/// (`alice` of `<alice> hi`), or `None`.
pub(crate) fn untimed_nickname(line: &str) -> Option<&str> {
    if !line.starts_with('<') {
        return None;
    }
    let prefix = parse_prefix(line)?;
    if prefix.kind != PrefixKind::Nickname || prefix.len >= line.len() {
        return None;
    }
    line[1..].split_once('>').map(|(nickname, _)| nickname)
}

/// Returns the label of a line that starts with a speaker's label and no time
/// (`Alice Wong` of `Alice Wong: hi`, `Q` of `Q. Where were you?`), or `None`.
pub(crate) fn untimed_speaker(line: &str) -> Option<&str> {
    let length = untimed_speaker_len(line)?;
    (length < line.len()).then(|| line[..length].trim_end().trim_end_matches([':', '.']))
}

/// Returns whether `line` starts with a speaker's label and no time, as the lines
/// of a transcript do (`Alice Wong: hi`, `THE COURT: Overruled.`, `Q. Where?`).
pub(crate) fn starts_with_speaker(line: &str) -> bool {
    untimed_speaker_len(line).is_some_and(|length| length < line.len())
}

/// A line of a chat copied from Slack, Discord, Teams or Zoom that names the writer
/// and the time of the message on the lines after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MessageHeader<'a> {
    /// The writer's name, or `None` for a line of only a time, which Slack puts
    /// before a later message of the same writer.
    pub(crate) writer: Option<&'a str>,
}

/// The maximum length in bytes of a [`MessageHeader`] line.
const MAX_HEADER_BYTES: usize = 100;

/// Returns the [`MessageHeader`] that the trimmed `line` is, if it is one:
/// - a name and a time, as Slack and Teams copy them (`Alice Johnson  10:02 AM`,
///   `Alice Johnson, Yesterday 10:02 AM`), or a time alone (`10:04`);
/// - a name, a dash and a day and time, as Discord copies them (`Mira — Today at
///   9:15 PM`, `Mira — 12/05/2026 9:15 PM`);
/// - a time in brackets and a name (`[10:02 AM] Alice Johnson`), as Teams copies them,
///   or a time in brackets alone (`[9:16 PM]`), as Discord copies a later message of
///   the same writer;
/// - a line of Zoom's saved chat without text (`10:02:11 From Alice to Everyone:`).
///
/// The name is one word (`mira_dev`, `Mira`) that starts with a capital or contains
/// a digit, `_` or `.`, or up to [`MAX_SPEAKER_WORDS`] words as in a speaker's
/// label (`Alice Johnson`). So a wrapped line of prose such as "until 10:30" is no
/// header.
pub(crate) fn message_header(line: &str) -> Option<MessageHeader<'_>> {
    let (&first, &last) = (line.as_bytes().first()?, line.as_bytes().last()?);
    if line.len() > MAX_HEADER_BYTES {
        return None;
    }
    if last == b':' {
        let label = line.get(bare_time_len(line).map_or(0, |time| time + 1)..)?.trim_start();
        let length = zoom_label_len(label)?;
        return (length == label.len()).then(|| MessageHeader { writer: Some(zoom_writer(label)) });
    }
    if first == b'[' {
        // Discord puts a time alone in brackets before a later message of the same
        // writer (`[9:16 PM]`), as Slack puts a time alone. Another line that ends
        // with `]` may be a Teams header with a name in brackets (`[deploy_bot]`).
        let inside = line.strip_prefix('[').and_then(|rest| rest.strip_suffix(']'));
        if inside.is_some_and(|inside| clock_len(inside) == Some(inside.len())) {
            return Some(MessageHeader { writer: None });
        }
        let prefix = parse_prefix(line).filter(|prefix| prefix.time == Time::Bracketed && !prefix.named)?;
        let name = &line[prefix.len..];
        return is_header_name(name).then_some(MessageHeader { writer: Some(name) });
    }
    if !(last.is_ascii_digit() || matches!(last, b'M' | b'm')) {
        return None;
    }
    let time_start = trailing_time_start(line)?;
    if time_start == 0 {
        return Some(MessageHeader { writer: None });
    }
    let name = header_name_before_time(line[..time_start].trim_end());
    is_header_name(name).then_some(MessageHeader { writer: Some(name) })
}

/// Returns whether the lines of `text` that are [`message_header`]s may head the
/// messages of a chat, so that each of them is a unit. That needs at least two of
/// them that name a writer, and a line that is not a header after at least half
/// of them. A day or a month names no writer, so a wrapped line of prose such as
/// "Monday 10:30" is no unit, nor is a time alone in a text without such headers.
/// Ranking needs more for a chat: writers' names that repeat.
pub(crate) fn headers_make_chat(text: &str) -> bool {
    let (mut headers, mut writers, mut followed) = (0usize, 0usize, 0usize);
    let mut after_header = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match message_header(line) {
            Some(header) => {
                headers += 1;
                writers += usize::from(header.writer.is_some());
                after_header = true;
            }
            None => {
                followed += usize::from(after_header);
                after_header = false;
            }
        }
    }
    writers >= 2 && 2 * followed >= headers
}

/// Returns where the time of day that ends `line` starts (`10:02`, `9:15 PM`), when
/// whitespace or nothing is before it.
fn trailing_time_start(line: &str) -> Option<usize> {
    let without_suffix = ["AM", "PM", "am", "pm"]
        .iter()
        .find_map(|suffix| line.strip_suffix(suffix))
        .unwrap_or(line)
        .trim_end_matches(' ');
    let clock_chars = without_suffix.bytes().rev().take_while(|&byte| byte.is_ascii_digit() || byte == b':').count();
    let start = without_suffix.len() - clock_chars;
    let spaced = start == 0 || line[..start].ends_with([' ', '\t']);
    (spaced && clock_len(&line[start..]) == Some(line.len() - start)).then_some(start)
}

/// Returns the name in `head`, the part of a header line before its time: without
/// the day (`Today at`, `Yesterday`, `12/05/2026`) and the dash or comma after the
/// name.
fn header_name_before_time(head: &str) -> &str {
    let mut name = head.strip_suffix(" at").unwrap_or(head);
    if let Some((before, day)) = name.rsplit_once(' ') {
        let date = day.bytes().any(|byte| byte.is_ascii_digit())
            && day.bytes().all(|byte| byte.is_ascii_digit() || matches!(byte, b'/' | b'.' | b'-'));
        if date || day == "Today" || day == "Yesterday" {
            name = before;
        }
    }
    name.trim_end().trim_end_matches(['—', '–', '-', ',', '|', '·']).trim_end()
}

/// The English names of days and months, which a header line's writer never is.
const DAY_AND_MONTH_NAMES: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Today",
    "Tonight",
    "Tomorrow",
    "Yesterday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Noon",
    "Midnight",
];

/// Returns whether `name` may be the writer's name on a header line (see
/// [`message_header`]).
fn is_header_name(name: &str) -> bool {
    if name.is_empty() || name.len() > MAX_PART_BYTES || name.contains([',', ';', ':', '!', '?', '"', '\t']) {
        return false;
    }
    // A day or a month before a time ("Monday 10:30", "Saturday at 2:00 PM") is a
    // date in prose, not a writer.
    if DAY_AND_MONTH_NAMES.iter().any(|day| name.eq_ignore_ascii_case(day)) {
        return false;
    }
    if !name.contains(' ') {
        let username = name.contains(|c: char| c.is_ascii_digit() || matches!(c, '_' | '.'));
        return name.chars().next().is_some_and(char::is_uppercase) || username;
    }
    name.chars().next().is_some_and(char::is_uppercase)
        && name.split(' ').count() <= MAX_SPEAKER_WORDS
        && name.match_indices(' ').all(|(at, _)| starts_later_name_word(&name[at + 1..]))
}

/// The minimum number of lines with a speaker's label and no time in a chat.
const MIN_SPEAKER_LINES: usize = 4;

/// Returns whether the labels of the lines that start with a speaker's label and
/// no time (see [`untimed_speaker`]) are those of a chat or transcript. That needs
/// at least [`MIN_SPEAKER_LINES`] lines, two labels that are each on more than one
/// line, and at most half as many labels as lines. A glossary or a list of notes
/// names each term or kind of note once or twice, and a monologue has one speaker.
/// `labels` is sorted in place.
pub(crate) fn speakers_repeat(labels: &mut [&str]) -> bool {
    if labels.len() < MIN_SPEAKER_LINES {
        return false;
    }
    labels.sort_unstable();
    let (mut distinct, mut repeated) = (0, 0);
    for (index, label) in labels.iter().enumerate() {
        if index == 0 || labels[index - 1] != *label {
            distinct += 1;
        } else if index < 2 || labels[index - 2] != *label {
            // The second line with this label.
            repeated += 1;
        }
    }
    repeated >= 2 && 2 * distinct <= labels.len()
}

/// The severity levels that start the lines of logs without times, in capitals.
const LOG_LEVELS: &[&str] = &[
    "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "ERR", "FATAL", "CRITICAL", "CRIT", "SEVERE",
    "ALERT", "EMERG",
];

/// Returns whether `line` starts with a log level in capitals followed by `:` or
/// whitespace (`ERROR: connection refused`, `INFO  Listening on port 8080`).
pub(crate) fn starts_with_log_level(line: &str) -> bool {
    let level_len = line.bytes().take_while(u8::is_ascii_uppercase).count();
    LOG_LEVELS.contains(&&line[..level_len])
        && line[level_len..].starts_with(|c: char| c == ':' || c.is_ascii_whitespace())
}

/// Returns whether `line` starts with a time, in brackets or not, followed by
/// whitespace, as the lines of chat exports and logs do (`2024-05-01 10:02:07 INFO
/// Listening`).
pub(crate) fn starts_with_time(line: &str) -> bool {
    may_start_with_time(line) && parse_prefix(line).is_some_and(|prefix| prefix.time != Time::None)
}

/// Returns whether `line` may start with a prefix other than a speaker's label
/// without a time: its first byte is a digit, `[` or `<`.
pub(crate) fn may_start_with_time_or_tag(line: &str) -> bool {
    line.starts_with(|c: char| matches!(c, '[' | '<') || c.is_ascii_digit())
}

/// Returns whether the first byte of `line` may start a time: a digit or `[`.
fn may_start_with_time(line: &str) -> bool {
    line.starts_with(|c: char| c == '[' || c.is_ascii_digit())
}

/// The facts about the start of a line that tell a chat program's notices from
/// the messages around them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineStart {
    /// The line starts with the prefix of a chat line that names its writer
    /// (`<bob>`, `[10:03] bob:`), not only a time.
    pub(crate) named: bool,
    /// The line starts with a time, in brackets or not, that no writer's name
    /// follows, as a notice or an action of a chat program does (`[09:00] -!- bob
    /// has joined`, `12/05/2026, 09:58 - Messages and calls are end-to-end
    /// encrypted.`).
    pub(crate) unsigned: bool,
    /// The text of the line, after its prefix, starts with a mark of a chat
    /// program's notice. IRC clients mark notices with `-!-`, `***`, `-->` or
    /// `<--`, and actions with `*`. WhatsApp puts a left-to-right mark before its
    /// own notices ("\u{200e}Anna created group").
    pub(crate) notice: bool,
}

/// Returns the [`LineStart`] of `line`, found with one reading of its prefix.
pub(crate) fn line_start(line: &str) -> LineStart {
    let Some(prefix) = parse_prefix(line) else {
        // Without a time, only the marks of IRC clients: `* ` starts list items too.
        return LineStart { named: false, unsigned: false, notice: starts_with_notice_mark(line) };
    };
    let text = &line[prefix.len..];
    // After a speaker's label, `* ` starts a list item.
    let program_mark = prefix.kind != PrefixKind::Speaker && (text.starts_with("* ") || text.starts_with('\u{200e}'));
    LineStart {
        named: prefix.named && prefix.len < line.len(),
        unsigned: prefix.time != Time::None && !prefix.named,
        notice: starts_with_notice_mark(text) || program_mark,
    }
}

/// The kind of time at the start of a chat line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Time {
    None,
    /// `[10:02]`, which makes a prefix alone.
    Bracketed,
    /// `10:02`, `12/05/2026, 10:02 -`, which makes a prefix only with a name after it.
    Bare,
}

/// The start of a line of a chat: its time, its writer's name, or both.
struct Prefix {
    /// The length of the time and the name, with the whitespace after each.
    len: usize,
    time: Time,
    /// Whether a nickname or a speaker's name follows the time or starts the line.
    named: bool,
    kind: PrefixKind,
}

/// Returns the time and the name that start `line`, when there is either.
fn parse_prefix(line: &str) -> Option<Prefix> {
    let &first = line.as_bytes().first()?;
    if !(matches!(first, b'[' | b'<') || first.is_ascii_digit()) {
        let len = untimed_speaker_len(line)?;
        return Some(Prefix { len, time: Time::None, named: true, kind: PrefixKind::Speaker });
    }
    if let Some(len) = voice_tag_len(line) {
        return Some(Prefix { len, time: Time::None, named: true, kind: PrefixKind::Voice });
    }
    // Each part is followed by whitespace, and is short and without line breaks.
    let part_end = |open: char, close: char, rest: &str| -> Option<usize> {
        let inner = rest.strip_prefix(open)?;
        let close_at = inner.bytes().take(MAX_PART_BYTES + 1).position(|byte| byte == close as u8)?;
        let after = &inner[close_at + 1..];
        let label = &inner[..close_at];
        (!label.is_empty() && !label.contains(['\n', '\r']) && after.starts_with([' ', '\t'])).then_some(close_at + 2)
    };
    let skip_spaces = |at: usize| at + (line[at..].len() - line[at..].trim_start_matches([' ', '\t']).len());

    let (mut len, mut time) = (0, Time::None);
    if let Some(length) = part_end('[', ']', line) {
        let label = &line[1..length - 1];
        if !contains_clock(label) {
            return None;
        }
        (len, time) = (skip_spaces(length), Time::Bracketed);
    } else if let Some(length) = bare_time_len(line) {
        (len, time) = (skip_spaces(length), Time::Bare);
    }
    let rest = &line[len..];
    let name = match part_end('<', '>', rest) {
        Some(length) => (!rest[1..length - 1].contains(char::is_whitespace)).then_some(length),
        None if time != Time::None => speaker_label_len(rest).or_else(|| zoom_label_len(rest)),
        None => None,
    };
    if let Some(length) = name {
        len = skip_spaces(len + length);
    } else if time == Time::None {
        return None;
    }
    let kind = if time == Time::None { PrefixKind::Nickname } else { PrefixKind::Timed };
    Some(Prefix { len, time, named: name.is_some(), kind })
}

/// Returns the length of the WebVTT voice tag that starts `line`, with the
/// whitespace after it: `<v Alice>`, `<v.loud Alice Wong>`. The tag names the
/// speaker of a subtitle cue, and the cue's text often follows it without a space.
fn voice_tag_len(line: &str) -> Option<usize> {
    let rest = line.strip_prefix("<v")?;
    if !rest.starts_with([' ', '.']) {
        return None;
    }
    let close = rest.bytes().take(MAX_PART_BYTES + 1).position(|byte| byte == b'>')?;
    // The classes (`.loud`) come before the first space, and the name after it.
    let (_, name) = rest[..close].split_once(' ')?;
    if name.trim().is_empty() || name.contains(['\n', '\r', '<']) {
        return None;
    }
    let after = &line[2 + close + 1..];
    Some(line.len() - after.trim_start_matches([' ', '\t']).len())
}

/// Labels that start lines of notes, e-mail headers, recipes, logs and records as
/// a speaker's name starts a line of a transcript (`Note: ...`, `Subject: ...`,
/// `Step 1: ...`, `ERROR: ...`), compared with the first word of a label in any
/// case.
const FIELD_LABELS: &[&str] = &[
    "added",
    "address",
    "analysis",
    "author",
    "bcc",
    "caution",
    "cc",
    "changed",
    "chapter",
    "cons",
    "date",
    "debug",
    "definition",
    "description",
    "directions",
    "edit",
    "email",
    "error",
    "example",
    "fatal",
    "figure",
    "fix",
    "fixed",
    "fixme",
    "from",
    "fw",
    "fwd",
    "hint",
    "important",
    "info",
    "ingredients",
    "input",
    "location",
    "method",
    "name",
    "nb",
    "note",
    "notes",
    "output",
    "part",
    "phone",
    "price",
    "problem",
    "pros",
    "ps",
    "re",
    "removed",
    "result",
    "section",
    "see",
    "sent",
    "serves",
    "solution",
    "source",
    "status",
    "step",
    "subject",
    "summary",
    "table",
    "tags",
    "time",
    "tip",
    "title",
    "to",
    "todo",
    "total",
    "trace",
    "update",
    "updated",
    "usage",
    "warn",
    "warning",
    "yield",
];

/// Returns the length of the speaker's label that starts `line` without a time, with
/// the colon and the whitespace after it, when text follows: `Alice: `, `Alice Wong:
/// `, `DR. SMITH: `, `THE COURT: `, or a court transcript's `Q. `, `A. `, `Q: ` and
/// `A: `. The label is one to [`MAX_SPEAKER_WORDS`] words, the first with a capital,
/// the later ones as in [`speaker_label_len`], and without a comma or quote marks.
/// A label whose first word is a field's name such as `Note` or `Subject` (see
/// [`FIELD_LABELS`]) is no speaker.
fn untimed_speaker_len(line: &str) -> Option<usize> {
    let label_end = if matches!(line.as_bytes().get(..2), Some(b"Q." | b"A." | b"Q:" | b"A:")) {
        2
    } else if line.starts_with("From") {
        zoom_label_len(line)?
    } else {
        untimed_label_len(line)?
    };
    let after = &line[label_end..];
    let text = after.trim_start_matches([' ', '\t']);
    (text.len() < after.len() && !text.is_empty()).then_some(line.len() - text.len())
}

/// The maximum length in bytes of the label of a line of Zoom's chat, which names
/// the writer and who the message is for.
const MAX_ZOOM_LABEL_BYTES: usize = 2 * MAX_PART_BYTES + 24;

/// Returns the length of the label of a line of Zoom's saved chat and its colon at
/// the start of `rest`, when whitespace or nothing follows: `From Alice to
/// Everyone:`, `From Alice to Bob(Direct Message):`, or in older versions `From
/// Alice Smith :`. The writer's name is as on a [`MessageHeader`] line, so "From
/// here: go left" has no such label.
fn zoom_label_len(rest: &str) -> Option<usize> {
    let label = rest.strip_prefix("From")?;
    if !label.starts_with([' ', '\t']) {
        return None;
    }
    let colon = label.bytes().take(MAX_ZOOM_LABEL_BYTES + 1).position(|byte| byte == b':')?;
    let names = &label[..colon];
    let end = "From".len() + colon + 1;
    let followed = rest[end..].is_empty() || rest[end..].starts_with([' ', '\t']);
    let zoom_form = names.contains(" to ") || names.ends_with(' ');
    (followed && zoom_form && is_header_name(zoom_writer(&rest[..end]))).then_some(end)
}

/// Returns the writer's name in the label of a line of Zoom's chat (see
/// [`zoom_label_len`]), which is the text between `From` and ` to ` or the colon.
fn zoom_writer(label: &str) -> &str {
    let names = label.trim_end_matches(':').strip_prefix("From").unwrap_or(label);
    names.split(" to ").next().unwrap_or(names).trim()
}

/// Returns the length of the label and its colon that start `line`, for
/// [`untimed_speaker_len`]. It reads bytes up to the colon, as most lines of prose
/// are ruled out by their first or second word ("The council met", "He said").
fn untimed_label_len(line: &str) -> Option<usize> {
    if !line.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    let (mut word_start, mut words) = (0, 1);
    for (at, &byte) in line.as_bytes().iter().enumerate().take(MAX_PART_BYTES + 1) {
        match byte {
            b':' => {
                let last_word = &line[word_start..at];
                if last_word.is_empty() || (last_word.starts_with('(') && !last_word.ends_with(')')) {
                    return None;
                }
                let first_word = line[..at].split([' ', '\t']).next().unwrap_or_default().trim_end_matches('.');
                let field = FIELD_LABELS.iter().any(|label| label.eq_ignore_ascii_case(first_word));
                return (!field).then_some(at + 1);
            }
            b' ' | b'\t' => {
                words += 1;
                if words > MAX_SPEAKER_WORDS || !starts_later_name_word(&line[at + 1..]) {
                    return None;
                }
                word_start = at + 1;
            }
            b',' | b';' | b'"' => return None,
            _ => {}
        }
    }
    None
}

/// Returns whether `rest` starts with a word that may come after the first word of
/// a speaker's name: a word that starts with a capital or a digit ("Speaker 1"), a
/// name particle ("de", "van"), or a part in brackets ("(Guest)").
fn starts_later_name_word(rest: &str) -> bool {
    match rest.as_bytes().first() {
        Some(b'A'..=b'Z' | b'0'..=b'9' | b'(') => true,
        Some(b'a'..=b'z') => {
            // Every particle is shorter than 4 bytes.
            let end = rest.bytes().take(4).position(|byte| matches!(byte, b' ' | b'\t' | b':'));
            end.is_some_and(|end| NAME_PARTICLES.contains(&&rest[..end]))
        }
        Some(&byte) if byte >= 0x80 => rest.chars().next().is_some_and(char::is_uppercase),
        _ => false,
    }
}

/// Returns the length of the time without brackets that starts `line` and is
/// followed by whitespace: `10:02`, `10:02:07`, `9:14 PM`, maybe after a date
/// (`12/05/2026, 10:02`, `2026-05-12 10:02`) and before a dash (`10:02 -`), as
/// chat exports write them.
fn bare_time_len(line: &str) -> Option<usize> {
    let mut at = date_len(line.as_bytes())?;
    at += clock_len(&line[at..])?;
    if line[at..].starts_with(" -") {
        at += 2;
    }
    line[at..].starts_with([' ', '\t']).then_some(at)
}

/// Returns the number of ASCII digits, at most `max`, at `at` of `bytes`.
fn digits_at(bytes: &[u8], at: usize, max: usize) -> usize {
    bytes[at.min(bytes.len())..].iter().take(max).take_while(|byte| byte.is_ascii_digit()).count()
}

/// Returns the length of the date and the comma or space after it at the start of
/// `bytes`: three numbers joined by `/`, `.` or `-`. It is 0 without a date, and
/// `None` when the numbers do not end in a date.
fn date_len(bytes: &[u8]) -> Option<usize> {
    let first = digits_at(bytes, 0, 4);
    let Some(&separator) = bytes.get(first).filter(|&&byte| first > 0 && matches!(byte, b'/' | b'.' | b'-')) else {
        return Some(0);
    };
    let second = digits_at(bytes, first + 1, 2);
    let third_at = first + 1 + second;
    let third = digits_at(bytes, third_at + 1, 4);
    if second == 0 || bytes.get(third_at) != Some(&separator) || third == 0 {
        return None;
    }
    // A year first (2026-05-12) has the month second. Otherwise the day and the
    // month come first in either order (12/05/2026, 5/12/26).
    let number =
        |at: usize, len: usize| bytes[at..at + len].iter().fold(0, |value, byte| value * 10 + u32::from(byte - b'0'));
    let (a, b) = (number(0, first), number(first + 1, second));
    let valid = if first == 4 {
        (1..=12).contains(&b)
    } else {
        (1..=31).contains(&a) && (1..=31).contains(&b) && a.min(b) <= 12
    };
    if !valid {
        return None;
    }
    let mut at = third_at + 1 + third;
    if bytes.get(at) == Some(&b',') {
        at += 1;
    }
    (bytes.get(at) == Some(&b' ')).then_some(at + 1)
}

/// Returns the length of the time of day that starts `text`: hours, minutes and
/// maybe seconds, then maybe AM or PM.
fn clock_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let hours = digits_at(bytes, 0, 2);
    if hours == 0 || bytes.get(hours) != Some(&b':') || !has_minutes_at(bytes, hours + 1) {
        return None;
    }
    let mut at = hours + 3;
    if bytes.get(at) == Some(&b':') && has_minutes_at(bytes, at + 1) {
        at += 3;
    }
    let suffix =
        [" AM", " PM", " am", " pm", "AM", "PM", "am", "pm"].into_iter().find(|suffix| text[at..].starts_with(suffix));
    Some(at + suffix.map_or(0, str::len))
}

/// Returns whether two digits of minutes or seconds, 00 to 59, are at `at` of
/// `bytes`.
fn has_minutes_at(bytes: &[u8], at: usize) -> bool {
    digits_at(bytes, at, 2) == 2 && bytes[at] <= b'5'
}

/// Returns whether `label`, the inside of brackets, contains a time of day: hours,
/// then minutes from 00 to 59 (`10:02`, `03/06/26, 18:01:12`, `9:14 PM`), and not
/// a range of bits such as `69:64`.
fn contains_clock(label: &str) -> bool {
    let bytes = label.as_bytes();
    bytes
        .iter()
        .enumerate()
        .any(|(at, &byte)| byte == b':' && at > 0 && bytes[at - 1].is_ascii_digit() && has_minutes_at(bytes, at + 1))
}

/// The maximum number of words of a speaker's name after a time in a chat line.
const MAX_SPEAKER_WORDS: usize = 5;

/// Lower-case words inside names ("Maria de la Cruz", "Jean van der Berg").
const NAME_PARTICLES: &[&str] =
    &["de", "la", "del", "da", "di", "do", "dos", "du", "le", "van", "von", "der", "den", "bin", "al"];

/// Returns the length of the name and colon that start `rest`, after the time of a
/// chat line or transcript. The name is one word (`alice:`), or up to
/// [`MAX_SPEAKER_WORDS`] words that start with a capital, where name particles
/// ("de", "van"), a number ("Speaker 1") and a last part in brackets ("(Guest)")
/// may come after the first. So "in the morning: more" stays text.
fn speaker_label_len(rest: &str) -> Option<usize> {
    let colon = rest.bytes().take(MAX_PART_BYTES + 1).position(|byte| byte == b':')?;
    let label = &rest[..colon];
    let after = &rest[colon + 1..];
    if label.is_empty() || !after.starts_with([' ', '\t']) || label.starts_with(char::is_whitespace) {
        return None;
    }
    let words: Vec<&str> = label.split(' ').collect();
    let later_word = |(position, word): (usize, &&str)| {
        word.starts_with(char::is_uppercase)
            || NAME_PARTICLES.contains(word)
            || (!word.is_empty() && word.bytes().all(|byte| byte.is_ascii_digit()))
            || (position == words.len() - 1 && word.starts_with('(') && word.ends_with(')'))
    };
    let named = match words.len() {
        1 => !label.contains(char::is_whitespace),
        2..=MAX_SPEAKER_WORDS => {
            !label.contains(['\t', '\n', '\r'])
                && words[0].starts_with(char::is_uppercase)
                && words.iter().enumerate().skip(1).all(later_word)
        }
        _ => false,
    };
    named.then_some(colon + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_takes_times_and_names() {
        let cases = [
            ("[10:02] <alice> the build fails", Some("[10:02] <alice> ")),
            ("[2024-05-01 10:02:07] <alice> the build fails", Some("[2024-05-01 10:02:07] <alice> ")),
            ("[10:02] alice: the build fails", Some("[10:02] alice: ")),
            ("<alice> the build fails", Some("<alice> ")),
            ("[10:02]  the server restarted", Some("[10:02]  ")),
            // A time with nothing after it is no message, and a nickname needs a
            // space after it.
            ("[10:02]", None),
            ("[10:02] <alice>", Some("[10:02] ")),
            // References, tags and labels are no prefix.
            ("[1] Smith, J. Storms and coasts.", None),
            ("[Verse 1] The river runs", None),
            ("<b>Note</b> the service restarts", None),
            ("<b> Note", Some("<b> ")),
            ("<two words> in brackets", None),
            ("[10:02] in the morning: more", Some("[10:02] ")),
            ("[00:01:02] John Smith: Hello everyone", Some("[00:01:02] John Smith: ")),
            ("[00:01:02] Dr. Ana María Ruiz: Thanks", Some("[00:01:02] Dr. Ana María Ruiz: ")),
            ("[00:01:02] Maria de la Cruz: Thanks", Some("[00:01:02] Maria de la Cruz: ")),
            ("[00:01:02] Speaker 1: Thanks", Some("[00:01:02] Speaker 1: ")),
            ("[00:01:02] John Smith (Guest): Thanks", Some("[00:01:02] John Smith (Guest): ")),
            ("[00:01:02] One Two Three Four Five Six: Thanks", Some("[00:01:02] ")),
            ("10:02 <alice> the build fails", Some("10:02 <alice> ")),
            ("00:00:01 Alice Wong: Hello everyone", Some("00:00:01 Alice Wong: ")),
            ("12/05/2026, 10:02 - Mum: Dinner at eight", Some("12/05/2026, 10:02 - Mum: ")),
            ("2026-05-12 10:02:07 <alice> hi there", Some("2026-05-12 10:02:07 <alice> ")),
            ("9:14 PM Mira: who is online", Some("9:14 PM Mira: ")),
            ("10:30 Keynote on async traits", None),
            ("1.5 kg of flour: sift it", None),
            ("2024-05-01 10:02:07 INFO Request completed", None),
            // Minutes above 59 and impossible dates are no time.
            ("[69:64] specify the length", None),
            ("99:99 Alice: hi", None),
            ("13/45/2026, 10:02 - Mum: hi", None),
            ("2026-13-01 10:02 <alice> hi", None),
            ("[10:02] note:this is text", Some("[10:02] ")),
        ];
        for (line, expected) in cases {
            assert_eq!(prefix_len(line).map(|length| &line[..length]), expected, "line {line:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn prefix_ends_on_char_boundary(
            line in "[\\[<0-9:/.,\\- >\\]a-zA-Z()é]{0,40}|\\PC{0,40}",
        ) {
            if let Some(length) = prefix_len(&line) {
                proptest::prop_assert!(length < line.len());
                proptest::prop_assert!(line.is_char_boundary(length));
            }
        }

        #[test]
        fn header_writer_is_part_of_line(
            line in "[\\[0-9:/.,\\- —a-zA-Z_()é]{0,40}( AM| PM|:)?|\\PC{0,40}",
        ) {
            if let Some(MessageHeader { writer: Some(writer) }) = message_header(&line) {
                proptest::prop_assert!(!writer.is_empty());
                proptest::prop_assert!(line.contains(writer));
            }
            if let Some(label) = untimed_speaker(&line) {
                proptest::prop_assert!(line.starts_with(label));
            }
        }
    }

    #[test]
    fn notices_and_unsigned_lines() {
        assert!(line_start("[09:00] -!- bob [~bob@host] has joined #dev").notice);
        assert!(line_start("[09:10] * bob goes to lunch").notice);
        assert!(line_start("[03/06/26, 18:01:12] Hiking Club: \u{200e}Anna created group").notice);
        assert!(!line_start("[09:03] <bob> alice: did you see the report?").notice);
        assert!(line_start("-!- dave has joined #ops").notice);
        assert!(!line_start("* an item of a list").notice);
        assert!(line_start("12/05/2026, 09:58 - Messages and calls are end-to-end encrypted.").unsigned);
        assert!(line_start("[09:00] -!- bob has joined #dev").unsigned);
        assert!(!line_start("12/05/2026, 10:05 - Mum: Dinner at eight").unsigned);
        assert!(!line_start("<bob> hi").unsigned);
        assert!(!line_start("2024 was a good year.").unsigned);
        assert!(starts_with_time("2024-05-01 10:02:07 INFO  Listening on port 8080"));
        assert!(!starts_with_time("2024-05-01 was a Wednesday."));
    }

    #[test]
    fn log_levels_start_log_lines() {
        assert!(starts_with_log_level("ERROR: connection to database db-primary refused"));
        assert!(starts_with_log_level("INFO  Listening on port 8080"));
        assert!(starts_with_log_level("WARNING replica lag is 45 seconds"));
        assert!(!starts_with_log_level("Error: the file is missing"));
        assert!(!starts_with_log_level("INFORMATION: see below"));
        assert!(!starts_with_log_level("ERRORS were found"));
        assert!(!starts_with_log_level("INFO"));
        assert!(!starts_with_log_level("NOTE: keep the receipt"));
    }

    #[test]
    fn timed_messages_and_untimed_nicknames() {
        assert!(starts_timed_message("[10:03] <bob> lol fine"));
        assert!(!starts_timed_message("<bob> lol fine"));
        assert!(!starts_timed_message("[10:03] the server restarted"));
        assert_eq!(untimed_nickname("<bob> lol fine"), Some("bob"));
        assert_eq!(untimed_nickname("[10:03] <bob> lol fine"), None);
        assert_eq!(untimed_nickname("<bob>"), None);
    }

    #[test]
    fn prefix_takes_untimed_speakers() {
        let cases = [
            ("Alice: the build fails", Some("Alice: ")),
            ("Alice Wong: Hello everyone", Some("Alice Wong: ")),
            ("DR. SMITH: The results came back", Some("DR. SMITH: ")),
            ("MR. HARRIS: Thank you, Your Honor.", Some("MR. HARRIS: ")),
            ("THE COURT: Overruled.", Some("THE COURT: ")),
            ("Mr. Harris: Nothing further.", Some("Mr. Harris: ")),
            ("Maria de la Cruz: Thanks", Some("Maria de la Cruz: ")),
            ("Speaker 2: Thanks", Some("Speaker 2: ")),
            ("John Smith (Guest):\tThanks", Some("John Smith (Guest):\t")),
            ("Émile Zola: Bonjour", Some("Émile Zola: ")),
            ("Q. Where were you on the night of March 4?", Some("Q. ")),
            ("A. At home.", Some("A. ")),
            ("Q: Please state your name.", Some("Q: ")),
            ("A:  Thomas Greene.", Some("A:  ")),
            // Fields of notes, e-mails, recipes and logs are no speakers.
            ("Note: The password cannot be reset.", None),
            ("NOTE: The password cannot be reset.", None),
            ("Warning: Do not install the agent on a domain controller.", None),
            ("Ingredients: flour, butter and eggs", None),
            ("Subject: RE: Delivery dates", None),
            ("From: Jeremy Walsh", None),
            ("Step 1: Heat the oven to 180C.", None),
            ("Summary: Install the agent and store the password.", None),
            ("ERROR: connection refused", None),
            // Prose, labels without text and labels that are no names.
            ("The council met: it voted", None),
            ("Paris, France: The talks resumed", None),
            ("alice: lower case without a time", None),
            ("Note:the colon needs a space", None),
            ("Alice:", None),
            ("Alice: ", None),
            ("One Two Three Four Five Six: Thanks", None),
            ("John Smith (Guest: Thanks", None),
            ("\"Stop\": she said", None),
            ("Q.E.D. and more", None),
            ("QA: the tests pass", Some("QA: ")),
        ];
        for (line, expected) in cases {
            assert_eq!(prefix_len(line).map(|length| &line[..length]), expected, "line {line:?}");
        }
    }

    #[test]
    fn prefix_takes_voice_tags() {
        let cases = [
            ("<v Priya>Good morning everyone.</v>", Some("<v Priya>")),
            ("<v.loud Ben>Twice?</v>", Some("<v.loud Ben>")),
            ("<v Dr. Yusuf Adeyemi> The fish counts dropped", Some("<v Dr. Yusuf Adeyemi> ")),
            ("<v Priya>", None),
            ("<v>Good morning", None),
            ("<v >Good morning", None),
            ("<video> plays the clip", Some("<video> ")),
            ("<v.loud>Twice?", None),
        ];
        for (line, expected) in cases {
            assert_eq!(prefix_len(line).map(|length| &line[..length]), expected, "line {line:?}");
        }
        assert_eq!(message_prefix("<v Priya>Good morning").map(|(_, kind)| kind), Some(PrefixKind::Voice));
        assert_eq!(message_prefix("<video> plays the clip").map(|(_, kind)| kind), Some(PrefixKind::Nickname));
    }

    #[test]
    fn prefix_kinds() {
        let kind = |line: &str| message_prefix(line).map(|(_, kind)| kind);
        assert_eq!(kind("[10:02] <alice> the build fails"), Some(PrefixKind::Timed));
        assert_eq!(kind("[10:02] the server restarted"), Some(PrefixKind::Timed));
        assert_eq!(kind("12/05/2026, 10:02 - Mum: Dinner at eight"), Some(PrefixKind::Timed));
        assert_eq!(kind("<alice> the build fails"), Some(PrefixKind::Nickname));
        assert_eq!(kind("Alice Wong: the build fails"), Some(PrefixKind::Speaker));
        assert_eq!(kind("Q. Where were you?"), Some(PrefixKind::Speaker));
        assert_eq!(kind("The build fails."), None);
    }

    #[test]
    fn untimed_speaker_labels() {
        assert_eq!(untimed_speaker("Alice Wong: hi"), Some("Alice Wong"));
        assert_eq!(untimed_speaker("THE COURT: Overruled."), Some("THE COURT"));
        assert_eq!(untimed_speaker("Q. Where were you?"), Some("Q"));
        assert_eq!(untimed_speaker("A: At home."), Some("A"));
        assert_eq!(untimed_speaker("Note: hi"), None);
        assert_eq!(untimed_speaker("<alice> hi"), None);
        assert_eq!(untimed_speaker("[10:02] Alice: hi"), None);
        assert!(starts_with_speaker("Alice: hi"));
        assert!(!starts_with_speaker("Alice:"));
        assert!(!starts_with_speaker("Warning: hot"));
    }

    #[test]
    fn speakers_must_repeat() {
        let cases: [(&[&str], bool); 8] = [
            (&["Interviewer", "Maria Lopez", "Interviewer", "Maria Lopez"], true),
            (&["Q", "A", "Q", "A", "THE COURT", "Q", "A"], true),
            (&["Kim", "Luis", "Olivia", "Kim", "Raj", "Luis", "Olivia", "Raj"], true),
            // Fewer than four lines.
            (&["Alice", "Bob", "Alice"], false),
            // One speaker, as in a monologue or a repeated label.
            (&["Alice", "Alice", "Alice", "Alice"], false),
            // A glossary names each term once.
            (&["Baseline", "Catchment", "Nitrate", "Runoff", "Slurry"], false),
            // Most labels once, two of them twice.
            (&["Mayor Linda Park", "Analysis", "Update", "Update", "Tom", "Tom", "Ann"], false),
            (&["Alice", "Bob", "Alice", "Carol", "Dan", "Bob"], false),
        ];
        for (labels, expected) in cases {
            let mut sorted = labels.to_vec();
            assert_eq!(speakers_repeat(&mut sorted), expected, "labels {labels:?}");
        }
    }

    #[test]
    fn message_headers_name_writers() {
        let cases = [
            // Slack and Teams.
            ("Priya Nair  9:05 AM", Some(Some("Priya Nair"))),
            ("Alice Johnson 10:02 AM", Some(Some("Alice Johnson"))),
            ("Alice Johnson, Yesterday 10:02 AM", Some(Some("Alice Johnson"))),
            ("Maria de la Cruz  14:30", Some(Some("Maria de la Cruz"))),
            ("9:06", Some(None)),
            ("10:04 AM", Some(None)),
            // Discord.
            ("Mira — Today at 9:15 PM", Some(Some("Mira"))),
            ("jonas_k — Yesterday at 11:02 PM", Some(Some("jonas_k"))),
            ("Mira — 12/05/2026 9:15 PM", Some(Some("Mira"))),
            ("[9:16 PM]", Some(None)),
            ("[21:16]", Some(None)),
            // Teams with the time first.
            ("[9:02 AM] Laura Chen", Some(Some("Laura Chen"))),
            // A bot's name in brackets ends the line with `]`, as a time alone does.
            ("[9:03 AM] [deploy_bot]", Some(Some("[deploy_bot]"))),
            // Zoom without text on the line.
            ("10:02:11 From Alice Smith to Everyone:", Some(Some("Alice Smith"))),
            ("10:06:45 From Alice Smith to Carla Diaz(Direct Message):", Some(Some("Alice Smith"))),
            ("From Bob Jones to Everyone:", Some(Some("Bob Jones"))),
            // Prose, agendas and logs.
            ("The meeting starts at 10:30", None),
            ("until 10:30", None),
            ("we met again at 10:30 AM", None),
            ("[10:02] the server restarted", None),
            ("[10:02] Server restarted on node 4", None),
            ("[see 10:30]", None),
            ("[10:30 to 11:00]", None),
            ("[9:16 PM", None),
            ("Doors open at 7:30 PM.", None),
            ("Total, all regions 12:30", None),
            ("10:02:11 From Alice to Everyone: hi", None),
            ("From here: go left", None),
            ("One Two Three Four Five Six 10:02 AM", None),
            ("Alice Johnson 10:61 AM", None),
            ("Alice Johnson10:02 AM", None),
        ];
        for (line, expected) in cases {
            assert_eq!(message_header(line).map(|header| header.writer), expected, "line {line:?}");
        }
    }

    #[test]
    fn zoom_lines_with_text_have_a_prefix() {
        let cases = [
            ("10:02:11 From Alice Smith to Everyone: Hi all", Some("10:02:11 From Alice Smith to Everyone: ")),
            ("10:02:11\t From  Alice Smith : Hi all", Some("10:02:11\t From  Alice Smith : ")),
            ("From Alice Smith to Everyone: Hi all", Some("From Alice Smith to Everyone: ")),
            ("From here: go left", None),
            ("From the start the plan failed", None),
        ];
        for (line, expected) in cases {
            assert_eq!(prefix_len(line).map(|length| &line[..length]), expected, "line {line:?}");
        }
        assert_eq!(untimed_speaker("From Alice Smith to Everyone: Hi all"), Some("From Alice Smith to Everyone"));
    }

    #[test]
    fn writer_needs_a_name() {
        assert!(line_start("[10:03] <bob> lol fine").named);
        assert!(line_start("10:02 - Mum: Dinner at eight").named);
        assert!(!line_start("[10:02] and the second substation failed").named);
        assert!(!line_start("book the loading dock").named);
    }
}
