#!/usr/bin/python3
# mtc — maps insn_count's per-block profile to the functions of an ELF (phase split of a run)
# SPDX-License-Identifier: Apache-2.0
"""Sums the instructions of insn_count's `blocks=` profile per function of an ELF file, using its
symbol table (llvm-nm-19), and prints the functions by share.

Usage: bench/attribute_blocks.py BLOCKS ELF [--base ADDR] [--all] [--top N] [--group REGEX=NAME ...]
  --base   load address of ELF in the guest (0 for static executables; for a shared object, the
           address its first segment was mapped at, e.g. from the guest's /proc/self/maps)
  --all    count every execution instead of only those inside the marker window
  --group  add a phase row summing the functions whose name matches REGEX (e.g. 'im2col=im2col')
Blocks are attributed by their start address; a block that starts outside every symbol of the
ELF is counted as "(outside ELF)".
"""
import argparse
import bisect
import re
import shutil
import subprocess
import sys


def loadSymbols(elf):
  nm = shutil.which("llvm-nm-19") or shutil.which("llvm-nm")
  if nm is None:
    sys.exit("error: llvm-nm-19 not found (apt-get install llvm-19)")
  syms = []
  for flags in (["--defined-only", "-S"], ["--defined-only", "-S", "-D"]):
    r = subprocess.run([nm] + flags + [elf], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
      sys.exit("error: %s: %s" % (elf, r.stderr.strip()))
    for line in r.stdout.splitlines():
      parts = line.split()
      if len(parts) == 4 and parts[2] in "tTwW":
        syms.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
  syms = sorted(set(syms))
  if not syms:
    sys.exit("error: %s has no function symbols" % elf)
  return syms


def main():
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  ap.add_argument("blocks")
  ap.add_argument("elf")
  ap.add_argument("--base", default="0")
  ap.add_argument("--all", action="store_true")
  ap.add_argument("--top", type=int, default=15)
  ap.add_argument("--group", action="append", default=[])
  a = ap.parse_args()
  try:
    base = int(a.base, 0)
  except ValueError:
    sys.exit("error: --base '%s' is not a number" % a.base)
  groups = []
  for g in a.group:
    if "=" not in g:
      sys.exit("error: --group '%s' must be REGEX=NAME" % g)
    rx, name = g.split("=", 1)
    try:
      groups.append((re.compile(rx), name))
    except re.error as e:
      sys.exit("error: --group '%s': %s" % (g, e))
  syms = loadSymbols(a.elf)
  starts = [s[0] for s in syms]
  perFn, total = {}, 0
  try:
    with open(a.blocks) as f:
      for lineNo, line in enumerate(f, 1):
        parts = line.split()
        if len(parts) != 4:
          sys.exit("error: %s:%d: expected 'vaddr ninsns execs window_execs'" % (a.blocks, lineNo))
        vaddr, n, execs, win = int(parts[0], 16), int(parts[1]), int(parts[2]), int(parts[3])
        count = n * (execs if a.all else win)
        if not count:
          continue
        total += count
        addr = vaddr - base
        i = bisect.bisect_right(starts, addr) - 1
        name = "(outside ELF)"
        if i >= 0 and addr < syms[i][0] + max(syms[i][1], 1):
          name = syms[i][2]
        perFn[name] = perFn.get(name, 0) + count
  except OSError as e:
    sys.exit("error: cannot read %s: %s" % (a.blocks, e.strerror))
  if not total:
    sys.exit("error: no instructions in the %s" % ("profile" if a.all else "marker window"))
  cxxfilt = shutil.which("llvm-cxxfilt-19") or shutil.which("c++filt")
  names = sorted(perFn, key=lambda k: -perFn[k])
  shown = names[:a.top]
  pretty = shown
  if cxxfilt:
    r = subprocess.run([cxxfilt], input="\n".join(shown), stdout=subprocess.PIPE, text=True)
    if r.returncode == 0 and len(r.stdout.splitlines()) == len(shown):
      pretty = r.stdout.splitlines()
  print("total %d instructions" % total)
  for rx, gname in groups:
    c = sum(v for k, v in perFn.items() if rx.search(k))
    print("phase %-20s %14d %6.2f %%" % (gname, c, 100.0 * c / total))
  for raw, p in zip(shown, pretty):
    print("%14d %6.2f %%  %s" % (perFn[raw], 100.0 * perFn[raw] / total, p[:150]))


if __name__ == "__main__":
  main()
