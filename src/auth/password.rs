//! Password hashing: argon2id for everything we write; bcrypt accepted for hashes an operator
//! inserted by hand with the deployment guide's SQL, and upgraded on that login.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

use crate::error::{Error, Result};

pub fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(anyhow::anyhow!("argon2: {e}")))
}

pub fn is_legacy_bcrypt(stored: &str) -> bool {
    stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$")
}

/// True when `password` matches `stored`. Unknown or malformed hashes never match.
pub fn verify(password: &str, stored: &str) -> bool {
    if is_legacy_bcrypt(stored) {
        return bcrypt::verify(password, stored).unwrap_or(false);
    }
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Verified against when the username is unknown, so timing does not tell which names exist.
pub static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash("kenangan-dummy-password").unwrap_or_default());

/// Rules for new passwords. Production also refuses common and short ones.
pub fn check_strength(password: &str, production: bool) -> Result<()> {
    check_strength_of("password", password, production)
}

/// As `check_strength`, naming `field` in the error.
pub fn check_strength_of(field: &str, password: &str, production: bool) -> Result<()> {
    let min = if production { 10 } else { 6 };
    if password.chars().count() < min {
        return Err(Error::validation(
            field,
            format!("The password must have at least {min} characters."),
        ));
    }
    if password.len() > 256 {
        return Err(Error::validation(
            field,
            "The password is too long (256 at most).",
        ));
    }
    if production {
        let lower = password.to_ascii_lowercase();
        const COMMON: [&str; 6] = [
            "password", "admin123", "123456", "qwerty", "changeme", "letmein",
        ];
        let varied = password
            .chars()
            .any(|c| c.is_ascii_digit() || !c.is_alphanumeric())
            && password.chars().any(|c| c.is_alphabetic());
        if COMMON.iter().any(|c| lower.contains(c)) || !varied {
            return Err(Error::validation(
                "password",
                "The password is too easy to guess: mix letters with digits or symbols and avoid common words.",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_round_trip_and_bcrypt_legacy() {
        let h = hash("s3cret-pass").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("s3cret-pass", &h));
        assert!(!verify("wrong", &h));
        let b = bcrypt::hash("admin123", 4).unwrap();
        assert!(verify("admin123", &b));
        assert!(!verify("admin124", &b));
        assert!(!verify("x", "not-a-hash"));
    }

    #[test]
    fn production_refuses_weak_passwords() {
        assert!(check_strength("admin123", true).is_err());
        assert!(check_strength("abcdefghijkl", true).is_err());
        assert!(check_strength("Sambal-Matah-42", true).is_ok());
        assert!(check_strength("abc", false).is_err());
    }
}
