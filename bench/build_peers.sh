#!/bin/sh
# mtc — builds the insn_count plugin and the aarch64 peer drivers into BUILD_DIR (default build-bench)
# SPDX-License-Identifier: Apache-2.0
# Usage: bench/build_peers.sh [BUILD_DIR [SYSROOT_DIR]]
# Needs gcc, aarch64-linux-gnu-gcc/g++ (g++-aarch64-linux-gnu) and libgemmlowp-dev; XNNPACK and
# ArmNN come from the private arm64 sysroot of scripts/bench_sysroot.sh. A peer whose package is
# missing is skipped with a message; the others are still built. Rebuilds only what changed.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/build-bench}
S=${2:-$repo/build/bench-sysroot}
L=$S/root/usr/lib/aarch64-linux-gnu
P=$repo/bench/peers
mkdir -p "$out"
status=0
newer() { # target sources... : true if target is missing or older than a source
  t=$1; shift
  [ -f "$t" ] || return 0
  for s in "$@"; do [ "$s" -nt "$t" ] && return 0; done
  return 1
}
for tool in gcc aarch64-linux-gnu-gcc aarch64-linux-gnu-g++; do
  command -v "$tool" >/dev/null || { echo "error: build_peers: '$tool' not found (install g++-aarch64-linux-gnu)" >&2; exit 1; }
done
if newer "$out/libinsn_count.so" "$repo/bench/qemu_plugin/insn_count.c"; then
  gcc -O2 -Wall -Wextra -shared -fPIC -o "$out/libinsn_count.so" "$repo/bench/qemu_plugin/insn_count.c" || exit 1
fi
# mtc's own module runner, built the way `mtc run` builds it, for counting compiled modules.
if newer "$out/mtc_runner" "$repo/runtime/mtc_runner.c" "$repo/runtime/mtc_runtime.h"; then
  aarch64-linux-gnu-gcc -std=c99 -O2 -I"$repo/runtime" -o "$out/mtc_runner" "$repo/runtime/mtc_runner.c" || exit 1
fi
if [ -f "$L/libXNNPACK.so.0" ] && [ -f "$S/include/xnnpack.h" ]; then
  if newer "$out/xnn_conv" "$P/xnn_conv.c" "$P/common.h"; then
    aarch64-linux-gnu-gcc -O2 -Wall -Wextra -I"$S/include" -o "$out/xnn_conv" "$P/xnn_conv.c" \
      "$L/libXNNPACK.so.0" "$L/libpthreadpool.so.0" -Wl,-rpath-link,"$L:$S/root/lib/aarch64-linux-gnu" -lm || status=1
  fi
else
  echo "warning: build_peers: XNNPACK (libxnnpack0/libxnnpack-dev arm64) missing in $S; run scripts/bench_sysroot.sh; xnn_conv skipped" >&2
fi
if [ -f /usr/include/gemmlowp/public/gemmlowp.h ]; then
  if newer "$out/gemmlowp_gemm" "$P/gemmlowp_gemm.cc" "$P/common.h"; then
    aarch64-linux-gnu-g++ -O2 -std=c++17 -static -I/usr/include/gemmlowp -o "$out/gemmlowp_gemm" \
      "$P/gemmlowp_gemm.cc" -lpthread || status=1
  fi
  # The dotprod kernel is chosen at compile time in gemmlowp, so it is a second binary.
  if newer "$out/gemmlowp_gemm_dot" "$P/gemmlowp_gemm.cc" "$P/common.h"; then
    aarch64-linux-gnu-g++ -O2 -std=c++17 -static -march=armv8.2-a+dotprod -DGEMMLOWP_DOTPROD_KERNEL \
      -I/usr/include/gemmlowp -o "$out/gemmlowp_gemm_dot" "$P/gemmlowp_gemm.cc" -lpthread || status=1
  fi
else
  echo "warning: build_peers: gemmlowp headers missing (apt-get install libgemmlowp-dev); gemmlowp_gemm skipped" >&2
fi
if [ -f "$P/acl_conv.cc" ]; then
  if [ -f "$L/libarmnn.so.22" ] && [ -d "$S/include/armnn" ]; then
    if newer "$out/acl_conv" "$P/acl_conv.cc" "$P/common.h"; then
      aarch64-linux-gnu-g++ -O2 -std=c++14 -I"$S/include" -o "$out/acl_conv" "$P/acl_conv.cc" \
        "$L/libarmnn.so.22" -Wl,-rpath-link,"$L:$S/root/lib/aarch64-linux-gnu" || status=1
    fi
  else
    echo "warning: build_peers: ArmNN (libarmnn22/libarmnn-dev arm64) missing in $S; acl_conv skipped" >&2
  fi
fi
exit $status
