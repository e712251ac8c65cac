//! `summarize`: prints an extractive summary of a file or of standard input.
//!
//! With `--jsonl` it reads one JSON object per line (`{"id": …, "text": …}`) and writes
//! one summary per line, which is how the evaluation scripts drive it.

use std::io::{BufRead, BufWriter, Read, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

const HELP: &str = "\
Usage: summarize [OPTIONS] [FILE]

Prints the sentences that summarize FILE (or standard input), one per line, in
document order.

Options:
  -n, --sentences N   maximum number of sentences in the summary (default 3)
  -l, --language CODE ISO 639-1 code of the text's language (default: detected)
  -f, --format FORMAT plain, html or markdown (default plain); offsets then point
                      into the original markup and \"plain\" is the visible text
      --json          print a JSON object with each sentence's text and byte offsets
      --jsonl         read JSON lines ({\"id\", \"text\" or \"article\", optional \"sentences\"})
                      and write one JSON summary per line
  -h, --help          print this help
";

/// Command-line settings after parsing.
struct Args {
    max_sentences: NonZeroUsize,
    language: Option<summarizer::Language>,
    format: summarizer::InputFormat,
    json: bool,
    jsonl: bool,
    input: Option<PathBuf>,
}

fn parse_args() -> anyhow::Result<Option<Args>> {
    use lexopt::prelude::*;

    let mut args = Args {
        max_sentences: NonZeroUsize::new(3).expect("3 is not zero"),
        language: None,
        format: summarizer::InputFormat::Plain,
        json: false,
        jsonl: false,
        input: None,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('n') | Long("sentences") => {
                let value: String = parser.value()?.parse()?;
                args.max_sentences = value
                    .parse()
                    .with_context(|| format!("invalid --sentences {value:?}: expected a whole number of at least 1"))?;
            }
            Short('l') | Long("language") => {
                let code: String = parser.value()?.parse()?;
                let language = summarizer::Language::from_code(&code);
                args.language = Some(language.with_context(|| {
                    let known: Vec<&str> = summarizer::LANGUAGES.iter().map(|l| l.code()).collect();
                    format!("unsupported --language {code:?}: expected one of {}", known.join(", "))
                })?);
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
    SummaryOut { id, language: summary.language.map(summarizer::Language::code), sentences }
}

fn options(args: &Args, max_sentences: NonZeroUsize) -> summarizer::Options {
    summarizer::Options { language: args.language, format: args.format, ..summarizer::Options::new(max_sentences) }
}

fn open_input(path: Option<&PathBuf>) -> anyhow::Result<Box<dyn BufRead>> {
    Ok(match path {
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("failed to open {}", path.display()))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    })
}

fn run_jsonl(args: &Args, out: &mut impl Write) -> anyhow::Result<()> {
    let input = open_input(args.input.as_ref())?;
    for (number, line) in input.lines().enumerate() {
        let line = line.with_context(|| format!("failed to read line {}", number + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let document: Document = serde_json::from_str(&line)
            .with_context(|| format!("invalid JSON document on line {}: expected {{\"text\": \"…\"}}", number + 1))?;
        let max_sentences = document.sentences.unwrap_or(args.max_sentences);
        let summary = summary_out(document.id.as_ref(), &document.text, &options(args, max_sentences));
        serde_json::to_writer(&mut *out, &summary)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn run_single(args: &Args, out: &mut impl Write) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    open_input(args.input.as_ref())?.read_to_end(&mut bytes).context("failed to read the input")?;
    let text = String::from_utf8(bytes).context("the input is not valid UTF-8")?;

    let summary = summary_out(None, &text, &options(args, args.max_sentences));
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &summary)?;
        out.write_all(b"\n")?;
    } else {
        for sentence in &summary.sentences {
            writeln!(out, "{}", sentence.plain)?;
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
