#!/usr/bin/env bash
# Installs the Debian 12 packages distcnn needs (run as root). Does nothing
# when they are all present, so it is cheap to run before every build.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  coinor-libcbc-dev
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
  gnuplot-nox libstb-dev
  libzmq3-dev cppzmq-dev
  libdnnl-dev ocl-icd-opencl-dev  # dnnl-config.cmake looks for OpenCL (a Recommends)
  iproute2 jq                 # scripts/netns-topology.sh
  clang libclang-rt-14-dev    # libFuzzer targets, fuzz/ (docs/fuzzing.md)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
