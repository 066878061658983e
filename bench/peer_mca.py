#!/usr/bin/python3
# mtc — the peers' micro-kernel inner loops, extracted from their arm64 binaries, under llvm-mca.
# SPDX-License-Identifier: Apache-2.0
"""Finds the inner loop each peer (XNNPACK, gemmlowp, ACL) actually runs and measures it with llvm-mca.

For each peer, emulated core and dtype, the peer's driver runs one convolution under qemu-aarch64
with the insn_count plugin's `blocks=` profile and qemu's `-strace` (the mmap of offset 0 of each
shared object gives its load address). The translation blocks inside the peer's kernel library,
hottest first, are mapped back to offsets of that ELF until one lies in a loop that multiplies;
the code from there to the next branch must end
in a backward branch whose target is at or before the block: that branch closes the loop, and
the instructions from its target up to (not including) the branch are the loop body, as
kernel_mca.py feeds ours (label and branch outside). A loop with another branch inside is refused.

MACs per iteration are counted from the operand arrangements: sdot/udot/usdot/sudot = 4 x the
destination's lanes (16 on .4s); smmla/ummla/usmmla = 32; the multiplies smull/umull/smlal/umlal
(and their `2` forms), mul/mla/mls on vectors = the destination's lanes (8 on .8h, 4 on .4s:
one product per lane); sadalp/uadalp and adds of products count 0, so smull+sadalp counts each
product once. A multiply with a source register the loop never writes (XNNPACK's qu8 kernels
dot the activations with the constant weight zero point for the correction term) is overhead, not
a product of the two matrices, and counts 0. Peaks and llvm-mca settings are kernel_mca.py's.

Usage: bench/peer_mca.py [--peers xnnpack,gemmlowp,acl] [--variants a53,a76,max] [--cpus ...]
                         [--iterations N] [--show-loops] [--doc FILE]
"""
import argparse
import bisect
import datetime
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import doc_section  # noqa: E402
import kernel_mca  # noqa: E402
import run_bench  # noqa: E402

REPO = os.path.dirname(HERE)
# peer -> (driver for Armv8.0 cores, driver for dotprod cores, dtypes, regex of the kernel ELF;
# None = the driver itself, a static executable)
PEERS = {
    "xnnpack": ("xnn_conv", "xnn_conv", ("qc8", "qu8"), r"/libXNNPACK\.so"),
    "gemmlowp": ("gemmlowp_gemm", "gemmlowp_gemm_dot", ("qu8",), None),
    "acl": ("acl_conv", "acl_conv", ("qc8", "qu8"), r"/libarm_compute_core\.so"),
}
# One 3x3 layer (indirect GEMM in XNNPACK) and one deep 1x1 layer (direct GEMM) of run_bench.py.
SHAPES = {"3x3": (1, 96, 35, 96, 3, 2, 1, 1), "1x1": (1, 768, 5, 128, 1, 1, 0, 1)}
BRANCHES = re.compile(r"^(b|bl|br|blr|ret|cbz|cbnz|tbz|tbnz|b\.\w+)$")
LANES = {"b": 1, "h": 2, "s": 4, "d": 8}


class Skip(Exception):
  """A peer measurement that cannot be made (missing file, unexpected code)."""


def tool(name):
  path = shutil.which(name + "-19") or shutil.which(name)
  if not path:
    sys.exit(f"peer_mca: {name}-19 not found; install the Debian package llvm-19")
  return path


def profile(build, sysroot, binary, cpu, args, tmp):
  """Runs a driver under qemu; returns (window blocks [(vaddr, ninsns, execs)], {ELF: base})."""
  prefix = os.path.join(sysroot, "roots", cpu)
  exe = os.path.join(build, binary)
  for need in (exe, prefix, os.path.join(build, "libinsn_count.so")):
    if not os.path.exists(need):
      raise Skip(f"{need} is missing (run bench/bench_sysroot.sh and bench/build_peers.sh)")
  blocks = os.path.join(tmp, "run.blocks")
  pin = ["taskset", "-c", "0"] if binary.startswith("acl") and shutil.which("taskset") else []
  cmd = pin + ["env", "-i", "qemu-aarch64", "-strace", "-cpu", cpu, "-L", prefix, "-E",
               "LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu", "-plugin",
               os.path.join(build, "libinsn_count.so") + ",out=" + os.path.join(tmp, "run.txt")
               + ",blocks=" + blocks, exe] + args
  r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                     errors="replace")
  if r.returncode != 0:
    raise Skip(f"{binary} {' '.join(args)} failed under qemu (exit {r.returncode})")
  bases, fds = {}, {}
  with open(exe, "rb") as f:
    if f.read(18)[16:18] == b"\x02\x00":  # ET_EXEC: linked at its final addresses
      bases[exe] = 0
  for line in r.stderr.splitlines():
    m = re.search(r'openat\(\w+,"([^"]+)",[^)]*\) = (\d+)$', line)
    if m:
      host = os.path.join(prefix, m.group(1).lstrip("/"))
      fds[m.group(2)] = host if os.path.exists(host) else m.group(1)
      continue
    m = re.search(r"mmap\([^,]+,\d+,[^,]+,[^,]+,(\d+),0\) = (0x[0-9a-f]+)$", line)
    if m and m.group(1) in fds and fds[m.group(1)] not in bases:
      bases[fds[m.group(1)]] = int(m.group(2), 16)
  rows = []
  with open(blocks) as f:
    for line in f:
      vaddr, n, _, win = line.split()
      if int(win):
        rows.append((int(vaddr, 16), int(n), int(win)))
  return rows, bases


