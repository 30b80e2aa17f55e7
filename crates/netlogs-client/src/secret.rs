//! API keys: held once, never printed, and scrubbed from anything a server echoes back.

/// A secret value. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The raw value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Remove the secret, and anything shaped like an OpenAI key (`sk-…`), from `text`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = if self.0.len() >= 4 {
            text.replace(&self.0, "[redacted]")
        } else {
            text.to_string()
        };
        let mut from = 0;
        while let Some(rel) = out[from..].find("sk-") {
            let i = from + rel;
            let at_word_start = out[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            if !at_word_start {
                from = i + 3;
                continue;
            }
            let end = out[i..]
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '.' | ')'))
                .map_or(out.len(), |e| i + e);
            out.replace_range(i..end, "[redacted]");
            from = i + "[redacted]".len();
        }
        out
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs() {
        let s = Secret::new("sk-abc123secret");
        assert_eq!(
            s.scrub("Incorrect API key provided: sk-abc***cret. See docs."),
            "Incorrect API key provided: [redacted]. See docs."
        );
        assert_eq!(s.scrub("key sk-abc123secret!"), "key [redacted]!");
        assert_eq!(s.scrub("task-force disk-full"), "task-force disk-full");
        assert!(!format!("{s:?}").contains("abc"));
        let other = Secret::new("token-xyz-123");
        assert_eq!(other.scrub("bad token-xyz-123"), "bad [redacted]");
    }
}
