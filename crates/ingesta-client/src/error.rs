//! What can go wrong talking to the API, phrased for the person reading the error report.

/// A request failed. `is_retryable` decides whether the client tries again.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("the API rejected the token (HTTP {status}): check STRAPI_TOKEN / --token")]
    Unauthorized { status: u16 },
    /// `after_retry`: an earlier attempt of the same request failed, so that attempt may be the
    /// one that created the entry (its answer lost on the way back).
    #[error("the API refused a duplicate: {message}")]
    Unique { message: String, after_retry: bool },
    #[error("the API rejected the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("the API failed (HTTP {status}): {message}")]
    Server { status: u16, message: String },
    #[error("the API kept answering 429 Too Many Requests")]
    RateLimited { retry_after: Option<std::time::Duration> },
    /// `sent`: the connection was up, so the request may have reached the server.
    #[error("cannot reach the API: {reason}")]
    Transport { reason: String, sent: bool },
    #[error("the API did not answer within {secs:.1} s")]
    Timeout { secs: f64 },
    #[error("the API kept failing (circuit open) and the time allowed to wait for it ran out")]
    CircuitOpen,
    #[error("the API answered something that is not a Strapi response: {reason}")]
    Decode { reason: String },
    /// Not sent: the run was stopped (a signal) before this row's turn came.
    #[error("not attempted: {reason}")]
    NotAttempted { reason: String },
    /// Not sent: the value does not fit the CMS's data model (the request would get a 400).
    #[error("not sent, the value does not fit the CMS's model: {reason}")]
    Unfit { reason: String },
    #[error("invalid API URL '{url}': {reason}")]
    BadUrl { url: String, reason: String },
}

impl ApiError {
    /// Timeouts, connection errors, 429 and 5xx are worth another try; other 4xx never are.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Server { .. } | Self::RateLimited { .. } | Self::Transport { .. } | Self::Timeout { .. })
    }

    /// Whether a write that failed this way may still have been applied by the server: a
    /// timeout, a connection lost after sending, or a 500/502/503/504. Such a write is looked up
    /// before it is repeated. A 429, a refused connection or an open circuit never reached it.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Timeout { .. } => true,
            Self::Transport { sent, .. } => *sent,
            Self::Server { status, .. } => matches!(status, 500 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// Whether the failure says the API itself is unwell (counts towards opening the circuit).
    pub(crate) fn trips_breaker(&self) -> bool {
        matches!(self, Self::Server { .. } | Self::Transport { .. } | Self::Timeout { .. })
    }
}

/// Strapi's validation messages may quote the refused value (yup: "…, but the final value was:
/// `…`"). A value is input data, possibly personal: it goes into no report and no log.
pub(crate) fn without_values(message: &str) -> String {
    const QUOTES: [&str; 2] = ["but the final value was", "(cast from the value"];
    match QUOTES.iter().filter_map(|q| message.find(q)).min() {
        Some(i) => format!("{} (value not shown)", message[..i].trim_end().trim_end_matches(',')),
        None => message.chars().take(300).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_values_are_not_repeated() {
        let m =
            "telefono must be a `number` type, but the final value was: `\"55 1234 5678\"` (cast from the value `x`).";
        assert_eq!(without_values(m), "telefono must be a `number` type (value not shown)");
        assert_eq!(without_values("This attribute must be unique"), "This attribute must be unique");
    }
}
