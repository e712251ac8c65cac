//! `summarize`: prints an extractive summary of a file or of standard input.
//!
//! With `--jsonl` it reads one JSON object per line (`{"id": …, "article": …}`) and
//! writes `{"id": …, "summary": [sentence, …]}` per line, which is how the evaluation
//! scripts drive it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufWriter, Read, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

const HELP: &str = "\
Usage: summarize [--sentences N | --ratio R | --words W] [--lang CODE|auto] [OPTIONS] [FILE]

Prints the sentences that summarize FILE (or standard input), one per line, in
document order.

Length (at most one; default --sentences 3):
      --sentences N   at most N sentences (alias -n)
      --ratio R       at most the share R of the document's sentences, rounded up;
                      0 < R <= 1
      --words W       at most W words in all; a single sentence when even the
                      best one is longer

Options:
      --lang CODE     ISO 639-1 code of the text's language, or auto to detect it
                      (default auto; alias --language, -l)
  -f, --format FORMAT plain, html or markdown (default plain); offsets then point
                      into the original markup and \"plain\" is the visible text
      --keyphrases K  also output the top K key phrases of the document: after a
                      blank line as \"Key phrases: a; b\", or as \"key_phrases\" in
                      JSON output
      --json          print a JSON object with each sentence's text and byte offsets
      --jsonl         read JSON lines {\"id\": …, \"article\": …} (or \"text\", and an
                      optional \"sentences\" count for that line) and write one line
                      {\"id\": …, \"summary\": [sentence, …]} for each, in input order
      --threads N     with --jsonl, summarize on N threads (default: the number of
                      CPU cores); the output is the same for every N
  -h, --help          print this help
";

/// Command-line settings after parsing.
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
        threads: std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN),
        input: None,
    };
    let mut length_flag: Option<&'static str> = None;
    let mut parser = lexopt::Parser::from_env();
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
                let count = value
                    .parse()
                    .with_context(|| format!("invalid --sentences {value:?}: expected a whole number of at least 1"))?;
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
                    .with_context(|| format!("invalid --words {value:?}: expected a whole number of at least 1"))?;
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
                    .with_context(|| format!("invalid --keyphrases {value:?}: expected a whole number"))?;
            }
            Long("threads") => {
                let value: String = parser.value()?.parse()?;
                args.threads = value
                    .parse()
                    .with_context(|| format!("invalid --threads {value:?}: expected a whole number of at least 1"))?;
            }
            Long("json") => args.json = true,
            Long("jsonl") => args.jsonl = true,
            Short('h') | Long("help") => {
                print!("{HELP}");
                return Ok(None);
            }
            Value(path) if args.input.is_none() => args.input = Some(path.into()),
            _ => return Err(arg.unexpected().into()),
        }
    }
    if args.json && args.jsonl {
        bail!("--json and --jsonl cannot be combined: --jsonl already writes JSON");
    }
    Ok(Some(args))
}

