#!/usr/bin/env bash
# DeeperThings' fixed schemes against our optimum on the 6-RPi star (issue 12,
# item 8). For zoo:alexnet and zoo:vgg16: plan the optimum (c), derive
# DeeperThings' unfused (a) and fused (b) schemes from it
# (deeperthings_plan.py), run each with the emulator, and print the predicted
# and emulated latency and the bytes the nodes sent per frame (every transfer
# here is one hop; the 4 kB decision to the sink included).
# usage: bench/split/deeperthings.sh [DISTCNN] [FRAMES]
set -euo pipefail
cd "$(dirname "$0")/../.."
distcnn=${1:-./build/distcnn}
frames=${2:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| model | plan | predicted ms | emulated ms | difference | bytes sent per frame |"
echo "|---|---|---:|---:|---:|---:|"
for model in alexnet vgg16; do
  scenario=bench/split/star-6rpi-$model.yaml
  "$distcnn" plan "$scenario" --time-limit 60 --json "$out/$model-c.json" > /dev/null 2>&1
  for scheme in a b; do
    python3 bench/split/deeperthings_plan.py "$out/$model-c.json" "$model" "$scheme" \
      "$out/$model-$scheme.json"
  done
  for scheme in a b c; do
    "$distcnn" run "$scenario" --plan "$out/$model-$scheme.json" --emulate --in-flight 1 \
      --frames "$frames" > "$out/run.txt" 2> /dev/null
    python3 - "$out/run.txt" "$model" "$scheme" "$frames" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"latency\s+measured mean ([0-9.]+) ms .*predicted ([0-9.]+) ms \(([-+0-9.]+) %\)", text)
sent = sum(int(b) for b in re.findall(r"sent \d+ messages \((\d+) B\)", text))
name = {"a": "(a) DeeperThings, unfused", "b": "(b) DeeperThings, fused", "c": "(c) distcnn optimum"}
print(f"| {sys.argv[2]} | {name[sys.argv[3]]} | {float(m.group(2)):.1f} | {float(m.group(1)):.1f} | "
      f"{m.group(3)} % | {sent / int(sys.argv[4]):,.0f} |")
PY
  done
done
