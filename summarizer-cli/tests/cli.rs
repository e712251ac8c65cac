//! Runs the `summarize` binary as a user would and checks its output.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const ARTICLE: &str = "Storms hit the coast on Monday night. Officials closed schools and roads across the region. \
                       Storms may return next week along the coast. A local bakery sold bread. \
                       Rain fell on the hills all night long.";

fn summarize(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_summarize"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to start summarize");
    let written = child.stdin.take().expect("stdin is piped").write_all(stdin.as_bytes());
    // A run that rejects its arguments exits before reading, which breaks the pipe.
    if let Err(error) = written {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "failed to write stdin: {error}");
    }
    child.wait_with_output().expect("failed to wait for summarize")
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8").lines().map(str::to_owned).collect()
}

#[test]
fn sentences_flag_limits_line_count() {
    for count in ["1", "2", "4"] {
        let output = summarize(&["--sentences", count], ARTICLE);
        assert!(output.status.success(), "--sentences {count} failed");
        assert_eq!(stdout_lines(&output).len(), count.parse::<usize>().unwrap(), "--sentences {count}");
    }
}

#[test]
fn default_is_three_sentences() {
    let output = summarize(&[], ARTICLE);
    assert_eq!(stdout_lines(&output).len(), 3);
}

#[test]
fn ratio_flag_takes_share_of_sentences() {
    let output = summarize(&["--ratio", "0.4"], ARTICLE);
    assert!(output.status.success());
    assert_eq!(stdout_lines(&output).len(), 2);
}

#[test]
fn words_flag_keeps_within_budget() {
    let output = summarize(&["--words", "14"], ARTICLE);
    assert!(output.status.success());
    let words: usize = stdout_lines(&output).iter().map(|line| line.split_whitespace().count()).sum();
    assert!(words <= 14, "{words} words");
    assert!(words > 0, "empty summary");
}

#[test]
fn lang_flag_accepts_code_and_auto() {
    for lang in ["en", "auto", "DE"] {
        let output = summarize(&["--lang", lang, "--sentences", "1"], ARTICLE);
        assert!(output.status.success(), "--lang {lang} failed");
        assert_eq!(stdout_lines(&output).len(), 1, "--lang {lang}");
    }
}

#[test]
fn rejects_invalid_values_with_a_message() {
    let cases: [(&str, &[&str], &str); 6] = [
        ("ratio zero", &["--ratio", "0"], "invalid --ratio"),
        ("ratio above one", &["--ratio", "1.5"], "invalid --ratio"),
        ("words zero", &["--words", "0"], "invalid --words"),
        ("unknown language", &["--lang", "xx"], "unsupported --lang"),
        ("two lengths", &["--sentences", "2", "--words", "10"], "cannot be combined"),
        ("sentences and ratio", &["-n", "2", "--ratio", "0.5"], "cannot be combined"),
    ];
    for (case, args, message) in cases {
        let output = summarize(args, ARTICLE);
        assert!(!output.status.success(), "{case}: succeeded");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{case}: stderr {stderr:?}");
    }
}

#[test]
fn messages_name_the_problem_and_point_to_help() {
    let cases: [(&[&str], &str, &str); 6] = [
        (&["--sentences", "0"], ARTICLE, "summarize: invalid --sentences \"0\": expected a whole number of at least 1\nRun summarize --help to see the options.\n"),
        (&["--bogus"], ARTICLE, "summarize: invalid option '--bogus'\nRun summarize --help to see the options.\n"),
        (&[], " \n\t", "summarize: standard input has no text to summarize\n"),
        (&["--format", "html"], "<p></p>", "summarize: standard input has no text to summarize\n"),
        (&["--jsonl"], "{\"id\": 1}\n", "summarize: invalid document on line 1: it has no \"article\" (or \"text\")\n"),
        (&["--jsonl"], "{\"article\": \"A.\", \"text\": \"B.\"}\n", "summarize: invalid document on line 1: it has both \"article\" and \"text\"; give one\n"),
    ];
    for (args, input, message) in cases {
        let output = summarize(args, input);
        assert!(!output.status.success(), "{args:?}: succeeded");
        assert_eq!(String::from_utf8_lossy(&output.stderr), message, "{args:?}");
    }
}

