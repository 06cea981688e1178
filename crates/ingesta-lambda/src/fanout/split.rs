//! `split`: one pass over the file, each record copied byte for byte to its participant's shard.

use super::*;

/// The bytes read from a source, kept until the reader has framed the record they belong to, so
/// each record is copied to its shard exactly as it is in the file.
#[derive(Default)]
struct Tap {
    /// Offset in the object of `bytes[0]`.
    base: u64,
    bytes: Vec<u8>,
}

impl Tap {
    /// The object's bytes `start..end`, dropping what comes before `end` once that is most of the
    /// buffer (bounded: the reader's read-ahead plus one record).
    fn take(&mut self, start: u64, end: u64) -> Result<Vec<u8>, String> {
        let held = self.base + self.bytes.len() as u64;
        if start < self.base || end > held || end < start {
            return Err(format!("split: bytes {start}..{end} are not held ({}..{held})", self.base));
        }
        let (s, e) = ((start - self.base) as usize, (end - self.base) as usize);
        let out = self.bytes[s..e].to_vec();
        if e >= 64 * 1024 || 2 * e >= self.bytes.len() {
            self.bytes.drain(..e);
            self.base = end;
        }
        Ok(out)
    }
}

/// A source whose stream also fills a [`Tap`].
struct Tapped<'a> {
    inner: &'a dyn ByteSource,
    tap: Arc<Mutex<Tap>>,
}

#[async_trait]
impl ByteSource for Tapped<'_> {
    fn name(&self) -> String {
        self.inner.name()
    }

    async fn open(&self, start: StartAt) -> Result<ByteStream, SourceError> {
        let stream = self.inner.open(start).await?;
        let base = match start {
            StartAt::Beginning => 0,
            StartAt::Offset(o) => o,
        };
        *self.tap.lock().expect("tap lock") = Tap { base, bytes: Vec::new() };
        Ok(Box::new(TapStream { inner: stream, tap: self.tap.clone() }))
    }
}

struct TapStream {
    inner: ByteStream,
    tap: Arc<Mutex<Tap>>,
}

impl AsyncRead for TapStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &polled {
            this.tap.lock().expect("tap lock").bytes.extend_from_slice(&buf.filled()[before..]);
        }
        polled
    }
}

/// One shard being written on local disk.
struct ShardOut {
    csv_path: PathBuf,
    rows_path: PathBuf,
    csv: BufWriter<File>,
    rows: BufWriter<File>,
    count: u64,
}

impl ShardOut {
    fn create(dir: &Path, i: u32) -> std::io::Result<Self> {
        let (csv_path, rows_path) = (dir.join(format!("shard-{i}.csv")), dir.join(format!("shard-{i}.rows")));
        let csv = BufWriter::new(File::create(&csv_path)?);
        let rows = BufWriter::new(File::create(&rows_path)?);
        Ok(Self { csv_path, rows_path, csv, rows, count: 0 })
    }

    /// A record's bytes, ending in a line break even when the file's last record did not (the
    /// shard goes on after it).
    fn write_record(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.csv.write_all(bytes)?;
        if !bytes.ends_with(b"\n") && !bytes.ends_with(b"\r") {
            self.csv.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// Splits the object into `shards` shard objects by participant; see the module's doc.
pub(super) async fn split(
    app: &App,
    input: &S3Location,
    shards: u32,
    run: Option<String>,
    scratch: &Path,
) -> Result<Value, String> {
    if shards == 0 || shards > MAX_SHARDS {
        return Err(format!("split: shards must be 1..={MAX_SHARDS}, not {shards}"));
    }
    let source = S3Object::new(app.s3.clone(), input.clone());
    let etag = source.head_etag().await.map_err(|e| e.to_string())?;
    // Every read of this split is pinned to the version whose ETag names it.
    source.expect_etag(etag.clone()).await;
    let run = match run {
        Some(r) => checked_run(&r)?,
        None => {
            let tag: String =
                etag.as_deref().unwrap_or("").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            checked_run(&tag).map_err(|_| format!("split: {input} has no usable ETag; give a \"run\""))?
        }
    };
    let dir = scratch.join("shards");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let io = |e: std::io::Error| format!("split: cannot write a shard in {}: {e}", dir.display());
    let mut outs = (0..shards).map(|i| ShardOut::create(&dir, i)).collect::<Result<Vec<_>, _>>().map_err(io)?;

    let tap = Arc::new(Mutex::new(Tap::default()));
    let tapped = Tapped { inner: &source, tap: tap.clone() };
    let mut reader = RecordReader::open(&tapped, None).await.map_err(|e| e.to_string())?;
    let mut rows = 0u64;
    if !reader.headers().is_empty() {
        let schema = Schema::from_headers(reader.headers()).map_err(|e| e.to_string())?;
        let mut start = reader.resume_point().byte_offset;
        let header = tap.lock().expect("tap lock").take(0, start)?;
        for out in &mut outs {
            out.write_record(&header).map_err(io)?;
        }
        while let Some(next) = reader.next_row().await.map_err(|e| e.to_string())? {
            let (row_number, fields) = match &next {
                Ok(raw) => (raw.row_number, &raw.fields),
                Err(e) => (e.row_number, &e.lossy_fields),
            };
            // Rows without an ID fail in any shard; shard 0 reports them.
            let i = schema.cell(fields, "id").and_then(text).map_or(0, |id| shard_of(id, shards)) as usize;
            let end = reader.resume_point().byte_offset;
            let bytes = tap.lock().expect("tap lock").take(start, end)?;
            start = end;
            let out = &mut outs[i];
            out.write_record(&bytes).map_err(io)?;
            writeln!(out.rows, "{row_number}").map_err(io)?;
            out.count += 1;
            rows += 1;
        }
    }
    let mut listed = Vec::with_capacity(outs.len());
    for (i, mut out) in outs.into_iter().enumerate() {
        out.csv.flush().map_err(io)?;
        out.rows.flush().map_err(io)?;
        let i = i as u32;
        let csv_at = input.with_key(shard_key(&input.key, &run, i));
        app.outputs.put_file(&input.with_key(rows_key(&input.key, &run, i)), &out.rows_path, "text/plain").await?;
        app.outputs.put_file(&csv_at, &out.csv_path, "text/csv").await?;
        listed.push(json!({ "bucket": csv_at.bucket, "key": csv_at.key, "rows": out.count }));
    }
    tracing::info!(input = %input, rows, shards, run = %run, "file split");
    Ok(json!({
        "bucket": input.bucket, "key": input.key, "run": run, "rows": rows,
        "shard_count": shards, "shards": listed,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tap_gives_back_exact_ranges_and_stays_bounded() {
        let mut tap = Tap { base: 0, bytes: b"h\nab\ncd\n".to_vec() };
        assert_eq!(tap.take(0, 2).unwrap(), b"h\n");
        assert_eq!(tap.take(2, 5).unwrap(), b"ab\n");
        assert_eq!(tap.take(5, 8).unwrap(), b"cd\n");
        assert!(tap.bytes.len() < 8, "consumed bytes are dropped");
        assert!(tap.take(0, 1).is_err());
    }
}
