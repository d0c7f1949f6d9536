//! The files under `tests/fixtures/`: documented API answers and platform export files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository's own files (config examples, fixtures).
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A documented API answer from `tests/fixtures/api/` (e.g. `youtube/batch_get_stats.json`).
pub fn api(name: &str) -> String {
    std::fs::read_to_string(repo(&format!("tests/fixtures/api/{name}")))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A platform export file under `tests/fixtures/exports/`.
pub fn export(rel: &str) -> PathBuf {
    repo("tests/fixtures/exports").join(rel)
}

/// Copy `tests/fixtures/<root>/<rel>` to `<dir>/in/<rel>`, keeping its name (names carry
/// export dates); its new path.
pub fn copy_fixture(dir: &Path, root: &str, rel: &str) -> String {
    let from = repo("tests/fixtures").join(root).join(rel);
    let to = dir.join("in").join(rel);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{rel}: {e}"));
    to.to_string_lossy().into_owned()
}
