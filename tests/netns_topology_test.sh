#!/usr/bin/env bash
# CTest driver for scripts/netns-topology.sh on tests/netns/cnn5-chain.yaml.
# Run 1: every frame arrives, every unit ran in its own namespace (no local
# node process), each unit's shaped link carried traffic both ways, u1 relayed
# u0 -> u2, and no namespace is left behind. Run 2 (--keep): the kernel routes
# follow the hop graph (u0 reaches u1 and the coordinator, not u2) and the
# links are shaped at wifi4's rate. Exits 77 (CTest: skipped) when not root or
# when this kernel/container cannot create namespaces, bridges, veths or tbf.
#
#   netns_topology_test.sh SCRIPT DISTCNN SCENARIO
set -euo pipefail
script=$1
distcnn=$2
scenario=$3
frames=3

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

((EUID == 0)) || skip "needs root (network namespaces)"
for tool in ip tc jq; do
  command -v "$tool" >/dev/null || skip "'$tool' is not installed"
done
probe="dc$$-probe"
ip netns add "$probe" 2>/dev/null || skip "'ip netns add' fails here"
trap 'ip netns del "$probe" 2>/dev/null || true' EXIT
ip -n "$probe" link add br0 type bridge 2>/dev/null || skip "no bridge support"
ip -n "$probe" link add v0 type veth peer name v1 2>/dev/null || skip "no veth support"
tc -n "$probe" qdisc add dev v0 root tbf rate 1mbit burst 3200 latency 100ms 2>/dev/null ||
  skip "no tbf qdisc"
ip netns del "$probe"
trap - EXIT

out=$(mktemp)
spid=""
cleanup() {
  # Whatever happens, remove the namespaces of the last run (the script does so
  # itself except under --keep) and its work directory.
  if [[ -n $spid ]]; then
    for ns in $(ip netns list | awk -v p="dc$spid-" 'index($1, p) == 1 { print $1 }'); do
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    done
    work=$(sed -n 's/.*kept work directory \(.*\)$/\1/p' "$out")
    if [[ -n $work && -d $work ]]; then rm -rf "$work"; fi
  fi
  rm -f "$out"
}
trap cleanup EXIT
# run ARGS...: the script in the background (its PID names its namespaces dcPID-*).
run() {
  local status=0
  "$script" "$scenario" "$distcnn" --timeout 60 "$@" >"$out" 2>&1 &
  spid=$!
  wait "$spid" || status=$?
  cat "$out"
  ((status == 0)) || fail "netns-topology.sh $* exited with $status"
}
ours() { ip netns list | awk -v p="dc$spid-" 'index($1, p) == 1 { n++ } END { print n + 0 }'; }

# 1. The run: every frame over the kernel links, then nothing left behind.
run --frames "$frames"
grep -Eq "^net \(zoo:cnn5\): $frames/$frames frames(,|$)" "$out" || fail "the report does not show $frames/$frames frames"
grep -q "(0 local node processes)" "$out" || fail "some node ran outside the namespaces"
if grep -q "^FAILURE" "$out"; then fail "the run reported a failure"; fi
# What each node sent (the report, application bytes) went through its shaped
# link (the script's tc counters, kernel bytes with headers), and each received
# at least its deployment.
for u in u0 u1 u2 u3; do
  app=$(sed -n "s/^  $u: .*; sent [0-9]* messages (\([0-9]*\) B).*/\1/p" "$out")
  read -r tx rx < <(sed -n "s/^  $u (10\.77\.[0-9.]*): sent \([0-9]*\) B, received \([0-9]*\) B$/\1 \2/p" "$out")
  [[ -n $app && -n ${tx:-} && -n ${rx:-} ]] || fail "no report or link counters for $u"
  ((tx >= app)) || fail "$u sent $app B but its shaped link carried only $tx B"
  ((rx >= 1000)) || fail "$u's shaped link delivered only $rx B to it"
done
grep -Eq "^  u1: \(relay only\); sent $frames messages .*relayed $frames$" "$out" ||
  fail "u1 did not relay every frame from u0 to u2"
(($(ours) == 0)) || fail "namespaces dc$spid-* left behind: $(ip netns list | grep "^dc$spid-")"

# 2. --keep: the kernel topology follows the hop graph, links shaped at wifi4's rate.
run --frames 1 --keep
u0="dc$spid-u0"
(($(ours) == 6)) || fail "expected 6 namespaces (hub, coord, 4 units), found $(ours)"
ip -n "$u0" route get 10.77.1.2 >/dev/null 2>&1 || fail "u0 cannot route to its neighbour u1"
if ip -n "$u0" route get 10.77.1.3 >/dev/null 2>&1; then
  fail "u0 can route to u2, which is 2 hops away"
fi
ip -n "$u0" route get 10.77.0.1 >/dev/null 2>&1 || fail "u0 cannot route to the coordinator"
tc -n "$u0" qdisc show dev radio | grep -q "tbf .* rate 72200Kbit" ||
  fail "u0's link is not shaped at 72.2 Mbit/s: $(tc -n "$u0" qdisc show dev radio)"
cleanup
(($(ours) == 0)) || fail "could not remove the kept namespaces"
spid=""
echo "PASS"
