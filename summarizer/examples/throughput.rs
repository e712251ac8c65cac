//! Times the summarizer in one process on the articles of a JSON-lines file.
//!
//! Usage: `cargo run --release -p summarizer --example throughput -- FILE [ROUNDS [SYSTEM]]`
//!
//! FILE contains one `{"article": …}` object per line. The example summarizes every
//! article into 3 sentences, ROUNDS times (default 20), once with
//! `summarize_with` (no word cache) and once with one `Summarizer`, and prints the
//! time per article of each. SYSTEM `summarize_with` or `Summarizer` times only
//! that one, which is handy under a profiler. It leaves out process start-up and JSON parsing, which the
//! `summarize --jsonl` timings of bench/throughput.sh include.

use std::num::NonZeroUsize;
use std::time::Instant;

/// Summarizes one article and returns the number of sentences chosen.
type SummarizeArticle<'a> = dyn FnMut(&str) -> usize + 'a;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: throughput FILE [ROUNDS [SYSTEM]]");
    let rounds: usize = args.next().map_or(20, |value| value.parse().expect("ROUNDS must be a whole number"));
    let only = args.next();
    let text = std::fs::read_to_string(&path).expect("failed to read FILE");
    let articles: Vec<String> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("invalid JSON line");
            value["article"].as_str().expect("missing \"article\"").to_owned()
        })
        .collect();
    let bytes: usize = articles.iter().map(String::len).sum();

    let options = summarizer::Options::new(NonZeroUsize::new(3).expect("3 is not zero"));
    let mut cached = summarizer::Summarizer::new();
    let systems: [(&str, &mut SummarizeArticle); 2] = [
        ("summarize_with", &mut |article| summarizer::summarize_with(article, &options).sentences.len()),
        ("Summarizer", &mut |article| cached.summarize(article, &options).sentences.len()),
    ];
    for (label, summarize) in systems {
        if only.as_deref().is_some_and(|only| only != label) {
            continue;
        }
        let started = Instant::now();
        let mut sentences = 0;
        for _ in 0..rounds {
            for article in &articles {
                sentences += summarize(article);
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        let documents = (rounds * articles.len()) as f64;
        println!(
            "{label}: {} articles x {rounds}: {:.1} µs per article, {:.1} MB/s ({sentences} sentences)",
            articles.len(),
            seconds / documents * 1e6,
            (bytes * rounds) as f64 / seconds / 1e6
        );
    }
}
