#!/usr/bin/python3
# mtc — host wall-clock benchmark: mtc --target host against XNNPACK and oneDNN on x86-64
# SPDX-License-Identifier: Apache-2.0
"""Times one quantized conv2d per workload and dtype on this machine: mtc's module compiled with
`--target host` (run by `mtc run --repeat N`), XNNPACK (bench/peers/xnn_conv.c built for the host)
and oneDNN (bench/peers/dnnl_conv.cc), all single-threaded, on the data and quantization of
bench/mtc_conv.py, with every peer's output compared element by element with mtc's.

Each implementation runs N times per measurement (N from a calibration run, so that a measurement
takes about --seconds), the implementations take turns for --rounds rounds, and the best single
run counts: the machine may be shared and best-of-N is the least noisy statistic.

Usage: bench/host_bench.py [--full | --workloads B,IC,HW,OC,K,s,p,d;...] [--dtypes qu8,qc8]
                           [--rounds 3] [--seconds 0.4] [--mtc build/bin/mtc] [--build]
                           [--doc docs/benchmarks.md]
"""

import argparse
import datetime
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "bench"))
import doc_section  # noqa: E402
import run_bench  # noqa: E402  (the workload lists; stdlib only)

try:
  import numpy as np
  import mtc_conv  # noqa: E402
except ImportError:
  sys.exit("error: numpy is missing: run with /usr/bin/python3 (Debian python3-numpy)")

IMPLS = ("mtc", "xnnpack", "onednn")
LABEL = {"mtc": "mtc", "xnnpack": "XNNPACK", "onednn": "oneDNN"}
DRIVER = {"xnnpack": "xnn_conv", "onednn": "dnnl_conv"}
PACKAGES = {"xnnpack": "libxnnpack0", "onednn": "libdnnl2"}
TIME_RE = re.compile(r"^(\d+) runs: mean ([0-9.]+) ms, best ([0-9.]+) ms$", re.M)
VERIFY_RE = re.compile(r"^verify: (\d+) outputs, (\d+) off by 1, (\d+) off by more$", re.M)
IMPL_RE = re.compile(r"^onednn impl (\S+)$", re.M)
TIMEOUT = 600  # seconds for one process; a hang becomes an error, not a stuck benchmark


class BenchError(Exception):
  """A failed step of one measurement; reported, and the others go on."""


def run(cmd, env=None):
  """Runs cmd; returns its stdout, or raises BenchError with the end of its stderr."""
  try:
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                       timeout=TIMEOUT)
  except subprocess.TimeoutExpired:
    raise BenchError("%s: no answer after %d s" % (os.path.basename(cmd[0]), TIMEOUT))
  except OSError as e:
    raise BenchError("cannot run %s: %s" % (cmd[0], e))
  if r.returncode != 0:
    raise BenchError("%s exited with %d: %s" % (" ".join(os.path.basename(c) for c in cmd[:3]),
                                                r.returncode, r.stderr.strip()[-400:]))
  return r.stdout


def parseTime(out, what):
  """(runs, mean ms, best ms) of a "N runs: mean X ms, best Y ms" line."""
  m = TIME_RE.search(out)
  if not m:
    raise BenchError("%s printed no timing line" % what)
  return int(m.group(1)), float(m.group(2)), float(m.group(3))


