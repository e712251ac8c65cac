//! `summarize`: prints an extractive summary of a file or of standard input.
//!
//! With `--jsonl` it reads one JSON object per line (`{"id": …, "article": …}`) and
//! writes `{"id": …, "summary": [sentence, …]}` per line, which is how the evaluation
//! scripts drive it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

const HELP: &str = "\
Usage: summarize [--sentences N | --ratio R | --words W] [--lang CODE|auto] [OPTIONS] [FILE]

Prints the sentences that summarize FILE (or standard input, also for FILE -), one
per line, in document order. A sentence that repeats a chosen one (the same text,
or a cosine similarity of its words above 0.6) is left out, so a summary may have
fewer sentences than asked, even with --ratio 1.

Length (at most one; default --sentences 3):
      --sentences N   at most N sentences (alias -n)
      --ratio R       at most the share R of the document's sentences, rounded up;
                      0 < R <= 1
      --words W       at most W words in all; a single sentence when even the
                      best one is longer

Options:
      --lang CODE     ISO 639-1 code of the text's language, or auto to detect it
                      (default auto; alias --language, -l); ja, ko and zh are
                      analysed as with auto
  -f, --format FORMAT plain, html or markdown (default plain); offsets then point
                      into the original markup and \"plain\" is the visible text
      --keyphrases K  also output the top K key phrases of the document: after a
                      blank line as \"Key phrases: a; b\" (no line when there are
                      none), or as a \"key_phrases\" list in JSON output
      --json          print a JSON object: \"language\" (a code or null) and
                      \"sentences\", each with \"text\" (the input's bytes from
                      \"start\" to \"end\"), \"plain\" (its visible text) and
                      \"index\" (its place among all units of the input, from 0)
      --jsonl         read JSON lines {\"id\": …, \"article\": …} (or \"text\", and an
                      optional \"sentences\" count for that line) and write one line
                      {\"id\": …, \"summary\": [sentence, …]} for each, in input order;
                      blank lines and a byte order mark at the start are skipped
      --threads N     with --jsonl, summarize on N threads, 1 to 256 (default: the
                      number of CPU cores); the output is the same for every N.
                      Each result is written as soon as the lines before it are
                      done, and before the tool waits for more input
  -h, --help          print this help
  -V, --version       print the version
";

/// Command-line settings after parsing.
#[derive(Clone)]
struct Args {
    length: summarizer::Length,
    language: Option<summarizer::Language>,
    format: summarizer::InputFormat,
    key_phrases: usize,
    json: bool,
    jsonl: bool,
    /// The number of threads of `--jsonl` mode.
    threads: NonZeroUsize,
    input: Option<PathBuf>,
}

fn parse_args() -> anyhow::Result<Option<Args>> {
    use lexopt::prelude::*;

    let mut args = Args {
        length: summarizer::Length::Sentences(NonZeroUsize::new(3).expect("3 is not zero")),
        language: None,
        format: summarizer::InputFormat::Plain,
        key_phrases: 0,
        json: false,
        jsonl: false,
        // Set after the options are read, because finding the number of cores reads
        // the CPU affinity and the cgroup quota, which `--threads` makes needless.
        threads: NonZeroUsize::MIN,
        input: None,
    };
    let mut length_flag: Option<&'static str> = None;
    let mut parser = lexopt::Parser::from_env();
    let (mut threads_set, mut input_set) = (false, false);
    while let Some(arg) = parser.next()? {
        let flag = match arg {
            Short('n') | Long("sentences") => Some("--sentences"),
            Long("ratio") => Some("--ratio"),
            Long("words") => Some("--words"),
            _ => None,
        };
        if let Some(flag) = flag {
            if let Some(earlier) = length_flag.replace(flag) {
                bail!("{flag} cannot be combined with {earlier}: give one of --sentences, --ratio or --words");
            }
        }
        match arg {
            Short('n') | Long("sentences") => {
                let value: String = parser.value()?.parse()?;
                let count = value.parse().map_err(|_| {
                    anyhow::anyhow!("invalid --sentences {value:?}: expected a whole number of at least 1")
                })?;
                args.length = summarizer::Length::Sentences(count);
            }
            Long("ratio") => {
                let value: String = parser.value()?.parse()?;
                let ratio = value.parse::<f64>().ok().and_then(summarizer::Ratio::new);
                args.length =
                    summarizer::Length::Ratio(ratio.with_context(|| {
                        format!("invalid --ratio {value:?}: expected a number above 0 and at most 1")
                    })?);
            }
            Long("words") => {
                let value: String = parser.value()?.parse()?;
                let budget = value
                    .parse()
                    .map_err(|_| anyhow::anyhow!("invalid --words {value:?}: expected a whole number of at least 1"))?;
                args.length = summarizer::Length::Words(budget);
            }
            Short('l') | Long("lang") | Long("language") => {
                let code: String = parser.value()?.parse()?;
                args.language = parse_language(&code)?;
            }
            Short('f') | Long("format") => {
                let value: String = parser.value()?.parse()?;
                args.format = match value.to_ascii_lowercase().as_str() {
                    "plain" | "text" => summarizer::InputFormat::Plain,
                    "html" => summarizer::InputFormat::Html,
                    "markdown" | "md" => summarizer::InputFormat::Markdown,
                    _ => bail!("invalid --format {value:?}: expected plain, html or markdown"),
                };
            }
            Long("keyphrases") | Long("key-phrases") => {
                let value: String = parser.value()?.parse()?;
                args.key_phrases = value
                    .parse()
                    .map_err(|_| anyhow::anyhow!("invalid --keyphrases {value:?}: expected a whole number"))?;
            }
            Long("threads") => {
                threads_set = true;
                let value: String = parser.value()?.parse()?;
                args.threads =
                    value.parse().ok().filter(|threads: &NonZeroUsize| threads.get() <= MAX_THREADS).with_context(
                        || format!("invalid --threads {value:?}: expected a whole number from 1 to {MAX_THREADS}"),
                    )?;
            }
            Long("json") => args.json = true,
            Long("jsonl") => args.jsonl = true,
            Short('h') | Long("help") => {
                print!("{HELP}");
                return Ok(None);
            }
            Short('V') | Long("version") => {
                println!("summarize {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            Value(path) if !input_set => {
                input_set = true;
                args.input = (path != "-").then(|| path.into());
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    if args.json && args.jsonl {
        bail!("--json and --jsonl cannot be combined: --jsonl already writes JSON");
    }
    if threads_set && !args.jsonl {
        bail!("--threads applies to --jsonl only: add --jsonl or drop --threads");
    }
    if !threads_set {
        args.threads = std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
    }
    Ok(Some(args))
}

/// Parses a `--lang` value: `auto` for detection, or a supported ISO 639-1 code.
fn parse_language(code: &str) -> anyhow::Result<Option<summarizer::Language>> {
    let neutral = summarizer::NEUTRAL_LANGUAGE_CODES.iter().any(|neutral| neutral.eq_ignore_ascii_case(code));
    if code.eq_ignore_ascii_case("auto") || neutral {
        return Ok(None);
    }
    let language = summarizer::Language::from_code(code);
    let language = language.with_context(|| {
        let mut known: Vec<&str> = summarizer::LANGUAGES.iter().map(|l| l.code()).collect();
        known.extend(summarizer::NEUTRAL_LANGUAGE_CODES);
        known.sort_unstable();
        format!("unsupported --lang {code:?}: expected auto or one of {}", known.join(", "))
    })?;
    Ok(Some(language))
}

/// One sentence of the printed summary, with byte offsets into the input text.
#[derive(Serialize)]
struct SentenceOut<'a> {
    text: &'a str,
    plain: std::borrow::Cow<'a, str>,
    start: usize,
    end: usize,
    index: usize,
}

#[derive(Serialize)]
struct SummaryOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a serde_json::Value>,
    /// ISO 639-1 code of the text's language where known (see `Summary::language_code`), or null.
    language: Option<&'static str>,
    sentences: Vec<SentenceOut<'a>>,
    /// The key phrases when `--keyphrases` asked for some, an empty list when none
    /// was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    key_phrases: Option<Vec<String>>,
}

/// One output line of `--jsonl` mode: the visible text of each chosen sentence.
/// [`JsonlOut::write_json`] writes it as serde_json writes a struct of these fields.
struct JsonlOut<'a> {
    id: Option<&'a RawValue>,
    summary: Vec<std::borrow::Cow<'a, str>>,
    /// As in [`SummaryOut`], and left out of the line when `None`.
    key_phrases: Option<Vec<String>>,
}

impl JsonlOut<'_> {
    /// Appends the line's JSON object, without a line break, in serde_json's compact
    /// form: `{"id":…,"summary":[…],"key_phrases":[…]}`. The id is its JSON text as
    /// it came, or `null`. serde_json escapes each string byte by byte, where
    /// [`write_json_string`] finds the bytes to escape eight at a time.
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        out.extend_from_slice(self.id.map_or("null", RawValue::get).as_bytes());
        out.extend_from_slice(b",\"summary\":");
        write_json_strings(out, &self.summary);
        if let Some(key_phrases) = &self.key_phrases {
            out.extend_from_slice(b",\"key_phrases\":");
            write_json_strings(out, key_phrases);
        }
        out.push(b'}');
    }
}

/// Appends `items` as a JSON array of strings.
fn write_json_strings(out: &mut Vec<u8>, items: &[impl AsRef<str>]) {
    out.push(b'[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_json_string(out, item.as_ref());
    }
    out.push(b']');
}

/// Appends `text` as a JSON string, escaped as serde_json 1 escapes it. `"` and `\`
/// get a backslash before them, and the bytes below 0x20 become `\b`, `\f`, `\n`,
/// `\r`, `\t` or `\u00XX` in lower-case hex. Every other char stays as it is.
fn write_json_string(out: &mut Vec<u8>, text: &str) {
    const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.push(b'"');
    let mut start = 0;
    while let Some(offset) = next_json_escape(&bytes[start..]) {
        let escaped = start + offset;
        out.extend_from_slice(&bytes[start..escaped]);
        let byte = bytes[escaped];
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX_DIGITS[usize::from(byte >> 4)],
                HEX_DIGITS[usize::from(byte & 0xF)],
            ]),
        }
        start = escaped + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Returns the index of the first byte of `bytes` that a JSON string escapes: `"`,
