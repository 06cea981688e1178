//! The function's log settings. Lambda's advanced logging controls set `AWS_LAMBDA_LOG_LEVEL`
//! and `AWS_LAMBDA_LOG_FORMAT` from the function's `LoggingConfig`; honouring them lets an
//! operator turn on debug logs or text logs from the console without a redeploy. `RUST_LOG`, when
//! set, still wins: it is the finer tool.

/// The `EnvFilter` directive and whether lines are JSON, from the environment as `var` reads it.
pub fn choose(var: impl Fn(&str) -> Option<String>) -> (String, bool) {
    let level = var("RUST_LOG").filter(|v| !v.is_empty()).unwrap_or_else(|| {
        match var("AWS_LAMBDA_LOG_LEVEL").unwrap_or_default().to_ascii_uppercase().as_str() {
            "TRACE" => "trace",
            "DEBUG" => "debug",
            "WARN" => "warn",
            "ERROR" | "FATAL" => "error",
            _ => "info",
        }
        .to_string()
    });
    // JSON unless the function asks for text: the alarms' metric filters and Logs Insights
    // queries in the docs read JSON.
    let json = !var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("text"));
    (level, json)
}

/// Installs the subscriber for the process.
pub fn init() {
    let (level, json) = choose(|k| std::env::var(k).ok());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .with_ansi(false)
        .without_time();
    if json {
        builder.json().with_current_span(false).init();
    } else {
        builder.init();
    }
}

#[cfg(test)]
mod tests {
    use super::choose;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn lambda_log_controls_are_honoured_and_rust_log_wins() {
        assert_eq!(choose(env(&[])), ("info".into(), true));
        assert_eq!(
            choose(env(&[("AWS_LAMBDA_LOG_LEVEL", "DEBUG"), ("AWS_LAMBDA_LOG_FORMAT", "Text")])),
            ("debug".into(), false)
        );
        assert_eq!(
            choose(env(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL"), ("AWS_LAMBDA_LOG_FORMAT", "JSON")])),
            ("error".into(), true)
        );
        assert_eq!(choose(env(&[("AWS_LAMBDA_LOG_LEVEL", "DEBUG"), ("RUST_LOG", "ingesta=trace")])).0, "ingesta=trace");
    }
}
