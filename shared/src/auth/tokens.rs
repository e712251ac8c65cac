//! Access tokens (JWT signed with Ed25519, `kid` in the header) and opaque refresh
//! tokens.
//!
//! Only the login function has a private key ([`AccessTokenSigner`]); every other
//! function has the public key set ([`AccessTokenVerifier`]), which can contain
//! several keys, so a new key can sign while tokens of the previous one still verify.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore as _;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use uuid::Uuid;

use crate::config::{SigningSettings, VerifyingSettings};

/// The `typ` claim of an access token, so a token of another kind is never taken
/// for one.
pub const ACCESS_TOKEN_TYPE: &str = "access";
/// Clock skew tolerated when checking `exp` and `iat`, in seconds.
pub const LEEWAY_SECONDS: u64 = 5;

/// The PKCS#8 DER prefix of an Ed25519 private key (RFC 8410), followed by the
/// 32-byte seed.
const ED25519_PKCS8_PREFIX: [u8; 16] =
    [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

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

fn now_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Signs access tokens with the current private key; built once per execution
/// environment of the login function.
#[derive(Clone)]
pub struct AccessTokenSigner {
    kid: String,
    encoding: EncodingKey,
    issuer: String,
    audience: String,
    access_ttl: Duration,
}

impl AccessTokenSigner {
    /// Builds the signer from the settings.
    pub fn new(settings: &SigningSettings) -> Self {
        Self {
            kid: settings.kid.clone(),
            encoding: encoding_key(settings.seed.expose_secret()),
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl: settings.access_ttl,
        }
    }

    /// Issues an access token for a user.
    ///
    /// # Errors
    /// Returns an error when signing fails.
    pub fn issue(&self, user_id: Uuid, role: &str) -> anyhow::Result<AccessToken> {
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
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding)?;
        Ok(AccessToken { token, expires_in: self.access_ttl })
    }
}

/// Verifies access tokens against the public key set; it has no private key.
#[derive(Clone)]
pub struct AccessTokenVerifier {
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
    jwks: serde_json::Value,
}

const INVALID: &str = "The access token is not valid.";

impl AccessTokenVerifier {
    /// Builds the verifier and the JWKS document from the settings.
    pub fn new(settings: &VerifyingSettings) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);

        let mut keys = HashMap::new();
        let mut jwks = Vec::new();
        for (kid, public_key) in &settings.public_keys {
            let x = URL_SAFE_NO_PAD.encode(public_key);
            keys.insert(kid.clone(), DecodingKey::from_ed_der(public_key));
            jwks.push(serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig",
            }));
        }
        Self { keys, validation, jwks: serde_json::json!({ "keys": jwks }) }
    }

    /// Returns the public keys as a JSON Web Key Set (RFC 7517), for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }

    /// Verifies an access token. The algorithm is pinned to EdDSA and the `kid` must
    /// name a key of the set. Headers that point at other keys (`jku`, `x5u`, `jwk`,
    /// `x5c`) are rejected. `exp`, `iat`, `sub`, `iss`, `aud` and `typ` must be present
    /// and valid, with [`LEEWAY_SECONDS`] of clock skew.
    ///
    /// # Errors
    /// Returns a short reason fit for a 401 detail.
    pub fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| INVALID)?;
        if header.alg != Algorithm::EdDSA
            || header.jku.is_some()
            || header.x5u.is_some()
            || header.jwk.is_some()
            || header.x5c.is_some()
        {
            return Err(INVALID);
        }
        let key = header.kid.as_deref().and_then(|kid| self.keys.get(kid)).ok_or(INVALID)?;

        let data =
            jsonwebtoken::decode::<Claims>(token, key, &self.validation).map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => "The access token has expired.",
                _ => INVALID,
            })?;
        if data.claims.typ != ACCESS_TOKEN_TYPE || data.claims.iat > now_seconds() + LEEWAY_SECONDS {
            return Err(INVALID);
        }
        Ok(data.claims)
    }
}