class Case:
  """One workload and dtype: its model files, mtc's module and each implementation's runs."""

  def __init__(self, wl, dtype, work, mtc, peerDir):
    self.wl, self.dtype, self.mtc, self.peerDir = wl, dtype, mtc, peerDir
    self.dir = os.path.join(work, "%s_%s" % (run_bench.wlName(wl).replace(",", "_"), dtype))
    self.env = dict(os.environ, OMP_NUM_THREADS="1")
    self.strategy = None
    self.impl = None  # oneDNN's implementation name

  def prepare(self):
    """Writes the model files and compiles mtc's module (when mtc is available)."""
    self.model, self.params, self.input = mtc_conv.write(self.dir, self.wl, self.dtype)
    if not self.mtc:
      return
    self.module = os.path.join(self.dir, "conv.so")
    out = run([self.mtc, "compile", self.model, "--params", self.params, "--target", "host",
               "-q", "-o", self.module], self.env)
    m = re.search(r"nn\.conv2d: (.*?)(?:, \d+ MACs)?(?:;|$)", out, re.M)
    self.strategy = m.group(1).strip() if m else "?"

  def outputPath(self, impl):
    return os.path.join(self.dir, "mtc_out", "output_0.npy") if impl == "mtc" else \
        os.path.join(self.dir, impl + ".out")

  def measure(self, impl, n, verify=False):
    """Runs `impl` n times in one process; returns (mean ms, best ms, verify counts or None)."""
    if impl == "mtc":
      out = run([self.mtc, "run", self.module, "--input", "data=" + self.input, "--output-dir",
                 os.path.join(self.dir, "mtc_out"), "--repeat", str(max(n, 2))], self.env)
      runs, mean, best = parseTime(out, "mtc run")
      return mean, best, None
    env = dict(self.env, MTC_BENCH_DUMP=self.outputPath(impl))
    b, ic, hw, oc, k, s, p, d = self.wl
    t, l, bo, r = mtc_conv.pads(p)
    args = [str(v) for v in (b, ic, hw, hw, oc, k, k, s, s, t, l, bo, r, d)] + [self.dtype, str(n)]
    out = run([os.path.join(self.peerDir, DRIVER[impl])] + args + (["verify"] if verify else []), env)
    if impl == "onednn":
      m = IMPL_RE.search(out)
      self.impl = m.group(1) if m else "?"
    counts = None
    if verify:
      m = VERIFY_RE.search(out)
      if not m:
        raise BenchError("%s printed no verify line" % DRIVER[impl])
      counts = (int(m.group(2)), int(m.group(3)))
    runs, mean, best = parseTime(out, DRIVER[impl])
    return mean, best, counts

  def compare(self, impl):
    """(equal, off by one, off by more) of impl's output against mtc's, element by element."""
    ours = np.load(self.outputPath("mtc")).astype(np.int32).ravel()
    raw = np.fromfile(self.outputPath(impl), dtype=np.uint8)
    theirs = (raw.view(np.int8) if self.dtype == "qc8" else raw).astype(np.int32)
    if theirs.size != ours.size:
      raise BenchError("%s wrote %d outputs, mtc %d" % (impl, theirs.size, ours.size))
    diff = np.abs(ours - theirs)
    return int((diff == 0).sum()), int((diff == 1).sum()), int((diff > 1).sum())


def parseWorkloads(text):
  """Workloads from "B,IC,HW,OC,K,s,p,d;..." (square input and kernel, same pad on all sides)."""
  wls = []
  for item in filter(None, text.split(";")):
    try:
      wl = tuple(int(v) for v in item.split(","))
    except ValueError:
      sys.exit("error: workload '%s': expected 8 integers B,IC,HW,OC,K,s,p,d" % item)
    if len(wl) != 8 or min(wl) < 0 or min(wl[:6] + wl[7:]) < 1:
      sys.exit("error: workload '%s': expected 8 integers B,IC,HW,OC,K,s,p,d (p >= 0, others >= 1)"
               % item)
    if min(mtc_conv.outHW(wl)) < 1:
      sys.exit("error: workload '%s': the kernel does not fit the padded input" % item)
    wls.append(wl)
  if not wls:
    sys.exit("error: --workloads names no workload")
  return wls


def machineText():
  """CPU model, the int8-relevant ISA extensions, and the load when the run started."""
  model, flags = "unknown CPU", set()
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        if line.startswith("model name") and model == "unknown CPU":
          model = line.split(":", 1)[1].strip()
        elif line.startswith("flags") and not flags:
          flags = set(line.split(":", 1)[1].split())
  except OSError:
    pass
  isa = [x for x in ("avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8") if x in flags]
  load = "%.2f" % os.getloadavg()[0] if hasattr(os, "getloadavg") else "?"
  return "%s, %d cores (%s), load average %s at the start" % (
      model, os.cpu_count() or 0, " ".join(isa) or "no AVX2", load)


def packageVersion(pkg):
  try:
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else "?"
  except OSError:
    return "?"


def fmtMs(v):
  """Milliseconds to three significant digits (mtc run prints whole microseconds)."""
  return "%.3g" % v


