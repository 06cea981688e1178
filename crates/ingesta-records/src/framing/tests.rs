use super::assemble::TooLong;
use super::*;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};

/// Hands out `step` bytes per read, so records straddle every possible chunk boundary.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    step: usize,
}

impl AsyncRead for Trickle {
    fn poll_read(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let pos = self.pos;
        let n = self.step.min(self.data.len() - pos).min(buf.remaining());
        buf.put_slice(&self.data[pos..pos + n]);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}

#[derive(Debug, PartialEq)]
struct Rec {
    start: u64,
    fields: Vec<Vec<u8>>,
    field_count: usize,
    too_long: Option<TooLong>,
    stray: Option<StrayQuote>,
    /// Position after the record: where a resume would start.
    end: u64,
}

const UNLIMITED: Limits = Limits { field_bytes: 1 << 30, quoted_lines: 1 << 30 };
const KEEP_ALL: Keep = Keep { fields: usize::MAX, bytes: usize::MAX };

async fn frame(data: &[u8], step: usize, limits: Limits, expected: Option<usize>) -> Vec<Rec> {
    let stream = Box::new(Trickle { data: data.to_vec(), pos: 0, step });
    let mut framer = Framer::new(stream, 0, limits, KEEP_ALL);
    if let Some(n) = expected {
        framer.expect_fields(n);
    }
    let mut out = Vec::new();
    while let Some(r) = framer.next().await.unwrap() {
        let (start, fields, field_count) = (r.start, r.fields().map(<[u8]>::to_vec).collect(), r.field_count);
        let (too_long, stray) = (r.too_long, r.stray_quote);
        out.push(Rec { start, fields, field_count, too_long, stray, end: framer.position() });
    }
    out
}

/// What csv-async, configured as the reader used to configure it, makes of `data`.
async fn reference(data: &[u8]) -> Vec<Rec> {
    let mut b = csv_async::AsyncReaderBuilder::new();
    b.flexible(true).has_headers(false);
    let mut rdr = b.create_reader(data);
    let mut record = csv_async::ByteRecord::new();
    let mut out = Vec::new();
    loop {
        let start = rdr.position().byte();
        if !rdr.read_byte_record(&mut record).await.unwrap() {
            return out;
        }
        let fields: Vec<Vec<u8>> = record.iter().map(<[u8]>::to_vec).collect();
        let field_count = fields.len();
        out.push(Rec { start, fields, field_count, too_long: None, stray: None, end: rdr.position().byte() });
    }
}

/// A small deterministic generator of CSV-ish bytes, dense in the bytes that matter to framing.
fn random_inputs(count: usize) -> Vec<Vec<u8>> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"ab,,\"\"\r\n\n\xc3";
    (0..count)
        .map(|_| {
            let len = (next() % 80) as usize;
            (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect()
        })
        .collect()
}

#[tokio::test]
async fn frames_like_csv_async_whatever_the_chunking() {
    let mut inputs: Vec<Vec<u8>> = [
        &b""[..],
        b"\n",
        b"\r\n\r\n",
        b"a",
        b"a,",
        b",",
        b"a,b\r\nc,d\r\n",
        b"a,b\rc,d\r",
        b"\"a\"\"b\",c\n",
        b"\"a\"b,c\n",
        b"a\"b\"\",c\n",
        b"\"multi\nline\r\nfield\",x\ny,z",
        b"\"unclosed,at\nthe end",
        b"\xef\xbb\xbfid,n\n1,2\n",
        b"a,b\n\n\nc,d\n",
        b"\"\"\n\"\"\"\"\n",
    ]
    .iter()
    .map(|s| s.to_vec())
    .collect();
    inputs.extend(random_inputs(1000));
    for data in &inputs {
        let want = reference(data).await;
        for step in [1, 2, 7, usize::MAX] {
            assert_eq!(frame(data, step, UNLIMITED, None).await, want, "{data:?} in steps of {step}");
        }
    }
}

#[tokio::test]
async fn limits_hold_the_same_whatever_the_chunking() {
    let limits = Limits { field_bytes: 6, quoted_lines: 3 };
    for data in random_inputs(400) {
        let whole = frame(&data, usize::MAX, limits, Some(2)).await;
        for step in [1, 3, 5] {
            assert_eq!(frame(&data, step, limits, Some(2)).await, whole, "{data:?} in steps of {step}");
        }
        // Every record moves forward, and the next one starts where the last one left off.
        let mut at = 0;
        for r in &whole {
            assert_eq!(r.start, at, "{data:?}");
            assert!(r.end > r.start, "{data:?}");
            at = r.end;
        }
    }
}

#[tokio::test]
async fn an_overlong_field_is_counted_and_dropped() {
    let limits = Limits { field_bytes: 8, quoted_lines: 10 };
    let data = b"ab,cdefghijklmnopqrstuvwxyz,c\r\nx,y,z\n";
    let recs = frame(data, 4, limits, Some(3)).await;
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].fields, [&b"ab"[..], b"", b"c"]);
    assert_eq!(recs[0].too_long, Some(TooLong { field: 1, bytes: 24 }));
    assert_eq!((recs[1].start, recs[1].fields.len(), recs[1].too_long), (30, 3, None));
}