/// `\` or a byte below 0x20. Eight bytes are tested at a time.
fn next_json_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    // Sets the high bit of each byte below `limit`. A borrow can reach only the
    // bytes above such a byte, so the lowest bit set marks the first one exactly.
    // Bytes of 0x80 and more are never marked, because `!word` clears their bit.
    let below = |word: u64, limit: u8| word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGH_BITS;
    let mut index = 0;
    while let Some(chunk) = bytes.get(index..index + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("a chunk has 8 bytes"));
        let quotes = below(word ^ (ONES * u64::from(b'"')), 1);
        let backslashes = below(word ^ (ONES * u64::from(b'\\')), 1);
        let found = quotes | backslashes | below(word, 0x20);
        if found != 0 {
            return Some(index + (found.trailing_zeros() / 8) as usize);
        }
        index += 8;
    }
    let rest = &bytes[index..];
    rest.iter().position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20).map(|position| index + position)
}

/// One input line of `--jsonl` mode.
#[derive(Deserialize)]
struct Document<'a> {
    /// The id as its JSON text, written back as it came: a number parsed into a
    /// `Value` would come back as a float beyond 64-bit integers, and lose digits.
    #[serde(default, borrow)]
    id: Option<&'a RawValue>,
    #[serde(default)]
    article: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    sentences: Option<usize>,
}

