#!/usr/bin/env bash
# Runs a scenario on one `distcnn node` per unit, each in its own Linux network
# namespace, with the radio emulated by the kernel: every unit's link is a veth
# shaped with `tc tbf` at the technology's rate, and a unit can reach only its
# radio neighbours and the coordinator (host routes). Design, trade-offs and
# limits: docs/runtime.md, "Kernel-level topology (network namespaces)".
#
#   scripts/netns-topology.sh SCENARIO DISTCNN [options] [-- extra `distcnn run` args]
#
# Needs root, iproute2 (ip, tc with tbf) and jq. Creates only namespaces named
# dc<PID>-*, addresses only in 10.77.0.0/16 inside them, and removes everything
# on exit (unless --keep). Exit status: 0 the run received every frame; 1 any
# failure (setup, plan, nodes, run, frames lost); 2 bad usage.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: netns-topology.sh SCENARIO DISTCNN [options] [-- ARGS for `distcnn run`]

  SCENARIO            scenario file (YAML/JSON) for `distcnn plan` / `distcnn run`
  DISTCNN             path of the distcnn executable

options:
  --frames N          frames per CNN (default 5)
  --rate-mbit R       shape every link at R Mbit/s instead of the scenario's technology rate
  --kernels NAME      kernel backend of the coordinator and the nodes (default reference)
  --solver NAME       solver of `distcnn plan` (default exact); `run` executes that plan
  --time-limit S      solver time limit, seconds (default 60)
  --timeout S         upper bound on `distcnn run`, seconds (default 120)
  --port P            TCP port every node listens on, in its namespace (default 7700)
  --keep              leave the namespaces, links and the work directory for inspection
  --dry-run           print the commands instead of running them (needs no root)
  -h, --help          this text
EOF
}

die() { echo "netns-topology: $*" >&2; exit 1; }
say() { echo "netns-topology: $*" >&2; }

# ---------------------------------------------------------------- arguments
frames=5
rate_mbit=""
kernels=reference
solver=exact
time_limit=60
run_timeout=120
port=7700
keep=0
dry=0
positional=()
extra=()
while (($#)); do
  case "$1" in
    --frames) frames=${2:?--frames needs a value}; shift 2 ;;
    --rate-mbit) rate_mbit=${2:?--rate-mbit needs a value}; shift 2 ;;
    --kernels) kernels=${2:?--kernels needs a value}; shift 2 ;;
    --solver) solver=${2:?--solver needs a value}; shift 2 ;;
    --time-limit) time_limit=${2:?--time-limit needs a value}; shift 2 ;;
    --timeout) run_timeout=${2:?--timeout needs a value}; shift 2 ;;
    --port) port=${2:?--port needs a value}; shift 2 ;;
    --keep) keep=1; shift ;;
    --dry-run) dry=1; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    -*) usage >&2; echo "netns-topology: unknown option '$1'" >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
