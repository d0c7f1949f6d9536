//! The key-order scan of an SQLite store: the campaign's series in key order, then each
//! series' points by its primary key (no join, no sort). A large scan reads its second half on
//! a second, read-only connection at the same time (a report has two cores to use).
//!
//! Both connections read inside a transaction, and the second one takes its snapshot first:
//! the dictionaries the first one reads are then at least as new as every id the second one
//! meets, so no row refers to a source, account or write the scan does not know.

use std::sync::mpsc;

use rusqlite::{params, Connection, OpenFlags};

use super::SqliteStore;
use crate::store::{ObservationBatch, Query, ScanFill, ScanPoint, ScanSeries, StoreError};

/// A scan of fewer series than this stays on one connection (a second one costs more than it
/// saves).
const PARALLEL_MIN_SERIES: usize = 32;

/// The most rows the second connection holds for the first (~48 bytes each): it stops at the
/// first series that begins past this, and the first connection reads the rest itself, so a
/// scan's memory stays bounded however large the store.
const SHARE_MAX_ROWS: usize = 2_000_000;

/// [`SHARE_MAX_ROWS`], lowered by tests to make the second connection stop early.
static SHARE_LIMIT: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(SHARE_MAX_ROWS);

const SERIES_SQL: &str = "SELECT id, platform, video, metric, kind FROM series
     WHERE campaign = ?1 AND (?2 IS NULL OR metric = ?2)
     ORDER BY campaign, platform, video, metric, kind, source_kind";

const POINTS_SQL: &str = "SELECT at_ms, value, source, account, collected FROM points
     WHERE series = ?1 AND at_ms <= ?2 ORDER BY at_ms";

/// One series of the scan, as its names.
struct SeriesRow {
    id: i64,
    names: [String; 4], // platform, video, metric, kind
}

/// The points of the series read on the second connection, with the store's ids unresolved.
#[derive(Default)]
struct Raw {
    /// How many of its series it read (all unless it stopped at [`SHARE_MAX_ROWS`]).
    done: usize,
    /// Index into the second connection's share of the series.
    series: Vec<u32>,
    at_ms: Vec<i64>,
    value: Vec<i64>,
    source: Vec<i64>,
    account: Vec<Option<i64>>,
    write: Vec<i64>,
}

/// A read transaction on `conn`, ended (rolled back: nothing was written) when dropped.
struct ReadTx<'c>(&'c Connection);

impl<'c> ReadTx<'c> {
    fn begin(conn: &'c Connection) -> rusqlite::Result<ReadTx<'c>> {
        conn.execute_batch("BEGIN DEFERRED")?;
        Ok(ReadTx(conn))
    }
}

impl Drop for ReadTx<'_> {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

/// Read the points of `ids` (at or before `until`) on a connection of its own: the second
/// half of a scan. Sends `()` on `ready` once its snapshot is taken, then waits for the ids.
fn read_share(
    path: &std::path::Path,
    until: i64,
    ready: mpsc::Sender<()>,
    ids: mpsc::Receiver<Vec<i64>>,
) -> rusqlite::Result<Raw> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let _tx = ReadTx::begin(&conn)?;
    // The first read fixes the snapshot.
    conn.query_row("SELECT count(*) FROM writes", [], |r| r.get::<_, i64>(0))?;
    if ready.send(()).is_err() {
        return Ok(Raw::default());
    }
    let Ok(ids) = ids.recv() else {
        return Ok(Raw::default());
    };
    let mut raw = Raw::default();
    let mut stmt = conn.prepare(POINTS_SQL)?;
    for (j, id) in ids.iter().enumerate() {
        if raw.at_ms.len() >= SHARE_LIMIT.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        raw.done = j + 1;
        let mut rows = stmt.query(params![id, until])?;
        while let Some(r) = rows.next()? {
            raw.series.push(j as u32);
            raw.at_ms.push(r.get(0)?);
            raw.value.push(r.get(1)?);
            raw.source.push(r.get(2)?);
            raw.account.push(r.get(3)?);
            raw.write.push(r.get(4)?);
        }
    }
    Ok(raw)
}

