//! Prints a new Ed25519 key pair for access tokens, as environment lines:
//!
//! ```text
//! JWT_SIGNING_KEY=<kid>:<base64url seed>      (the login function only; a secret)
//! JWT_PUBLIC_KEYS=<kid>:<base64url public key> (every function that verifies tokens)
//! ```
//!
//! Usage: `keygen [KID]`; the key id defaults to the current UTC date and time.
//! To rotate keys, add the new public key to `JWT_PUBLIC_KEYS` everywhere first,
//! then switch `JWT_SIGNING_KEY`, and drop the old public key once the longest
//! access token lifetime has passed.

fn main() {
    let kid = std::env::args().nth(1).unwrap_or_else(|| {
        let now = time::OffsetDateTime::now_utc();
        format!(
            "k{:04}{:02}{:02}{:02}{:02}{:02}",
            now.year(),
            now.month() as u8,
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        )
    });
    let valid = !kid.is_empty()
        && kid.len() <= 64
        && kid.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !valid {
        eprintln!("error: invalid key id {kid:?}; use 1 to 64 of A-Z a-z 0-9 - _ .");
        std::process::exit(2);
    }
    let (signing, public) = shared::auth::tokens::generate_key_pair(&kid);
    println!("JWT_SIGNING_KEY={signing}");
    println!("JWT_PUBLIC_KEYS={public}");
}
