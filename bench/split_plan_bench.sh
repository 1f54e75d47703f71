#!/usr/bin/env bash
# Solve times of split planning (docs/performance.md, "Split planning"): plans
# each scenario with each solver under a time limit and prints a Markdown row
# per solve. Usage: bench/split_plan_bench.sh [DISTCNN] [TIME_LIMIT_S]
set -euo pipefail
cd "$(dirname "$0")/.."
distcnn=${1:-./build/distcnn}
limit=${2:-60}
echo "| scenario | solver | status | latency ms | bound ms | gap | nodes | time s |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
row() {  # scenario solver
  local json
  json=$("$distcnn" plan "$1" --solver "$2" --time-limit "$limit" --json - 2>/dev/null) || true
  jq -r --arg f "$(basename "$1")" --arg s "$2" \
    '"| \($f) | \($s) | \(.status) | \(if .latency_s then (.latency_s*1000*1000|round/1000) else "-" end) | \(.bound_s*1000*1000|round/1000) | \(if .gap then (.gap*1000|round/10|tostring)+" %" else "-" end) | \(.nodes) | \(.solve_time_s*100|round/100) |"' \
    <<<"$json"
}
row examples/split-lenet-tiny.yaml exact
row examples/split-lenet-tiny.yaml brute
row examples/split-star-6rpi.yaml exact
row examples/split-alexnet-orangepi.yaml exact
row bench/split/alexnet-8-orangepi-L2.yaml exact
row bench/split/alexnet-30-orangepi.yaml exact
row examples/split-cnn5-stm32.yaml exact
row examples/default-split.yaml exact
