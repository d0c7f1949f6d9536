//! The tests' shared support, as `super::common::*` (it lives in `tests/support/`).

pub use crate::support::*;
