//! Argon2id password hashing, run on blocking threads.

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

/// Argon2id with OWASP's minimum: 19 MiB of memory, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("argon2 parameters are constants within range");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string with a random salt.
///
/// # Errors
/// Returns an error when the blocking task fails or hashing fails.
pub async fn hash_password(password: SecretString) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        argon2()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("failed to hash password: {error}"))
    })
    .await
    .context("password hashing task failed")?
}

/// A valid hash of a random password, verified against when the account does not
/// exist so that unknown emails take as long as wrong passwords.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2()
        .hash_password(uuid::Uuid::new_v4().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .expect("hashing a fixed-size random value cannot fail")
});

/// Verifies a password against a stored PHC hash, or against a dummy hash when
/// `stored_hash` is `None`, which always fails but takes the same time.
///
/// # Errors
/// Returns an error when the stored hash does not parse or the task fails.
pub async fn verify_password(password: SecretString, stored_hash: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known_user = stored_hash.is_some();
        let hash_text = stored_hash.unwrap_or_else(|| DUMMY_HASH.clone());
        let hash = PasswordHash::new(&hash_text)
            .map_err(|error| anyhow::anyhow!("stored password hash is invalid: {error}"))?;
        let matches = argon2().verify_password(password.expose_secret().as_bytes(), &hash).is_ok();
        Ok(matches && known_user)
    })
    .await
    .context("password verification task failed")?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_verifies_only_its_password() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse".into(), Some(hash.clone())).await.unwrap());
        assert!(!verify_password("wrong horse".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn missing_hash_never_verifies() {
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }
}
