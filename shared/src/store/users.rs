//! Accounts and refresh tokens in PostgreSQL.

use anyhow::Context;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::Email;

/// A stored account, without its password hash.
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub is_active: bool,
    pub created_at: OffsetDateTime,
}

/// An account with its password hash, for login.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
}

/// The reason a new account was not stored.
#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Accounts in PostgreSQL.
#[derive(Clone)]
pub struct UserStore {
    pool: PgPool,
}

impl UserStore {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Inserts a new account with role `user`.
    ///
    /// # Errors
    /// [`InsertUserError::EmailTaken`] when the email exists in any letter case;
    /// the unique index decides, so concurrent registrations give one account.
    pub async fn insert(&self, email: &Email, password_hash: &str) -> Result<User, InsertUserError> {
        let id = Uuid::now_v7();
        let row = sqlx::query_as::<_, (OffsetDateTime,)>(
            "INSERT INTO users (id, email, password_hash) VALUES ($1, $2, $3) RETURNING created_at",
        )
        .bind(id)
        .bind(email.as_str())
        .bind(password_hash)
        .fetch_one(&self.pool)
        .await;

        match row {
            Ok((created_at,)) => {
                Ok(User { id, email: email.as_str().to_owned(), role: "user".to_owned(), is_active: true, created_at })
            }
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(InsertUserError::EmailTaken),
            Err(error) => Err(anyhow::Error::new(error).context("failed to insert user").into()),
        }
    }

    /// Finds an account by email, regardless of letter case and of Unicode
    /// normalization (the email is in NFC, as [`Email::parse`] makes it).
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn find_by_email(&self, email: &Email) -> anyhow::Result<Option<UserCredentials>> {
        let row = sqlx::query_as::<_, (Uuid, String, String, bool, OffsetDateTime, String)>(
            "SELECT id, email, role, is_active, created_at, password_hash FROM users \
             WHERE lower(normalize(email, NFC)) = lower($1)",
        )
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await
        .context("failed to look up user by email")?;

        Ok(row.map(|(id, email, role, is_active, created_at, password_hash)| UserCredentials {
            user: User { id, email, role, is_active, created_at },
            password_hash,
        }))
    }

    /// Finds an account by id.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn find_by_id(&self, user_id: Uuid) -> anyhow::Result<Option<User>> {
        let row = sqlx::query_as::<_, (Uuid, String, String, bool, OffsetDateTime)>(
            "SELECT id, email, role, is_active, created_at FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await
        .context("failed to look up user by id")?;
        Ok(row.map(|(id, email, role, is_active, created_at)| User { id, email, role, is_active, created_at }))
    }

    /// Stores the hash of a new refresh token that starts a token family, which ends
    /// for good at `family_expires_at`.
    ///
    /// # Errors
    /// Returns an error when the insert fails.
    pub async fn insert_refresh_token(
        &self,
        user_id: Uuid,
        token_hash: &[u8],
        expires_at: OffsetDateTime,
        family_expires_at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, family_expires_at) \
             VALUES ($1, $2, $1, $3, LEAST($4, $5), $5)",
        )
        .bind(id)
        .bind(user_id)
        .bind(token_hash)
        .bind(expires_at)
        .bind(family_expires_at)
        .execute(&self.pool)
        .await
        .context("failed to store refresh token")?;
        Ok(())
    }

    /// Exchanges a refresh token for a new one of the same family, in one transaction.
    ///
    /// A token is single use: presenting a token that was already rotated is taken as
    /// theft and revokes the whole family. Revoked or expired tokens, tokens past the
    /// family's absolute expiry, and tokens of disabled or deleted accounts rotate to
    /// nothing.
    ///
    /// # Errors
    /// Returns an error when a query fails.
    pub async fn rotate_refresh_token(
        &self,
        token_hash: &[u8],
        new_hash: &[u8],
        ttl: std::time::Duration,
    ) -> anyhow::Result<RotateOutcome> {
        let mut tx = self.pool.begin().await.context("failed to begin refresh transaction")?;
        type Row = (Uuid, Uuid, bool, bool, bool, Option<String>, Option<bool>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT t.user_id, t.family_id, t.used_at IS NOT NULL, t.revoked_at IS NOT NULL, \
                    t.expires_at <= now() OR t.family_expires_at <= now(), u.role, u.is_active \
             FROM refresh_tokens t LEFT JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 FOR UPDATE OF t",
        )
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await
        .context("failed to look up refresh token")?;

        let Some((user_id, family_id, used, revoked, expired, role, is_active)) = row else {
            return Ok(RotateOutcome::Invalid);
        };
        if used && !revoked {
            revoke_family(&mut tx, family_id).await?;
            tx.commit().await.context("failed to commit family revocation")?;
            return Ok(RotateOutcome::Reused { user_id });
        }
        if revoked || expired {
            return Ok(RotateOutcome::Invalid);
        }
        let (Some(role), Some(true)) = (role, is_active) else {
            revoke_family(&mut tx, family_id).await?;
            tx.commit().await.context("failed to commit family revocation")?;
            return Ok(RotateOutcome::Invalid);
        };

        sqlx::query("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .context("failed to mark refresh token used")?;
        let expires_at: OffsetDateTime = sqlx::query_scalar(
            "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, family_expires_at) \
             SELECT $1, user_id, family_id, $2, LEAST(now() + make_interval(secs => $3), family_expires_at), \
                    family_expires_at \
             FROM refresh_tokens WHERE token_hash = $4 RETURNING expires_at",
        )
        .bind(Uuid::now_v7())
        .bind(new_hash)
        .bind(ttl.as_secs_f64())
        .bind(token_hash)
        .fetch_one(&mut *tx)
        .await
        .context("failed to store rotated refresh token")?;
        tx.commit().await.context("failed to commit refresh rotation")?;
        Ok(RotateOutcome::Rotated { user_id, role, expires_at })
    }

    /// Revokes the family of a refresh token (logout). Returns the owner when the token
    /// was known.
    ///
    /// # Errors
    /// Returns an error when a query fails.
    pub async fn revoke_family_of(&self, token_hash: &[u8]) -> anyhow::Result<Option<Uuid>> {
        let mut tx = self.pool.begin().await.context("failed to begin logout transaction")?;
        let row: Option<(Uuid, Uuid)> =
            sqlx::query_as("SELECT user_id, family_id FROM refresh_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await
                .context("failed to look up refresh token")?;
        let Some((user_id, family_id)) = row else { return Ok(None) };
        revoke_family(&mut tx, family_id).await?;
        tx.commit().await.context("failed to commit logout")?;
        Ok(Some(user_id))
    }
}

/// The result of presenting a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotateOutcome {
    /// A new token of the same family was stored.
    Rotated { user_id: Uuid, role: String, expires_at: OffsetDateTime },
    /// An already rotated token was presented again; its family is now revoked.
    Reused { user_id: Uuid },
    /// Unknown, revoked or expired token, or a disabled or deleted account.
    Invalid,
}

async fn revoke_family(tx: &mut sqlx::PgConnection, family_id: Uuid) -> anyhow::Result<()> {
    sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL")
        .bind(family_id)
        .execute(tx)
        .await
        .context("failed to revoke refresh token family")?;
    Ok(())
}
