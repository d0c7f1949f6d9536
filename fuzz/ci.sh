#!/usr/bin/env bash
# A short bounded fuzz run of every target, as CI does: `fuzz/ci.sh [SECONDS per target]`.
# Stable toolchain: no sanitizer (`-s none`), so nothing needs nightly; debug assertions and
# overflow checks are on (`-a`). A crash, a timeout (>10 s for one input) or more than 2 GB of
# memory fails the run; libFuzzer leaves the input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-15}
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
./seed.sh
flags=(-s none -a --codegen-units 16)
cargo fuzz build "${flags[@]}"
mkdir -p logs
for target in $(cargo fuzz list); do
  log="logs/$target.log"
  if ! cargo fuzz run "${flags[@]}" "$target" "corpus/$target" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz: $target found a failing input (fuzz/artifacts/$target/); keep it in" \
      "fuzz/regressions/$target/ and as a test in tests/it/robustness.rs" >&2
    exit 1
  fi
  echo "fuzz: $target: $(grep -m1 -E '^#[0-9]+[[:space:]]+DONE' "$log")"
done
