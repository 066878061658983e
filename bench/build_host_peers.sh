#!/bin/sh
# mtc — builds the x86-64 host peer drivers (XNNPACK, oneDNN) for bench/host_bench.py
# SPDX-License-Identifier: Apache-2.0
# Usage: bench/build_host_peers.sh [--install] [BUILD_DIR]      (default BUILD_DIR: build-host-bench)
#   --install  first apt-get install the Debian packages that are missing (libxnnpack-dev,
#              libpthreadpool-dev, libdnnl-dev); needs root. Installed packages are left alone.
# Builds xnn_conv (bench/peers/xnn_conv.c unchanged, plus xnn_host_timing.c for wall-clock
# timing) and dnnl_conv. A peer whose package is missing is skipped with a warning; the other one
# is still built. Rebuilds only what changed. Exit status 1 when a compiler run failed.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
install=0
if [ "${1:-}" = "--install" ]; then
  install=1
  shift
fi
out=${1:-$repo/build-host-bench}
P=$repo/bench/peers
PKGS="libxnnpack-dev libpthreadpool-dev libdnnl-dev"
mkdir -p "$out" || exit 1
status=0

installed() { # package: true if dpkg has it installed
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}
newer() { # target sources... : true if target is missing or older than a source
  t=$1; shift
  [ -f "$t" ] || return 0
  for s in "$@"; do [ "$s" -nt "$t" ] && return 0; done
  return 1
}

if [ $install = 1 ]; then
  missing=""
  for p in $PKGS; do installed "$p" || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "warning: build_host_peers: not root; cannot install$missing" >&2
    else
      echo "build_host_peers: apt-get install -y$missing" >&2
      # shellcheck disable=SC2086
      if ! apt-get install -y $missing >"$out/apt-install.log" 2>&1; then
        # A stale package list is the usual cause: refresh it once and try again.
        apt-get update >>"$out/apt-install.log" 2>&1
        # shellcheck disable=SC2086
        apt-get install -y $missing >>"$out/apt-install.log" 2>&1 ||
          echo "warning: build_host_peers: apt-get install$missing failed (see $out/apt-install.log); peers needing them are skipped" >&2
      fi
    fi
  fi
fi

for tool in gcc g++; do
  command -v "$tool" >/dev/null || { echo "error: build_host_peers: '$tool' not found (apt-get install g++)" >&2; exit 1; }
done
if [ -f /usr/include/xnnpack.h ] && [ -f /usr/include/pthreadpool.h ]; then
  if newer "$out/xnn_conv" "$P/xnn_conv.c" "$P/xnn_host_timing.c" "$P/common.h" "$P/host_timing.h"; then
    gcc -O2 -Wall -Wextra -o "$out/xnn_conv" "$P/xnn_conv.c" "$P/xnn_host_timing.c" \
      -Wl,--wrap=xnn_run_operator -lXNNPACK -lpthreadpool -lm || status=1
  fi
else
  echo "warning: build_host_peers: XNNPACK headers missing (apt-get install libxnnpack-dev libpthreadpool-dev, or run with --install); xnn_conv skipped" >&2
fi
if [ -f /usr/include/oneapi/dnnl/dnnl.hpp ]; then
  if newer "$out/dnnl_conv" "$P/dnnl_conv.cc" "$P/common.h" "$P/host_timing.h"; then
    g++ -O2 -std=c++17 -Wall -Wextra -o "$out/dnnl_conv" "$P/dnnl_conv.cc" -ldnnl || status=1
  fi
else
  echo "warning: build_host_peers: oneDNN headers missing (apt-get install libdnnl-dev, or run with --install); dnnl_conv skipped" >&2
fi
exit $status
