#!/usr/bin/env bash
# Failover benchmark (issue 14, docs/runtime.md "Failover"): one node SIGKILLed
# at about 30 % of the frames and another SIGSTOPped at about 60 %, on
# paper-single-cnn (10,000 frames, without and with --emulate) and on the
# built-in default (1,000 frames per CNN). Prints, per run, the exit status,
# the frames decided and handed on, and each failure's detection and recovery
# times (from the JSON report), for docs/performance.md.
#
#   bench/failover/failover.sh [DISTCNN] [OUT_DIR]
set -euo pipefail
distcnn="${1:-./build/distcnn}"
out="${2:-bench-failover}"
mkdir -p "$out"

run() {  # NAME ARGS...
  local name="$1"; shift
  local start end status=0
  start=$(date +%s.%N)
  "$distcnn" run "$@" --json "$out/$name.json" >"$out/$name.txt" 2>"$out/$name.err" || status=$?
  end=$(date +%s.%N)
  python3 - "$out/$name.json" "$name" "$status" "$start" "$end" <<'PY'
import json, sys
path, name, status, start, end = sys.argv[1:]
print(f"{name}: exit {status}, wall {float(end) - float(start):.1f} s")
try:
    j = json.load(open(path))
except OSError:
    print(f"  no report: see {path[:-5]}.err")
    sys.exit(0)
for c in j["cnns"]:
    print(f"  {c['name']}: decided {c['frames_received']}/{c['frames_planned']}, handed on "
          f"{c['handed_on']} in order, missing {len(c['missing'])}, duplicated "
          f"{len(c['duplicates'])}, re-sent copies dropped {c['duplicates_dropped']}, "
          f"reorder peak {c['reorder_peak']}")
for f in j["failovers"]:
    rec = "-" if f["recovery_s"] is None else f"{f['recovery_s']:.3f} s"
    print(f"  failover {f['unit']}: {f['cause']}; detection {f['detection_s']:.3f} s, "
          f"recovery {rec}, re-sent {f['frames_resent']}, new plan "
          f"{f['replan_objective_ms']:.3f} ms ({f['replan_status']}), outcome {f['outcome']}")
print(f"  ok {j['ok']}, partial {j['partial']}")
PY
}

# paper-single-cnn: n07 (L1) killed, n02 (L3) stopped.
run paper-10k --frames 10000 examples/paper-single-cnn.yaml \
  --fault n07@3000 --fault n02@6000:stop
run paper-10k-emulate --frames 10000 --emulate full examples/paper-single-cnn.yaml \
  --fault n07@3000 --fault n02@6000:stop
# The built-in default: 3 CNNs x 1,000 frames; n02 (alexnet1.conv5) killed,
# n03 (alexnet3.fc6) stopped (decisions count over all CNNs).
run default-1k --frames 1000 --fault n02@900 --fault n03@1800:stop
