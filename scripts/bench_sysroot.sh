#!/bin/sh
# mtc — private arm64 sysroot for the peer benchmarks (XNNPACK, ArmNN/ACL) under qemu-aarch64
# SPDX-License-Identifier: Apache-2.0
#
# Downloads Debian arm64 packages with apt-get's own private state directories and unpacks them
# with dpkg -x: the machine's dpkg architecture list and apt lists are never changed.
# Idempotent: packages already unpacked are not downloaded again.
#
# Usage: scripts/bench_sysroot.sh [DIR]      (default: <repo>/build/bench-sysroot)
# Result: DIR/root (the arm64 files), DIR/roots/<cpu> (qemu -L prefixes with a fake /proc/cpuinfo
#         matching each emulated core), DIR/include (XNNPACK / pthreadpool headers).
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
A=${1:-$repo/build/bench-sysroot}
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/dl" "$A/root" "$A/include"
[ -f "$A/status" ] || : > "$A/status"
O="-o Dir::State::Lists=$A/lists -o Dir::Cache=$A/cache -o Dir::State::status=$A/status \
   -o APT::Architecture=arm64 -o APT::Architectures::=arm64 \
   -o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false -o Debug::NoLocking=1"

# Runtime libraries (arm64) and the -dev packages whose headers we need (architecture-independent).
PKGS="libc6 libgcc-s1 libstdc++6 libgomp1 libxnnpack0 libpthreadpool0 libcpuinfo0 \
 libarmnn22 libarmnn-cpuacc-backend22 libarmnnaclcommon22 libarm-compute20 \
 libarmnntfliteparser22 libflatbuffers2 ocl-icd-libopencl1 \
 libxnnpack-dev libpthreadpool-dev libarmnn-dev libarmnntfliteparser-dev"

missing=""
for p in $PKGS; do
  [ -f "$A/dl/.done.$p" ] || missing="$missing $p"
done

if [ -n "$missing" ]; then
  if ! ls "$A/lists/"*Packages* >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    if ! apt-get $O update >"$A/apt-update.log" 2>&1 || ! ls "$A/lists/"*Packages* >/dev/null 2>&1; then
      echo "error: bench_sysroot: cannot reach the Debian archive (apt-get update failed; see $A/apt-update.log)" >&2
      exit 1
    fi
  fi
  for p in $missing; do
    # shellcheck disable=SC2086
    if (cd "$A/dl" && apt-get $O download "$p" >"$A/dl/$p.log" 2>&1); then
      for f in "$A/dl/${p}_"*.deb; do dpkg -x "$f" "$A/root"; done
      : > "$A/dl/.done.$p"
    else
      echo "warning: bench_sysroot: could not download arm64 package '$p' (see $A/dl/$p.log); peers needing it will be skipped" >&2
    fi
  done
fi

# Headers: copy the public headers into a directory that contains only them, so the cross
# compiler never sees the rest of an arm64 /usr/include (it uses its own libc headers).
inc="$A/root/usr/include"
for h in xnnpack.h pthreadpool.h; do
  [ -f "$inc/$h" ] && cp -f "$inc/$h" "$A/include/$h"
done
[ -d "$inc/armnn" ] && rm -rf "$A/include/armnn" && cp -r "$inc/armnn" "$A/include/armnn"
[ -d "$inc/armnnTfLiteParser" ] && rm -rf "$A/include/armnnTfLiteParser" && cp -r "$inc/armnnTfLiteParser" "$A/include/armnnTfLiteParser"

# qemu -L prefixes: one per emulated core. qemu looks up /proc/cpuinfo inside the prefix, and the
# cpuinfo library derives XNNPACK's micro-architecture choice from the MIDR fields there; the
# values are the MIDRs qemu 7.2 reports for each -cpu (checked with `mrs midr_el1`).
base="fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid"
# ACL reads the core model from sysfs (midr_el1) instead, so the prefix has that file too.
mkroot() { # name implementer variant part revision features midr
  r="$A/roots/$1"
  mkdir -p "$r/proc" "$r/sys/devices/system/cpu/cpu0/regs/identification"
  printf '0x%016x\n' "$7" > "$r/sys/devices/system/cpu/cpu0/regs/identification/midr_el1"
  # Hard-linked copies, not symlinks: ArmNN canonicalizes its backend path, and a symlink out of
  # the prefix would then point outside it.
  for d in lib usr etc; do
    rm -rf "${r:?}/$d"
    [ -d "$A/root/$d" ] && cp -al "$A/root/$d" "$r/$d"
  done
  printf 'processor\t: 0\nBogoMIPS\t: 100.00\nFeatures\t: %s\nCPU implementer\t: %s\nCPU architecture: 8\nCPU variant\t: %s\nCPU part\t: %s\nCPU revision\t: %s\n\n' \
    "$6" "$2" "$3" "$4" "$5" > "$r/proc/cpuinfo"
  for f in possible present online; do echo 0 > "$r/sys/devices/system/cpu/$f"; done
}
mkroot cortex-a53 0x41 0x0 0xd03 4 "$base" 0x410fd034
mkroot cortex-a72 0x41 0x0 0xd08 3 "$base" 0x410fd083
mkroot cortex-a76 0x41 0x4 0xd0b 1 "$base atomics fphp asimdhp asimdrdm lrcpc dcpop asimddp" 0x414fd0b1
mkroot max 0x00 0x0 0x051 0 "$base atomics fphp asimdhp asimdrdm lrcpc dcpop asimddp i8mm" 0x000f0510

echo "bench_sysroot: arm64 sysroot ready in $A"
for lib in libXNNPACK.so.0 libarmnn.so.22 libarm_compute.so.20; do
  if ls "$A/root/usr/lib/aarch64-linux-gnu/$lib"* >/dev/null 2>&1; then echo "  have $lib"; else echo "  missing $lib"; fi
done
