#!/usr/bin/env python3
"""What an analyst writes instead of `viewtally import` of a tidy CSV: pandas read_csv, then
executemany into SQLite with a unique key (re-running adds nothing), one transaction.

Reference for `cargo bench --bench scale -- compare SIZE` (issue 14).

Usage: import_pandas.py TIDY.csv STORE.db
"""
import sqlite3
import sys

import pandas as pd


def main(csv, db):
    df = pd.read_csv(csv, dtype={"platform": str, "video": str, "account": str, "metric": str,
                                 "kind": str, "at": str, "value": "int64"})
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(
        "CREATE TABLE IF NOT EXISTS observations (platform TEXT NOT NULL, video TEXT NOT NULL, "
        "account TEXT, metric TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, "
        "value INTEGER NOT NULL, UNIQUE (platform, video, metric, kind, at))"
    )
    with con:
        con.executemany(
            "INSERT INTO observations VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (platform, video, metric, kind, at) DO UPDATE SET value = excluded.value",
            df.itertuples(index=False, name=None),
        )
    con.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
