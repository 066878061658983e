#!/usr/bin/python3
# mtc — peer benchmark driver: instructions per MAC of quantized conv2d under qemu-aarch64
# SPDX-License-Identifier: Apache-2.0
"""Counts the aarch64 instructions one conv2d costs in each peer library (XNNPACK, gemmlowp,
ACL through ArmNN when built) with the project's insn_count TCG plugin, for each workload and each
emulated core (Armv8.0 cortex-a53, dotprod cortex-a76, i8mm max).

One conv = (window count at ITERS=3 - window count at ITERS=1) / 2, where the window is the
driver's run loop between the plugin's markers: operator creation, weight packing and one-time
setup cancel. Instructions per MAC = that / (B*OH*OW*OC*KH*KW*IC), padded taps included.

Usage: bench/run_bench.py [--full] [--variants a53,a76,max] [--peers ...] [--jobs 2]
                          [--doc docs/benchmarks.md] [--build]
"""

import argparse
import concurrent.futures
import datetime
import os
import shutil
import subprocess
import sys
import tempfile

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


def outHW(wl):
  b, ic, hw, oc, k, s, p, d = wl
  return (hw + 2 * p - d * (k - 1) - 1) // s + 1


def macs(wl):
  b, ic, hw, oc, k, s, p, d = wl
  o = outHW(wl)
  return b * o * o * oc * k * k * ic


def wlName(wl):
  return ",".join(str(v) for v in wl)


def driverArgs(wl, dtype, iters):
  b, ic, hw, oc, k, s, p, d = wl
  return [str(v) for v in (b, ic, hw, hw, oc, k, k, s, s, p, p, p, p, d)] + [dtype, str(iters)]


class Runner:
  def __init__(self, build, sysroot, tmp):
    self.build, self.sysroot, self.tmp = build, sysroot, tmp
    self.plugin = os.path.join(build, "libinsn_count.so")

  def count(self, binary, cpu, args):
    """Runs one driver under qemu; returns (window instructions, stdout first line) or raises."""
    fd, out = tempfile.mkstemp(dir=self.tmp, suffix=".cnt")
    os.close(fd)
    # ACL asks for the model of the core it runs on (sched_getcpu, passed through to the host by
    # qemu-user); the one-CPU fake system only describes cpu 0, so ACL runs are pinned there.
    pin = ["taskset", "-c", "0"] if binary.startswith("acl") and shutil.which("taskset") else []
    cmd = pin + ["env", "-i", "qemu-aarch64", "-cpu", cpu, "-L",
           os.path.join(self.sysroot, "roots", cpu), "-E",
           "LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu",
           "-plugin", self.plugin + ",out=" + out, os.path.join(self.build, binary)] + args
    # Both runs of a pair write stdout to a pipe: stdio start-up is identical and cancels.
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
      raise RuntimeError("%s failed (exit %d): %s" % (" ".join(cmd[len(pin) + 4:]), r.returncode,
                                                      r.stderr.strip()[-300:]))
    fields = {}
    with open(out) as f:
      for line in f:
        parts = line.split()
        if parts[0] in ("insns", "window"):
          fields[parts[0]] = int(parts[1])
    os.unlink(out)
    return fields["window"], r.stdout.splitlines()[0] if r.stdout else ""

  def perConv(self, binary, cpu, wl, dtype):
    w1, out1 = self.count(binary, cpu, driverArgs(wl, dtype, 1))
    w3, out3 = self.count(binary, cpu, driverArgs(wl, dtype, 3))
    if out1 != out3:
      raise RuntimeError("output differs between ITERS=1 and ITERS=3: %r vs %r" % (out1, out3))
    # ACL's steady-state iterations differ by a few hundred instructions (libc paths that depend
    # on buffer addresses), so the halved difference may be non-integral.
    return (w3 - w1) / 2.0, out1.split()[-1] if out1 else "?"


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


def markdownTable(rows, peers, variants):
  head = ["workload B,IC,HW,OC,K,s,p,d", "MACs"]
  for v in variants:
    for p in peers:
      head.append("%s %s" % (v, p))
  lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
  for wl in rows:
    cells = [wlName(wl), str(macs(wl))]
    for v in variants:
      for p in peers:
        r = rows[wl].get((v, p))
        cells.append("—" if r is None else ("%.4f" % (r[0] / macs(wl)) if r[0] is not None
                                           else "failed"))
    lines.append("| " + " | ".join(cells) + " |")
  return "\n".join(lines)