/// The field names of a [`Document`], in the order of the `seen` flags of
/// [`parse_document`].
const DOCUMENT_FIELDS: [&str; 4] = ["id", "article", "text", "sentences"];

/// Parses a `--jsonl` line into a [`Document`] as serde_json does, reading the
/// text field once, and leaves the other values to serde_json. serde_json reads a
/// string with escapes into a buffer that grows from empty for each line, and then
/// copies it. Taken as a raw value, the text was read once to skip it and once
/// more to decode it.
///
/// Returns `None` for a line it leaves to serde_json, which then gives the same
/// document or an error. Such lines are invalid JSON, a field name with an escape,
/// a repeated field, a text that is not a string, or an array or object as a value
/// (because serde_json's depth limit counts from the start of the line).
fn parse_document(line: &str) -> Option<Document<'_>> {
    let bytes = line.as_bytes();
    let mut document = Document { id: None, article: None, text: None, sentences: None };
    let mut at = skip_json_whitespace(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_json_whitespace(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        return (skip_json_whitespace(bytes, at + 1) == bytes.len()).then_some(document);
    }
    // serde rejects a repeated field even when its first value was `null`, so the
    // fields seen are kept apart from their values.
    let mut seen = [false; DOCUMENT_FIELDS.len()];
    loop {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let name_end = at + 1 + next_json_escape(&bytes[at + 1..])?;
        if bytes[name_end] != b'"' {
            return None;
        }
        let field = DOCUMENT_FIELDS.iter().position(|&name| name == &line[at + 1..name_end]);
        at = skip_json_whitespace(bytes, name_end + 1);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        at = skip_json_whitespace(bytes, at + 1);
        if let Some(field) = field {
            if std::mem::replace(&mut seen[field], true) {
                return None;
            }
        }
        match field {
            Some(1 | 2) => {
                let (text, end) = parse_json_string(line, at)?;
                if field == Some(1) {
                    document.article = Some(text);
                } else {
                    document.text = Some(text);
                }
                at = end;
            }
            _ => {
                if matches!(bytes.get(at), Some(b'[' | b'{')) {
                    return None;
                }
                let value = &line[at..];
                at += match field {
                    Some(0) => parse_json_value(value, &mut document.id)?,
                    Some(_) => parse_json_value(value, &mut document.sentences)?,
                    None => parse_json_value(value, &mut None::<serde::de::IgnoredAny>)?,
                };
            }
        }
        at = skip_json_whitespace(bytes, at);
        match bytes.get(at) {
            Some(b',') => at = skip_json_whitespace(bytes, at + 1),
            Some(b'}') => break,
            _ => return None,
        }
    }
    (skip_json_whitespace(bytes, at + 1) == bytes.len()).then_some(document)
}

/// Parses the JSON value at the start of `json` into `value`, and returns its
/// length in bytes, or `None` when serde_json rejects it.
fn parse_json_value<'a, T: Deserialize<'a>>(json: &'a str, value: &mut T) -> Option<usize> {
    let mut values = serde_json::Deserializer::from_str(json).into_iter::<T>();
    *value = values.next()?.ok()?;
    Some(values.byte_offset())
}

/// Returns the index of the first byte of `bytes` at or after `from` that is not
/// JSON whitespace (space, tab, line feed or carriage return), or the length of
/// `bytes`.
fn skip_json_whitespace(bytes: &[u8], from: usize) -> usize {
    let rest = bytes.get(from..).unwrap_or_default();
    from + rest.iter().position(|byte| !matches!(byte, b' ' | b'\n' | b'\t' | b'\r')).unwrap_or(rest.len())
}

