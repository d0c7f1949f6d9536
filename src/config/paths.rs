//! Relative paths in a config file (`[store] url = "sqlite://…"`, the `sslrootcert` of a
//! PostgreSQL URL, `[report] dir`, `watch_dir`) mean one thing wherever viewtally runs: they are
//! read from the config's project folder ([`project_dir`]), not from the current folder.

use super::*;

/// The folder a config file's relative paths are read from: the folder of the config file,
/// or its parent when that folder is called `config` (the `config/viewtally.toml` layout that
/// `viewtally init` writes, whose `data/` and `reports/` sit beside `config/`). Relative when
/// `config_path` is (then relative to the current folder, which viewtally never changes).
pub fn project_dir(config_path: &Path) -> PathBuf {
    let dir = config_path.parent().unwrap_or(Path::new(""));
    if dir.file_name().is_some_and(|n| n == "config") {
        dir.parent().unwrap_or(Path::new("")).to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

/// The path of an `sqlite:` URL (`None` for other stores and `:memory:`).
pub fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .filter(|p| *p != ":memory:")
}

impl Config {
    /// Read the config's relative paths from `base` (see [`project_dir`]).
    pub fn resolve_paths(&mut self, base: &Path) {
        self.base = base.to_path_buf();
        self.relative_store = sqlite_path(&self.store.url)
            .map(PathBuf::from)
            .filter(|p| p.is_relative());
        if base.as_os_str().is_empty() {
            return;
        }
        self.store.url = resolve_store_url(&self.store.url, base);
        if self.report.dir.is_relative() {
            self.report.dir = base.join(&self.report.dir);
        }
        for c in &mut self.campaigns {
            if let Some(dir) = c.schedule.watch_dir.as_mut().filter(|d| d.is_relative()) {
                *dir = base.join(&*dir);
            }
        }
    }

    /// When the config's SQLite store is named by a relative path that now (read from the
    /// project folder) names no file, while that path read from the current folder names one
    /// (a store made before relative paths were read from the project folder): what to do.
    /// Opening (and creating) the new path would split the data in two.
    pub fn store_moved(&self) -> Option<String> {
        let written = self.relative_store.as_ref()?;
        let resolved = PathBuf::from(sqlite_path(&self.store.url)?);
        if resolved.exists() || !written.is_file() || resolved == *written {
            return None;
        }
        let here = std::path::absolute(written).unwrap_or_else(|_| written.clone());
        let there = std::path::absolute(&resolved).unwrap_or(resolved);
        Some(format!(
            "{}: [store] url names `{}`, which is read from the config's project folder {} and so \
             means {} (no store there yet); the store at {} is not used. Write its absolute path \
             (url = \"sqlite://{}\") or move it to {} (relative paths in a config are read from \
             its project folder, not the current folder)",
            self.origin,
            written.display(),
            display_dir(&self.base),
            there.display(),
            here.display(),
            here.display(),
            there.display(),
        ))
    }
}

/// A folder for messages: absolute, `.` rather than nothing.
fn display_dir(dir: &Path) -> String {
    std::path::absolute(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
    .unwrap_or_else(|_| dir.to_path_buf())
    .display()
    .to_string()
}

/// A store URL with its relative paths read from `base`: the file of an `sqlite:` URL, the
/// `sslrootcert` of a PostgreSQL one.
fn resolve_store_url(url: &str, base: &Path) -> String {
    if let Some(path) = sqlite_path(url) {
        let path = Path::new(path);
        return match path.is_relative() {
            true => format!("sqlite://{}", base.join(path).display()),
            false => url.to_string(),
        };
    }
    let Some((head, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let options: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some(("sslrootcert", v)) => {
                let v: String = form_urlencoded::parse(format!("x={v}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let path = Path::new(&v);
                if path.is_relative() && !v.is_empty() {
                    let joined = base.join(path).display().to_string();
                    format!(
                        "sslrootcert={}",
                        form_urlencoded::byte_serialize(joined.as_bytes()).collect::<String>()
                    )
                } else {
                    kv.to_string()
                }
            }
            _ => kv.to_string(),
        })
        .collect();
    format!("{head}?{}", options.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_folder_is_the_configs_or_the_parent_of_config() {
        assert_eq!(
            project_dir(Path::new("config/viewtally.toml")),
            Path::new("")
        );
        assert_eq!(project_dir(Path::new("viewtally.toml")), Path::new(""));
        assert_eq!(
            project_dir(Path::new("/srv/p/config/viewtally.toml")),
            Path::new("/srv/p")
        );
        assert_eq!(
            project_dir(Path::new("/etc/viewtally/viewtally.toml")),
            Path::new("/etc/viewtally")
        );
        assert_eq!(project_dir(Path::new("a/b.toml")), Path::new("a"));
    }

    #[test]
    fn relative_store_paths_are_read_from_the_project_folder() {
        let base = Path::new("/srv/p");
        let r = |u: &str| resolve_store_url(u, base);
        assert_eq!(r("sqlite://data/v.db"), "sqlite:///srv/p/data/v.db");
        assert_eq!(r("sqlite:data/v.db"), "sqlite:///srv/p/data/v.db");
        assert_eq!(r("sqlite:///var/v.db"), "sqlite:///var/v.db");
        assert_eq!(r("sqlite://:memory:"), "sqlite://:memory:");
        assert_eq!(
            r("postgres://me@h/db?sslmode=require&sslrootcert=certs/ca.pem&pool_size=2"),
            "postgres://me@h/db?sslmode=require&sslrootcert=%2Fsrv%2Fp%2Fcerts%2Fca.pem&pool_size=2"
        );
        assert_eq!(
            r("postgres://me@h/db?sslrootcert=/etc/ca.pem"),
            "postgres://me@h/db?sslrootcert=/etc/ca.pem"
        );
        assert_eq!(r("postgres://me:p@h/db"), "postgres://me:p@h/db");
    }
}
