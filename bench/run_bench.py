#!/usr/bin/python3
# mtc — peer benchmark driver: instructions per MAC of quantized conv2d under qemu-aarch64
# SPDX-License-Identifier: Apache-2.0
"""Counts the aarch64 instructions one conv2d costs in mtc's compiled modules and in each peer
library (XNNPACK, gemmlowp, ACL through ArmNN when built) with the project's insn_count TCG
plugin, for each workload and each emulated core (Armv8.0 cortex-a53, dotprod cortex-a76, i8mm
max), checks every peer's output against mtc's, and splits mtc's count into phases (packing,
micro-kernel, epilogue, other) by address with the module's symbols.

One conv = (window count at ITERS=3 - window count at ITERS=1) / 2, where the window is the
driver's run loop between the plugin's markers: operator creation, weight packing and one-time
setup cancel. Instructions per MAC = that / (B*OH*OW*OC*KH*KW*IC), padded taps included.

Usage: bench/run_bench.py [--full] [--variants a53,a76,max] [--peers ...] [--jobs 2]
                          [--doc docs/benchmarks.md] [--plot FILE.png] [--build] [--mtc BIN]
"""

import argparse
import bisect
import concurrent.futures
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

import doc_section
import mtc_conv

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# inception_v3 conv layers of TVM's test_conv2d_NHWC_gemm_int8 (B, IC, H=W, OC, K, stride,
# padding on all four sides, dilation); the padding is TOPI's SAME/VALID already resolved.
WORKLOADS = [
    (1, 3, 299, 32, 3, 2, 1, 1), (1, 32, 149, 32, 3, 1, 2, 2), (4, 32, 147, 64, 3, 1, 1, 1),
    (1, 64, 73, 80, 1, 1, 0, 1), (1, 80, 73, 192, 3, 1, 1, 1), (1, 192, 35, 48, 1, 1, 0, 1),
    (1, 192, 35, 64, 1, 1, 0, 1), (1, 192, 35, 32, 1, 1, 0, 1), (1, 48, 35, 64, 5, 1, 2, 1),
    (1, 96, 35, 96, 3, 1, 1, 1), (1, 256, 35, 48, 1, 1, 0, 1), (1, 256, 35, 64, 1, 1, 0, 1),
    (1, 288, 35, 64, 1, 1, 0, 1), (1, 288, 35, 48, 1, 1, 0, 1), (1, 96, 35, 96, 3, 2, 1, 1),
    (1, 128, 17, 192, 7, 1, 6, 2), (1, 160, 17, 160, 7, 1, 3, 1), (1, 160, 17, 192, 1, 1, 0, 1),
    (1, 192, 17, 192, 1, 1, 0, 1), (1, 768, 5, 128, 1, 1, 0, 1), (1, 192, 17, 320, 3, 2, 1, 1),
    (1, 192, 17, 192, 3, 2, 1, 1), (1, 1280, 8, 192, 1, 1, 0, 1), (1, 1280, 8, 384, 1, 1, 0, 1),
    (1, 1280, 8, 320, 1, 1, 0, 1), (1, 1280, 8, 448, 1, 1, 0, 1), (1, 384, 8, 384, 1, 1, 0, 1),
    (1, 384, 8, 384, 3, 1, 1, 1), (1, 448, 8, 384, 3, 1, 0, 1), (1, 2048, 8, 320, 1, 1, 0, 1),
    (1, 2048, 8, 448, 1, 1, 0, 1), (1, 2048, 8, 192, 1, 1, 0, 1), (1, 8, 1, 24, 1, 1, 0, 1),
]
# Default subset: mid-sized layers covering 1x1, 3x3 (stride 1 and 2), 5x5 and deep K.
SUBSET = [(1, 192, 35, 64, 1, 1, 0, 1), (1, 48, 35, 64, 5, 1, 2, 1), (1, 96, 35, 96, 3, 2, 1, 1),
          (1, 768, 5, 128, 1, 1, 0, 1), (1, 192, 17, 320, 3, 2, 1, 1), (1, 384, 8, 384, 3, 1, 1, 1)]