/// Decodes the JSON string whose opening quote is at byte `start` of `json`, and
/// returns it with the index after its closing quote. Returns `None` when no
/// string that serde_json takes starts there: a string with a control char, with an
/// invalid escape or with a `\u` escape of a lone UTF-16 surrogate, which serde_json
/// rejects, or no string at all.
fn parse_json_string(json: &str, start: usize) -> Option<(String, usize)> {
    let bytes = json.as_bytes();
    if bytes.get(start) != Some(&b'"') {
        return None;
    }
    // The string ends before the line does, and the text field is usually the last.
    let mut decoded = String::with_capacity(bytes.len() - start);
    let mut at = start + 1;
    loop {
        let special = at + memchr::memchr2(b'"', b'\\', &bytes[at..])?;
        // A JSON string must escape every control char (below 0x20). The least byte
        // is found without an early exit, which the compiler turns into SIMD code.
        // With memchr this took a third of the instructions of `next_json_escape`
        // (callgrind, CNN/DailyMail dev articles).
        let least = bytes[at..special].iter().fold(u8::MAX, |least, &byte| least.min(byte));
        if least < 0x20 {
            return None;
        }
        decoded.push_str(&json[at..special]);
        if bytes[special] == b'"' {
            return Some((decoded, special + 1));
        }
        at = special + 2;
        let ch = match *bytes.get(special + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = hex_escape_unit(json, at)?;
                at += 4;
                match unit {
                    0xD800..=0xDBFF => {
                        // A leading surrogate needs a trailing one in the next escape.
                        let trailing = json[at..].strip_prefix("\\u").and_then(|_| hex_escape_unit(json, at + 2))?;
                        if !(0xDC00..=0xDFFF).contains(&trailing) {
                            return None;
                        }
                        at += 6;
                        char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (trailing - 0xDC00))?
                    }
                    0xDC00..=0xDFFF => return None,
                    _ => char::from_u32(unit)?,
                }
            }
            _ => return None,
        };
        decoded.push(ch);
    }
}

