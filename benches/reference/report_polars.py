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
    last = obs.group_by("platform", "series", "hour").agg(pl.col("value").sort_by("at").last())
    # As-of per series on an hourly grid: each series' last reading at or before each hour.
    hours = pl.datetime_range(last["hour"].min(), last["hour"].max(), "1h", eager=True,
                              time_unit="ms", time_zone="UTC").alias("hour").to_frame()
    grid = last.select("platform", "series").unique().join(hours, how="cross").sort("hour")
    filled = grid.join_asof(last.sort("hour").drop("platform"), on="hour", by="series",
                            strategy="backward", check_sortedness=False)
    sums = filled.group_by("hour", "platform").agg(pl.col("value").fill_null(0).sum())
    per_platform = sums.pivot(on="platform", index="hour", values="value").sort("hour")
    platforms = sorted(c for c in per_platform.columns if c != "hour")
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
    fig, ax = plt.subplots(figsize=(16, 9))
    ax.stackplot(hours, [per_platform[p].to_numpy() for p in platforms], labels=platforms)
    ax.plot(hours, per_platform["total"].to_numpy(), color="black", linewidth=2, label="total")
    for m in crossings:
        ax.axhline(m, color="grey", linewidth=0.5)
    ax.set_title("Cumulative views")
    ax.legend(loc="upper left")
    save(fig, out, "cumulative")

    fig, ax = plt.subplots(figsize=(16, 9))
    ax.bar(day_ends["day"].to_numpy(), day_ends["new"].to_numpy())
    ax.set_title("New views per day")
    save(fig, out, "daily")

    fig, ax = plt.subplots(figsize=(16, 9))
    last_row = sorted((int(per_platform[p][-1]), p) for p in platforms)
    ax.barh([p for _, p in last_row], [v for v, _ in last_row])
    for y, (v, _) in enumerate(last_row):
        ax.text(v, y, f" {v:,}", va="center")
    ax.set_title("Views per platform")
    save(fig, out, "platforms")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main(sys.argv[1], sys.argv[2])
