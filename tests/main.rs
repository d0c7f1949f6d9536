//! End-to-end tests of the `viewtally` binary: one test binary, modules per area.
//! Every test runs the built binary in a temporary folder with a cleared environment.

mod it;
mod support;
