#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, docs/fuzzing.md) in a clang tree and runs
# each for SECONDS on its seed corpus fuzz/corpus/TARGET under ASan and UBSan.
#
#   scripts/fuzz.sh [--time SECONDS] [--build-dir DIR] [--jobs N] [--opt FLAGS]
#                   [--build-only | --no-build] [--fresh] [TARGET...]
#
# Defaults: 600 s per target (the long run), build-fuzz/, -j2, -O1, every target.
# New inputs go to DIR/corpus/TARGET (kept between runs; --fresh empties it
# first), crashes to DIR/artifacts/TARGET/. Exit 1 if any target reports a
# crash, a leak, a sanitizer error, a timeout (an input that runs over 30 s) or
# running out of memory (2.5 GB); the summary line of each run is printed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds=600
build_dir="$root/build-fuzz"
jobs=2
opt="-O1"
build=1
run=1
fresh=0
targets=()
all_targets=(scenario study plan_json onnx_import npy image wire_format control_message cli_args)
while (($#)); do
  case "$1" in
    --time) seconds="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --opt) opt="$2"; shift 2 ;;
    --build-only) run=0; shift ;;
    --no-build) build=0; shift ;;
    --fresh) fresh=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")

if ((build)); then
  cxx="$(command -v clang++-14 || command -v clang++ || true)"
  if [[ -z "$cxx" ]]; then
    echo "fuzz.sh: clang++ not found (./setup.sh installs clang and libclang-rt-14-dev)" >&2
    exit 1
  fi
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DDISTCNN_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=Fuzz -DCMAKE_CXX_FLAGS_FUZZ="$opt -gline-tables-only" >/dev/null
  cmake --build "$build_dir" -j"$jobs" --target distcnn_fuzz_targets
fi
((run)) || exit 0

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
for t in "${targets[@]}"; do
  bin="$build_dir/fuzz/fuzz_$t"
  seeds="$root/fuzz/corpus/$t"
  if [[ ! -x "$bin" || ! -d "$seeds" ]]; then
    echo "fuzz.sh: no target '$t' (targets: ${all_targets[*]})" >&2
    exit 2
  fi
  corpus="$build_dir/corpus/$t"
  artifacts="$build_dir/artifacts/$t"
  ((fresh)) && rm -rf "$corpus"
  mkdir -p "$corpus" "$artifacts"
  log="$build_dir/fuzz-$t.log"
  echo "fuzz.sh: $t for ${seconds} s (log $log)"
  status=0
  # DISTCNN_FUZZ_SEED (the CTest runs set it): libFuzzer's mutation seed, so a
  # short run repeats its inputs; unset, each run draws its own.
  "$bin" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 \
    ${DISTCNN_FUZZ_SEED:+-seed="$DISTCNN_FUZZ_SEED"} \
    -artifact_prefix="$artifacts/" "$corpus" "$seeds" >"$log" 2>&1 || status=$?
  grep -E '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs|stat::number_of_executed_units|stat::new_units_added)' \
    "$log" | sed "s/^/  $t: /" || true
  if ((status != 0)); then
    echo "fuzz.sh: $t FAILED (exit $status); the end of $log:" >&2
    tail -n 60 "$log" >&2
    failed+=("$t")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: findings in: ${failed[*]} (inputs in $build_dir/artifacts/)" >&2
  exit 1
fi