#[tokio::test]
async fn a_runaway_quote_is_read_again_from_the_next_line() {
    let limits = Limits { field_bytes: 8, quoted_lines: 10 };
    // The quote in line 1 would swallow lines 2 and 3.
    let data = b"a,\"b,c\nd,e,f\ng,h,i\n";
    let recs = frame(data, 3, limits, Some(3)).await;
    let stray = StrayQuote { field: 1, cause: StrayCause::Runaway(Runaway::Bytes), resumed_at: 7 };
    assert_eq!(recs[0].stray, Some(stray));
    assert_eq!(recs[0].end, 7);
    let rest: Vec<_> = recs[1..].iter().map(|r| (r.start, r.fields.concat())).collect();
    assert_eq!(rest, [(7, b"def".to_vec()), (13, b"ghi".to_vec())]);
}

#[tokio::test]
async fn a_quote_over_the_line_limit_is_a_runaway() {
    let limits = Limits { field_bytes: 1000, quoted_lines: 3 };
    let data = b"\"1\n2\n3\n4\n5\",x\n";
    let recs = frame(data, usize::MAX, limits, Some(2)).await;
    let stray = StrayQuote { field: 0, cause: StrayCause::Runaway(Runaway::Lines), resumed_at: 3 };
    assert_eq!(recs[0].stray, Some(stray));
    // Read again from line 2: a record per line, the closing quote now text inside `5"`.
    assert_eq!(recs.iter().map(|r| r.start).collect::<Vec<_>>(), [0, 3, 5, 7, 9]);
}

#[tokio::test]
async fn a_single_line_runaway_skips_to_the_next_line() {
    let limits = Limits { field_bytes: 8, quoted_lines: 10 };
    let data = b"a,\"0123456789012345678\",b\nc,d,e\n";
    let recs = frame(data, 5, limits, Some(3)).await;
    let stray = StrayQuote { field: 1, cause: StrayCause::Runaway(Runaway::Bytes), resumed_at: 26 };
    assert_eq!((recs[0].stray, &recs[0].fields), (Some(stray), &vec![b"a".to_vec()]));
    assert_eq!((recs[1].start, recs[1].fields.concat()), (26, b"cde".to_vec()));
}

#[tokio::test]
async fn a_multiline_record_of_the_wrong_shape_is_read_again() {
    // The stray quote in line 1 closes at the legitimate one in line 2.
    let data = b"a,\"b,c\nd,\"e,f\",g\nh,i,j\n";
    let recs = frame(data, 2, UNLIMITED, Some(3)).await;
    assert_eq!(recs[0].stray, Some(StrayQuote { field: 1, cause: StrayCause::Ragged, resumed_at: 7 }));
    let rest: Vec<_> = recs[1..].iter().map(|r| (r.start, r.fields.clone(), r.stray)).collect();
    assert_eq!(
        rest,
        [
            (7, vec![b"d".to_vec(), b"e,f".to_vec(), b"g".to_vec()], None),
            (17, vec![b"h".to_vec(), b"i".to_vec(), b"j".to_vec()], None)
        ]
    );
    // The same shape with the right field count is a legitimate multi-line field.
    let recs = frame(b"a,\"b\nc\",d\n", 2, UNLIMITED, Some(3)).await;
    assert_eq!((recs.len(), recs[0].stray), (1, None));
}

#[tokio::test]
async fn the_held_bytes_stay_bounded() {
    let limits = Limits { field_bytes: 1024, quoted_lines: 1000 };
    let mut data = b"a,".to_vec();
    data.extend(std::iter::repeat_n(b'x', 3 << 20));
    data.extend_from_slice(b",b\nc,\"");
    data.extend(std::iter::repeat_n(b"yy\n".as_slice(), 1 << 20).flatten());
    let stream = Box::new(Trickle { data, pos: 0, step: 64 * 1024 });
    let mut framer = Framer::new(stream, 0, limits, KEEP_ALL);
    framer.expect_fields(3);
    while framer.next().await.unwrap().is_some() {}
    assert!(framer.peak_held() <= 3 * 1024, "held {} bytes", framer.peak_held());
}

#[tokio::test]
async fn a_record_too_long_to_replay_resyncs_forward() {
    let limits = Limits { field_bytes: 8, quoted_lines: 10 };
    // A legitimate multi-line field, then more bytes than the replay keeps, then a runaway quote.
    let data = b"\"a\nb\",c,c,c,c,c,c,c,c,c,c,c,\"0123456789\nx,y\nx,y,z\n";
    let recs = frame(data, 4, limits, Some(3)).await;
    let resumed_at = (data.len() - b"x,y\nx,y,z\n".len()) as u64;
    let stray = StrayQuote { field: 12, cause: StrayCause::Runaway(Runaway::Bytes), resumed_at };
    assert_eq!(
        recs.iter().map(|r| (r.start, r.stray)).collect::<Vec<_>>(),
        [(0, Some(stray)), (resumed_at, None), (resumed_at + 4, None)]
    );
    // Ragged, multi-line and too long to replay: an ordinary field-count error.
    let data = b"\"a\nb\",c,c,c,c,c,c,c,c,c,c,c\nx,y,z\n";
    let recs = frame(data, 4, limits, Some(3)).await;
    assert_eq!(recs.iter().map(|r| (r.field_count, r.stray)).collect::<Vec<_>>(), [(12, None), (3, None)]);
}

#[test]
fn field_ends_are_found_wherever_they_sit_in_a_word() {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let alphabet = b"a,\r\n\x80\xff\x01\x2b\x2d\x0b\x0c\x0e";
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 40) as usize;
        let bytes: Vec<u8> = (0..len).map(|i| alphabet[((state >> (i % 60)) as usize + i) % alphabet.len()]).collect();
        let want = bytes.iter().position(|&c| c == b',' || c == b'\r' || c == b'\n');
        assert_eq!(super::assemble::field_end(&bytes), want, "{bytes:?}");
    }
}