def main():
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  ap.add_argument("--full", action="store_true", help="all 33 workloads (default: 6)")
  ap.add_argument("--variants", default="a53,a76,max")
  ap.add_argument("--peers", default=",".join(PEERS))
  ap.add_argument("--jobs", type=int, default=2)
  ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"))
  ap.add_argument("--sysroot", default=os.path.join(REPO, "build", "bench-sysroot"))
  ap.add_argument("--build", action="store_true",
                  help="run scripts/bench_sysroot.sh and bench/build_peers.sh first")
  ap.add_argument("--doc", help="replace the generated table in this markdown file")
  a = ap.parse_args()

  if shutil.which("qemu-aarch64") is None:
    sys.exit("error: qemu-aarch64 not found (apt-get install qemu-user)")
  variants = [v for v in a.variants.split(",") if v]
  for v in variants:
    if v not in VARIANTS:
      sys.exit("error: unknown variant '%s' (known: %s)" % (v, ", ".join(VARIANTS)))
  if a.build:
    for cmd in (["sh", os.path.join(REPO, "scripts", "bench_sysroot.sh"), a.sysroot],
                ["sh", os.path.join(REPO, "bench", "build_peers.sh"), a.build_dir, a.sysroot]):
      if subprocess.run(cmd).returncode != 0:
        print("warning: '%s' failed; continuing with what is built" % " ".join(cmd),
              file=sys.stderr)
  if not os.path.isfile(os.path.join(a.build_dir, "libinsn_count.so")):
    sys.exit("error: %s/libinsn_count.so missing (run bench/build_peers.sh)" % a.build_dir)
  for v in variants:
    if not os.path.isfile(os.path.join(a.sysroot, "roots", VARIANTS[v], "proc", "cpuinfo")):
      sys.exit("error: qemu prefix for %s missing under %s (run scripts/bench_sysroot.sh)"
               % (VARIANTS[v], a.sysroot))
  peers = availablePeers(a.build_dir, a.sysroot, [p for p in a.peers.split(",") if p])
  if not peers:
    sys.exit("error: no peer is built; nothing to measure")

  workloads = WORKLOADS if a.full else SUBSET
  started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
  tmp = tempfile.mkdtemp(prefix="mtc-bench-")
  runner = Runner(a.build_dir, a.sysroot, tmp)
  jobs = {}
  with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
    for wl in workloads:
      for v in variants:
        for p in peers:
          plain, dot, dtype = PEERS[p]
          binary = plain if v == "a53" else dot
          jobs[(wl, v, p)] = pool.submit(runner.perConv, binary, VARIANTS[v], wl, dtype)
  rows = {wl: {} for wl in workloads}
  failures = 0
  checksums = {}
  for (wl, v, p), fut in jobs.items():
    try:
      insns, csum = fut.result()
      rows[wl][(v, p)] = (insns, csum)
      checksums.setdefault((wl, p), set()).add(csum)
    except Exception as e:  # one failing combination must not hide the others
      print("error: %s %s %s: %s" % (p, v, wlName(wl), e), file=sys.stderr)
      rows[wl][(v, p)] = (None, None)
      failures += 1
  shutil.rmtree(tmp, ignore_errors=True)
  for (wl, p), sums in sorted(checksums.items()):
    if len(sums) > 1:
      print("warning: %s %s: output checksum differs across cores: %s"
            % (p, wlName(wl), ", ".join(sorted(sums))), file=sys.stderr)

  # gemmlowp and ACL both requantize with gemmlowp's fixed-point rounding: equal outputs expected.
  notes = []
  for wl in workloads:
    g = {rows[wl].get((v, "gemmlowp-qu8"), (None, None))[1] for v in variants}
    acl = {rows[wl].get((v, "acl-qu8"), (None, None))[1] for v in variants}
    g.discard(None), acl.discard(None)
    if g and acl:
      notes.append("%s: gemmlowp-qu8 %s ACL-qu8 output (checksum %s)"
                   % (wlName(wl), "==" if g == acl else "!=", "/".join(sorted(g | acl))))
  cmdline = "/usr/bin/python3 bench/run_bench.py " + " ".join(sys.argv[1:])
  text = ["Instructions per MAC, one conv, single thread (measured %s; `%s`)." % (started, cmdline.strip()),
          "Variants: " + ", ".join("%s = `-cpu %s`" % (v, VARIANTS[v]) for v in variants) + ".",
          "", markdownTable(rows, peers, variants)]
  if notes:
    text += ["", "Output cross-check:", ""] + ["* " + n for n in notes]
  text = "\n".join(text)
  print(text)
  if a.doc:
    begin, end = "<!-- run_bench:begin -->", "<!-- run_bench:end -->"
    try:
      with open(a.doc) as f:
        doc = f.read()
    except OSError as e:
      sys.exit("error: cannot read %s: %s" % (a.doc, e))
    if begin not in doc or end not in doc:
      sys.exit("error: %s has no '%s' ... '%s' section to replace" % (a.doc, begin, end))
    pre, rest = doc.split(begin, 1)
    post = rest.split(end, 1)[1]
    with open(a.doc, "w") as f:
      f.write(pre + begin + "\n" + text + "\n" + end + post)
  return 1 if failures else 0


if __name__ == "__main__":
  sys.exit(main())
