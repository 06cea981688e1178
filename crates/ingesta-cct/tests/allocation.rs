//! The estimator against real allocation: a counting global allocator records the heap a table
//! load takes (its peak, transient reader buffers included) for generated CCT tables.

use ingesta_records::LocalFile;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), SeqCst) + layout.size();
        PEAK.fetch_max(now, SeqCst);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), SeqCst);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Count the moment both blocks exist, as a copying realloc does.
        let now = CURRENT.fetch_add(new_size, SeqCst) + new_size;
        PEAK.fetch_max(now, SeqCst);
        let p = System.realloc(ptr, layout, new_size);
        CURRENT.fetch_sub(layout.size(), SeqCst);
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn generated_table(rows: u64) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    ingesta_gen::write_ccts(rows, std::io::BufWriter::new(file.reopen().unwrap())).unwrap();
    file
}

/// (estimate, measured peak, retained) in bytes for a table of `rows` generated keys.
fn measure_load(rows: u64) -> (u64, u64, u64) {
    let file = generated_table(rows);
    let source = LocalFile::new(file.path());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let shape = runtime.block_on(ingesta_cct::measure(&source)).unwrap();
    assert_eq!(shape.rows, rows, "every generated row is usable");

    let before = CURRENT.load(SeqCst);
    PEAK.store(before, SeqCst);
    let (table, _) = runtime.block_on(ingesta_cct::load(&source, shape)).unwrap();
    let peak = PEAK.load(SeqCst) - before;
    let retained = CURRENT.load(SeqCst) - before;
    assert_eq!(table.len() as u64, rows);
    assert_eq!(table.get(&ingesta_gen::cct_key(rows - 1)), Some(rows as u32), "last generated key has id {rows}");
    (shape.estimated_bytes(), peak as u64, retained as u64)
}

fn check(rows: u64) {
    let (estimate, peak, retained) = measure_load(rows);
    let per_entry = peak as f64 / rows as f64;
    eprintln!(
        "{rows} keys: estimate {estimate} B, measured peak {peak} B ({per_entry:.1} B/entry), retained {retained} B"
    );
    let error = (estimate as f64 - peak as f64).abs() / peak as f64;
    assert!(error <= 0.25, "estimate {estimate} B is {:.0}% off the measured {peak} B", error * 100.0);
    assert!(retained <= peak && retained as f64 >= 0.75 * estimate as f64, "retained {retained} B");
}

// One test: the allocator's counters are process-wide, so two loads must not overlap.
#[test]
fn estimate_is_within_a_quarter_of_measured_allocation() {
    check(100_000);
    check(1_000_000);
}