def markdown(rows, impls, cases, kernels):
  """The results table (times in ms, ratios mtc/peer: above 1 means mtc is slower; the kernel
  oneDNN picked)."""
  peers = [i for i in impls if i != "mtc"]
  head = ["workload B,IC,HW,OC,K,s,p,d", "dtype", "MACs"] + ["%s ms" % LABEL[i] for i in impls]
  if "mtc" in impls:
    head += ["mtc / %s" % LABEL[p] for p in peers]
  if "onednn" in impls:
    head.append("oneDNN kernel")
  aligns = "---:|" * (len(head) - 2 - ("onednn" in impls)) + ("---|" if "onednn" in impls else "")
  lines = ["| " + " | ".join(head) + " |", "|---|---|" + aligns]
  logs = {p: [] for p in peers}
  for key in cases:
    wl, dtype = key
    best = rows[key]
    cells = [run_bench.wlName(wl), dtype, str(run_bench.macs(wl))]
    for i in impls:
      v = best.get(i, "—")
      cells.append(fmtMs(v) if isinstance(v, float) else v)
    if "mtc" in impls:
      for p in peers:
        a, b = best.get("mtc"), best.get(p)
        ok = isinstance(a, float) and isinstance(b, float)
        cells.append("%.2f" % (a / b) if ok else "—")
        if ok:
          logs[p].append(math.log(a / b))
    if "onednn" in impls:
      cells.append("`%s`" % kernels[key] if kernels.get(key) else "—")
    lines.append("| " + " | ".join(cells) + " |")
  if "mtc" in impls and any(logs.values()):
    cells = ["geometric mean", "", ""] + [""] * len(impls)
    cells += ["%.2f" % math.exp(sum(v) / len(v)) if v else "—" for v in logs.values()]
    cells += [""] if "onednn" in impls else []
    lines.append("| " + " | ".join(cells) + " |")
  return "\n".join(lines)


def errorMsg(msg):
  print("error: " + msg, file=sys.stderr)


def measureCase(case, impls, rounds, seconds):
  """Calibrates, checks and times every implementation on one case. Returns (best ms or
  "failed" per implementation, the output check line or None, the number of failures)."""
  name = "%s %s" % (run_bench.wlName(case.wl), case.dtype)
  best, iters, verified, failures = {}, {}, {}, 0
  try:
    case.prepare()
  except (BenchError, OSError) as e:
    errorMsg("%s: %s" % (name, e))
    return {i: "failed" for i in impls}, None, 1
  # Calibration: a short run of each (the peers also check against the naive reference) sets N.
  for i in impls:
    try:
      mean, best[i], verified[i] = case.measure(i, 3, verify=i != "mtc")
      iters[i] = max(3, min(100000, math.ceil(seconds / max(mean, 1e-4) * 1e3)))
    except BenchError as e:
      errorMsg("%s %s: %s" % (name, LABEL[i], e))
      best[i] = "failed"
      failures += 1
  notes = []
  for p in impls:
    if p == "mtc" or p not in iters:
      continue
    ref = verified[p]
    note = "%s vs reference %d off by one, %d off by more" % (LABEL[p], ref[0], ref[1])
    if ref[1]:
      errorMsg("%s: %d outputs of %s differ from the reference by more than one" % (name, ref[1], LABEL[p]))
      failures += 1
    if "mtc" in iters:
      try:
        eq, off1, worse = case.compare(p)
        note += "; vs mtc %d equal, %d off by one, %d off by more" % (eq, off1, worse)
        if worse:
          errorMsg("%s: %d outputs of %s differ from mtc's by more than one" % (name, worse, LABEL[p]))
          failures += 1
      except (BenchError, OSError, ValueError) as e:
        errorMsg("%s: comparing %s with mtc: %s" % (name, LABEL[p], e))
        failures += 1
    notes.append(note)
  # The timed rounds: implementations take turns, so that a busy spell hits all of them alike.
  timed = list(iters)
  for r in range(rounds):
    for i in timed[r % len(timed):] + timed[:r % len(timed)]:
      if not isinstance(best[i], float):
        continue
      try:
        best[i] = min(best[i], case.measure(i, iters[i])[1])
      except BenchError as e:
        errorMsg("%s %s: %s" % (name, LABEL[i], e))
        best[i] = "failed"
        failures += 1
  print("host_bench: %s: %s" % (name, ", ".join(
      "%s %s" % (LABEL[i], "%s ms (N=%d)" % (fmtMs(best[i]), iters[i]) if isinstance(best[i], float)
                 else best[i]) for i in impls)), file=sys.stderr)
  return best, ("%s: %s" % (name, "; ".join(notes)) if notes else None), failures


def availableImpls(impls, a):
  """The requested implementations that can run (builds the drivers first), with warnings."""
  script = [os.path.join(REPO, "bench", "build_host_peers.sh")] + (["--install"] if a.build else [])
  if subprocess.run(["sh"] + script + [a.build_dir]).returncode != 0:
    print("warning: bench/build_host_peers.sh failed; continuing with what is built", file=sys.stderr)
  available = []
  for i in impls:
    if i == "mtc":
      if not (os.path.isfile(a.mtc) and os.access(a.mtc, os.X_OK)):
        print("warning: %s not found (build it: ninja -C build mtc, or pass --mtc); mtc skipped, "
              "no ratios" % a.mtc, file=sys.stderr)
        continue
    elif not os.path.isfile(os.path.join(a.build_dir, DRIVER[i])):
      print("warning: peer %s skipped: %s/%s not built (run bench/host_bench.py --build)"
            % (LABEL[i], a.build_dir, DRIVER[i]), file=sys.stderr)
      continue
    available.append(i)
  return available


