#!/usr/bin/env bash
# Fill fuzz/corpus/<target>/ (git-ignored) with the seeds: the committed export fixtures and
# configs, fuzz/seeds/<target>/ (inputs in a harness's own layout) and fuzz/regressions/<target>/
# (every input a fuzz run found; each is also a test in tests/it/robustness.rs).
set -euo pipefail
cd "$(dirname "$0")"
fx=../tests/fixtures/exports

add() { # target files...
  local target=$1
  shift
  mkdir -p "corpus/$target"
  for f in "$@"; do
    [ -f "$f" ] || continue
    cp "$f" "corpus/$target/$(sha1sum <"$f" | cut -c1-16)"
  done
}

shopt -s nullglob
add tidy_csv ../config/demo/*.csv
add youtube_csv "$fx"/youtube/*/*.csv
add youtube_zip "$fx"/youtube/*/*.zip ../config/demo/*.zip
add meta_csv "$fx"/meta/*/*.csv
add linkedin_xlsx "$fx"/linkedin/*/*.xlsx ../config/demo/*.xlsx
add linkedin_xls "$fx"/linkedin/*/*.xls ../config/demo/*.xls
add import_file "$fx"/*/*/* ../config/demo/*.*
add config ../config/*.toml
for dir in seeds/*/ regressions/*/; do
  add "$(basename "$dir")" "$dir"*
done