# MobileNetV1-224 pointwise layers (research notes §5.2) and its first layer, 3x3 stride 2 with
# TF-SAME padding (0, 0, 1, 1): bottom/right only.
MOBILENET = [
    (1, 32, 112, 64, 1, 1, 0, 1), (1, 64, 56, 128, 1, 1, 0, 1), (1, 128, 56, 128, 1, 1, 0, 1),
    (1, 128, 28, 256, 1, 1, 0, 1), (1, 256, 28, 256, 1, 1, 0, 1), (1, 256, 14, 512, 1, 1, 0, 1),
    (1, 512, 14, 512, 1, 1, 0, 1), (1, 512, 7, 1024, 1, 1, 0, 1), (1, 1024, 7, 1024, 1, 1, 0, 1),
    (1, 1024, 1, 1001, 1, 1, 0, 1), (1, 3, 224, 32, 3, 2, (0, 0, 1, 1), 1),
]
MOBILENET_SUBSET = [(1, 32, 112, 64, 1, 1, 0, 1), (1, 128, 56, 128, 1, 1, 0, 1),
                    (1, 512, 14, 512, 1, 1, 0, 1), (1, 1024, 7, 1024, 1, 1, 0, 1),
                    (1, 1024, 1, 1001, 1, 1, 0, 1), (1, 3, 224, 32, 3, 2, (0, 0, 1, 1), 1)]
# Whole models measured for mtc only (no peer runs a whole graph): name, model, params, inputs.
MODELS = [("inception example (6 convs)", "examples/inception/inception.relay",
           "examples/inception/params.npz", [("data", "examples/inception/input.npy")])]

# variant name -> mtc --target
MTC_TARGETS = {"a53": "aarch64", "a76": "aarch64+dotprod", "max": "aarch64+i8mm"}
PHASES = ("pack", "kernel", "epilogue", "other")

# variant name -> qemu -cpu (its prefix under the sysroot has a matching fake /proc/cpuinfo)
VARIANTS = {"a53": "cortex-a53", "a76": "cortex-a76", "max": "max"}
VARIANT_LABEL = {"a53": "cortex-a53 (Armv8.0)", "a76": "cortex-a76 (dotprod)",
                 "max": "max (dotprod+i8mm)"}

# peer name -> (binary for non-dotprod cores, binary for dotprod cores, DTYPE argument)
PEERS = {
    "xnnpack-qc8": ("xnn_conv", "xnn_conv", "qc8"),
    "xnnpack-qu8": ("xnn_conv", "xnn_conv", "qu8"),
    "gemmlowp-qu8": ("gemmlowp_gemm", "gemmlowp_gemm_dot", "qu8"),
    "acl-qc8": ("acl_conv", "acl_conv", "qc8"),
    "acl-qu8": ("acl_conv", "acl_conv", "qu8"),
}


def macs(wl):
  b, ic, hw, oc, k, s, p, d = wl
  oh, ow = mtc_conv.outHW(wl)
  return b * oh * ow * oc * k * k * ic


def wlName(wl):
  return ",".join("(%s)" % ",".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in wl)


def driverArgs(wl, dtype, iters):
  b, ic, hw, oc, k, s, p, d = wl
  pt, pl, pb, pr = mtc_conv.pads(p)
  return [str(v) for v in (b, ic, hw, hw, oc, k, k, s, s, pt, pl, pb, pr, d)] + [dtype, str(iters)]


def readCounts(path):
  fields = {}
  with open(path) as f:
    for line in f:
      parts = line.split()
      if parts and parts[0] in ("insns", "window"):
        fields[parts[0]] = int(parts[1])
  return fields


def compareOutputs(ours, theirs):
  """(equal, off by one, off by more) element counts of two equally long integer arrays."""
  import numpy as np
  if ours.size != theirs.size:
    raise RuntimeError("output sizes differ: %d vs %d" % (ours.size, theirs.size))
  d = np.abs(ours.astype(np.int32).ravel() - theirs.astype(np.int32).ravel())
  return int((d == 0).sum()), int((d == 1).sum()), int((d > 1).sum())


