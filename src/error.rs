//! Errors every layer may raise and the exit codes they map to (DESIGN: 0 ok; 1 runtime
//! failure; 2 usage or config error). Kept apart from the CLI so that the daemon and the
//! CLI both use it without pointing at each other.

use std::process::ExitCode;

use crate::config::ConfigError;
use crate::exports::ImportError;

/// Exit code of a runtime failure (the store, the network, a platform): worth a restart.
pub const EXIT_RUNTIME: u8 = 1;
/// Exit code of a usage or config error (also clap's for a bad command line): a restart
/// cannot fix it, so the systemd unit lists it in `RestartPreventExitStatus=`.
pub const EXIT_USAGE: u8 = 2;

/// A mistake in how viewtally was called; exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Exit code for an error: 2 for usage, config and input-file errors, 1 for the rest.
pub fn exit_code(e: &anyhow::Error) -> ExitCode {
    let usage = e.chain().any(|c| {
        c.is::<UsageError>()
            || c.is::<ConfigError>()
            || matches!(
                c.downcast_ref::<ImportError>(),
                Some(
                    ImportError::BadRow { .. }
                        | ImportError::At { .. }
                        | ImportError::Format { .. }
                        | ImportError::Read { .. }
                )
            )
    });
    ExitCode::from(if usage { EXIT_USAGE } else { EXIT_RUNTIME })
}
