//! Prints the OpenAPI description of the HTTP API, the content of
//! `docs/openapi.json`: `cargo run -p shared --bin openapi > docs/openapi.json`.

fn main() {
    print!("{}", shared::openapi::to_json());
}