class Runner:
  def __init__(self, build, sysroot, tmp):
    self.build, self.sysroot, self.tmp = build, sysroot, tmp
    self.plugin = os.path.join(build, "libinsn_count.so")

  def count(self, binary, cpu, args, dump=None):
    """Runs one driver under qemu; returns (window instructions, stdout first line) or raises.
    With `dump`, the driver also writes its output bytes to that file."""
    fd, out = tempfile.mkstemp(dir=self.tmp, suffix=".cnt")
    os.close(fd)
    # ACL asks for the model of the core it runs on (sched_getcpu, passed through to the host by
    # qemu-user); the one-CPU fake system only describes cpu 0, so ACL runs are pinned there.
    pin = ["taskset", "-c", "0"] if binary.startswith("acl") and shutil.which("taskset") else []
    cmd = pin + ["env", "-i", "qemu-aarch64", "-cpu", cpu, "-L",
           os.path.join(self.sysroot, "roots", cpu), "-E",
           "LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu"] + \
          (["-E", "MTC_BENCH_DUMP=" + dump] if dump else []) + \
          ["-plugin", self.plugin + ",out=" + out, os.path.join(self.build, binary)] + args
    # Both runs of a pair write stdout to a pipe: stdio start-up is identical and cancels.
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
      raise RuntimeError("%s failed (exit %d): %s" % (" ".join(cmd[len(pin) + 4:]), r.returncode,
                                                      r.stderr.strip()[-300:]))
    fields = readCounts(out)
    os.unlink(out)
    return fields["window"], r.stdout.splitlines()[0] if r.stdout else ""

  def perConv(self, binary, cpu, wl, dtype, dump=None):
    w1, out1 = self.count(binary, cpu, driverArgs(wl, dtype, 1), dump)
    w3, out3 = self.count(binary, cpu, driverArgs(wl, dtype, 3))
    if out1 != out3:
      raise RuntimeError("output differs between ITERS=1 and ITERS=3: %r vs %r" % (out1, out3))
    # ACL's steady-state iterations differ by a few hundred instructions (libc paths that depend
    # on buffer addresses), so the halved difference may be non-integral.
    return (w3 - w1) / 2.0, out1.split()[-1] if out1 else "?"


