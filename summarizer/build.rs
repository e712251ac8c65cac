//! Writes each language's stop words as one string of lines, because the stop-words
//! crate's `&str` arrays cost the loader about 20,000 relocations at every start-up.

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut source = String::from(
        "/// Returns the stop words of the language with ISO 639-1 code `code`, one per line.\n\
         pub(crate) fn stop_word_lines(code: &str) -> Option<&'static str> {\n    match code {\n",
    );
    for &language in stop_words::available_languages() {
        let words = stop_words::lookup(language).expect("every available language has stop words");
        assert!(words.iter().all(|word| !word.contains('\n')), "a stop word of {language} contains a line break");
        writeln!(source, "        {language:?} => Some({:?}),", words.join("\n")).expect("writing to a String");
    }
    source.push_str("        _ => None,\n    }\n}\n");

    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let path = std::path::Path::new(&out_dir).join("stop_words.rs");
    std::fs::write(&path, source).unwrap_or_else(|error| panic!("failed to write {}: {error}", path.display()));
}
