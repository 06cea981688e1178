//! Feedback while a run goes: a progress bar on a terminal; elsewhere the pipeline's one log line
//! per batch is the feedback, so this stays silent.

use async_trait::async_trait;
use indicatif::{ProgressBar, ProgressStyle};
use ingesta_pipeline::{BatchProgress, Progress};
use std::io::IsTerminal;

pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// A byte-based bar when stderr is a terminal and the input size is known.
    pub fn new(total_bytes: Option<u64>) -> Self {
        let bar = total_bytes.filter(|_| std::io::stderr().is_terminal()).map(|total| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {percent:>3}% {msg} [{elapsed_precise}, eta {eta}]")
                    .expect("valid template"),
            );
            bar
        });
        Self(bar)
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[async_trait]
impl Progress for Bar {
    async fn on_batch(&self, p: &BatchProgress) {
        if let Some(bar) = &self.0 {
            bar.set_position(p.bytes_read);
            bar.set_message(format!(
                "{} rows, {} failed, {:.0} rows/s, batch {}",
                p.rows_read, p.rows_failed, p.rows_per_sec, p.batch_size
            ));
        }
    }
}

/// Two receivers of the same batches (the bar and the metrics).
pub struct Both<'a>(pub &'a dyn Progress, pub &'a dyn Progress);

#[async_trait]
impl Progress for Both<'_> {
    async fn on_batch(&self, p: &BatchProgress) {
        self.0.on_batch(p).await;
        self.1.on_batch(p).await;
    }
}
