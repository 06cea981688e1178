//! The `auto` decision on real tables: the shipped sample and a generated two-million-row table,
//! read through the same counted pass a run uses.

use ingesta_cct::{choose, CctLookup, MemoryBudget, Mode};
use ingesta_client::{ClientConfig, StrapiClient};
use ingesta_records::LocalFile;
use std::path::Path;
use std::sync::Arc;

/// Resident memory of the `ingest` function when it decides, as its log line "CCT look-up
/// chosen" reports it (`in_use_mb`): 17.8 MiB measured for the release build under cargo lambda
/// (`LAMBDA_PROFILE=release make lambda-local`), 33.2 MiB for the debug build. 24 keeps a margin
/// over the release figure.
const LAMBDA_IN_USE_MB: u64 = 24;

fn client() -> Arc<StrapiClient> {
    // Never contacted: choosing makes no API call.
    Arc::new(StrapiClient::new(ClientConfig::new("http://127.0.0.1:9")).unwrap())
}

fn lambda(memory_mb: u64) -> MemoryBudget {
    MemoryBudget::lambda(memory_mb, LAMBDA_IN_USE_MB * 1024 * 1024, 0.7)
}

#[tokio::test]
async fn preloads_the_sample_table_at_1024_mb() {
    let table = LocalFile::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/ccts.csv"));
    let chosen = choose(Mode::Auto, Some(&table), &lambda(1024), client(), 100).await;
    assert_eq!(chosen.mode(), "preload", "{:?}", chosen.choice());
    assert_eq!(chosen.choice().table_rows, Some(60));
    assert_eq!(chosen.resolve("31DPR0039K").await.unwrap(), Some(40));
    assert_eq!(chosen.resolve("09XXX0000Z").await.unwrap(), None);
    assert_eq!(chosen.stats().api_calls, 0);
}

fn generated(rows: u64) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    ingesta_gen::write_ccts(rows, std::io::BufWriter::new(file.reopen().unwrap())).unwrap();
    file
}

// With 19 bytes per key a 2,000,000-key table is 36 MiB, which fits 70% of what a 128 MB function
// has left (44.8 MiB), so it is preloaded; 3,000,000 keys (54 MiB) are not. See docs/decisions.md.
#[tokio::test]
async fn at_128_mb_two_million_keys_are_preloaded_and_three_million_looked_up_on_demand() {
    let three = generated(3_000_000);
    let chosen = choose(Mode::Auto, Some(&LocalFile::new(three.path())), &lambda(128), client(), 100).await;
    let c = chosen.choice();
    assert_eq!(chosen.mode(), "ondemand", "{c:?}");
    assert_eq!(c.table_rows, Some(3_000_000));
    assert!(c.estimate_mb.unwrap() > c.budget_mb.unwrap() && c.reason.contains("exceeds"), "{c:?}");
    drop(three);

    let two = generated(2_000_000);
    let chosen = choose(Mode::Auto, Some(&LocalFile::new(two.path())), &lambda(128), client(), 100).await;
    let c = chosen.choice();
    assert_eq!(chosen.mode(), "preload", "{c:?}");
    assert!(c.estimate_mb.unwrap() > 36.0 && c.estimate_mb.unwrap() < 37.0, "{c:?}");
    assert_eq!(chosen.resolve(&ingesta_gen::cct_key(1_999_999)).await.unwrap(), Some(2_000_000));
}

#[tokio::test]
async fn forced_modes_override_the_estimate() {
    let table = LocalFile::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/ccts.csv"));
    let tiny = MemoryBudget::lambda(64, 64 * 1024 * 1024, 0.7);
    assert_eq!(choose(Mode::Preload, Some(&table), &tiny, client(), 100).await.mode(), "preload");
    let on_demand = choose(Mode::OnDemand, Some(&table), &lambda(1024), client(), 100).await;
    assert_eq!((on_demand.mode(), on_demand.choice().table_rows), ("ondemand", None), "table not even read");
}

#[tokio::test]
async fn an_unusable_table_means_on_demand_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("missing.csv", None, "does not exist"),
        ("no-clave.csv", Some("id,nombre\n1,Escuela\n"), "needs columns id and clave"),
        ("no-rows.csv", Some("id,clave\nx,31DPR0000A\n,31DPR0001B\n"), "no usable rows"),
        ("empty.csv", Some(""), "needs columns id and clave"),
    ];
    for (name, content, why) in cases {
        let path = dir.path().join(name);
        if let Some(text) = content {
            std::fs::write(&path, text).unwrap();
        }
        for mode in [Mode::Auto, Mode::Preload] {
            let chosen = choose(mode, Some(&LocalFile::new(&path)), &lambda(1024), client(), 100).await;
            let warning = chosen.choice().warning.clone().unwrap_or_default();
            assert_eq!(chosen.mode(), "ondemand", "{name}");
            assert!(warning.contains(why) && warning.contains("on demand"), "{name}: {warning}");
        }
    }
}
