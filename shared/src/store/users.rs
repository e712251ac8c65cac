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

    /// Finds an account by email, case-insensitively.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn find_by_email(&self, email: &Email) -> anyhow::Result<Option<UserCredentials>> {
        let row = sqlx::query_as::<_, (Uuid, String, String, bool, OffsetDateTime, String)>(
            "SELECT id, email, role, is_active, created_at, password_hash FROM users WHERE lower(email) = lower($1)",
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

    /// Stores the hash of a new refresh token that starts a token family.
    ///
    /// # Errors
    /// Returns an error when the insert fails.
    pub async fn insert_refresh_token(
        &self,
        user_id: Uuid,
        token_hash: &[u8],
        expires_at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $1, $3, $4)",
        )
        .bind(id)
        .bind(user_id)
        .bind(token_hash)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .context("failed to store refresh token")?;
        Ok(())
    }
}