class MtcRunner:
  """Compiles models with mtc and counts them under qemu with build_peers.sh's mtc_runner, whose
  run loop sits between the plugin's markers; splits the count into phases by address."""

  def __init__(self, mtc, build, sysroot, tmp):
    self.mtc, self.build, self.sysroot, self.tmp = mtc, build, sysroot, tmp
    self.plugin = os.path.join(build, "libinsn_count.so")
    self.runner = os.path.join(build, "mtc_runner")
    self.lock = threading.Lock()
    self.files = {}

  def workloadFiles(self, wl, dtype):
    with self.lock:  # numpy generation holds the GIL anyway; generate each workload once
      if (wl, dtype) not in self.files:
        d = os.path.join(self.tmp, "wl-%s-%s" % (re.sub(r"[^0-9]+", "_", wlName(wl)), dtype))
        self.files[(wl, dtype)] = mtc_conv.write(d, wl, dtype)
    return self.files[(wl, dtype)]

  def compile(self, model, params, variant, out):
    """Returns the MACs the compile summary reports; raises on failure."""
    r = subprocess.run([self.mtc, "compile", model] + (["--params", params] if params else []) +
                       ["--target", MTC_TARGETS[variant], "-o", out], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
      raise RuntimeError("mtc compile failed: " + r.stderr.strip()[-400:])
    m = re.search(r"total: (\d+) MACs", r.stdout) or re.search(r", (\d+) MACs", r.stdout)
    return int(m.group(1)) if m else 0

  def run(self, so, cpu, inputs, repeat, tag):
    cnt, blocks, outDir = (os.path.join(self.tmp, tag + ext) for ext in (".cnt", ".blocks", ".out"))
    cmd = ["env", "-i", "qemu-aarch64", "-cpu", cpu, "-L", os.path.join(self.sysroot, "roots", cpu),
           "-E", "MTC_RUNNER_REPORT_BASE=1", "-plugin",
           "%s,out=%s,blocks=%s" % (self.plugin, cnt, blocks), self.runner, so, "--repeat",
           str(repeat), "--output-dir", outDir] + ["%s=%s" % kv for kv in inputs]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
      raise RuntimeError("mtc_runner failed (exit %d): %s" % (r.returncode, r.stderr.strip()[-300:]))
    m = re.search(r"module base (0x[0-9a-f]+)", r.stderr)
    if not m:
      raise RuntimeError("mtc_runner did not report the module base")
    window = readCounts(cnt)["window"]
    phases = phaseSplit(blocks, loadModuleSymbols(so), int(m.group(1), 16))
    os.unlink(cnt), os.unlink(blocks)
    return window, phases, os.path.join(outDir, "output_0.npy")

  def measure(self, so, cpu, inputs, tag):
    """(instructions of one run, {phase: instructions}, output .npy of the first run)."""
    w1, p1, out = self.run(so, cpu, inputs, 1, tag + "-r1")
    w3, p3, _ = self.run(so, cpu, inputs, 3, tag + "-r3")
    return (w3 - w1) / 2.0, {k: (p3[k] - p1[k]) / 2.0 for k in PHASES}, out

  def perConv(self, wl, dtype, variant):
    model, params, inp = self.workloadFiles(wl, dtype)
    tag = "mtc-%s-%s-%s" % (re.sub(r"[^0-9]+", "_", wlName(wl)), dtype, variant)
    so = os.path.join(self.tmp, tag + ".so")
    self.compile(model, params, variant, so)
    return self.measure(so, VARIANTS[variant], [("data", inp)], tag)

  def perModel(self, model, params, inputs, variant, tag):
    so = os.path.join(self.tmp, tag + ".so")
    n = self.compile(os.path.join(REPO, model), os.path.join(REPO, params) if params else None,
                     variant, so)
    if not n:
      raise RuntimeError("%s has no convolution, so there are no multiply-accumulates to "
                         "count instructions per MAC against" % model)
    insns, phases, _ = self.measure(so, VARIANTS[variant],
                                    [(k, os.path.join(REPO, v)) for k, v in inputs], tag)
    return insns, phases, n


def loadModuleSymbols(so):
  """(functions [(start, end, name)], micro-kernel ranges [(start, end)]) of a compiled module."""
  nm = shutil.which("llvm-nm-19") or shutil.which("llvm-nm")
  if nm is None:
    raise RuntimeError("llvm-nm-19 not found (apt-get install llvm-19)")
  r = subprocess.run([nm, "--defined-only", "-S", so], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
  if r.returncode != 0:
    raise RuntimeError("%s: %s" % (so, r.stderr.strip()))
  funcs, begins, ends = [], {}, {}
  for line in r.stdout.splitlines():
    parts = line.split()
    if len(parts) != 4 or parts[2] not in "tT":
      continue
    addr, size, name = int(parts[0], 16), int(parts[1], 16), parts[3]
    # codegen/aarch64/ukernel_emit.cc brackets each kernel asm with these local labels.
    m = re.match(r"mtc_uk_end\.(\d+)$", name)
    if m:
      ends[m.group(1)] = addr
      continue
    m = re.match(r"mtc_uk_.*\.(\d+)$", name)
    if m:
      begins[m.group(1)] = addr
    elif size:
      funcs.append((addr, addr + size, name))
  kernels = sorted((begins[k], ends[k]) for k in begins if k in ends)
  return sorted(funcs), kernels


def phaseSplit(blocksPath, symbols, base):
  """Instructions inside the marker window per phase: the micro-kernel asm ranges, the .pack
  functions, the rest of the convolution functions (epilogue and loop control), and other."""
  funcs, kernels = symbols
  fStarts, kStarts = [f[0] for f in funcs], [k[0] for k in kernels]
  out = dict.fromkeys(PHASES, 0)
  with open(blocksPath) as f:
    for line in f:
      vaddr, n, _, win = line.split()
      win = int(win)
      if not win:
        continue
      # AArch64 instructions are 4 bytes, so a block covers [vaddr, vaddr + 4n) exactly.
      for a in range(int(vaddr, 16) - base, int(vaddr, 16) - base + 4 * int(n), 4):
        i = bisect.bisect_right(kStarts, a) - 1
        if i >= 0 and a < kernels[i][1]:
          out["kernel"] += win
          continue
        i = bisect.bisect_right(fStarts, a) - 1
        name = funcs[i][2] if i >= 0 and a < funcs[i][1] else ""
        if name.endswith(".pack") or name.endswith(".pack.tail"):
          out["pack"] += win
        elif "conv2d" in name:
          out["epilogue"] += win
        else:
          out["other"] += win
  return out


def availablePeers(build, sysroot, wanted):
  peers = []
  for name in wanted:
    if name not in PEERS:
      sys.exit("error: unknown peer '%s' (known: %s)" % (name, ", ".join(PEERS)))
    bins = PEERS[name][:2]
    missing = [b for b in bins if not os.path.isfile(os.path.join(build, b))]
    if missing:
      print("warning: peer %s skipped: %s not built (run scripts/bench_sysroot.sh and "
            "bench/build_peers.sh)" % (name, ", ".join(sorted(set(missing)))), file=sys.stderr)
      continue
    peers.append(name)
  return peers


def fmt(x, m):
  return "—" if x is None else ("%.4f" % (x / m))


def convTable(workloads, variants, peers, res):
  """Workload x variant: mtc's instructions per MAC, each peer's, and mtc / XNNPACK."""
  head = ["workload B,IC,HW,OC,K,s,p,d", "core", "MACs"]
  for dt in ("qc8", "qu8"):
    head.append("**mtc %s**" % dt)
    head += ["%s %s" % (p.rsplit("-", 1)[0], dt) for p in peers if PEERS[p][2] == dt]
    if "xnnpack-" + dt in peers:
      head.append("mtc / xnnpack %s" % dt)
  lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(head) - 2)]
  for wl in workloads:
    m = macs(wl)
    for v in variants:
      cells = [wlName(wl), v, str(m)]
      for dt in ("qc8", "qu8"):
        ours = res.get((wl, v, "mtc-" + dt))
        cells.append("**%s**" % fmt(ours and ours[0], m))
        cells += [fmt(res.get((wl, v, p), (None,))[0], m) for p in peers if PEERS[p][2] == dt]
        if "xnnpack-" + dt in peers:
          x = res.get((wl, v, "xnnpack-" + dt), (None,))[0]
          cells.append("%.2f" % (ours[0] / x) if ours and ours[0] and x else "—")
      lines.append("| " + " | ".join(cells) + " |")
  return "\n".join(lines)