/// Returns the UTF-16 code unit of the four hex digits at byte `at` of `text`.
fn hex_escape_unit(text: &str, at: usize) -> Option<u32> {
    let digits = text.get(at..at + 4)?;
    if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

fn summary_out<'a>(id: Option<&'a serde_json::Value>, text: &'a str, options: &summarizer::Options) -> SummaryOut<'a> {
    let summary = summarizer::summarize_with(text, options);
    let sentences = summary
        .sentences
        .into_iter()
        .map(|s| SentenceOut { text: s.text, plain: s.plain, start: s.start, end: s.end, index: s.index })
        .collect();
    SummaryOut {
        id,
        language: summary.language_code,
        sentences,
        key_phrases: (options.key_phrases > 0)
            .then(|| summary.key_phrases.into_iter().map(|phrase| phrase.text).collect()),
    }
}

fn options(args: &Args, length: summarizer::Length) -> summarizer::Options {
    summarizer::Options {
        language: args.language,
        format: args.format,
        key_phrases: args.key_phrases,
        ..summarizer::Options::with_length(length)
    }
}

/// Opens the file at `path`, or returns `None` for standard input.
fn open_file(path: Option<&PathBuf>) -> anyhow::Result<Option<File>> {
    path.map(|path| File::open(path).with_context(|| format!("failed to open {}", path.display()))).transpose()
}

/// Returns a buffered reader of `file`, or of standard input for `None`.
fn reader(file: Option<File>) -> BufReader<Box<dyn Read + Send>> {
    let input: Box<dyn Read + Send> = match file {
        Some(file) => Box::new(file),
        None => Box::new(std::io::stdin()),
    };
    BufReader::with_capacity(INPUT_BUFFER_BYTES, input)
}

/// The size of the input buffer, which is the default capacity of a Linux pipe.
const INPUT_BUFFER_BYTES: usize = 64 << 10;

/// The largest `--threads` value accepted.
const MAX_THREADS: usize = 256;

/// The number of `--jsonl` lines, per thread, that may be read before the results
/// of the lines before them are written, so that a slow line holds up little memory.
const LINES_IN_FLIGHT_PER_THREAD: usize = 16;

/// The number of bytes of `--jsonl` lines that may be read before the results of
/// the lines before them are written. One line may be longer.
const MAX_BYTES_IN_FLIGHT: usize = 32 << 20;

/// One line of `--jsonl` input: its line number, from 1, and its text.
type NumberedLine = (usize, String);

/// The lines of `--jsonl` input.
struct JsonlLines {
    reader: BufReader<Box<dyn Read + Send>>,
    /// The number of the next line, from 1, counting blank lines.
    next_number: usize,
}

impl JsonlLines {
    fn new(file: Option<File>) -> Self {
        Self { reader: reader(file), next_number: 1 }
    }

    /// Returns the next line that is not blank, without its line break, or `None` at
    /// the end of the input. Calls `before_waiting` before each read that may wait
    /// for more input, so that the caller can flush its output first: a program that
    /// writes one line and waits for its summary then gets it.
    fn next_line(&mut self, mut before_waiting: impl FnMut()) -> anyhow::Result<Option<NumberedLine>> {
        loop {
            let number = self.next_number;
            let mut bytes = Vec::new();
            // The buffered bytes are searched for the line's end once. A line that
            // ends there is taken from the buffer, and only the rest of a longer one
            // is read, after `before_waiting`.
            let buffered = self.reader.buffer();
            let (taken, line_ended) = match memchr::memchr(b'\n', buffered) {
                Some(newline) => (newline + 1, true),
                None => (buffered.len(), false),
            };
            bytes.extend_from_slice(&buffered[..taken]);
            self.reader.consume(taken);
            let mut read = taken;
            if !line_ended {
                before_waiting();
                let rest = self.reader.read_until(b'\n', &mut bytes);
                read += rest.with_context(|| format!("failed to read line {number}"))?;
            }
            if read == 0 {
                return Ok(None);
            }
            self.next_number += 1;
            if bytes.last() == Some(&b'\n') {
                bytes.pop();
                if bytes.last() == Some(&b'\r') {
                    bytes.pop();
                }
            }
            // A byte order mark that some editors put at the start of a file.
            if number == 1 && bytes.starts_with("\u{feff}".as_bytes()) {
                bytes.drain(..3);
            }
            let line = String::from_utf8(bytes)
                .map_err(|_| anyhow::anyhow!("failed to read line {number}: the line is not valid UTF-8"))?;
            if !line.trim().is_empty() {
                return Ok(Some((number, line)));
            }
        }
    }
}

/// Runs `--jsonl` mode: summarizes each line of the input and writes the results in
/// input order. Each of `args.threads` worker threads reads the next line,
/// summarizes it with its own [`summarizer::Summarizer`] and writes every result
/// that is next in order.
///
/// The workers are not scoped threads: on the first error this thread returns at
/// once and the process ends, without waiting for the lines in progress or for a
/// worker blocked on input.
fn run_jsonl(args: &Args) -> anyhow::Result<()> {
    let lines = JsonlLines::new(open_file(args.input.as_ref())?);
    let out = BufWriter::new(std::io::stdout());
    if args.threads.get() == 1 {
        return run_jsonl_on_this_thread(args, lines, out);
    }

    let threads = args.threads.get();
    let shared = Arc::new(Jsonl {
        args: args.clone(),
        lines_in_flight: threads * LINES_IN_FLIGHT_PER_THREAD,
        input: Mutex::new(JsonlInput { lines, done: false, read_error: None }),
        read: AtomicUsize::new(0),
        bytes_in_flight: AtomicUsize::new(0),
        input_waiting: AtomicBool::new(false),
        output: Mutex::new(JsonlOutput {
            out,
            waiting: BTreeMap::new(),
            written: 0,
            error: None,
            stopped: false,
            workers: threads,
            room_waiters: 0,
        }),
        room: Condvar::new(),
        progress: Condvar::new(),
    });
    for number in 1..=threads {
        let worker = Arc::clone(&shared);
        let spawned = std::thread::Builder::new().name(format!("worker {number}")).spawn(move || worker.work());
        if let Err(error) = spawned {
            let mut output = shared.lock_output();
            output.workers -= threads + 1 - number;
            let error =
                anyhow::anyhow!("failed to start worker thread {number} of {threads}: {error}; try a lower --threads");
            shared.fail(&mut output, error);
            break;
        }
    }

    let mut output = shared.lock_output();
    while !output.stopped && output.workers > 0 {
        output = shared.progress.wait(output).unwrap_or_else(PoisonError::into_inner);
    }
    let flushed = output.out.flush().context("failed to write the output");
    if let Some(error) = output.error.take() {
        return Err(error);
    }
    flushed?;
    drop(output);
    // Every worker has ended, so the input is unlocked.
    let read_error = shared.lock_input().read_error.take();
    read_error.map_or(Ok(()), Err)
}

/// The state that the worker threads of `--jsonl` mode share. The input is always
/// locked before the output, never the other way round.
struct Jsonl {
    args: Args,
    /// The number of lines that may be read before the results of the lines before
    /// them are written.
    lines_in_flight: usize,
    input: Mutex<JsonlInput>,
    /// The number of lines read, which is the sequence number of the next one.
    read: AtomicUsize,
    /// The number of bytes of the lines read whose results are not yet written.
    bytes_in_flight: AtomicUsize,
    /// True while a worker reads input that may not have arrived yet.
    input_waiting: AtomicBool,
    output: Mutex<JsonlOutput>,
    /// Signals that results were written, or that the workers should stop.
    room: Condvar,
    /// Signals the main thread that a worker ended or an error happened.
    progress: Condvar,
}

/// The input side of [`Jsonl`].
struct JsonlInput {
    lines: JsonlLines,
    /// True when the input has ended or failed.
    done: bool,
    read_error: Option<anyhow::Error>,
}

/// The output side of [`Jsonl`].
struct JsonlOutput {
    out: BufWriter<std::io::Stdout>,
    /// The results that wait for the results before them, by sequence number, with
    /// the length of their line.
    waiting: BTreeMap<usize, (usize, anyhow::Result<Vec<u8>>)>,
    /// The number of results written, which is the sequence number of the next one.
    written: usize,
    /// The first error in input order: a line's or the output's. It stops the run.
    error: Option<anyhow::Error>,
    /// True once an error stopped the run, also after the main thread has taken the
    /// error to report it, so that no worker writes a later result.
    stopped: bool,
    /// The number of worker threads still running.
    workers: usize,
    /// The number of worker threads waiting on [`Jsonl::room`].
    room_waiters: usize,
}

impl Jsonl {
    /// Summarizes lines until the input ends or an error stops the run.
    fn work(&self) {
        let _ended = WorkerEnd(self);
        let mut summarizer = summarizer::Summarizer::new();
        while let Some((sequence, line)) = self.next_line() {
            let result = summarize_line(&self.args, &line, &mut summarizer);
            self.finish(sequence, line.1.len(), result);
        }
        // Freeing each cached word form one by one would cost about 2% of a run over
        // a file of news articles, and the process ends soon after.
        std::mem::forget(summarizer);
    }

    /// Returns the sequence number and the next line to summarize, after waiting
    /// until there is room for one more line in flight, or `None` when the input has
    /// ended or failed or an error stopped the run.
    fn next_line(&self) -> Option<(usize, NumberedLine)> {
        let mut output = self.lock_output();
        loop {
            if output.stopped {
                return None;
            }
            let unwritten = self.read.load(Ordering::SeqCst) - output.written;
            let full = unwritten >= self.lines_in_flight
                || (unwritten > 0 && self.bytes_in_flight.load(Ordering::SeqCst) >= MAX_BYTES_IN_FLIGHT);
            if !full {
                break;
            }
            output.room_waiters += 1;
            output = self.room.wait(output).unwrap_or_else(PoisonError::into_inner);
            output.room_waiters -= 1;
        }
        drop(output);

        let mut input = self.lock_input();
        if input.done {
            return None;
        }
        let next = input.lines.next_line(|| {
            self.input_waiting.store(true, Ordering::SeqCst);
            // A worker that writes after this flush flushes too, because it reads
            // `input_waiting`.
            self.flush(&mut self.lock_output());
        });
        self.input_waiting.store(false, Ordering::SeqCst);
        match next {
            Ok(Some(line)) => {
                let sequence = self.read.fetch_add(1, Ordering::SeqCst);
                self.bytes_in_flight.fetch_add(line.1.len(), Ordering::SeqCst);
                Some((sequence, line))
            }
            Ok(None) => {
                input.done = true;
                None
            }
            Err(error) => {
                input.read_error = Some(error);
                input.done = true;
                None
            }
        }
    }

    /// Takes the result of the line with number `sequence` and `bytes` bytes, and
    /// writes every result that is next in order.
    fn finish(&self, sequence: usize, bytes: usize, result: anyhow::Result<Vec<u8>>) {
        let mut output = self.lock_output();
        output.waiting.insert(sequence, (bytes, result));
        while !output.stopped {
            let next = output.written;
            let Some((bytes, result)) = output.waiting.remove(&next) else {
                break;
            };
            if let Err(error) = result.and_then(|line| write_output(&mut output.out, &line)) {
                self.fail(&mut output, error);
            }
            output.written += 1;
            self.bytes_in_flight.fetch_sub(bytes, Ordering::SeqCst);
        }
        if self.input_waiting.load(Ordering::SeqCst) {
            self.flush(&mut output);
        }
        // A notification is a system call even when no thread waits, and a worker
        // rarely waits for room. The count is read under the lock that a waiter holds
        // from its check of the room until its wait, so no wake-up is lost.
        if output.room_waiters > 0 {
            self.room.notify_all();
        }
    }

    /// Flushes the output, or stops the run when that fails.
    fn flush(&self, output: &mut JsonlOutput) {
        if let Err(error) = output.out.flush() {
            self.fail(output, anyhow::Error::new(error).context("failed to write the output"));
        }
    }

    /// Stops the run with `error`, unless an error stopped it already.
    fn fail(&self, output: &mut JsonlOutput, error: anyhow::Error) {
        output.error.get_or_insert(error);
        output.stopped = true;
        self.progress.notify_one();
        self.room.notify_all();
    }

    fn lock_input(&self) -> MutexGuard<'_, JsonlInput> {
        self.input.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_output(&self) -> MutexGuard<'_, JsonlOutput> {
        self.output.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Counts a worker thread as ended when dropped, also when the thread panics.
struct WorkerEnd<'a>(&'a Jsonl);

impl Drop for WorkerEnd<'_> {
    fn drop(&mut self) {
        let mut output = self.0.lock_output();
        output.workers -= 1;
        if std::thread::panicking() {
            let written = output.written;
            self.0.fail(&mut output, anyhow::anyhow!("a worker thread failed after {written} lines were written"));
        }
        self.0.progress.notify_one();
        self.0.room.notify_all();
    }
}