def code_ranges(elf):
  """[(vaddr, end)] of the ELF's executable PT_LOAD segments (ELF64 little-endian)."""
  with open(elf, "rb") as f:
    head = f.read(64)
    if head[:6] != b"\x7fELF\x02\x01":
      raise Skip(f"{elf} is not a 64-bit little-endian ELF file")
    phoff, = struct.unpack_from("<Q", head, 32)
    phentsize, phnum = struct.unpack_from("<HH", head, 54)
    f.seek(phoff)
    table = f.read(phentsize * phnum)
  out = []
  for k in range(phnum):
    ptype, flags, _, vaddr, _, _, memsz, _ = struct.unpack_from("<IIQQQQQQ", table, k * phentsize)
    if ptype == 1 and flags & 1:
      out.append((vaddr, vaddr + memsz))
  return out


def disassemble(objdump, elf, lo, hi):
  """[(address, mnemonic, operands)] of ELF's code in [lo, hi)."""
  r = subprocess.run([objdump, "-d", "--no-show-raw-insn", "--mattr=+dotprod,+i8mm,+fullfp16",
                      f"--start-address={lo:#x}", f"--stop-address={hi:#x}", elf],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
  if r.returncode != 0:
    raise Skip(f"llvm-objdump failed on {elf}: {r.stderr.strip()[:200]}")
  insns, words = [], []
  for line in r.stdout.splitlines():
    m = re.match(r"^\s*([0-9a-f]+):(?:\s+[0-9a-f]{2}){0,4}\s+(\S+)\s*(.*)$", line)
    if m:
      ops = m.group(3).split("//")[0].strip()
      insns.append((int(m.group(1), 16), m.group(2), ops))
      if m.group(2) == ".word":
        words.append(len(insns) - 1)
  # Code written as `.inst` words (gemmlowp's dotprod kernel) sits under a data mapping symbol,
  # which objdump prints as `.word`: decode those words with llvm-mc.
  if words:
    mc = tool("llvm-mc")
    data = "".join(" ".join(f"{(int(insns[k][2], 16) >> (8 * b)) & 0xff:#04x}" for b in range(4))
                   + "\n" for k in words)
    r = subprocess.run([mc, "--disassemble", "-triple=aarch64", "-mattr=+dotprod,+i8mm,+fullfp16"],
                       input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    decoded = [l.split(None, 1) for l in r.stdout.splitlines()
               if l.strip() and not l.strip().startswith(".")]
    if r.returncode == 0 and len(decoded) == len(words):
      for k, d in zip(words, decoded):
        insns[k] = (insns[k][0], d[0], d[1].split("//")[0].strip() if len(d) > 1 else "")
  return insns


def extract_loop(objdump, elf, hot):
  """The loop around offset `hot`: (start offset, [(mnemonic, operands)]) or raises Skip."""
  insns = disassemble(objdump, elf, max(0, hot - 0x2000), hot + 0x2000)
  addrs = [a for a, _, _ in insns]
  i = bisect.bisect_left(addrs, hot)
  if i == len(insns) or addrs[i] != hot:
    raise Skip(f"{hot:#x} of {os.path.basename(elf)} is not an instruction boundary")
  while i < len(insns) and not BRANCHES.match(insns[i][1]):
    i += 1
  if i == len(insns):
    raise Skip(f"no branch after {hot:#x} within 8 KiB")
  addr, mnem, ops = insns[i]
  target = re.match(r"(?:.*,\s*)?(?:0x)?([0-9a-f]+)(?:\s*<.*>)?$", ops)
  if mnem in ("br", "blr", "ret", "bl") or not target or int(target.group(1), 16) > hot:
    raise Skip(f"the code after {hot:#x} ends in '{mnem} {ops}', not a backward branch")
  start = int(target.group(1), 16)
  j = bisect.bisect_left(addrs, start)
  if j == len(insns) or addrs[j] != start:
    raise Skip(f"loop target {start:#x} is outside the disassembled range")
  body = [(m, o) for _, m, o in insns[j:i]]
  if any(BRANCHES.match(m) for m, _ in body):
    raise Skip(f"the loop at {start:#x} has a branch inside; llvm-mca cannot model it")
  return start, body


def vregs(ops):
  """Numbers of the SIMD registers named in an operand string (v3.4s, q3, d3 are all 3)."""
  return [int(n) for n in re.findall(r"\b[vqdsbh](\d+)\b", ops)]


def written_vregs(body):
  """SIMD registers some instruction of the loop writes (loads: all listed; stores: none)."""
  out = set()
  for mnem, ops in body:
    if mnem.startswith("st") or mnem.startswith("prf"):
      continue
    if mnem.startswith("ld"):
      out.update(vregs(ops.split("[")[0]))
    elif vregs(ops):
      out.add(vregs(ops)[0])
  return out


def macs_of(mnem, ops, written=None):
  """MACs one instruction performs (see the module doc for the rule); with `written`, a multiply
  with a source register outside that set counts 0."""
  dest = re.match(r"v\d+\.(\d+)([bhsd])", ops)
  if written is not None and any(r not in written for r in vregs(ops)[1:]):
    return 0
  if mnem in ("smmla", "ummla", "usmmla"):
    return 32
  if not dest:
    return 0
  lanes = int(dest.group(1))
  if mnem in ("sdot", "udot", "usdot", "sudot"):
    return 4 * lanes
  if mnem in ("smull", "smull2", "umull", "umull2", "smlal", "smlal2", "umlal", "umlal2",
              "mul", "mla", "mls"):
    return lanes
  return 0


def symbol_at(nm, elf, off):
  """Demangled name of the sized function symbol containing `off`, or None (stripped ELF)."""
  best = None
  for flags in (["--defined-only", "-S", "-C"], ["--defined-only", "-S", "-C", "-D"]):
    r = subprocess.run([nm] + flags + [elf], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    for line in r.stdout.splitlines():
      parts = line.split(maxsplit=3)
      if len(parts) == 4 and parts[2] in "tTwW":
        a, size = int(parts[0], 16), int(parts[1], 16)
        if a <= off < a + size:
          best = parts[3]
    if best:
      return best
  return None


def short_name(name):
  """Drops the argument list of a demangled C++ name."""
  depth, cut = 0, len(name)
  for k, ch in enumerate(name):
    if ch == "<":
      depth += 1
    elif ch == ">":
      depth -= 1
    elif ch == "(" and depth == 0:
      cut = k
      break
  return name[:cut]


def measure(args):
  objdump, nm, mca = tool("llvm-objdump"), tool("llvm-nm"), tool("llvm-mca")
  loops, order = {}, []
  with tempfile.TemporaryDirectory(prefix="peer_mca") as tmp:
    for peer in args.peers:
      plain, dot, dtypes, lib = PEERS[peer]
      for variant in args.variants:
        cpu = run_bench.VARIANTS[variant]
        binary = plain if variant == "a53" else dot
        for dtype in dtypes:
          for shape, wl in SHAPES.items():
            try:
              blocks, bases = profile(args.build, args.sysroot, binary, cpu,
                                      run_bench.driverArgs(wl, dtype, 1), tmp)
              elfs = [e for e in bases if (re.search(lib, e) if lib else
                                            e == os.path.join(args.build, binary))]
              if not elfs:
                raise Skip(f"{binary} did not load a library matching {lib}")
              elf = elfs[0]
              code = code_ranges(elf)
              mine = [(n * w, v - bases[elf]) for v, n, w in blocks
                      if any(lo <= v - bases[elf] < hi for lo, hi in code)]
              if not mine:
                raise Skip(f"no instruction of {os.path.basename(elf)} ran in the window")
              # The hottest loop may be packing (gemmlowp's dotprod kernel is cheap next to its
              # packing): take the hottest block whose loop multiplies.
              found, why = None, "no loop with a multiply among the 20 hottest blocks"
              for _, hot in sorted(mine, reverse=True)[:20]:
                try:
                  start, body = extract_loop(objdump, elf, hot)
                except Skip as e:
                  why = str(e)
                  continue
                if any(macs_of(m, o) for m, o in body):
                  found = (start, body)
                  break
              if not found:
                raise Skip(why)
              start, body = found
            except Skip as e:
              print(f"warning: peer_mca: {peer} {variant} {dtype} {shape}: {e}; skipped",
                    file=sys.stderr)
              continue
            # Each core's prefix holds its own copy of the libraries: same file name, same code.
            key = (os.path.basename(elf), start)
            if key not in loops:
              loops[key] = {"peer": peer, "elf": elf, "body": body, "runs": []}
              order.append(key)
            loops[key]["runs"].append(f"{variant} {dtype} {shape}")
    if not loops:
      sys.exit("error: peer_mca: no peer loop could be measured (see the warnings above)")
    rows = []
    for key in order:
      loop = loops[key]
      elf, start = loop["elf"], key[1]
      body = loop["body"]
      text = "".join(f"{m} {o}\n" for m, o in body)
      written = written_vregs(body)
      counts, invariant = {}, 0
      for m, o in body:
        if macs_of(m, o, written):
          counts[m] = counts.get(m, 0) + 1
        elif macs_of(m, o):
          invariant += 1
      macs = sum(macs_of(m, o, written) for m, o in body)
      if not macs:
        print(f"warning: peer_mca: the loop at {start:#x} of {os.path.basename(elf)} has no "
              "multiply; skipped", file=sys.stderr)
        continue
      names = set(counts)
      feat = ("i8mm" if names & {"smmla", "ummla", "usmmla", "usdot", "sudot"} else
              "dotprod" if names & {"sdot", "udot"} else "neon")
      sym = symbol_at(nm, elf, start)
      where = f"`{os.path.basename(elf)}`+{start:#x}"
      kernel = f"`{short_name(sym)}` ({where})" if sym else f"unexported, at {where}"
      if args.show_loops:
        print(f"# {loop['peer']} {kernel}\n{text}", file=sys.stderr)
      cells = []
      for cpu in args.cpus:
        peak = kernel_mca.PEAKS[feat].get(cpu)
        if peak is None and cpu in kernel_mca.PEAKS[feat]:
          cells.append(f"n/a (no {feat})")
          continue
        cycles = kernel_mca.mca_cycles(mca, text, cpu, kernel_mca.MATTR[feat], args.iterations)
        rate = macs * args.iterations / cycles
        cells.append(f"{rate:.2f}" + (f" ({100 * rate / peak:.0f} % of {peak:g})" if peak else ""))
      mix = ", ".join(f"{n} {m}" for m, n in sorted(counts.items()))
      if invariant:
        mix += f" (+{invariant} with a loop-invariant factor, not counted)"
      rows.append(f"| {loop['peer']} | {kernel} | {'; '.join(loop['runs'])} | {len(body)} insns: "
                  f"{mix} | {macs} | " + " | ".join(cells) + " |")
  return rows, mca


def main():
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--peers", default=",".join(PEERS))
  ap.add_argument("--variants", default=",".join(run_bench.VARIANTS))
  ap.add_argument("--cpus", default=",".join(kernel_mca.CPUS))
  ap.add_argument("--iterations", type=int, default=300)
  ap.add_argument("--build", default=os.path.join(REPO, "build-bench"),
                  help="directory of the peer drivers and libinsn_count.so")
  ap.add_argument("--sysroot", default=os.path.join(REPO, "build", "bench-sysroot"))
  ap.add_argument("--show-loops", action="store_true", help="print each loop body to stderr")
  ap.add_argument("--doc", help="also replace the peer_mca section of this markdown file")
  args = ap.parse_args()
  args.peers = [p for p in args.peers.split(",") if p]
  args.variants = [v for v in args.variants.split(",") if v]
  args.cpus = [c for c in args.cpus.split(",") if c]
  for p in args.peers:
    if p not in PEERS:
      sys.exit(f"error: peer_mca: unknown peer '{p}' (known: {', '.join(PEERS)})")
  for v in args.variants:
    if v not in run_bench.VARIANTS:
      sys.exit(f"error: peer_mca: unknown variant '{v}' (known: {', '.join(run_bench.VARIANTS)})")
  rows, mca = measure(args)
  shapes = "; ".join(f"{k} = `{run_bench.wlName(v)}`" for k, v in SHAPES.items())
  lines = [f"Measured {datetime.date.today().isoformat()} with `/usr/bin/python3 bench/peer_mca.py`"
           f" (workloads {shapes}; variant = qemu core as above; percent of each core's peak):", "",
           f"llvm-mca: `{os.path.basename(mca)} -mtriple=aarch64 -mcpu=CPU -mattr=FEATURES "
           f"-iterations={args.iterations}` on the loop body without its backward branch", "",
           "| peer | kernel | run by | loop body | MAC/iter | " + " | ".join(args.cpus) + " |",
           "|---|---|---|---|---:|" + "---:|" * len(args.cpus)] + rows
  text = "\n".join(lines)
  print(text)
  if args.doc:
    doc_section.replace(args.doc, "peer_mca", text)
  return 0


if __name__ == "__main__":
  sys.exit(main())
