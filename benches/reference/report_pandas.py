#!/usr/bin/env python3
"""The report an analyst would script instead of `viewtally report`, with pandas + matplotlib.

Reference for `cargo bench --bench scale -- compare SIZE` (issue 14). It does the same work as
viewtally's report on the same tidy CSV (columns platform,video,account,metric,kind,at,value):
read, an hourly as-of pivot per video (last reading of each hour, carried forward), per-platform
sums and the total, daily new views, the first crossing of each milestone, and three charts
(cumulative, daily, platforms) as PNG and SVG. It is what a competent analyst writes in an
afternoon, not a strawman: vectorised pandas throughout, no Python loops over rows.

Usage: report_pandas.py TIDY.csv OUT_DIR
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

TZ = "Europe/Prague"


def milestones(top):
    out, base = [], 1000
    while base <= max(top, 1000):
        for step in (1, 2, 5):
            if base * step <= top:
                out.append(base * step)
        base *= 10
    return out


def main(csv, out):
    os.makedirs(out, exist_ok=True)
    df = pd.read_csv(csv, dtype={"platform": "category", "video": str, "account": str,
                                 "metric": "category", "kind": "category", "value": "int64"})
    df = df[df["metric"] == "views"]
    totals = df[df["kind"] == "total"].copy()
    totals["at"] = pd.to_datetime(totals["at"], utc=True, format="ISO8601")
    daily = df[df["kind"] == "daily"].copy()
    # A daily row counts the views of one day (campaign time zone); as a cumulative reading it
    # sits at the end of that day.
    daily["at"] = (pd.to_datetime(daily["at"]) + pd.Timedelta(days=1)).dt.tz_localize(TZ).dt.tz_convert("UTC")
    daily = daily.sort_values(["platform", "video", "at"])
    daily["value"] = daily.groupby(["platform", "video"], observed=True)["value"].cumsum()
    obs = pd.concat([totals, daily], ignore_index=True)

    # Hourly as-of pivot: the last reading in each hour per video, carried forward.
    obs["hour"] = obs["at"].dt.ceil("h")
    obs = obs.sort_values("at")
    last = obs.groupby(["platform", "video", "hour"], observed=True)["value"].last()
    wide = last.unstack(["platform", "video"])
    grid = pd.date_range(wide.index.min(), wide.index.max(), freq="h")
    wide = wide.reindex(grid).ffill().fillna(0)

    per_platform = wide.T.groupby(level="platform", observed=True).sum().T
    total = per_platform.sum(axis=1)
    local = total.tz_convert(TZ)
    daily_new = local.resample("D").last().diff().fillna(local.resample("D").last().iloc[:1])
    crossings = {m: total.index[(total >= m).argmax()] for m in milestones(int(total.iloc[-1]))}

    per_platform.to_csv(os.path.join(out, "timeline.csv"))
    with open(os.path.join(out, "milestones.txt"), "w") as f:
        for m, at in crossings.items():
            f.write(f"{m}\t{at.isoformat()}\n")

    fig, ax = plt.subplots(figsize=(16, 9))
    ax.stackplot(per_platform.index, per_platform.T.values, labels=list(per_platform.columns))
    ax.plot(total.index, total.values, color="black", linewidth=2, label="total")
    for m, at in crossings.items():
        ax.axhline(m, color="grey", linewidth=0.5)
    ax.set_title("Cumulative views")
    ax.legend(loc="upper left")
    save(fig, out, "cumulative")

    fig, ax = plt.subplots(figsize=(16, 9))
    ax.bar(daily_new.index, daily_new.values)
    ax.set_title("New views per day")
    save(fig, out, "daily")

    fig, ax = plt.subplots(figsize=(16, 9))
    last_row = per_platform.iloc[-1].sort_values()
    ax.barh([str(p) for p in last_row.index], last_row.values)
    for y, v in enumerate(last_row.values):
        ax.text(v, y, f" {int(v):,}", va="center")
    ax.set_title("Views per platform")
    save(fig, out, "platforms")


def save(fig, out, name):
    fig.tight_layout()
    fig.savefig(os.path.join(out, f"{name}.png"), dpi=100)
    fig.savefig(os.path.join(out, f"{name}.svg"))
    plt.close(fig)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