def phaseTable(rows):
  """rows: [(label, core, MACs, insns, phases)] -> instructions per MAC per phase."""
  lines = ["| what | core | insn/MAC | " + " | ".join(PHASES) + " |",
           "|---|---|---:|" + "---:|" * len(PHASES)]
  for label, v, m, insns, ph in rows:
    lines.append("| %s | %s | %.4f | %s |" % (label, v, insns / m,
                                             " | ".join("%.4f" % (ph[k] / m) for k in PHASES)))
  return "\n".join(lines)


def plotRatios(path, workloads, variants, res):
  """Bar chart of mtc / XNNPACK instructions per MAC, one panel per dtype."""
  try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
  except ImportError:
    print("warning: python3-matplotlib is not installed; no plot written", file=sys.stderr)
    return False
  fig, axes = plt.subplots(2, 1, figsize=(max(8, 0.55 * len(workloads) * len(variants)), 8))
  width = 0.8 / max(1, len(variants))
  for ax, dt in zip(axes, ("qc8", "qu8")):
    for j, v in enumerate(variants):
      xs, ys = [], []
      for i, wl in enumerate(workloads):
        ours, x = res.get((wl, v, "mtc-" + dt)), res.get((wl, v, "xnnpack-" + dt))
        if ours and ours[0] and x and x[0]:
          xs.append(i + (j - (len(variants) - 1) / 2) * width)
          ys.append(ours[0] / x[0])
      ax.bar(xs, ys, width, label="%s (%s)" % (v, VARIANTS[v]))
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_ylabel("mtc / XNNPACK %s\n(instructions, lower is better)" % dt)
    ax.set_xticks(range(len(workloads)))
    ax.set_xticklabels([wlName(wl) for wl in workloads], rotation=30, ha="right", fontsize=7)
    ax.legend(fontsize=8)
  fig.suptitle("mtc vs XNNPACK: instructions per conv under qemu-aarch64 (%s)"
               % datetime.date.today().isoformat())
  fig.tight_layout()
  fig.savefig(path, dpi=90)
  return True


