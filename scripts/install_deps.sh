#!/usr/bin/env bash
# Installs the Debian 12 packages mtc needs to build, test and run (idempotent; run as root).
set -euo pipefail
PKGS=(
  cmake ninja-build g++ python3 python3-numpy git
  llvm-19-dev clang-19 lld-19 llvm-19-tools
  g++-aarch64-linux-gnu qemu-user
  libfmt-dev catch2 libcli11-dev libzip-dev libgemmlowp-dev
  zlib1g-dev libzstd-dev
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "mtc: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
