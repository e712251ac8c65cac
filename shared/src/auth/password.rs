//! Argon2id password hashing on blocking threads, with bounded concurrency.

use std::sync::{Arc, OnceLock};

use anyhow::Context;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::config::PasswordSettings;

/// Hashes and verifies passwords. At most `concurrency` hashes run at once, each on a
/// blocking thread, so memory stays within `concurrency × memory_kib` under load.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    dummy_hash: Arc<OnceLock<String>>,
}

impl PasswordHasher {
    /// Builds a hasher from validated settings.
    ///
    /// # Errors
    /// Returns an error when argon2 rejects the parameters.
    pub fn new(settings: &PasswordSettings) -> anyhow::Result<Self> {
        let params = Params::new(settings.memory_kib, settings.iterations, settings.parallelism, None)
            .map_err(|error| anyhow::anyhow!("invalid argon2 parameters: {error}"))?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(settings.concurrency)),
            dummy_hash: Arc::new(OnceLock::new()),
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Runs `work` on a blocking thread once a permit is free.
    async fn run_bounded<T: Send + 'static>(
        &self,
        work: impl FnOnce(Argon2<'static>) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self.permits.acquire().await.context("password hashing pool closed")?;
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || work(argon2)).await.context("password hashing task failed")?
    }

    /// Hashes a password into a PHC string with a random salt.
    ///
    /// # Errors
    /// Returns an error when the blocking task fails or hashing fails.
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        self.run_bounded(move |argon2| {
            let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
            argon2
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|error| anyhow::anyhow!("failed to hash password: {error}"))
        })
        .await
    }

    /// Verifies a password against a stored PHC hash. With `stored_hash` of `None` it
    /// verifies against a dummy hash made with the same parameters, which always
    /// fails but takes the same time, so unknown accounts cannot be distinguished from known ones.
    ///
    /// # Errors
    /// Returns an error when the stored hash does not parse or the task fails.
    pub async fn verify(&self, password: SecretString, stored_hash: Option<String>) -> anyhow::Result<bool> {
        let known_user = stored_hash.is_some();
        let hash_text = match stored_hash {
            Some(hash) => hash,
            None => self.dummy_hash().await?,
        };
        let matches = self
            .run_bounded(move |argon2| {
                let hash = PasswordHash::new(&hash_text)
                    .map_err(|error| anyhow::anyhow!("stored password hash is invalid: {error}"))?;
                Ok(argon2.verify_password(password.expose_secret().as_bytes(), &hash).is_ok())
            })
            .await?;
        Ok(matches && known_user)
    }

    async fn dummy_hash(&self) -> anyhow::Result<String> {
        if let Some(hash) = self.dummy_hash.get() {
            return Ok(hash.clone());
        }
        let random = uuid::Uuid::new_v4().to_string();
        let hash = self.hash(random.into()).await?;
        Ok(self.dummy_hash.get_or_init(|| hash).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(&PasswordSettings::owasp_minimum()).unwrap()
    }

    #[tokio::test]
    async fn hash_verifies_only_its_password() {
        let hasher = hasher();
        let hash = hasher.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher.verify("correct horse".into(), Some(hash.clone())).await.unwrap());
        assert!(!hasher.verify("wrong horse".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn missing_hash_never_verifies() {
        assert!(!hasher().verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn invalid_stored_hash_is_an_error() {
        assert!(hasher().verify("anything".into(), Some("not-a-phc-string".into())).await.is_err());
    }
}