/// Runs `--jsonl` mode on this thread: reads, summarizes and writes one line at a
/// time.
fn run_jsonl_on_this_thread(
    args: &Args,
    mut lines: JsonlLines,
    mut out: BufWriter<std::io::Stdout>,
) -> anyhow::Result<()> {
    let mut summarizer = summarizer::Summarizer::new();
    let mut flush_error = None;
    loop {
        let next = lines.next_line(|| {
            if let Err(error) = out.flush() {
                flush_error.get_or_insert(error);
            }
        });
        if let Some(error) = flush_error.take() {
            return Err(anyhow::Error::new(error).context("failed to write the output"));
        }
        let Some(line) = next? else {
            break;
        };
        write_output(&mut out, &summarize_line(args, &line, &mut summarizer)?)?;
    }
    // As in the workers of `run_jsonl`: the process ends next.
    std::mem::forget(summarizer);
    out.flush().context("failed to write the output")
}

/// Writes one output line of `--jsonl` mode.
fn write_output(out: &mut impl Write, line: &[u8]) -> anyhow::Result<()> {
    out.write_all(line).context("failed to write the output")
}

/// Parses and summarizes one `--jsonl` line, and returns its output line.
fn summarize_line(
    args: &Args,
    (number, line): &NumberedLine,
    summarizer: &mut summarizer::Summarizer,
) -> anyhow::Result<Vec<u8>> {
    const EXPECTED: &str = r#"expected {"id": …, "article": "…"}, with "text" allowed in place of "article" and an optional "sentences" of 1 or more"#;
    // A line that the one-pass parse leaves is parsed by serde_json, which also
    // gives the error message of an invalid line.
    let document = match parse_document(line) {
        Some(document) => document,
        None => serde_json::from_str::<Document>(line).map_err(|error| {
            let problem = if error.is_data() { "invalid document" } else { "invalid JSON" };
            anyhow::anyhow!("{problem} on line {number}: {error}; {EXPECTED}")
        })?,
    };
    let sentences = match document.sentences {
        Some(0) => anyhow::bail!("invalid document on line {number}: \"sentences\" is 0, but it must be 1 or more"),
        sentences => sentences.and_then(NonZeroUsize::new),
    };
    let length = sentences.map_or(args.length, summarizer::Length::Sentences);
    let text = match (document.article, document.text) {
        (Some(text), None) | (None, Some(text)) => text,
        (None, None) => anyhow::bail!("invalid document on line {number}: it has no \"article\" (or \"text\")"),
        (Some(_), Some(_)) => {
            anyhow::bail!("invalid document on line {number}: it has both \"article\" and \"text\"; give one")
        }
    };
    let summary = summarizer.summarize(&text, &options(args, length));
    let output = JsonlOut {
        id: document.id,
        summary: summary.sentences.into_iter().map(|sentence| sentence.plain).collect(),
        key_phrases: (args.key_phrases > 0)
            .then(|| summary.key_phrases.into_iter().map(|phrase| phrase.text).collect()),
    };
    // Reserved for the text and some escapes, so that the line is seldom copied
    // while it grows.
    let text_bytes = output.id.map_or(0, |id| id.get().len())
        + output.summary.iter().map(|sentence| sentence.len()).sum::<usize>()
        + output.key_phrases.iter().flatten().map(String::len).sum::<usize>();
    let mut bytes = Vec::with_capacity(64 + text_bytes + text_bytes / 8);
    output.write_json(&mut bytes);
    bytes.push(b'\n');
    Ok(bytes)
}

