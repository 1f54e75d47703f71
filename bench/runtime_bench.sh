#!/usr/bin/env bash
# Runtime benchmarks of docs/performance.md ("Runtime"): emulated latency vs
# the plan, throughput vs the busy-time bound, and distributed vs monolithic.
# Usage: bench/runtime_bench.sh [BUILD_DIR] [OUT_DIR]. Bounded: every run has a
# fixed number of frames. Prints one line per figure; JSON reports in OUT_DIR.
set -euo pipefail
build=${1:-build}
out=${2:-runtime-bench}
distcnn="$build/distcnn"
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

field() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

run() {  # NAME ARGS...: runs distcnn run and keeps its JSON report
  local name=$1; shift
  "$distcnn" run "$@" --json "$out/$name.json" > "$out/$name.txt" 2> "$out/$name.err"
}

latency() {  # LABEL REPORT: "LABEL: measured X ms, predicted Y ms (+Z %)"
  field "$2" "'$1: measured %.3f ms, predicted %.3f ms (%+.1f %%)' % (r['cnns'][0]['latency_ms']['mean'], r['cnns'][0]['predicted_ms']['total'], 100 * (r['cnns'][0]['latency_ms']['mean'] / r['cnns'][0]['predicted_ms']['total'] - 1))"
}

# Each emulated case twice: as the host is, and with --keep-cpus-awake (idle
# vCPUs poll instead of halting; root only, see docs/runtime.md).
for awake in "" --keep-cpus-awake; do
  tag=${awake:+-awake}
  for s in paper-single-cnn paper-gc-cnn; do
    run "$s-emulated$tag" "$root/examples/$s.yaml" --emulate --in-flight 1 --frames 200 $awake
    latency "$s --emulate $awake, 1 in flight" "$out/$s-emulated$tag.json"
    run "$s-stream$tag" "$root/examples/$s.yaml" --emulate --in-flight 8 --frames 80 $awake
    echo "$s --emulate $awake, back to back: $(field "$out/$s-stream$tag.json" "round(r['cnns'][0]['throughput_fps'],2)") frames/s," \
         "busy-time bound $(field "$out/$s-stream$tag.json" "round(r['busy_bound_fps'],2)") frames/s"
  done

  # --emulate links with a plan made from this host's measured speeds: each
  # layer timed cold (as a node process sharing this host runs it), given to
  # the plan as time-equivalent mults (bench/runtime/measured_scenario.py).
  for s in paper-single-cnn paper-gc-cnn; do
    model=$(sed -n 's/^ *model: "\(zoo:[^"]*\)".*/\1/p' "$root/examples/$s.yaml")
    "$distcnn" profile "$model" --measure --cold --threads 1 --repeat 20 --format json \
      > "$out/$s-profile$tag.json"
    python3 "$here/runtime/measured_scenario.py" "$root/examples/$s.yaml" "$out/$s-profile$tag.json" \
      > "$out/$s-measured$tag.yaml"
    run "$s-links$tag" "$out/$s-measured$tag.yaml" --emulate links --in-flight 1 --frames 200 $awake
    latency "$s --emulate links $awake, per-layer cold measured times" "$out/$s-links$tag.json"
  done
done

# Distributed (4 local nodes, no emulation) vs monolithic AlexNet. This VM's
# speed drifts by up to a third from one minute to the next, so separate runs
# of `infer` and `run` compare the machine's moods more than the two ways of
# computing: `run --monolithic` times the whole model in the coordinator after
# each distributed frame (one thread, like each node), a paired comparison.
# Steady state: 5 warm-up frames (the nodes' heaps grow to their working set
# over the first few). Distributed latency from the source vertex to the sink
# vertex; its layers' compute (processing) next to it.
for round in 1 2 3 4 5 6; do
  awake=$( ((round % 2 == 0)) && echo --keep-cpus-awake || true)  # every other round
  run alexnet-distributed-$round "$here/runtime/alexnet-4-units.yaml" --in-flight 1 --frames 20 \
    --warmup 5 --monolithic $awake
  j="$out/alexnet-distributed-$round.json"
  c="r['cnns'][0]"
  echo "alexnet on 4 nodes, no emulation, round $round $awake:" \
       "distributed mean $(field "$j" "round($c['latency_ms']['mean'],3)") ms" \
       "(p50 $(field "$j" "round($c['latency_ms']['p50'],3)")," \
       "processing $(field "$j" "round($c['measured_ms']['processing'],3)")," \
       "via coordinator $(field "$j" "round($c['via_coordinator_ms']['mean'],3)"));" \
       "monolithic mean $(field "$j" "round($c['monolithic_ms']['mean'],3)") ms" \
       "(p50 $(field "$j" "round($c['monolithic_ms']['p50'],3)"));" \
       "ratio of means $(field "$j" "round($c['latency_ms']['mean'] / $c['monolithic_ms']['mean'],3)")," \
       "of p50 $(field "$j" "round($c['latency_ms']['p50'] / $c['monolithic_ms']['p50'],3)")"
done