impl SqliteStore {
    /// [`crate::store::ScanOrder::Key`] scan (see the module's comment).
    pub(super) fn scan_key(
        &self,
        query: &Query,
        each: &mut dyn FnMut(&ObservationBatch) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let until = query
            .until
            .map(|t| t.timestamp_millis())
            .unwrap_or(i64::MAX);
        let file = self.path.as_os_str() != ":memory:";
        std::thread::scope(|scope| {
            let (ready_tx, ready_rx) = mpsc::channel();
            let (ids_tx, ids_rx) = mpsc::channel();
            let helper = file.then(|| {
                let path = self.path.clone();
                scope.spawn(move || read_share(&path, until, ready_tx, ids_rx))
            });
            // Wait for the second connection's snapshot; without it, read everything here.
            let mut share = helper.is_some() && ready_rx.recv().is_ok();
            let tx = ReadTx::begin(&self.conn).map_err(|e| self.err(e))?;
            let mut fill = ScanFill::new(self.scan_names()?);
            let series = self.series_rows(query)?;
            share &= series.len() >= PARALLEL_MIN_SERIES;
            let split = if share {
                series.len() / 2
            } else {
                series.len()
            };
            // Dropping the sender without sending tells the helper there is nothing to read.
            if share {
                let _ = ids_tx.send(series[split..].iter().map(|s| s.id).collect());
            }
            drop(ids_tx);
            let mine = self.read_points(&series[..split], until, &mut fill, each);
            let theirs = helper.map(|h| h.join());
            mine?;
            if let Some(joined) = theirs {
                let raw = joined
                    .map_err(|_| self.err("the second scan connection panicked"))?
                    .map_err(|e| self.err(e))?;
                let rest = split + raw.done;
                self.push_raw(&series[split..], raw, &mut fill, each)?;
                self.read_points(&series[rest..], until, &mut fill, each)?;
            }
            drop(tx);
            fill.flush(each)?;
            Ok(fill.total)
        })
    }