fn run_single(args: &Args, out: &mut impl Write) -> anyhow::Result<()> {
    let name = args.input.as_ref().map_or_else(|| "standard input".to_owned(), |path| path.display().to_string());
    let mut bytes = Vec::new();
    reader(open_file(args.input.as_ref())?)
        .read_to_end(&mut bytes)
        .with_context(|| format!("failed to read {name}"))?;
    let text = String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        anyhow::anyhow!(
            "{name} is not valid UTF-8 (at byte {at}): convert it first, for example with iconv -f latin1 -t utf-8"
        )
    })?;

    let summary = summary_out(None, &text, &options(args, args.length));
    if summary.sentences.is_empty() && !args.json {
        bail!("{name} has no text to summarize");
    }
    // The summary is small, so it is written in one piece, and a failed write has
    // one message.
    let mut printed = Vec::new();
    if args.json {
        serde_json::to_writer_pretty(&mut printed, &summary)?;
        printed.push(b'\n');
    } else {
        for sentence in &summary.sentences {
            writeln!(printed, "{}", on_one_line(&sentence.plain))?;
        }
        // A document without key phrases prints no line for them.
        if let Some(key_phrases) = summary.key_phrases.as_ref().filter(|phrases| !phrases.is_empty()) {
            let phrases: Vec<_> = key_phrases.iter().map(|phrase| on_one_line(phrase)).collect();
            writeln!(printed, "\nKey phrases: {}", phrases.join("; "))?;
        }
    }
    out.write_all(&printed).context("failed to write the output")
}

/// Returns `text` with each run of whitespace that breaks a line replaced by one
/// space, so that a sentence of hard-wrapped text prints on one line.
fn on_one_line(text: &str) -> std::borrow::Cow<'_, str> {
    let breaks_line = |ch: char| matches!(ch, '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}');
    if !text.contains(breaks_line) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut line = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(char::is_whitespace) {
        line.push_str(&rest[..start]);
        let run = &rest[start..];
        let end = run.find(|ch: char| !ch.is_whitespace()).unwrap_or(run.len());
        if run[..end].contains(breaks_line) {
            // Chinese and Japanese put no space between words, so a line break
            // between their characters joins them.
            let joins = line.chars().next_back().is_some_and(is_wide) && run[end..].chars().next().is_some_and(is_wide);
            if !joins {
                line.push(' ');
            }
        } else {
            line.push_str(&run[..end]);
        }
        rest = &run[end..];
    }
    line.push_str(rest);
    std::borrow::Cow::Owned(line)
}

/// Returns whether `ch` is a Chinese or Japanese character or punctuation mark, or
/// a full-width form, which text puts no spaces between.
fn is_wide(ch: char) -> bool {
    matches!(ch,
        '\u{3000}'..='\u{30FF}' // CJK punctuation, Hiragana, Katakana
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
        | '\u{FF00}'..='\u{FFEF}' // full-width forms
    )
}

