//! A small gzip body that inflates to a huge answers list is refused while
//! it is parsed, with memory a small multiple of the compressed limit (the
//! allocator below counts the peak). One test in this binary: the count is
//! process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use trato_central::ingest::{decode_batch, DecodeError};
use trato_domain::wire::MAX_BATCH_COMPRESSED_BYTES;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Ordering::SeqCst) + l.size();
        PEAK.fetch_max(now, Ordering::SeqCst);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::SeqCst);
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn gzip(json: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(json).unwrap();
    e.finish().unwrap()
}

fn batch_with_answers(answers: usize, codes: usize) -> Vec<u8> {
    let code_list = vec!["\"5\""; codes].join(",");
    let one = format!("{{\"question\":\"q\",\"codes\":[{code_list}]}}");
    let list = vec![one.as_str(); answers].join(",");
    format!(
        r#"{{"kiosk_id":"k","unit_clues":"DFIMS000020","sent_at":"2026-03-02T16:58:44Z",
        "responses":[{{"seq":1,"id":"01900000-0000-7000-8000-000000000001",
        "survey_id":"trato-digno","survey_version":1,"unit_clues":"DFIMS000020",
        "unit_name":"HGZ 1","service_area":"urgencias","kiosk_id":"k","language":"es",
        "started_at":"2026-03-02T16:58:01Z","finished_at":"2026-03-02T16:58:44Z",
        "utc_offset_minutes":-360,"status":"complete","answers":[{list}]}}]}}"#
    )
    .into_bytes()
}

/// Peak bytes allocated above the level at the start, while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let out = f();
    (out, PEAK.load(Ordering::SeqCst).saturating_sub(base))
}

#[test]
fn huge_lists_are_refused_while_parsing_in_bounded_memory() {
    let budget = 4 * MAX_BATCH_COMPRESSED_BYTES;
    // 200,000 empty answers: about 5 MB of JSON, a few KB of gzip.
    let many_answers = gzip(&batch_with_answers(200_000, 0));
    assert!(many_answers.len() < 100_000, "{}", many_answers.len());
    // One answer with a million codes.
    let many_codes = gzip(&batch_with_answers(1, 1_000_000));
    for (what, body) in [("answers", many_answers), ("codes", many_codes)] {
        let (res, peak) = peak_during(|| decode_batch(&body));
        let err = res.expect_err(what);
        assert!(matches!(err, DecodeError::ListTooLong(_)), "{what}: {err}");
        assert!(err.to_string().contains("more than 100"), "{what}: {err}");
        assert!(peak < budget, "{what}: {peak} bytes at the peak");
    }
    // A body inflating past the cap is cut off as it inflates.
    let filler = vec![b' '; 17 * 1024 * 1024];
    let bomb = gzip(&filler);
    let (res, peak) = peak_during(|| decode_batch(&bomb));
    assert!(
        matches!(res, Err(DecodeError::DecompressedTooLarge)),
        "{res:?}"
    );
    assert!(peak < budget, "bomb: {peak} bytes at the peak");
}
