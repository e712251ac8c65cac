//! Access tokens (JWT, HS256) and opaque refresh tokens.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore as _;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use uuid::Uuid;

use crate::config::TokenSettings;

/// The `typ` claim of an access token, so a token of another kind is never taken
/// for one.
pub const ACCESS_TOKEN_TYPE: &str = "access";
/// Clock skew tolerated when checking `exp` and `iat`, in seconds.
pub const LEEWAY_SECONDS: u64 = 5;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
    /// Always [`ACCESS_TOKEN_TYPE`].
    pub typ: String,
    pub role: String,
}

/// An access token as handed to a client.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: String,
    pub expires_in: Duration,
}

/// Signs and verifies access tokens; built once per execution environment.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: Duration,
}

fn now_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl TokenKeys {
    /// Builds the keys and the validation rules from the settings.
    pub fn new(settings: &TokenSettings) -> Self {
        let secret = settings.secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl: settings.access_ttl,
        }
    }

    /// Issues an access token for a user.
    ///
    /// # Errors
    /// Returns an error when signing fails.
    pub fn issue_access(&self, user_id: Uuid, role: &str) -> anyhow::Result<AccessToken> {
        let iat = now_seconds();
        let claims = Claims {
            sub: user_id,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat,
            exp: iat + self.access_ttl.as_secs(),
            typ: ACCESS_TOKEN_TYPE.to_owned(),
            role: role.to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok(AccessToken { token, expires_in: self.access_ttl })
    }

    /// Verifies an access token: signature, algorithm, issuer, audience, expiry
    /// (with [`LEEWAY_SECONDS`]) and token type.
    ///
    /// # Errors
    /// Returns a short reason fit for a 401 detail.
    pub fn verify_access(&self, token: &str) -> Result<Claims, &'static str> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|error| {
                match error.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => "The access token has expired.",
                    _ => "The access token is not valid.",
                }
            })?;
        if data.claims.typ != ACCESS_TOKEN_TYPE {
            return Err("The access token is not valid.");
        }
        if data.claims.iat > now_seconds() + LEEWAY_SECONDS {
            return Err("The access token is not valid.");
        }
        Ok(data.claims)
    }
}

/// A new opaque refresh token: 256 random bits, base64url, and its SHA-256 hash,
/// which is all the database keeps.
pub struct RefreshToken {
    pub token: String,
    pub hash: Vec<u8>,
}

impl RefreshToken {
    /// Generates a refresh token from the operating system's random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let hash = hash_refresh_token(&token);
        Self { token, hash }
    }
}

/// Hashes a refresh token for storage and lookup.
pub fn hash_refresh_token(token: &str) -> Vec<u8> {
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(secret: &str) -> TokenSettings {
        TokenSettings {
            secret: secret.to_owned().into(),
            issuer: "docsum".into(),
            audience: "docsum-api".into(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(3600),
        }
    }

    #[test]
    fn issued_token_verifies() {
        let keys = TokenKeys::new(&settings("a-test-secret-that-is-long-enough-32b"));
        let user = Uuid::new_v4();
        let token = keys.issue_access(user, "user").unwrap();
        let claims = keys.verify_access(&token.token).unwrap();
        assert_eq!(claims.sub, user);
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn token_from_other_key_is_rejected() {
        let ours = TokenKeys::new(&settings("a-test-secret-that-is-long-enough-32b"));
        let theirs = TokenKeys::new(&settings("another-secret-that-is-long-enough-32"));
        let token = theirs.issue_access(Uuid::new_v4(), "user").unwrap();
        assert!(ours.verify_access(&token.token).is_err());
    }

    #[test]
    fn unsigned_token_is_rejected() {
        let keys = TokenKeys::new(&settings("a-test-secret-that-is-long-enough-32b"));
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let exp = now_seconds() + 600;
        let payload = engine.encode(format!(
            r#"{{"sub":"{}","iss":"docsum","aud":"docsum-api","iat":{},"exp":{exp},"typ":"access","role":"admin"}}"#,
            Uuid::new_v4(),
            now_seconds()
        ));
        assert!(keys.verify_access(&format!("{header}.{payload}.")).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let first = RefreshToken::generate();
        let second = RefreshToken::generate();
        assert_ne!(first.token, second.token);
        assert_eq!(first.hash, hash_refresh_token(&first.token));
        assert_eq!(first.hash.len(), 32);
    }
}