fn run() -> anyhow::Result<()> {
    let parsed = parse_args().map_err(|error| anyhow::anyhow!("{error:#}\nRun summarize --help to see the options."));
    let Some(args) = parsed? else {
        return Ok(());
    };
    if args.jsonl {
        return run_jsonl(&args);
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    run_single(&args, &mut out)?;
    out.flush().context("failed to write the output")
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early, as `summarize FILE | head -1` does, is no
        // failure: the output it wanted was written.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("summarize: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Returns whether `error` comes from writing to a pipe whose reader has gone.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn decoded_string_round_trips(text in "\\PC{0,12}|[\"\\\\/\u{0}-\u{1f}\u{7f}\u{e9}\u{10000}]{0,12}") {
            let json = serde_json::to_string(&text).expect("a string serializes");
            proptest::prop_assert_eq!(parse_json_string(&json, 0), Some((text, json.len())));
        }

        #[test]
        fn decoding_matches_serde_json(json in r#""(a|é|\u{1}|\\[nrtbf/"\\x]|\\u(00e9|0041|d83d|de00|dbff|dc00|D834|DD1E|ffff|12G4)){0,6}""#) {
            let expected = serde_json::from_str::<String>(&json).ok();
            proptest::prop_assert_eq!(parse_json_string(&json, 0).map(|(text, _)| text), expected);
        }

        #[test]
        fn document_parse_matches_serde_json(
            fields in proptest::collection::vec((
                proptest::sample::select(vec!["id", "article", "text", "sentences", "other", "\\u0069d", "ID"]),
                proptest::sample::select(vec![
                    "7", "12345678901234567890", "-1", "0", "3", "1.5", "7x", "true", "null", "[1, 2]",
                    "{\"a\": 1}", "\"a\"", "\"é\\u00e9\\n\\\"\"", "\"\\ud83d\\ude00\"", "\"\\udc00\"",
                    "\"a\u{1}b\"", "\"\\x\"", "\"unclosed",
                ]),
            ), 0..5),
            space in proptest::sample::select(vec!["", " ", "\n\t", "\u{a0}"]),
            end in proptest::sample::select(vec!["", " ", "\r\n", "x", ",", "}"]),
        ) {
            let body: Vec<String> = fields.iter().map(|(name, value)| format!("{space}\"{name}\"{space}:{space}{value}{space}")).collect();
            let line = format!("{space}{{{}}}{end}", body.join(","));
            let expected = serde_json::from_str::<Document>(&line).ok();
            let found = parse_document(&line);
            // A line that the one-pass parse takes gives serde_json's document.
            if let Some(found) = found {
                proptest::prop_assert!(expected.is_some(), "taken although serde_json rejects it: {}", line);
                proptest::prop_assert_eq!(document_fields(&found), document_fields(&expected.expect("checked")));
            }
        }
    }

    /// Returns the fields of `document`, with the id as its JSON text.
    fn document_fields(document: &Document) -> (Option<String>, Option<String>, Option<String>, Option<usize>) {
        (document.id.map(|id| id.get().to_owned()), document.article.clone(), document.text.clone(), document.sentences)
    }

    #[test]
    fn plain_documents_take_one_pass_parse() {
        let lines = [
            (r#"{"id": "dm-1", "article": "Locke\u2019s \"job\"."}"#, Some(r#""dm-1""#), "Locke’s \"job\".", None),
            (
                "{\"text\":\"a\\nb\",\"sentences\":2,\"id\":12345678901234567890}\n",
                Some("12345678901234567890"),
                "a\nb",
                Some(2),
            ),
            (r#" { "other": [1], "article": "x" } "#, None, "x", None),
        ];
        for (line, id, text, sentences) in lines {
            let document = parse_document(line);
            // The array of "other" is left to serde_json.
            if line.contains('[') {
                assert!(document.is_none(), "line {line}");
                continue;
            }
            let document = document.unwrap_or_else(|| panic!("line {line} is not taken"));
            assert_eq!(document.id.map(RawValue::get), id, "line {line}");
            assert_eq!(document.article.or(document.text).as_deref(), Some(text), "line {line}");
            assert_eq!(document.sentences, sentences, "line {line}");
        }
    }

    /// The `--jsonl` output line as serde_json wrote it before [`JsonlOut::write_json`].
    #[derive(Serialize)]
    struct SerdeJsonlOut<'a> {
        id: Option<&'a RawValue>,
        summary: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        key_phrases: Option<&'a [String]>,
    }

    proptest::proptest! {
        #[test]
        fn written_string_matches_serde_json(text in "\\PC{0,20}|[a\"\\\\/\u{0}-\u{1f}\u{7f}\u{e9}\u{2028}]{0,20}") {
            let mut written = Vec::new();
            write_json_string(&mut written, &text);
            proptest::prop_assert_eq!(written, serde_json::to_vec(&text).expect("a string serializes"));
        }

        #[test]
        fn written_line_matches_serde_json(
            id in proptest::option::of(proptest::sample::select(vec!["7", "12345678901234567890", "\"a\\u00e9\"", "[1, 2]"])),
            summary in proptest::collection::vec("[a\"\\\\\n\u{1}\u{e9}]{0,9}", 0..4),
            key_phrases in proptest::option::of(proptest::collection::vec("[a \"\u{e9}]{0,6}", 0..3)),
        ) {
            let id = id.map(|id| serde_json::from_str::<&RawValue>(id).expect("the id is JSON"));
            let output = JsonlOut {
                id,
                summary: summary.iter().map(|sentence| std::borrow::Cow::Borrowed(sentence.as_str())).collect(),
                key_phrases: key_phrases.clone(),
            };
            let mut written = Vec::new();
            output.write_json(&mut written);
            let expected = SerdeJsonlOut { id, summary: &summary, key_phrases: key_phrases.as_deref() };
            proptest::prop_assert_eq!(written, serde_json::to_vec(&expected).expect("the line serializes"));
        }
    }

    #[test]
    fn other_json_values_are_not_decoded() {
        for json in ["5", "null", "[\"a\"]", "{}", "true"] {
            assert_eq!(parse_json_string(json, 0), None, "json {json}");
        }
    }
}