/// Generates an Ed25519 key pair, as the values of `JWT_SIGNING_KEY` and one entry of
/// `JWT_PUBLIC_KEYS`: `kid:base64url(seed)` and `kid:base64url(public key)`.
pub fn generate_key_pair(kid: &str) -> (String, String) {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let public_key = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    (format!("{kid}:{}", URL_SAFE_NO_PAD.encode(seed)), format!("{kid}:{}", URL_SAFE_NO_PAD.encode(public_key)))
}

/// Wraps an Ed25519 seed as a signing key for `jsonwebtoken`.
pub fn encoding_key(seed: &[u8; 32]) -> EncodingKey {
    let mut der = ED25519_PKCS8_PREFIX.to_vec();
    der.extend_from_slice(seed);
    EncodingKey::from_ed_der(&der)
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
        let token = URL_SAFE_NO_PAD.encode(bytes);
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
    use crate::config::Vars;

    fn settings_with(signing: &str, public_keys: &str) -> (SigningSettings, VerifyingSettings) {
        let vars = |name: &str| match name {
            "JWT_SIGNING_KEY" => Some(signing.to_owned()),
            "JWT_PUBLIC_KEYS" => Some(public_keys.to_owned()),
            _ => None,
        };
        let vars: Vars = &vars;
        (SigningSettings::from_vars(vars).unwrap(), VerifyingSettings::from_vars(vars).unwrap())
    }

    #[test]
    fn issued_token_verifies_with_kid() {
        let (signing, public) = generate_key_pair("k1");
        let (signing, verifying) = settings_with(&signing, &public);
        let user = Uuid::new_v4();

        let token = AccessTokenSigner::new(&signing).issue(user, "user").unwrap();

        let header = jsonwebtoken::decode_header(&token.token).unwrap();
        assert_eq!(header.kid.as_deref(), Some("k1"));
        assert_eq!(header.alg, Algorithm::EdDSA);
        let claims = AccessTokenVerifier::new(&verifying).verify(&token.token).unwrap();
        assert_eq!(claims.sub, user);
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn token_of_unknown_key_is_rejected() {
        let (ours_signing, ours_public) = generate_key_pair("k1");
        let (theirs_signing, _) = generate_key_pair("k1");
        let (_, verifying) = settings_with(&ours_signing, &ours_public);
        let (theirs, _) = settings_with(&theirs_signing, &ours_public);

        let token = AccessTokenSigner::new(&theirs).issue(Uuid::new_v4(), "user").unwrap();

        assert!(AccessTokenVerifier::new(&verifying).verify(&token.token).is_err());
    }

    #[test]
    fn rotated_key_verifies_until_retired() {
        let (old_signing, old_public) = generate_key_pair("old");
        let (new_signing, new_public) = generate_key_pair("new");
        let (old_signer, during_rotation) = settings_with(&old_signing, &format!("{old_public},{new_public}"));
        let (new_signer, after_retirement) = settings_with(&new_signing, &new_public);
        let old_token = AccessTokenSigner::new(&old_signer).issue(Uuid::new_v4(), "user").unwrap();
        let new_token = AccessTokenSigner::new(&new_signer).issue(Uuid::new_v4(), "user").unwrap();

        let during = AccessTokenVerifier::new(&during_rotation);
        let after = AccessTokenVerifier::new(&after_retirement);

        assert!(during.verify(&old_token.token).is_ok(), "old key must verify during rotation");
        assert!(during.verify(&new_token.token).is_ok(), "new key must verify during rotation");
        assert!(after.verify(&old_token.token).is_err(), "retired key must no longer verify");
        assert!(after.verify(&new_token.token).is_ok());
    }

    #[test]
    fn jwks_lists_every_public_key() {
        let (signing, first) = generate_key_pair("old");
        let (_, second) = generate_key_pair("new");
        let (_, verifying) = settings_with(&signing, &format!("{first},{second}"));

        let jwks = AccessTokenVerifier::new(&verifying).jwks().clone();

        let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
        assert_eq!(kids, vec!["old", "new"]);
        assert_eq!(jwks["keys"][0]["kty"], "OKP");
        assert!(jwks["keys"][0].get("d").is_none(), "a JWKS must never carry the private part");
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
