//! The API token as a type that never prints: `Debug` says `Token([redacted])` and there is no
//! `Display`, so settings can derive `Debug` and no log line or error can carry it. `secrecy`
//! also wipes it from memory when dropped.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::str::FromStr;

#[derive(Clone)]
pub struct Token(SecretString);

impl Token {
    /// A token, or `None` for an empty one (an unset variable often arrives as "").
    pub fn new(value: impl Into<String>) -> Option<Self> {
        let value = value.into();
        (!value.trim().is_empty()).then(|| Self(SecretString::from(value)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.expose_secret().trim().is_empty()
    }

    /// The token itself: only for the `Authorization` header.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// For flags and environment variables; an empty value parses and is dropped later.
impl FromStr for Token {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(SecretString::from(s.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let t = Token::new("tok-3f9a").unwrap();
        assert_eq!(format!("{t:?} {:?}", Some(t.clone())), "Token([redacted]) Some(Token([redacted]))");
        assert_eq!(t.expose_secret(), "tok-3f9a");
        assert!(Token::new(" ").is_none());
        assert!("".parse::<Token>().unwrap().is_empty());
    }
}