/// Parses a `--lang` value: `auto` for detection, or a supported ISO 639-1 code.
fn parse_language(code: &str) -> anyhow::Result<Option<summarizer::Language>> {
    if code.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    let language = summarizer::Language::from_code(code);
    let language = language.with_context(|| {
        let known: Vec<&str> = summarizer::LANGUAGES.iter().map(|l| l.code()).collect();
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
    /// ISO 639-1 code of the language the words were analysed as, or null.
    language: Option<&'static str>,
    sentences: Vec<SentenceOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    key_phrases: Vec<String>,
}

/// One output line of `--jsonl` mode: the visible text of each chosen sentence.
#[derive(Serialize)]
struct JsonlOut<'a> {
    id: Option<&'a serde_json::Value>,
    summary: Vec<std::borrow::Cow<'a, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    key_phrases: Vec<String>,
}

/// One input line of `--jsonl` mode.
#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(alias = "article")]
    text: String,
    #[serde(default)]
    sentences: Option<NonZeroUsize>,
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
        language: summary.language.map(summarizer::Language::code),
        sentences,
        key_phrases: summary.key_phrases.into_iter().map(|phrase| phrase.text).collect(),
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
fn reader(file: Option<File>) -> Box<dyn BufRead + Send> {
    match file {
        Some(file) => Box::new(std::io::BufReader::new(file)),
        None => Box::new(std::io::BufReader::new(std::io::stdin())),
    }
}

/// The maximum number of `--jsonl` lines read but not yet written, per thread. It
/// bounds the memory of the lines waiting for a slow one before them.
const LINES_IN_FLIGHT_PER_THREAD: usize = 16;

/// One line of `--jsonl` input: its line number, from 1, and its text.
type NumberedLine = (usize, String);

/// The input side of `--jsonl` mode on several threads.
struct JsonlInput {
    lines: std::io::Lines<Box<dyn BufRead + Send>>,
    /// The number of the next line, from 1, counting blank lines.
    next_number: usize,
    /// The number of non-blank lines read so far, which is the sequence number of the
    /// next one.
    read: usize,
    /// Set when the input has ended or failed, or the output has failed.
    done: bool,
    read_error: Option<anyhow::Error>,
}

/// The output side of `--jsonl` mode on several threads.
struct JsonlOutput<W> {
    out: W,
    /// Results that came before the ones ahead of them, by sequence number.
    waiting: BTreeMap<usize, anyhow::Result<Vec<u8>>>,
    error: Option<anyhow::Error>,
}

/// Runs `--jsonl` mode: summarizes each line of the input and writes the results in
/// input order as they are ready. Each of `args.threads` threads reads the next line,
/// summarizes it with its own [`summarizer::Summarizer`] and writes every result
/// that is next in order.
fn run_jsonl<W: Write + Send>(args: &Args, out: &mut W) -> anyhow::Result<()> {
    let file = open_file(args.input.as_ref())?;
    if args.threads.get() == 1 {
        return run_jsonl_on_this_thread(args, file, out);
    }

    let lines_in_flight = args.threads.get() * LINES_IN_FLIGHT_PER_THREAD;
    let input =
        Mutex::new(JsonlInput { lines: reader(file).lines(), next_number: 1, read: 0, done: false, read_error: None });
    let output = Mutex::new(JsonlOutput { out, waiting: BTreeMap::new(), error: None });
    // `written` counts the results written, and `room` signals that it grew.
    let written = AtomicUsize::new(0);
    let room = Condvar::new();

    std::thread::scope(|scope| {
        for _ in 0..args.threads.get() {
            scope.spawn(|| {
                let mut summarizer = summarizer::Summarizer::new();
                while let Some((sequence, line)) = next_jsonl_line(&input, &written, &room, lines_in_flight) {
                    let result = summarize_line(args, &line, &mut summarizer);
                    let mut output = output.lock().expect("no thread panics while writing");
                    output.waiting.insert(sequence, result);
                    let mut next = written.load(Ordering::Acquire);
                    while output.error.is_none() {
                        let Some(result) = output.waiting.remove(&next) else {
                            break;
                        };
                        if let Err(error) = result.and_then(|bytes| write_output(&mut output.out, &bytes)) {
                            output.error = Some(error);
                            input.lock().expect("no thread panics while reading").done = true;
                        }
                        next += 1;
                    }
                    written.store(next, Ordering::Release);
                    drop(output);
                    // Taking the input lock first means that a thread about to wait
                    // for room either waits already or has not checked yet.
                    drop(input.lock().expect("no thread panics while reading"));
                    room.notify_all();
                }
                // Freeing each cached word form one by one would cost about 2% of a
                // run over a file of news articles, and the process ends next.
                std::mem::forget(summarizer);
            });
        }
    });

    let output = output.into_inner().expect("no thread panics while writing");
    let input = input.into_inner().expect("no thread panics while reading");
    match output.error.or(input.read_error) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Returns the sequence number and text of the next non-blank line of `input`, after
/// waiting until fewer than `lines_in_flight` lines are read but not written, or
/// `None` when the input has ended or failed, or the output has failed.
fn next_jsonl_line(
    input: &Mutex<JsonlInput>,
    written: &AtomicUsize,
    room: &Condvar,
    lines_in_flight: usize,
) -> Option<(usize, NumberedLine)> {
    let mut input = input.lock().expect("no thread panics while reading");
    while !input.done && input.read - written.load(Ordering::Acquire) >= lines_in_flight {
        input = room.wait(input).expect("no thread panics while reading");
    }
    while !input.done {
        let number = input.next_number;
        match input.lines.next() {
            None => input.done = true,
            Some(Err(error)) => {
                input.read_error = Some(anyhow::Error::new(error).context(format!("failed to read line {number}")));
                input.done = true;
            }
            Some(Ok(line)) => {
                input.next_number += 1;
                if line.trim().is_empty() {
                    continue;
                }
                let sequence = input.read;
                input.read += 1;
                return Some((sequence, (number, line)));
            }
        }
    }
    None
}

/// Runs `--jsonl` mode on one thread: reads, summarizes and writes one line at a time.
fn run_jsonl_on_this_thread(args: &Args, file: Option<File>, out: &mut impl Write) -> anyhow::Result<()> {
    let mut summarizer = summarizer::Summarizer::new();
    for (index, line) in reader(file).lines().enumerate() {
        let line = line.with_context(|| format!("failed to read line {}", index + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        write_output(out, &summarize_line(args, &(index + 1, line), &mut summarizer)?)?;
    }
    // As in the workers of `run_jsonl`: the process ends next.
    std::mem::forget(summarizer);
    Ok(())
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
    let document: Document = serde_json::from_str(line)
        .with_context(|| format!("invalid JSON document on line {number}: expected {{\"text\": \"…\"}}"))?;
    let length = document.sentences.map_or(args.length, summarizer::Length::Sentences);
    let summary = summarizer.summarize(&document.text, &options(args, length));
    let output = JsonlOut {
        id: document.id.as_ref(),
        summary: summary.sentences.into_iter().map(|sentence| sentence.plain).collect(),
        key_phrases: summary.key_phrases.into_iter().map(|phrase| phrase.text).collect(),
    };
    let mut bytes = serde_json::to_vec(&output)?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn run_single(args: &Args, out: &mut impl Write) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    reader(open_file(args.input.as_ref())?).read_to_end(&mut bytes).context("failed to read the input")?;
    let text = String::from_utf8(bytes).context("the input is not valid UTF-8")?;

    let summary = summary_out(None, &text, &options(args, args.length));
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &summary)?;
        out.write_all(b"\n")?;
    } else {
        for sentence in &summary.sentences {
            writeln!(out, "{}", sentence.plain)?;
        }
        if !summary.key_phrases.is_empty() {
            writeln!(out, "\nKey phrases: {}", summary.key_phrases.join("; "))?;
        }
    }
    Ok(())
}

fn run() -> anyhow::Result<()> {
    let Some(args) = parse_args()? else {
        return Ok(());
    };
    // Not the locked stdout, which cannot move to the threads of --jsonl.
    let mut out = BufWriter::new(std::io::stdout());
    if args.jsonl {
        run_jsonl(&args, &mut out)?;
    } else {
        run_single(&args, &mut out)?;
    }
    out.flush().context("failed to write the output")
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("summarize: {error:#}");
            ExitCode::FAILURE
        }
    }
}
