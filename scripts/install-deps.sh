#!/usr/bin/env bash
# Installs the Debian 12 packages alchain needs (idempotent: does nothing when all are present):
# the build, the tests' Python readers, the fuzzers' clang; with --engines the cluster engines.
#   bash scripts/install-deps.sh          # build, run and test (clang: the fuzz targets)
#   bash scripts/install-deps.sh --engines  # also Slurm, munge, Snakemake and GNU parallel (the tests)
set -euo pipefail
packages=(
  cmake g++ ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread
  libboost-dev libboost-program-options-dev libboost-filesystem-dev
  libtomlplusplus-dev libopencv-dev libhdf5-dev zlib1g-dev doctest-dev
  dataset-fashion-mnist
  python3-h5py python3-numpy python3-matplotlib python3-torchvision
  clang libclang-rt-14-dev
  libgloo-dev python3-torch  # c10d's Gloo headers (run/communicator.cpp), torchrun for the ranks test, bench/'s reference
)
# The engines the tests run the exports on (docs/cluster.md); not needed to build or run alchain.
[[ "${1:-}" == "--engines" ]] && packages+=(slurm-wlm munge snakemake parallel)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