def checkNotes(workloads, variants, peers, res):
  """Element-wise comparison of each peer's output with mtc's (same workload, dtype, core)."""
  import numpy as np
  notes, bad = [], 0
  for wl in workloads:
    for p in peers:
      dt = PEERS[p][2]
      seen = {}
      for v in variants:
        ours, theirs = res.get((wl, v, "mtc-" + dt)), res.get((wl, v, p))
        if not ours or not theirs or not ours[2] or not theirs[2] or not os.path.isfile(theirs[2]):
          continue
        a = np.load(ours[2])
        b = np.fromfile(theirs[2], dtype=a.dtype)
        try:
          seen.setdefault(compareOutputs(a, b), []).append(v)
        except RuntimeError as e:
          seen.setdefault(("error", str(e)), []).append(v)
      for key, vs in seen.items():
        if key[0] == "error":
          notes.append("%s %s vs mtc (%s): %s" % (wlName(wl), p, ",".join(vs), key[1]))
          bad += 1
          continue
        eq, one, more = key
        total = eq + one + more
        what = "identical" if eq == total else "%d of %d off by one%s" % (
            one, total, ", %d off by more (ERROR)" % more if more else "")
        bad += more > 0
        notes.append("%s %s vs mtc %s (%s): %s" % (wlName(wl), p, dt, ",".join(vs), what))
  return notes, bad


