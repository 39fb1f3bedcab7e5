#!/usr/bin/env bash
# Create one virtual environment per peer AutoML system from its pinned lock file.
#
# Why separate environments: FLAML, AutoGluon and mlwright pin different pandas/numpy
# versions; installing them side by side would change what each one is measured with.
# The lock files are the exact `pip freeze` under which the peers were seen to run here
# (copied from ../shared/peers/). peers/harness-extras.txt adds only what the runners
# need to read the splits (a parquet engine) where a lock lacks it.
#
# Usage: bash benchmarks/setup_peers.sh [flaml] [autogluon]   (default: both)
#        PYTHON=python3.11 bash benchmarks/setup_peers.sh     (choose the base interpreter)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
systems=("$@")
[ ${#systems[@]} -gt 0 ] || systems=(flaml autogluon)

declare -A check=(
  [flaml]="from flaml import AutoML; import lightgbm, xgboost, pyarrow; print('flaml imports ok')"
  [autogluon]="from autogluon.tabular import TabularPredictor; import pyarrow; print('autogluon imports ok')"
)

for name in "${systems[@]}"; do
  lock="$here/peers/$name.lock.txt"
  env="$here/.envs/$name"
  [ -f "$lock" ] || { echo "no lock file peers/$name.lock.txt (known: flaml, autogluon)" >&2; exit 2; }
  start=$(date +%s)
  echo "== $name: creating benchmarks/.envs/$name"
  "$python" -m venv "$env"
  "$env/bin/pip" install --quiet -r "$lock"
  # Extras go in only when the lock lacks the package, so a locked version is never replaced.
  while read -r req; do
    pkg="${req%%==*}"
    "$env/bin/python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('$pkg') is None)" \
      || "$env/bin/pip" install --quiet "$req"
  done < <(grep -vE '^\s*(#|$)' "$here/peers/harness-extras.txt")
  "$env/bin/python" -c "${check[$name]}"
  echo "== $name: ready in $(( $(date +%s) - start )) s"
done
