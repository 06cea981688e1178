//! Both sinks, checked from the outside: EMF lines against the rules of the Embedded Metric
//! Format specification, and PutMetricData through the real SDK against a capture endpoint.

use ingesta_metrics::{Emf, Metric, MetricsSink, PutMetricData, Unit};
use serde_json::Value;

/// The EMF specification's rules for one log line. Returns every violation found.
fn emf_violations(line: &str) -> Vec<String> {
    const UNITS: [&str; 27] = [
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ];
    let mut v = Vec::new();
    let Ok(root) = serde_json::from_str::<Value>(line) else { return vec!["not JSON".into()] };
    let Some(root) = root.as_object() else { return vec!["root is not an object".into()] };
    let Some(aws) = root.get("_aws").and_then(Value::as_object) else { return vec!["no _aws object".into()] };
    let millis = aws.get("Timestamp").and_then(Value::as_u64);
    if millis.is_none_or(|t| t <= 1_500_000_000_000) {
        v.push("Timestamp must be epoch milliseconds (integer)".into());
    }
    let Some(directives) = aws.get("CloudWatchMetrics").and_then(Value::as_array) else {
        return vec!["CloudWatchMetrics must be an array".into()];
    };
    if directives.is_empty() {
        v.push("CloudWatchMetrics is empty".into());
    }
    for d in directives {
        let ns = d.get("Namespace").and_then(Value::as_str).unwrap_or("");
        if ns.is_empty() || ns.len() > 255 {
            v.push(format!("Namespace {ns:?} must be 1-255 characters"));
        }
        for set in d.get("Dimensions").and_then(Value::as_array).into_iter().flatten() {
            let Some(set) = set.as_array() else {
                v.push("a DimensionSet must be an array".into());
                continue;
            };
            if set.len() > 30 {
                v.push("a DimensionSet has more than 30 dimensions".into());
            }
            for dim in set {
                let name = dim.as_str().unwrap_or("");
                if !root.get(name).is_some_and(Value::is_string) {
                    v.push(format!("dimension {name:?} has no string member at the root"));
                }
            }
        }
        let metrics = d.get("Metrics").and_then(Value::as_array).cloned().unwrap_or_default();
        if metrics.is_empty() || metrics.len() > 100 {
            v.push("Metrics must hold 1-100 definitions".into());
        }
        for m in metrics {
            let name = m.get("Name").and_then(Value::as_str).unwrap_or("");
            if name.is_empty() || name.len() > 255 {
                v.push(format!("metric name {name:?} must be 1-255 characters"));
            }
            if let Some(unit) = m.get("Unit") {
                if !unit.as_str().is_some_and(|u| UNITS.contains(&u)) {
                    v.push(format!("unit {unit} of {name} is not a CloudWatch unit"));
                }
            }
            match root.get(name) {
                Some(x) if x.is_number() => {}
                Some(Value::Array(xs)) if xs.len() <= 100 && xs.iter().all(Value::is_number) => {}
                _ => v.push(format!("metric {name:?} has no numeric member at the root")),
            }
        }
    }
    v
}

fn sample_metrics() -> Vec<Metric> {
    vec![
        Metric::new("RecordsProcessed", Unit::Count, 40.0),
        Metric::new("RecordsFailed", Unit::Count, 3.0),
        Metric::new("SuccessRate", Unit::Percent, 92.5),
        Metric::new("ApiLatency", Unit::Milliseconds, 12.25),
        Metric::new("PeakMemoryMB", Unit::Megabytes, 41.0),
    ]
}

#[tokio::test]
async fn emf_lines_follow_the_specification() {
    let sink = Emf::new("Ingesta", "ingest-fn", Vec::new());
    sink.emit(&sample_metrics()).await;
    sink.emit(&[Metric::new("BatchSize", Unit::Count, 75.0)]).await;
    let text = String::from_utf8(sink.into_inner()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "one line per emit");
    for line in &lines {
        assert_eq!(emf_violations(line), Vec::<String>::new(), "{line}");
    }
    let doc: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(doc["RecordsProcessed"], 40.0);
    assert_eq!(doc["FunctionName"], "ingest-fn");
    assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Ingesta");
}

#[test]
fn the_validator_catches_broken_documents() {
    // The checker must be able to fail, or the test above proves nothing.
    let broken = [
        r#"{"RecordsProcessed": 1}"#,
        r#"{"_aws":{"Timestamp":"now","CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["F"]],"Metrics":[{"Name":"A","Unit":"Count"}]}]},"F":"f","A":1}"#,
        r#"{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["F"]],"Metrics":[{"Name":"A","Unit":"Count"}]}]},"A":1}"#,
        r#"{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["F"]],"Metrics":[{"Name":"A","Unit":"Things"}]}]},"F":"f","A":1}"#,
        r#"{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["F"]],"Metrics":[{"Name":"A"}]}]},"F":"f","A":"x"}"#,
    ];
    for doc in broken {
        assert!(!emf_violations(doc).is_empty(), "should be invalid: {doc}");
    }
}

#[tokio::test]
async fn put_metric_data_goes_through_the_real_sdk_in_batches_of_1000() {
    let (url, seen) = ingesta_testkit::capture::cloudwatch().await;
    let config = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_cloudwatch::config::Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(&url)
        .build();
    let sink = PutMetricData::new(aws_sdk_cloudwatch::Client::from_conf(config), "Ingesta", "ingest-fn");
    sink.emit(&sample_metrics()).await;
    let many: Vec<Metric> = (0..1500).map(|i| Metric::new("BatchSize", Unit::Count, i as f64)).collect();
    sink.emit(&many).await;
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "5 metrics in one call, 1500 in two");
    for (path, _) in seen.iter() {
        assert!(path.ends_with("/operation/PutMetricData"), "{path}");
    }
    let first = &seen[0].1;
    for name in ["Ingesta", "FunctionName", "ingest-fn", "RecordsProcessed", "SuccessRate", "PeakMemoryMB"] {
        assert!(ingesta_testkit::capture::contains(first, name), "{name} missing from the request body");
    }
}
