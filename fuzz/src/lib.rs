//! What every fuzz target shares: the bytes written to a file with a telling name, read by one
//! importer (as `--format` forces it) with and without `--skip-bad-rows`, and the answer
//! checked. A panic, an abort (allocation failure), a timeout or an out-of-memory is a finding;
//! an `Err` with a message is the right answer to bad bytes.

use std::io::{Cursor, Read};
use std::path::PathBuf;

use viewtally::exports::{
    self, BadRow, ExportFile, Importer, ParseError, ReadOptions, Row, RowSink,
};

/// Keeps what an importer reads, checking each row as it comes.
#[derive(Default)]
struct CheckedSink {
    rows: usize,
    bad: Vec<BadRow>,
}

impl RowSink for CheckedSink {
    fn row(&mut self, row: Row) {
        assert!(row.value >= 0, "negative value read: {row:?}");
        assert!(!row.video.is_empty(), "empty video id read: {row:?}");
        assert!(row.line >= 1, "row without a line: {row:?}");
        self.rows += 1;
    }
    fn bad(&mut self, bad: BadRow) {
        assert!(!bad.message.is_empty(), "bad row without a message");
        self.bad.push(bad);
    }
    fn note(&mut self, _note: String) {}
    fn describe(&mut self, _detail: String) {}
}

thread_local! {
    static DIR: tempfile::TempDir = tempfile::Builder::new()
        .prefix("viewtally-fuzz")
        .tempdir_in(if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" })
        .expect("a temporary folder for the fuzz input");
}

/// Write `bytes` to a file called `name` in this process's temporary folder.
pub fn write_input(name: &str, bytes: &[u8]) -> PathBuf {
    DIR.with(|d| {
        let path = d.path().join(name);
        std::fs::write(&path, bytes).expect("write the fuzz input");
        path
    })
}

/// The importer `--format NAME` picks.
pub fn importer(name: &str) -> &'static dyn Importer {
    exports::importers()
        .into_iter()
        .find(|i| i.name() == name)
        .expect("a known format")
}

/// Read `bytes` (saved as `file_name`) with the format `format`, as `--format` would, with and
/// without `--skip-bad-rows`; detection runs too.
pub fn read_as(format: &str, file_name: &str, bytes: &[u8]) {
    let path = write_input(file_name, bytes);
    let file = match ExportFile::open(&path) {
        Ok(f) => f,
        Err(e) => panic!("a file that exists could not be opened: {e}"),
    };
    let _ = exports::detect(&file);
    let importer = importer(format);
    for skip_bad_rows in [false, true] {
        let options = ReadOptions {
            as_of: None,
            skip_bad_rows,
        };
        let mut sink = CheckedSink::default();
        match importer.read(&file, &options, &mut sink) {
            Ok(()) => {
                if !skip_bad_rows {
                    assert!(
                        sink.bad.is_empty(),
                        "bad rows skipped without --skip-bad-rows"
                    );
                }
            }
            Err(ParseError::Format(m)) => assert!(!m.is_empty(), "empty message"),
            Err(ParseError::Row(b)) | Err(ParseError::At(b)) => {
                assert!(!b.message.is_empty(), "empty message")
            }
        }
    }
}

// `parts` and `zip_of`, shared with the robustness tests that replay the regressions.
#[path = "../../tests/support/parts.rs"]
mod shared_parts;
pub use shared_parts::{parts, zip_of};

/// The entries of a ZIP, in order.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP template");
    (0..z.len())
        .map(|i| {
            let mut e = z.by_index(i).expect("entry");
            let mut content = Vec::new();
            e.read_to_end(&mut content).expect("entry bytes");
            (e.name().to_string(), content)
        })
        .collect()
}
