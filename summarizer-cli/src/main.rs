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

fn run_jsonl(args: &Args, out: &mut impl Write) -> anyhow::Result<()> {
    let input = open_input(args.input.as_ref())?;
    for (number, line) in input.lines().enumerate() {
        let line = line.with_context(|| format!("failed to read line {}", number + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let document: Document = serde_json::from_str(&line)
            .with_context(|| format!("invalid JSON document on line {}: expected {{\"text\": \"…\"}}", number + 1))?;
        let length = document.sentences.map_or(args.length, summarizer::Length::Sentences);
        let summary = summarizer::summarize_with(&document.text, &options(args, length));
        let line = JsonlOut {
            id: document.id.as_ref(),
            summary: summary.sentences.into_iter().map(|sentence| sentence.plain).collect(),
            key_phrases: summary.key_phrases.into_iter().map(|phrase| phrase.text).collect(),
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
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
