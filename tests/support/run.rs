//! The built binary run in a temporary folder with a cleared environment and a fixed clock.

pub use super::fixtures::repo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary working folder and a way to run viewtally in it.
pub struct Env {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

pub const FIXED_NOW: &str = "2026-11-25T12:00:00Z";

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// viewtally in this folder with a cleared environment (PATH only), on the real clock.
    pub fn command(&self, args: &[&str]) -> Command {
        viewtally(self.dir.path(), args)
    }

    /// viewtally in this folder with a cleared environment (PATH only) and the fixed clock.
    pub fn command_fixed(&self, args: &[&str]) -> Command {
        viewtally_fixed(self.dir.path(), args)
    }

    /// Copy `tests/fixtures/<root>/<rel>` to `in/<rel>` here, keeping its name (names carry
    /// export dates); its path.
    pub fn fixture(&self, root: &str, rel: &str) -> String {
        super::fixtures::copy_fixture(self.dir.path(), root, rel)
    }

    /// Run viewtally with a cleared environment (PATH only) and a fixed clock.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command_fixed(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("run viewtally"))
    }
}

/// viewtally run in `dir` with a cleared environment (PATH only), on the real clock: the one
/// way the tests start the built binary.
pub fn viewtally(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_viewtally"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(args);
    cmd
}

/// [`viewtally`] on the fixed clock ([`FIXED_NOW`]).
pub fn viewtally_fixed(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = viewtally(dir, args);
    cmd.env("VIEWTALLY_NOW", FIXED_NOW);
    cmd
}

/// Where a platform's numbers stand in the per-platform arrays of `timeline.json`.
pub fn platform_column(timeline: &serde_json::Value, platform: &str) -> usize {
    timeline["platforms"]
        .as_array()
        .expect("platforms")
        .iter()
        .position(|p| p == platform)
        .unwrap_or_else(|| panic!("no {platform} in the timeline"))
}

/// A config with one campaign listing two videos.
pub const CONFIG: &str = r#"
[store]
url = "sqlite://data/test.db"

[[campaign]]
slug = "c1"
name = "Test campaign"
timezone = "Europe/Prague"
launched = "2020-07-24T09:00:00+02:00"
milestones = [100, 200]
language = "en"

[[campaign.video]]
platform = "youtube"
id = "yt1"
account = "Chan"

[[campaign.video]]
platform = "facebook"
id = "fb1"
"#;
