#!/usr/bin/env python3
"""The same report as report_pandas.py, written with Python polars (+ matplotlib for charts).

Reference for `cargo bench --bench scale -- compare SIZE` (issue 14): read the tidy CSV, hourly
as-of pivot per video, per-platform sums and total, daily new views, first crossing of each
milestone, three charts as PNG and SVG.

Usage: report_polars.py TIDY.csv OUT_DIR
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

from report_pandas import milestones, save  # noqa: E402

TZ = "Europe/Prague"


def main(csv, out):
    os.makedirs(out, exist_ok=True)
    df = pl.read_csv(csv, schema_overrides={"video": pl.Utf8, "account": pl.Utf8, "at": pl.Utf8})
    df = df.filter(pl.col("metric") == "views")
    totals = df.filter(pl.col("kind") == "total").with_columns(
        pl.col("at").str.to_datetime(time_zone="UTC", time_unit="ms"))
    daily = (
        df.filter(pl.col("kind") == "daily")
        .with_columns(pl.col("at").str.to_date().cast(pl.Datetime("ms")).dt.offset_by("1d")
                      .dt.replace_time_zone(TZ).dt.convert_time_zone("UTC"))
        .sort("platform", "video", "at")
        .with_columns(pl.col("value").cum_sum().over("platform", "video"))
    )
    obs = pl.concat([totals, daily]).with_columns(
        hour=pl.col("at").dt.offset_by("59m59s999ms").dt.truncate("1h"),
        series=pl.col("platform") + "|" + pl.col("video"),
    )
    last = obs.sort("at").group_by("series", "hour").agg(pl.col("value").last())
    wide = last.pivot(on="series", index="hour", values="value").sort("hour")
    wide = wide.upsample("hour", every="1h").fill_null(strategy="forward").fill_null(0)
    platforms = sorted({c.split("|")[0] for c in wide.columns if c != "hour"})
    per_platform = wide.select(
        "hour", *[pl.sum_horizontal(pl.col(f"^{p}\\|.*$")).alias(p) for p in platforms])
    per_platform = per_platform.with_columns(total=pl.sum_horizontal(platforms))
    day_ends = (
        per_platform.with_columns(day=pl.col("hour").dt.convert_time_zone(TZ).dt.date())
        .group_by("day").agg(pl.col("total").last()).sort("day")
        .with_columns(new=pl.col("total").diff().fill_null(pl.col("total")))
    )
    top = int(per_platform["total"][-1])
    crossings = {
        m: per_platform.filter(pl.col("total") >= m)["hour"][0] for m in milestones(top)
    }

    per_platform.write_csv(os.path.join(out, "timeline.csv"))
    with open(os.path.join(out, "milestones.txt"), "w") as f:
        for m, at in crossings.items():
            f.write(f"{m}\t{at.isoformat()}\n")

    hours = per_platform["hour"].to_numpy()
    fig, ax = plt.subplots(figsize=(12, 6.75))
    ax.stackplot(hours, [per_platform[p].to_numpy() for p in platforms], labels=platforms)
    ax.plot(hours, per_platform["total"].to_numpy(), color="black", linewidth=2, label="total")
    for m in crossings:
        ax.axhline(m, color="grey", linewidth=0.5)
    ax.set_title("Cumulative views")
    ax.legend(loc="upper left")
    save(fig, out, "cumulative")

    fig, ax = plt.subplots(figsize=(12, 6.75))
    ax.bar(day_ends["day"].to_numpy(), day_ends["new"].to_numpy())
    ax.set_title("New views per day")
    save(fig, out, "daily")

    fig, ax = plt.subplots(figsize=(12, 6.75))
    last_row = sorted((int(per_platform[p][-1]), p) for p in platforms)
    ax.barh([p for _, p in last_row], [v for v, _ in last_row])
    for y, (v, _) in enumerate(last_row):
        ax.text(v, y, f" {v:,}", va="center")
    ax.set_title("Views per platform")
    save(fig, out, "platforms")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main(sys.argv[1], sys.argv[2])
