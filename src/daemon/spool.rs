//! The collect job's spool: readings fetched from the APIs in a run whose store write failed
//! (the store went down mid-run) wait here, in a small local file, until a later run writes
//! them. The store write is idempotent (a reading is keyed by its series and time), so a
//! reading written twice (a crash between the store commit and the spool removal) is harmless.
//!
//! # Where
//! One file per campaign, `spool/collect-<slug>.json`, in the folder of the SQLite store file;
//! for PostgreSQL in `$STATE_DIRECTORY` (set by systemd's `StateDirectory=`), else in the
//! config file's folder.
//!
//! # How
//! A JSON array of the readings, replaced atomically (a temp file, fsync, rename), so that a
//! crash or restart leaves the old spool or the new one, never half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::config::Config;
use crate::model::Observation;
use crate::store::Store;

/// A campaign's spool file.
#[derive(Debug, Clone)]
pub struct Spool {
    path: PathBuf,
}

impl Spool {
    /// The spool of campaign `slug` under `config` (see the module doc for where).
    pub fn for_campaign(config: &Config, slug: &str) -> Spool {
        let safe: String = slug
            .chars()
            .map(
                |c| match c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    true => c,
                    false => '_',
                },
            )
            .collect();
        Spool {
            path: spool_dir(config).join(format!("collect-{safe}.json")),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The readings waiting in the spool (none when there is no spool file).
    pub fn load(&self) -> Result<Vec<Observation>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot read the spool {}", self.path.display()))
            }
        };
        serde_json::from_str(&text).with_context(|| {
            format!(
                "the spool {} is damaged; move it away to go on (its readings are then lost)",
                self.path.display()
            )
        })
    }

    /// How many readings wait (0 when the spool cannot be read).
    pub fn pending(&self) -> usize {
        self.load().map(|o| o.len()).unwrap_or(0)
    }

    /// Add `readings` to the spool; returns how many wait now.
    pub fn add(&self, readings: &[Observation]) -> Result<usize> {
        let mut all = self.load()?;
        all.extend_from_slice(readings);
        self.replace(&all)?;
        Ok(all.len())
    }

    /// Write the waiting readings to `store`, then remove the spool: how many were written
    /// (0 when none waited). On a store error the spool stays as it was.
    pub fn flush(&self, store: &mut dyn Store) -> Result<usize> {
        let readings = self.load()?;
        if readings.is_empty() {
            return Ok(0);
        }
        store.write(&readings, &[]).with_context(|| {
            format!(
                "cannot write the {} waiting in {}",
                crate::model::counted(readings.len(), "reading", "readings"),
                self.path.display()
            )
        })?;
        match std::fs::remove_file(&self.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            // Written but not removed: written again next time, which changes nothing.
            Err(e) => tracing::warn!(spool = %self.path.display(), "cannot remove the spool: {e}"),
        }
        Ok(readings.len())
    }

    /// Replace the spool file with `readings`, atomically.
    fn replace(&self, readings: &[Observation]) -> Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the spool folder {}", dir.display()))?;
        let tmp = self
            .path
            .with_extension(format!("json.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&serde_json::to_vec(readings).map_err(std::io::Error::other)?)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)?;
            // The rename itself survives a power cut once the folder is synced.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            anyhow::anyhow!("cannot write the spool {}: {e}", self.path.display())
        })
    }
}

/// The spool folder: `spool/` next to a SQLite store file, else in `$STATE_DIRECTORY`, else
/// next to the config file.
pub fn spool_dir(config: &Config) -> PathBuf {
    let url = &config.store.url;
    if let Some(db) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .filter(|db| *db != ":memory:")
    {
        let parent = Path::new(db).parent().unwrap_or(Path::new(""));
        return parent.join("spool");
    }
    if let Some(state) = std::env::var_os("STATE_DIRECTORY").filter(|s| !s.is_empty()) {
        // systemd may list several folders, separated by colons: the first is ours.
        let first = state
            .to_string_lossy()
            .split(':')
            .next()
            .unwrap_or("")
            .to_string();
        return PathBuf::from(first).join("spool");
    }
    Path::new(&config.origin)
        .parent()
        .unwrap_or(Path::new(""))
        .join("spool")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(value: i64) -> Observation {
        let at = chrono::DateTime::parse_from_rfc3339("2026-07-01T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc)
            + chrono::Duration::minutes(value);
        Observation {
            campaign: "c1".into(),
            platform: crate::model::Platform::Youtube,
            video: "vid1".into(),
            account: None,
            metric: crate::model::Metric::Views,
            kind: crate::model::Kind::Total,
            at,
            value,
            source: crate::model::Source::api(),
            collected_at: at,
        }
    }

    #[test]
    fn readings_survive_in_the_spool_until_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("data/v.db");
        let text = format!(
            "[store]\nurl = \"sqlite://{}\"\n\n[[campaign]]\nslug = \"c1\"\nname = \"C\"\ntimezone = \"UTC\"\n",
            db.display()
        );
        let config = Config::parse(&text, "test.toml").unwrap();
        let spool = Spool::for_campaign(&config, "c/1");
        assert_eq!(spool.path(), dir.path().join("data/spool/collect-c_1.json"));
        assert_eq!(spool.pending(), 0);
        assert_eq!(spool.add(&[reading(1), reading(2)]).unwrap(), 2);
        assert_eq!(spool.add(&[reading(3)]).unwrap(), 3);
        // A new handle (a restarted daemon) sees the same readings.
        let again = Spool::for_campaign(&config, "c/1");
        assert_eq!(
            again.load().unwrap(),
            vec![reading(1), reading(2), reading(3)]
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("data/spool"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temp file left: {leftovers:?}");

        let mut store = crate::store::open(&config.store.url).unwrap();
        assert_eq!(again.flush(store.as_mut()).unwrap(), 3);
        assert!(!again.path().exists());
        assert_eq!(again.flush(store.as_mut()).unwrap(), 0);
        // Written twice (a crash before the removal) changes nothing.
        spool.add(&[reading(3)]).unwrap();
        assert_eq!(spool.flush(store.as_mut()).unwrap(), 1);
        let stored = store
            .observations(&crate::store::Query {
                campaign: "c1".into(),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            stored.iter().map(|o| o.value).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
    }

    #[test]
    fn a_damaged_spool_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[store]\nurl = \"sqlite://{}/v.db\"\n\n[[campaign]]\nslug = \"c1\"\nname = \"C\"\ntimezone = \"UTC\"\n",
            dir.path().display()
        );
        let config = Config::parse(&text, "test.toml").unwrap();
        let spool = Spool::for_campaign(&config, "c1");
        std::fs::create_dir_all(spool.path().parent().unwrap()).unwrap();
        std::fs::write(spool.path(), "[{").unwrap();
        let e = format!("{:#}", spool.add(&[reading(1)]).unwrap_err());
        assert!(
            e.contains("collect-c1.json") && e.contains("damaged"),
            "{e}"
        );
    }
}
