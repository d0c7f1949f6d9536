//! Test support shared by the integration tests (`tests/main.rs`), the daemon's unit tests
//! (`src/daemon/tests.rs`), the benches (`benches/scale.rs`) and the fuzz targets:
//!
//! - [`run`]: a temporary folder and the built binary run in it (cleared environment, fixed
//!   clock); integration tests only (it needs `CARGO_BIN_EXE_viewtally`).
//! - [`fixtures`]: the files under `tests/fixtures/`.
//! - [`upstream`]: fake platform APIs answering the documented JSON shapes (wiremock, with
//!   knobs for errors and latency; a lean one for long soaks) and a webhook receiver.
//! - [`config`]: a config builder (campaign, videos, platform `api_base`) → TOML text.
//! - [`parts`]: the fuzz targets' helpers for several files in one input.
//!
//! Outside `tests/main.rs` a file is included on its own with
//! `#[path = "…/tests/support/<file>.rs"] mod <file>;` (`upstream` wants `fixtures` beside it).

pub mod config;
pub mod fixtures;
pub mod parts;
pub mod run;
pub mod upstream;

pub use config::ConfigBuilder;
pub use run::*;