((${#positional[@]} == 2)) || { usage >&2; exit 2; }
scenario=${positional[0]}
distcnn=${positional[1]}
[[ $frames =~ ^[1-9][0-9]*$ ]] || { echo "netns-topology: --frames must be a positive integer" >&2; exit 2; }
[[ $time_limit =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "netns-topology: --time-limit must be a number of seconds" >&2; exit 2; }
[[ $run_timeout =~ ^[1-9][0-9]*$ ]] || { echo "netns-topology: --timeout must be a positive integer" >&2; exit 2; }
if ! [[ $port =~ ^[1-9][0-9]*$ ]] || ((port > 65535)); then
  echo "netns-topology: bad --port" >&2; exit 2
fi
if [[ -n $rate_mbit ]] && ! awk -v r="$rate_mbit" 'BEGIN { exit !(r + 0 > 0 && r ~ /^[0-9.eE+]+$/) }'; then
  echo "netns-topology: --rate-mbit must be a positive number" >&2; exit 2
fi
[[ -f $scenario ]] || die "scenario '$scenario' not found"
[[ -x $distcnn ]] || die "'$distcnn' is not an executable"
distcnn=$(realpath "$distcnn")
for tool in jq timeout awk; do
  command -v "$tool" >/dev/null || die "'$tool' is required (Debian: apt-get install ${tool/timeout/coreutils})"
done
if ((!dry)); then
  ((EUID == 0)) || die "must run as root (network namespaces); try --dry-run"
  for tool in ip tc; do
    command -v "$tool" >/dev/null || die "'$tool' is required (Debian: apt-get install iproute2)"
  done
fi

# ---------------------------------------------------------------- state and cleanup
prefix="dc$$-"       # every namespace this invocation creates starts with it
hub="${prefix}hub"   # holds the bridge that joins every radio link
coord="${prefix}coord"
coord_addr=10.77.0.1
namespaces=()        # created so far, in creation order
node_pids=()
children=()          # `distcnn plan` / `distcnn run` (under timeout), waited for in the background
work=$(mktemp -d "${TMPDIR:-/tmp}/distcnn-netns.XXXXXX")

cleanup() {
  local status=$? ns pid
  trap - EXIT INT TERM
  set +e
  for pid in "${children[@]}" "${node_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${children[@]}" "${node_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  # Anything else still running inside our namespaces was started by us.
  for ns in "${namespaces[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  done
  if ((keep)); then
    if ((${#namespaces[@]})); then
      say "kept namespaces ${namespaces[*]}"
      say "  remove with: for n in ${namespaces[*]}; do ip netns del \$n; done"
    fi
    say "kept work directory $work"
  else
    # Deleting a namespace destroys its veth ends (and so their peers) and the bridge.
    for ((i = ${#namespaces[@]} - 1; i >= 0; i--)); do ip netns del "${namespaces[i]}" 2>/dev/null; done
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# x CMD...: run CMD, or print it under --dry-run.
x() {
  if ((dry)); then
    printf '+'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

# ---------------------------------------------------------------- topology from the plan
say "planning $scenario"
plan_status=0
# In the background so that a signal interrupts the wait (and cleanup kills it).
timeout -k 5 "$(awk -v t="$time_limit" 'BEGIN { printf "%d", t + 61 }')" "$distcnn" plan "$scenario" --solver "$solver" \
  --time-limit "$time_limit" --json "$work/plan.json" >"$work/plan.txt" 2>"$work/plan.log" &
children+=($!)
wait "$!" || plan_status=$?
if ((plan_status != 0)); then
  cat "$work/plan.log" "$work/plan.txt" >&2
  die "distcnn plan failed (exit $plan_status)"
fi
jq -e '.topology.units' "$work/plan.json" >/dev/null ||
  die "the plan JSON has no 'topology' field: $distcnn is older than this script"

mapfile -t units < <(jq -r '.topology.units[]' "$work/plan.json")
((${#units[@]} > 0)) || die "the scenario has no units"
((${#units[@]} <= 62000)) || die "too many units for 10.77.0.0/16"
rate_bps=$(jq -r '.topology.rate_bps' "$work/plan.json")
if [[ -n $rate_mbit ]]; then
  rate_bps=$(awk -v r="$rate_mbit" 'BEGIN { printf "%.0f", r * 1e6 }')
else
  rate_bps=$(awk -v r="$rate_bps" 'BEGIN { printf "%.0f", r }')
fi
((rate_bps >= 8000)) || die "link rate $rate_bps bit/s is below tc's useful range"
# Units that take part: hold a layer or lie on a route (a merged source or sink
# stands for its unit). The coordinator starts a local process for any other
# participant, which the report would show as a local node process.
mapfile -t participants < <(jq -r '
  .topology as $t | ($t.units | map({(.): true}) | add) as $unit
  | ([.units // {} | keys[]] + [.cnns // {} | .[].routes[].path[] | ($t.at[.] // .)])
  | unique[] | select($unit[.])' "$work/plan.json")
# Unit-to-unit radio links (a link to a merged source/sink is a link to its unit;
# links to sources/sinks of their own end in the coordinator namespace).
mapfile -t unit_links < <(jq -r '
  .topology as $t | ($t.units | map({(.): true}) | add) as $unit
  | $t.links[] | map($t.at[.] // .)
  | select(.[0] != .[1] and $unit[.[0]] and $unit[.[1]])
  | "\(.[0])\t\(.[1])"' "$work/plan.json")

declare -A index_of addr_of
for i in "${!units[@]}"; do
  index_of[${units[i]}]=$i
  addr_of[${units[i]}]="10.77.$((i / 250 + 1)).$((i % 250 + 1))"
done
unit_ns() { echo "${prefix}u$1"; }

rate_mbit_shown=$(awk -v r="$rate_bps" 'BEGIN { printf "%.6g", r / 1e6 }')
say "${#units[@]} units (${#participants[@]} take part), ${#unit_links[@]} unit-unit links," \
  "shaped at $rate_mbit_shown Mbit/s; namespaces ${prefix}*; work directory $work"
# tbf: a bucket of 0.25 ms of traffic, at least one full Ethernet frame (tbf
# splits GSO packets to frames), so that a transfer gets almost no free burst;
# 100 ms of queue.
burst=$(awk -v r="$rate_bps" 'BEGIN { b = r / 8 / 4000; if (b < 1600) b = 1600; printf "%.0f", b }')
shape() {  # shape NAMESPACE DEVICE
  x tc -n "$1" qdisc replace dev "$2" root tbf rate "${rate_bps}bit" burst "$burst" latency 100ms
}
# shellcheck disable=SC2016  # $c expands in the namespace's shell
disable_ipv6='for c in all default; do echo 1 >/proc/sys/net/ipv6/conf/$c/disable_ipv6; done'
new_ns() {
  x ip netns add "$1"
  namespaces+=("$1")
  x ip -n "$1" link set lo up
  if [[ -e /proc/sys/net/ipv6 ]]; then  # no IPv6 chatter on the shaped links
    x ip netns exec "$1" sh -c "$disable_ipv6"
  fi
}

# ---------------------------------------------------------------- namespaces and links
# hub: a bridge; each unit and the coordinator hang off it by one veth pair.
new_ns "$hub"
x ip -n "$hub" link add br0 type bridge
x ip -n "$hub" link set br0 up
new_ns "$coord"
x ip -n "$hub" link add pc type veth peer name radio netns "$coord"
x ip -n "$hub" link set pc master br0
x ip -n "$hub" link set pc up
x ip -n "$coord" addr add "$coord_addr/16" dev radio
x ip -n "$coord" link set radio up
for u in "${units[@]}"; do
  i=${index_of[$u]}
  ns=$(unit_ns "$i")
  new_ns "$ns"
  x ip -n "$hub" link add "p$i" type veth peer name radio netns "$ns"
  x ip -n "$hub" link set "p$i" master br0
  x ip -n "$hub" link set "p$i" up
  x ip -n "$ns" addr add "${addr_of[$u]}/32" dev radio
  x ip -n "$ns" link set radio up
  # Only the coordinator and the radio neighbours are reachable.
  x ip -n "$ns" route add "$coord_addr/32" dev radio
  shape "$ns" radio     # what the unit transmits
  shape "$hub" "p$i"    # what the unit receives
done
for link in "${unit_links[@]}"; do
  a=${link%%$'\t'*}
  b=${link#*$'\t'}
  x ip -n "$(unit_ns "${index_of[$a]}")" route add "${addr_of[$b]}/32" dev radio
  x ip -n "$(unit_ns "${index_of[$b]}")" route add "${addr_of[$a]}/32" dev radio
done

# ---------------------------------------------------------------- nodes
nodes_file="$work/nodes.yaml"
echo "nodes:" >"$nodes_file"
for u in "${participants[@]}"; do
  i=${index_of[$u]}
  endpoint="tcp://${addr_of[$u]}:$port"
  printf '  %s: %s\n' "$(jq -n --arg s "$u" '$s')" "$(jq -n --arg s "$endpoint" '$s')" >>"$nodes_file"
  log="$work/node-$i.log"
  if ((dry)); then
    x ip netns exec "$(unit_ns "$i")" "$distcnn" node --listen "$endpoint" --name "$u" \
      --deploy-timeout 60 --kernels "$kernels"
  else
    ip netns exec "$(unit_ns "$i")" "$distcnn" node --listen "$endpoint" --name "$u" \
      --deploy-timeout 60 --kernels "$kernels" >"$log" 2>&1 &
    node_pids+=($!)
  fi
done
if ((!dry)); then
  # Each node prints "distcnn node NAME: listening on ENDPOINT" once bound.
  deadline=$((SECONDS + 20))
  for k in "${!participants[@]}"; do
    u=${participants[k]}
    log="$work/node-${index_of[$u]}.log"
    until grep -q "listening on" "$log" 2>/dev/null; do
      if ! kill -0 "${node_pids[k]}" 2>/dev/null; then
        cat "$log" >&2
        die "node $u exited before listening"
      fi
      ((SECONDS < deadline)) || die "node $u did not listen within 20 s (log: $(tail -n 3 "$log"))"
      sleep 0.1
    done
  done
  say "nodes listening: ${participants[*]}"
fi

# ---------------------------------------------------------------- the run
# The run executes the very plan the namespaces were built for (`run --plan`);
# a distcnn without that flag solves again, which gives the same plan when the
# solver finishes (a mismatch fails below, never silently).
if timeout 10 "$distcnn" run --help 2>/dev/null | grep -q -- '--plan'; then
  plan_args=(--plan "$work/plan.json")
else
  plan_args=(--solver "$solver" --time-limit "$time_limit")
fi
run_cmd=("$distcnn" run "$scenario" "${plan_args[@]}" --nodes "$nodes_file"
  --bind "tcp://$coord_addr:*" --frames "$frames" --kernels "$kernels"
  --json "$work/report.json" "${extra[@]}")
if ((dry)); then
  echo "# $nodes_file (removed on exit):"; sed 's/^/#   /' "$nodes_file"
  x ip netns exec "$coord" timeout -k 5 "$run_timeout" "${run_cmd[@]}"
  exit 0
fi
say "running: distcnn run ... --frames $frames (bounded by $run_timeout s)"
run_status=0
ip netns exec "$coord" timeout -k 5 "$run_timeout" "${run_cmd[@]}" >"$work/report.txt" \
  2>"$work/run.log" &
children+=($!)
wait "$!" || run_status=$?
cat "$work/report.txt"

# Evidence that the traffic crossed the kernel links: bytes through each shaper.
echo "kernel links (tbf at $rate_mbit_shown Mbit/s): bytes sent / received by each unit"
for u in "${participants[@]}"; do
  i=${index_of[$u]}
  tx=$(tc -n "$(unit_ns "$i")" -s qdisc show dev radio | awk '/^ Sent/ { print $2; exit }')
  rx=$(tc -n "$hub" -s qdisc show dev "p$i" | awk '/^ Sent/ { print $2; exit }')
  printf '  %s (%s): sent %s B, received %s B\n' "$u" "${addr_of[$u]}" "${tx:-?}" "${rx:-?}"
done

if ((run_status != 0)); then
  ((run_status == 124)) && say "distcnn run exceeded --timeout $run_timeout s"
  say "distcnn run failed (exit $run_status); its log:"
  tail -n 30 "$work/run.log" >&2
  for u in "${participants[@]}"; do
    say "node $u log:"; tail -n 5 "$work/node-${index_of[$u]}.log" >&2
  done
  exit 1
fi
local_processes=$(jq -r '.processes' "$work/report.json") ||
  die "no JSON report from distcnn run"
[[ $local_processes == 0 ]] ||
  die "the coordinator started $local_processes local node process(es) outside the namespaces"
short=$(jq -r --argjson n "$frames" '.cnns[] | select(.frames_sent != $n or .frames_received != $n)
  | "\(.name): \(.frames_received)/\(.frames_sent) of \($n) frames"' "$work/report.json")
[[ -z $short ]] || die "frames lost: $short"
say "ok: every frame arrived, all ${#participants[@]} nodes ran in their namespaces"
