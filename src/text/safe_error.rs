//! [`SafeError`]: an error made safe to print. Errors quote what they could not read (a YAML value, an API
//! server's message, a file name), so every message in the chain goes through [`super::sanitize`] before the
//! binary prints it (color-eyre's report, `fluxops follow`'s one-line errors).

use std::error::Error;
use std::fmt;

/// An error chain with every message sanitised (escape sequences, invisible characters, credentials).
#[derive(Debug)]
pub struct SafeError {
    message: String,
    source: Option<Box<SafeError>>,
}

impl SafeError {
    /// `err` and its sources, each message sanitised.
    #[must_use]
    pub fn new(err: &(dyn Error + 'static)) -> Self {
        Self {
            message: super::sanitize(&err.to_string()).into_owned(),
            source: err.source().map(|s| Box::new(Self::new(s))),
        }
    }
}

impl fmt::Display for SafeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for SafeError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read 'https://u:pw@h': {0}")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("server said \x1b]0;PWNED\x07 no")]
    struct Inner;

    #[test]
    fn every_message_of_the_chain_is_sanitised() {
        let safe = SafeError::new(&Outer(Inner));
        assert_eq!(
            safe.to_string(),
            "cannot read 'https://***@h': server said  no"
        );
        let source = safe.source().map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("server said  no"));
    }
}