def main():
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  ap.add_argument("--full", action="store_true",
                  help="all 33 inception and 11 MobileNet workloads (default: 6 + 6)")
  ap.add_argument("--variants", default="a53,a76,max")
  ap.add_argument("--peers", default=",".join(PEERS))
  ap.add_argument("--jobs", type=int, default=2)
  ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"))
  ap.add_argument("--sysroot", default=os.path.join(REPO, "build", "bench-sysroot"))
  ap.add_argument("--mtc", default=os.path.join(REPO, "build", "bin", "mtc"))
  ap.add_argument("--build", action="store_true",
                  help="build mtc, run scripts/bench_sysroot.sh and bench/build_peers.sh first")
  ap.add_argument("--doc", help="replace the generated section of this markdown file")
  ap.add_argument("--plot", help="write the ratio plot (PNG) here")
  ap.add_argument("--section", default="run_bench",
                  help="name of the --doc section to replace (default run_bench; the page keeps "
                       "the --full run in run_bench_full)")
  ap.add_argument("--model", help="measure this model (mtc only) instead of the workloads")
  ap.add_argument("--params", help="with --model: its parameters (.npz)")
  ap.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy",
                  help="with --model: an input (repeat for each)")
  a = ap.parse_args()
  if (a.params or a.input) and not a.model:
    sys.exit("error: --params and --input need --model")
  if a.doc and not a.model:
    doc_section.check(a.doc, a.section)
  if a.model and (a.doc or a.plot or a.full):
    sys.exit("error: --model measures one model; --doc, --plot and --full are for the benchmark page")
  inputs = []
  for spec in a.input:
    name, eq, path = spec.partition("=")
    if not eq or not name or not path:
      sys.exit("error: --input '%s': expected NAME=FILE.npy" % spec)
    if not os.path.isfile(path):
      sys.exit("error: --input %s: no such file %s" % (name, path))
    inputs.append((name, os.path.abspath(path)))
  for what, path in (("--model", a.model), ("--params", a.params)):
    if path and not os.path.isfile(path):
      sys.exit("error: %s: no such file %s" % (what, path))

  if shutil.which("qemu-aarch64") is None:
    sys.exit("error: qemu-aarch64 not found (apt-get install qemu-user)")
  variants = [v for v in a.variants.split(",") if v]
  for v in variants:
    if v not in VARIANTS:
      sys.exit("error: unknown variant '%s' (known: %s)" % (v, ", ".join(VARIANTS)))
  if a.build:
    steps = [["bash", os.path.join(REPO, "scripts", "build.sh")],
             ["sh", os.path.join(REPO, "scripts", "bench_sysroot.sh"), a.sysroot],
             ["sh", os.path.join(REPO, "bench", "build_peers.sh"), a.build_dir, a.sysroot]]
    if os.geteuid() == 0 and subprocess.run(["/usr/bin/python3", "-c", "import matplotlib"],
                                            stderr=subprocess.DEVNULL).returncode != 0:
      steps.insert(0, ["apt-get", "install", "-y", "-q", "python3-matplotlib"])
    for cmd in steps:
      if subprocess.run(cmd).returncode != 0:
        print("warning: '%s' failed; continuing with what is built" % " ".join(cmd),
              file=sys.stderr)
  if not os.path.isfile(os.path.join(a.build_dir, "libinsn_count.so")):
    sys.exit("error: %s/libinsn_count.so missing (run bench/build_peers.sh)" % a.build_dir)
  for v in variants:
    if not os.path.isfile(os.path.join(a.sysroot, "roots", VARIANTS[v], "proc", "cpuinfo")):
      sys.exit("error: qemu prefix for %s missing under %s (run scripts/bench_sysroot.sh)"
               % (VARIANTS[v], a.sysroot))
  peers = [] if a.model else availablePeers(a.build_dir, a.sysroot,
                                            [p for p in a.peers.split(",") if p])
  ours = os.access(a.mtc, os.X_OK) and os.path.isfile(os.path.join(a.build_dir, "mtc_runner"))
  if not ours:
    print("warning: mtc not measured: %s or %s/mtc_runner missing (run scripts/build.sh and "
          "bench/build_peers.sh)" % (a.mtc, a.build_dir), file=sys.stderr)
  if not peers and not ours:
    sys.exit("error: neither mtc nor any peer is built; nothing to measure")

  workloads = [] if a.model else (WORKLOADS + MOBILENET) if a.full else (SUBSET + MOBILENET_SUBSET)
  models = [(os.path.basename(a.model), os.path.abspath(a.model),
             os.path.abspath(a.params) if a.params else None, inputs)] if a.model else MODELS
  if a.model and not ours:
    sys.exit("error: --model needs mtc and build-bench/mtc_runner (run scripts/build.sh and "
             "bench/build_peers.sh)")
  started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
  tmp = tempfile.mkdtemp(prefix="mtc-bench-")
  runner = Runner(a.build_dir, a.sysroot, tmp)
  mtcRunner = MtcRunner(a.mtc, a.build_dir, a.sysroot, tmp) if ours else None
  jobs, modelJobs = {}, {}
  with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
    for wl in workloads:
      for v in variants:
        if ours:
          for dt in ("qc8", "qu8"):
            jobs[(wl, v, "mtc-" + dt)] = pool.submit(mtcRunner.perConv, wl, dt, v)
        for p in peers:
          plain, dot, dtype = PEERS[p]
          binary = plain if v == "a53" else dot
          dump = os.path.join(tmp, "dump-%s-%s-%s.bin" % (p, v, re.sub(r"[^0-9]+", "_", wlName(wl))))
          jobs[(wl, v, p)] = pool.submit(runner.perConv, binary, VARIANTS[v], wl, dtype, dump)
    if ours:
      for i, (label, model, params, inputs) in enumerate(models):
        for v in variants:
          modelJobs[(label, v)] = pool.submit(mtcRunner.perModel, model, params, inputs, v,
                                              "model%d-%s" % (i, v))
    # res[(wl, v, who)] = (instructions of one conv, phases or checksum, output file)
    res, failures = {}, 0
    for (wl, v, p), fut in jobs.items():
      try:
        r = fut.result()
        if p.startswith("mtc-"):
          res[(wl, v, p)] = r
        else:
          res[(wl, v, p)] = (r[0], r[1], os.path.join(tmp, "dump-%s-%s-%s.bin" % (
              p, v, re.sub(r"[^0-9]+", "_", wlName(wl)))))
      except Exception as e:  # one failing combination must not hide the others
        print("error: %s %s %s: %s" % (p, v, wlName(wl), e), file=sys.stderr)
        failures += 1
    modelRes = {}
    for key, fut in modelJobs.items():
      try:
        modelRes[key] = fut.result()
      except Exception as e:
        print("error: %s %s: %s" % (key[0], key[1], e), file=sys.stderr)
        failures += 1

  if a.model and not modelRes:
    shutil.rmtree(tmp, ignore_errors=True)
    return 1
  checksums = {}
  for (wl, v, p), r in res.items():
    if not p.startswith("mtc-"):
      checksums.setdefault((wl, p), set()).add(r[1])
  for (wl, p), sums in sorted(checksums.items(), key=str):
    if len(sums) > 1:
      print("warning: %s %s: output checksum differs across cores: %s"
            % (p, wlName(wl), ", ".join(sorted(sums))), file=sys.stderr)
  notes, bad = checkNotes(workloads, variants, peers, res) if ours else ([], 0)
  failures += bad

  cmdline = "/usr/bin/python3 bench/run_bench.py " + " ".join(sys.argv[1:])
  text = ["Instructions per MAC, one conv, single thread (measured %s; `%s`)." % (started, cmdline.strip()),
          "Cores: " + ", ".join("%s = `-cpu %s`" % (v, VARIANTS[v]) for v in variants) +
          "; mtc targets: " + ", ".join("%s = `--target %s`" % (v, MTC_TARGETS[v]) for v in variants) + ".",
          ""] + ([convTable(workloads, variants, peers, res)] if workloads else [])
  if ours:
    rows = []
    for wl in workloads:
      for v in variants:
        for dt in ("qc8", "qu8"):
          r = res.get((wl, v, "mtc-" + dt))
          if r:
            rows.append(("%s %s" % (wlName(wl), dt), v, macs(wl), r[0], r[1]))
    for (label, v), (insns, ph, n) in modelRes.items():
      if n:
        rows.append((label, v, n, insns, ph))
    text += ["", "mtc's instructions per MAC by phase (`pack`: im2col + interleave of A, the "
             "`.pack` functions; `kernel`: the micro-kernel asm; `epilogue`: the rest of the "
             "convolution function, i.e. epilogue and loop control; `other`: entry point, other "
             "ops, runner loop):", "", phaseTable(rows)]
  if notes:
    text += ["", "Output checks (element-wise against mtc's output; mtc rounds with gemmlowp's "
             "fixed-point rule, `rounding=\"TFLITE\"`):", ""] + ["* " + n for n in notes]
  if a.plot:
    if plotRatios(a.plot, workloads, variants, res):
      text += ["", "![mtc / XNNPACK instructions](%s)" % os.path.relpath(
          a.plot, os.path.dirname(os.path.abspath(a.doc)) if a.doc else os.getcwd())]
  shutil.rmtree(tmp, ignore_errors=True)
  text = "\n".join(text)
  print(text)
  if a.doc:
    doc_section.replace(a.doc, a.section, text)
  return 1 if failures else 0


if __name__ == "__main__":
  sys.exit(main())