    /// The campaign's series (of the query's metric) in key order.
    fn series_rows(&self, query: &Query) -> Result<Vec<SeriesRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(SERIES_SQL)
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![query.campaign, query.metric.map(|m| m.as_str())],
                |r| {
                    Ok(SeriesRow {
                        id: r.get(0)?,
                        names: [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
                    })
                },
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The scan's view of a series: its names resolved and its video interned in the batch.
    fn series_of(
        &self,
        s: &SeriesRow,
        batch: &mut ObservationBatch,
    ) -> Result<ScanSeries<i64>, StoreError> {
        let [platform, video, metric, kind] = &s.names;
        self.scan_series_named(s.id, [platform, video, metric, kind], batch)
    }

    /// Read the points of `series` on this connection, straight into `fill`.
    fn read_points(
        &self,
        series: &[SeriesRow],
        until: i64,
        fill: &mut ScanFill<i64>,
        each: &mut dyn FnMut(&ObservationBatch) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(POINTS_SQL)
            .map_err(|e| self.err(e))?;
        for s in series {
            let current = self.series_of(s, &mut fill.batch)?;
            let mut rows = stmt.query(params![s.id, until]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let point = (|| -> rusqlite::Result<_> {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })()
                .map_err(|e| self.err(e))?;
                let point = self.resolve(fill, point)?;
                fill.push(&current, point, each)?;
            }
        }
        Ok(())
    }

    /// Hand on the rows the second connection read (`series`: its share, in key order).
    fn push_raw(
        &self,
        series: &[SeriesRow],
        raw: Raw,
        fill: &mut ScanFill<i64>,
        each: &mut dyn FnMut(&ObservationBatch) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut current: Option<(u32, ScanSeries<i64>)> = None;
        for i in 0..raw.at_ms.len() {
            let j = raw.series[i];
            let s = match current {
                Some((k, s)) if k == j => s,
                _ => {
                    let s = self.series_of(&series[j as usize], &mut fill.batch)?;
                    current = Some((j, s));
                    s
                }
            };
            let point = self.resolve(
                fill,
                (
                    raw.at_ms[i],
                    raw.value[i],
                    raw.source[i],
                    raw.account[i],
                    raw.write[i],
                ),
            )?;
            fill.push(&s, point, each)?;
        }
        Ok(())
    }

    /// A point's store ids (source, account, write) resolved to the batch's.
    pub(super) fn resolve(
        &self,
        fill: &mut ScanFill<i64>,
        (at_ms, value, source, account, write): (i64, i64, i64, Option<i64>, i64),
    ) -> Result<ScanPoint, StoreError> {
        let source = fill
            .source(source)
            .ok_or_else(|| self.unknown("source id", &source.to_string()))?;
        let account = match account {
            None => None,
            Some(a) => Some(
                fill.account(a)
                    .ok_or_else(|| self.unknown("account id", &a.to_string()))?,
            ),
        };
        let collected_ms = fill
            .collected_ms(write)
            .ok_or_else(|| self.unknown("write id", &write.to_string()))?;
        Ok(ScanPoint {
            at_ms,
            value,
            source,
            account,
            collected_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::model::{Kind, Metric, Observation, Platform, Source};
    use crate::store::{ScanOrder, Store};

    /// 40 series (20 videos × views/likes), 30 readings each, two sources, some accounts.
    fn readings() -> Vec<Observation> {
        let t = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).expect("a time");
        let mut out = Vec::new();
        for v in 0..20 {
            for metric in [Metric::Views, Metric::Likes] {
                for i in 0..30i64 {
                    out.push(Observation {
                        campaign: "c".into(),
                        platform: if v % 3 == 0 {
                            Platform::Facebook
                        } else {
                            Platform::Youtube
                        },
                        video: format!("v{v:02}"),
                        account: (v % 2 == 0).then(|| format!("acct{}", v % 4)),
                        metric,
                        kind: Kind::Total,
                        at: t(1_700_000_000_000 + i * 3_600_000),
                        value: v * 1000 + i,
                        source: Source::parse(if i < 15 { "api" } else { "export:abc" }),
                        collected_at: t(1_700_000_000_000 + (i / 10) * 60_000),
                    });
                }
            }
        }
        out
    }

    /// A scan's rows as text, in the order handed on.
    fn scanned(store: &SqliteStore) -> Vec<String> {
        let mut rows = Vec::new();
        let query = Query {
            campaign: "c".into(),
            until: None,
            metric: None,
        };
        store
            .scan(&query, ScanOrder::Key, &mut |b| {
                for i in 0..b.len() {
                    let (p, v) = &b.videos[b.video[i] as usize];
                    rows.push(format!(
                        "{} {v} {} {} {} {} {} {:?} {}",
                        p.as_str(),
                        b.metric[i].as_str(),
                        b.kind[i].as_str(),
                        b.at_ms[i],
                        b.value[i],
                        b.sources[b.source[i] as usize].as_str(),
                        b.account[i].map(|a| &b.accounts[a as usize]),
                        b.collected_ms[i],
                    ));
                }
                Ok(())
            })
            .expect("scan");
        rows
    }

    #[test]
    fn a_scan_on_two_connections_gives_the_rows_of_one_in_key_order() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let file = dir.path().join("s.db");
        let mut disk = SqliteStore::open(file.to_str().expect("utf-8")).expect("open");
        let mut memory = SqliteStore::open(":memory:").expect("open");
        let obs = readings();
        disk.write(&obs, &[]).expect("write");
        memory.write(&obs, &[]).expect("write");
        // One connection (an in-memory store cannot be opened twice).
        let one = scanned(&memory);
        assert_eq!(one.len(), 1200);
        // Key order: series by series (platform, video, metric), each by time.
        let key = |r: &String| {
            let f: Vec<&str> = r.split(' ').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].to_string(),
                f[4].parse::<i64>().ok(),
            )
        };
        let mut sorted = one.clone();
        sorted.sort_by_key(key);
        assert_eq!(one, sorted);
        // Two connections, the second holding all of its half, then stopping early.
        assert_eq!(scanned(&disk), one);
        SHARE_LIMIT.store(100, Ordering::Relaxed);
        let capped = scanned(&disk);
        SHARE_LIMIT.store(SHARE_MAX_ROWS, Ordering::Relaxed);
        assert_eq!(capped, one);
    }
}