def parseArgs():
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  ap.add_argument("--full", action="store_true", help="all %d workloads (default: %d)"
                  % (len(run_bench.WORKLOADS), len(run_bench.SUBSET)))
  ap.add_argument("--workloads", help="explicit workloads 'B,IC,HW,OC,K,s,p,d;...'")
  ap.add_argument("--dtypes", default="qu8,qc8")
  ap.add_argument("--impls", default=",".join(IMPLS), help="subset of " + ",".join(IMPLS))
  ap.add_argument("--rounds", type=int, default=3, help="measurements per implementation, taking turns")
  ap.add_argument("--seconds", type=float, default=0.4, help="target length of one measurement")
  ap.add_argument("--mtc", default=os.path.join(REPO, "build", "bin", "mtc"))
  ap.add_argument("--build-dir", default=os.path.join(REPO, "build-host-bench"))
  ap.add_argument("--build", action="store_true",
                  help="apt-get install missing peer packages (as root) before building the drivers")
  ap.add_argument("--doc", help="replace the host_bench section of this markdown file")
  ap.add_argument("--keep", action="store_true", help="keep the work folder (models, outputs)")
  a = ap.parse_args()
  a.dtypes = [d for d in a.dtypes.split(",") if d]
  for d in a.dtypes:
    if d not in ("qu8", "qc8"):
      sys.exit("error: unknown dtype '%s' (known: qu8, qc8)" % d)
  wanted = [i for i in a.impls.split(",") if i]
  for i in wanted:
    if i not in IMPLS:
      sys.exit("error: unknown implementation '%s' (known: %s)" % (i, ", ".join(IMPLS)))
  a.impls = [i for i in IMPLS if i in wanted]
  if a.rounds < 1 or not 0.01 <= a.seconds <= 10:
    sys.exit("error: --rounds must be >= 1 and --seconds between 0.01 and 10")
  if a.workloads and a.full:
    sys.exit("error: --workloads and --full exclude each other")
  a.workloads = parseWorkloads(a.workloads) if a.workloads else \
      (run_bench.WORKLOADS if a.full else run_bench.SUBSET)
  if a.doc:
    doc_section.check(a.doc, "host_bench")
  return a


def main():
  a = parseArgs()
  impls = availableImpls(a.impls, a)
  if not impls:
    sys.exit("error: neither mtc nor any peer is available; nothing to measure")
  started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
  machine = machineText()
  work = tempfile.mkdtemp(prefix="mtc-host-bench-")
  rows, checks, failures, strategies, kernels = {}, [], 0, set(), {}
  cases = [(wl, d) for wl in a.workloads for d in a.dtypes]
  for key in cases:
    case = Case(key[0], key[1], work, a.mtc if "mtc" in impls else None, a.build_dir)
    rows[key], check, failed = measureCase(case, impls, a.rounds, a.seconds)
    failures += failed
    if check:
      checks.append(check)
    if case.strategy:
      strategies.add(case.strategy)
    kernels[key] = case.impl
  if a.keep:
    print("host_bench: work folder kept: %s" % work, file=sys.stderr)
  else:
    shutil.rmtree(work, ignore_errors=True)

  cmdline = ("/usr/bin/python3 bench/host_bench.py " + " ".join(sys.argv[1:])).strip()
  versions = ", ".join("%s %s" % (PACKAGES[i], packageVersion(PACKAGES[i])) for i in impls
                       if i in PACKAGES)
  text = ["Wall clock of one conv, single thread, best single run (measured %s; `%s`)." % (started, cmdline),
          "Machine: %s." % machine]
  if versions:
    text.append("Peers: %s." % versions)
  if strategies:
    text.append("mtc `--target host` conv strategy: %s." % "; ".join("`%s`" % s for s in sorted(strategies)))
  text += ["", markdown(rows, impls, cases, kernels)]
  if checks:
    text += ["", "Output checks (element by element):", ""] + ["* " + c for c in checks]
  text = "\n".join(text)
  print(text)
  if a.doc:
    try:
      doc_section.replace(a.doc, "host_bench", text)
    except (OSError, IndexError, ValueError) as e:
      sys.exit("error: cannot update %s: %s" % (a.doc, e))
  return 1 if failures else 0


if __name__ == "__main__":
  sys.exit(main())