#[test]
fn names_a_file_that_is_not_text() {
    let directory = std::env::temp_dir();
    let output = summarize(&[directory.to_str().expect("temp path is UTF-8")], "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with(&format!("summarize: failed to read {}: ", directory.display())), "stderr {stderr:?}");

    let path = directory.join(format!("summarize-cli-latin1-{}.txt", std::process::id()));
    std::fs::write(&path, b"caf\xe9 au lait.").expect("failed to write the test file");
    let output = summarize(&[path.to_str().expect("temp path is UTF-8")], "");
    std::fs::remove_file(&path).expect("failed to remove the test file");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        format!("summarize: {} is not valid UTF-8 (at byte 3): convert it first, for example with iconv -f latin1 -t utf-8\n", path.display())
    );
}

#[test]
fn prints_version() {
    let output = summarize(&["--version"], "");
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), format!("summarize {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn stops_quietly_when_the_reader_goes() {
    // The reader closes its end before the tool writes, as `summarize FILE | head -0` would.
    let mut child = Command::new(env!("CARGO_BIN_EXE_summarize"))
        .args(["--ratio", "1", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to start summarize");
    drop(child.stdout.take());
    let input = "One short sentence here. ".repeat(20_000);
    child.stdin.take().expect("stdin is piped").write_all(input.as_bytes()).expect("failed to write stdin");
    let output = child.wait_with_output().expect("failed to wait for summarize");
    assert!(output.status.success(), "status {:?}", output.status);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn reads_file_argument() {
    let path = std::env::temp_dir().join(format!("summarize-cli-test-{}.txt", std::process::id()));
    std::fs::write(&path, ARTICLE).expect("failed to write the test file");
    let output = summarize(&["--sentences", "1", path.to_str().expect("temp path is UTF-8")], "");
    std::fs::remove_file(&path).expect("failed to remove the test file");
    assert!(output.status.success());
    assert_eq!(stdout_lines(&output).len(), 1);
}

#[test]
fn jsonl_writes_id_and_summary_in_input_order() {
    let input = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "b", "article": ARTICLE}),
        serde_json::json!({"id": 7, "article": "One short line."}),
    );
    let output = summarize(&["--jsonl", "--sentences", "2"], &input);
    assert!(output.status.success(), "stderr {:?}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<serde_json::Value> =
        stdout_lines(&output).iter().map(|line| serde_json::from_str(line).expect("line is JSON")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "b");
    assert_eq!(lines[0]["summary"].as_array().map(Vec::len), Some(2));
    assert_eq!(lines[1], serde_json::json!({"id": 7, "summary": ["One short line."]}));
}

#[test]
fn jsonl_writes_each_id_back_as_it_came() {
    let ids = [
        "123456789012345678901234567890",
        "-1.000000000000000000001e400",
        r#""caf\u00e9""#,
        r#"{"batch": [1, 2.50]}"#,
        "null",
    ];
    let mut input: String =
        ids.iter().map(|id| format!(r#"{{"id": {id}, "article": "One short line."}}"#) + "\n").collect();
    input.push_str("{\"article\": \"One short line.\"}\n");
    let output = summarize(&["--jsonl", "--threads", "1"], &input);
    assert!(output.status.success(), "stderr {:?}", String::from_utf8_lossy(&output.stderr));
    let mut expected: Vec<String> =
        ids.iter().map(|id| format!(r#"{{"id":{id},"summary":["One short line."]}}"#)).collect();
    expected.push(r#"{"id":null,"summary":["One short line."]}"#.to_owned());
    assert_eq!(stdout_lines(&output), expected);
}

#[test]
fn prints_a_wrapped_sentence_on_one_line() {
    let text = "Quick update: the budget review has moved\r\n  to Thursday at 2 p.m. in room 4.12.\n\nMarketing is  still 8% over\nbudget.";
    let output = summarize(&["--ratio", "1"], text);
    assert!(output.status.success(), "stderr {:?}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        stdout_lines(&output),
        [
            "Quick update: the budget review has moved to Thursday at 2 p.m. in room 4.12.",
            "Marketing is  still 8% over budget."
        ]
    );
    // --json keeps the text as it is.
    let output = summarize(&["--ratio", "1", "--json"], text);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("output is JSON");
    assert_eq!(json["sentences"][1]["plain"], "Marketing is  still 8% over\nbudget.");
}

#[test]
fn requested_key_phrases_always_listed() {
    let output = summarize(&["--json", "--keyphrases", "5", "--lang", "en"], "the of and.");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("output is JSON");
    assert_eq!(json["key_phrases"], serde_json::json!([]));
    let output = summarize(&["--json"], "the of and.");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("output is JSON");
    assert!(json.get("key_phrases").is_none(), "{json}");
}

#[test]
fn joins_wrapped_chinese_without_a_space() {
    let output = summarize(&["--ratio", "1"], "政府宣布今年将投入大量资金，其\n中大部分资金将用于淘汰老旧车辆。");
    assert!(output.status.success(), "stderr {:?}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout_lines(&output), ["政府宣布今年将投入大量资金，其中大部分资金将用于淘汰老旧车辆。"]);
}

#[test]
fn keyphrases_flag_appends_phrases() {
    let output = summarize(&["--sentences", "1", "--keyphrases", "2"], ARTICLE);
    assert!(output.status.success());
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 3, "lines {lines:?}");
    assert_eq!(lines[1], "", "lines {lines:?}");
    assert_eq!(lines[2], "Key phrases: Storms; coast", "lines {lines:?}");
}

#[test]
fn jsonl_includes_key_phrases_when_requested() {
    let input = format!("{}\n", serde_json::json!({"id": 1, "article": ARTICLE}));
    let output = summarize(&["--jsonl", "--keyphrases", "1"], &input);
    let line: serde_json::Value = serde_json::from_str(&stdout_lines(&output)[0]).expect("line is JSON");
    assert_eq!(line["key_phrases"], serde_json::json!(["Storms"]));
}

/// JSON lines of `count` documents, each different, with blank lines between some.
fn jsonl_documents(count: usize) -> String {
    let mut input = String::new();
    for index in 0..count {
        let article = format!("Report {index} opens here. {ARTICLE} Item {index} closes the report on day {index}.");
        input.push_str(&serde_json::json!({"id": index, "article": article}).to_string());
        input.push_str(if index % 7 == 0 { "\n\n" } else { "\n" });
    }
    input
}

#[test]
fn jsonl_output_is_same_on_any_thread_count() {
    // More lines than two or three threads keep in flight at once.
    let input = jsonl_documents(300);
    let single = summarize(&["--jsonl", "--keyphrases", "2", "--threads", "1"], &input);
    assert!(single.status.success(), "stderr {:?}", String::from_utf8_lossy(&single.stderr));
    let ids: Vec<serde_json::Value> = stdout_lines(&single)
        .iter()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("line is JSON")["id"].clone())
        .collect();
    assert_eq!(ids, (0..300).map(serde_json::Value::from).collect::<Vec<_>>(), "ids out of input order");
    for threads in ["2", "3"] {
        let output = summarize(&["--jsonl", "--keyphrases", "2", "--threads", threads], &input);
        assert!(output.status.success(), "--threads {threads}: stderr {:?}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(output.stdout, single.stdout, "--threads {threads}");
    }
}

#[test]
fn jsonl_keeps_order_behind_slow_first_line() {
    // The first document takes much longer than the rest, so the other thread reads
    // ahead until the limit of lines in flight and waits there.
    let long_article = format!("{ARTICLE} ").repeat(4000);
    let mut input = serde_json::json!({"id": "long", "article": long_article}).to_string();
    input.push('\n');
    input.push_str(&jsonl_documents(200));
    let single = summarize(&["--jsonl", "--threads", "1"], &input);
    assert!(single.status.success(), "stderr {:?}", String::from_utf8_lossy(&single.stderr));
    assert_eq!(stdout_lines(&single).len(), 201);
    let output = summarize(&["--jsonl", "--threads", "2"], &input);
    assert!(output.status.success(), "stderr {:?}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.stdout, single.stdout);
}

#[test]
fn jsonl_writes_lines_before_invalid_one_then_fails() {
    let mut input = jsonl_documents(5);
    input.push_str("{not json\n");
    input.push_str(&jsonl_documents(2));
    let output = summarize(&["--jsonl", "--threads", "2"], &input);
    assert!(!output.status.success(), "accepted an invalid line");
    assert_eq!(stdout_lines(&output).len(), 5, "lines before the invalid one");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid JSON on line 7"), "stderr {stderr:?}");
}

#[test]
fn jsonl_names_invalid_sentences_field() {
    let input = serde_json::json!({"id": 1, "article": ARTICLE, "sentences": 0}).to_string() + "\n";

    let output = summarize(&["--jsonl"], &input);

    assert!(!output.status.success(), "accepted \"sentences\": 0");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(r#"invalid document on line 1: "sentences" is 0"#), "stderr {stderr:?}");
}

#[test]
fn jsonl_writes_nothing_after_invalid_line() {
    // The results of the lines after the invalid one are often ready before its
    // error, so a run that let them out would show it within a few hundred runs.
    let documents = jsonl_documents(8);
    let mut lines: Vec<&str> = documents.lines().filter(|line| !line.is_empty()).collect();
    let zero_sentences = serde_json::json!({"id": "zero", "article": ARTICLE, "sentences": 0}).to_string();
    lines[1] = &zero_sentences;
    let input = lines.join("\n") + "\n";
    let first = summarize(&["--jsonl", "--threads", "1"], lines[0]);
    assert!(first.status.success(), "stderr {:?}", String::from_utf8_lossy(&first.stderr));

    for threads in ["2", "3"] {
        for run in 0..150 {
            let output = summarize(&["--jsonl", "--threads", threads], &input);
            assert!(!output.status.success(), "--threads {threads}, run {run}: accepted an invalid line");
            assert_eq!(output.stdout, first.stdout, "--threads {threads}, run {run}: output after the invalid line");
        }
    }
}

#[test]
fn jsonl_answers_line_before_input_ends() {
    for threads in ["1", "2"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_summarize"))
            .args(["--jsonl", "--threads", threads])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("failed to start summarize");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let document = serde_json::json!({"id": 1, "text": ARTICLE}).to_string();
        writeln!(stdin, "{document}").expect("failed to write stdin");
        stdin.flush().expect("failed to flush stdin");

        // The output line is read on another thread, so that a tool that waits for the
        // end of its input fails this test instead of hanging it.
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout is piped"));
        let (sender, receiver) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut stdout, &mut line).expect("failed to read stdout");
            sender.send(line).expect("the test waits for the line");
        });
        let answer = receiver.recv_timeout(std::time::Duration::from_secs(30));
        drop(stdin);
        child.wait().expect("failed to wait for summarize");
        reader.join().expect("the reader thread ended");
        let answer = answer.unwrap_or_else(|_| panic!("--threads {threads}: no answer while the input stays open"));
        let line: serde_json::Value = serde_json::from_str(&answer).expect("the answer is JSON");
        assert_eq!(line["id"], 1, "--threads {threads}");
    }
}

#[test]
fn jsonl_skips_byte_order_mark() {
    let input = format!("\u{feff}{}", jsonl_documents(2));
    let output = summarize(&["--jsonl"], &input);
    assert!(output.status.success(), "stderr {:?}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout_lines(&output).len(), 2);
}

#[test]
fn lang_accepts_chinese_and_japanese() {
    for code in ["zh", "ja"] {
        let output = summarize(&["--lang", code], "今天下雨。明天天气很好。");

        assert!(output.status.success(), "--lang {code}: stderr {:?}", String::from_utf8_lossy(&output.stderr));
        assert!(!stdout_lines(&output).is_empty(), "--lang {code}: no summary");
    }
}

#[test]
fn dash_reads_standard_input() {
    let from_stdin = summarize(&[], ARTICLE);
    let from_dash = summarize(&["-"], ARTICLE);

    assert!(from_dash.status.success(), "stderr {:?}", String::from_utf8_lossy(&from_dash.stderr));
    assert_eq!(from_dash.stdout, from_stdin.stdout);
}

#[test]
fn rejects_threads_without_jsonl() {
    let output = summarize(&["--threads", "2"], ARTICLE);

    assert!(!output.status.success(), "accepted --threads without --jsonl");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--threads applies to --jsonl only"), "stderr {stderr:?}");
}

#[test]
fn rejects_threads_out_of_range() {
    for threads in ["0", "257"] {
        let output = summarize(&["--jsonl", "--threads", threads], "");
        assert!(!output.status.success(), "accepted --threads {threads}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("invalid --threads"), "--threads {threads}: stderr {stderr:?}");
        assert!(stderr.contains("expected a whole number from 1 to 256"), "--threads {threads}: stderr {stderr:?}");
    }
}
