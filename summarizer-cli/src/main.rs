//! `summarize`: prints an extractive summary of a file or of standard input.
//!
//! With `--jsonl` it reads one JSON object per line (`{"id": …, "article": …}`) and
//! writes `{"id": …, "summary": [sentence, …]}` per line, which is how the evaluation
//! scripts drive it.

use std::io::{BufRead, BufWriter, Read, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

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

fn open_input(path: Option<&PathBuf>) -> anyhow::Result<Box<dyn BufRead>> {
    Ok(match path {
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("failed to open {}", path.display()))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    })
}

/// The maximum number of `--jsonl` lines read ahead of the output, per thread.
const BATCH_LINES_PER_THREAD: usize = 64;
/// The maximum number of bytes of `--jsonl` input read ahead of the output. A batch
/// ends at whichever limit comes first, so memory stays bounded.
const MAX_BATCH_BYTES: usize = 16 << 20;

/// One line of `--jsonl` input: its line number, from 1, and its text.
type NumberedLine = (usize, String);

/// Runs `--jsonl` mode: reads the input in batches of lines, summarizes each batch
/// on up to `args.threads` threads, each with its own [`summarizer::Summarizer`],
/// and writes the results of each batch in input order.
fn run_jsonl(args: &Args, out: &mut impl Write) -> anyhow::Result<()> {
    let threads = args.threads.get();
    let mut summarizers: Vec<summarizer::Summarizer> = (0..threads).map(|_| summarizer::Summarizer::new()).collect();
    let mut lines = open_input(args.input.as_ref())?.lines().enumerate();
    let mut batch: Vec<NumberedLine> = Vec::new();
    loop {
        batch.clear();
        let mut batch_bytes = 0;
        // A read error ends the input after the lines before it are written.
        let mut read_error = None;
        while batch.len() < BATCH_LINES_PER_THREAD * threads && batch_bytes < MAX_BATCH_BYTES {
            let Some((index, line)) = lines.next() else {
                break;
            };
            let line = match line {
                Ok(line) => line,
                Err(error) => {
                    read_error = Some(anyhow::Error::new(error).context(format!("failed to read line {}", index + 1)));
                    break;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            batch_bytes += line.len();
            batch.push((index + 1, line));
        }

        for result in summarize_batch(args, &batch, &mut summarizers) {
            out.write_all(&result?)?;
        }
        if let Some(error) = read_error {
            return Err(error);
        }
        if batch.is_empty() {
            // The process ends next. Freeing each cached word form one by one would
            // cost about 2% of a run over a file of news articles.
            std::mem::forget(summarizers);
            return Ok(());
        }
    }
}

/// Summarizes each line of `batch` on one thread per summarizer, and returns the
/// output line of each (or its error) in the order of `batch`.
fn summarize_batch(
    args: &Args,
    batch: &[NumberedLine],
    summarizers: &mut [summarizer::Summarizer],
) -> Vec<anyhow::Result<Vec<u8>>> {
    if summarizers.len() == 1 || batch.len() <= 1 {
        return batch.iter().map(|line| summarize_line(args, line, &mut summarizers[0])).collect();
    }

    // Threads take the next line from a shared counter, so a long document delays
    // only its own thread.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<anyhow::Result<Vec<u8>>>> = (0..batch.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = summarizers
            .iter_mut()
            .map(|summarizer| {
                let next = &next;
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(line) = batch.get(index) else {
                            return done;
                        };
                        done.push((index, summarize_line(args, line, summarizer)));
                    }
                })
            })
            .collect();
        for worker in workers {
            let done = worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (index, result) in done {
                results[index] = Some(result);
            }
        }
    });
    results.into_iter().map(|result| result.expect("every line of the batch was summarized")).collect()
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
    open_input(args.input.as_ref())?.read_to_end(&mut bytes).context("failed to read the input")?;
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
    let mut out = BufWriter::new(std::io::stdout().lock());
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
