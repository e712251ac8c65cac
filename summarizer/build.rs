//! Writes the stop words of each language as one string of lines.
//!
//! The stop-words crate keeps each list as an array of `&str`. In a position-independent
//! executable every element is a pointer that the loader must relocate at start-up:
//! about 20,000 relocations, which made starting the `summarize` tool take about 0.5 ms
//! longer. One string per language needs none; the summarizer splits it when it
//! builds a language's analyzer.

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut code = String::from(
        "/// Returns the stop words of the language with ISO 639-1 code `code`, one per line.\n\
         pub(crate) fn stop_word_lines(code: &str) -> Option<&'static str> {\n    match code {\n",
    );
    for &language in stop_words::available_languages() {
        let words = stop_words::lookup(language).expect("every available language has stop words");
        assert!(words.iter().all(|word| !word.contains('\n')), "a stop word of {language} holds a line break");
        writeln!(code, "        {language:?} => Some({:?}),", words.join("\n")).expect("writing to a String");
    }
    code.push_str("        _ => None,\n    }\n}\n");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(std::path::Path::new(&out_dir).join("stop_words.rs"), code).expect("writing stop_words.rs");
}
