#!/usr/bin/python3
# mtc — steady-state throughput of the AArch64 micro-kernels under llvm-mca (LLVM 19).
# SPDX-License-Identifier: Apache-2.0
"""Measures each micro-kernel's inner loop with llvm-mca and prints a markdown table.

The loop bodies are read from the kernel table itself (codegen/aarch64/ukernels.cc): every asm
template marks its steady-state loop with `// @mca-begin` / `// @mca-end` (the label and the
backward branch stay outside, as llvm-mca wants a straight-line body). Placeholders are bound
to fixed registers ({a}=x0, {b}=x1, {c}=x2, {k}=x3, {ldc}=x4) and `{su}` to s/u.

MAC/cycle = MACs per loop iteration x iterations / llvm-mca's total cycles. Peaks are those
of perf_anchors §1b (instructions/cycle x MACs/instruction) for each core's LLVM 19 model.
Usage: bench/kernel_mca.py [--iterations N] [--cpus a,b] [--check] [--show-loop NAME]
"""
import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys

import doc_section

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "..", "codegen", "aarch64", "ukernels.cc")
CPUS = ["cortex-a55", "neoverse-n1", "neoverse-n2", "neoverse-v1"]
# Peak MAC/cycle per (feature class, cpu); None = the core lacks the instructions.
PEAKS = {
    "neon": {"cortex-a55": 4.0, "neoverse-n1": 8.0, "neoverse-n2": 8.0, "neoverse-v1": 16.0},
    "dotprod": {"cortex-a55": 16.0, "neoverse-n1": 32.0, "neoverse-n2": 32.0,
                "neoverse-v1": 64.0},
    "i8mm": {"cortex-a55": None, "neoverse-n1": None, "neoverse-n2": 64.0, "neoverse-v1": 128.0},
}
# Goals of issue 4 (MAC/cycle), checked with --check.
GOALS = {("neon", "neoverse-n1"): 7.6, ("dotprod", "neoverse-n1"): 30.0,
         ("dotprod", "neoverse-v1"): 60.0, ("i8mm", "neoverse-v1"): 120.0}
OPERANDS = {"a": "x0", "b": "x1", "c": "x2", "k": "x3", "ldc": "x4"}
FEATURE_BITS = {"kFeatNeon": "neon", "kFeatDotprod": "dotprod", "kFeatI8mm": "i8mm"}
MATTR = {"neon": "+neon", "dotprod": "+neon,+dotprod", "i8mm": "+neon,+dotprod,+i8mm"}


def parse_table(path):
    """Returns [(name, tileM, tileN, tileK, signed, feature, unroll, template_text)]."""
    src = open(path, encoding="utf-8").read()
    templates = dict(re.findall(
        r'constexpr std::string_view (k\w+Asm) = R"asm\((.*?)\)asm";', src, re.S))
    entry = re.compile(r'\{"(\w+)",\s*Kind::\w+,\s*(\d+),\s*(\d+),\s*(\d+),\s*ir::DType::(\w+),'
                       r'\s*(\w+),\s*(\d+),\s*(k\w+Asm),')
    kernels = []
    for m in entry.finditer(src):
        name, tm, tn, tk, dtype, feat, unroll, tmpl = m.groups()
        if tmpl not in templates or feat not in FEATURE_BITS:
            sys.exit(f"kernel_mca: cannot resolve template/feature of {name} in {path}")
        kernels.append((name, int(tm), int(tn), int(tk), dtype == "Int8", FEATURE_BITS[feat],
                        int(unroll), templates[tmpl]))
    if not kernels:
        sys.exit(f"kernel_mca: no kernel entries found in {path}")
    return kernels


def loop_body(template, signed):
    """The marked loop body with placeholders bound and comments dropped."""
    lines = template.splitlines()
    try:
        begin = next(i for i, l in enumerate(lines) if l.strip() == "// @mca-begin")
        end = next(i for i, l in enumerate(lines) if l.strip() == "// @mca-end")
    except StopIteration:
        sys.exit("kernel_mca: a template lacks the @mca-begin/@mca-end markers")
    body = []
    for line in lines[begin + 1:end]:
        line = line.split("//")[0].strip()
        if not line:
            continue
        line = line.replace("{su}", "s" if signed else "u")
        line = re.sub(r"\{(\w+)\}", lambda m: OPERANDS.get(m.group(1), m.group(0)), line)
        body.append(line)
    return "\n".join(body) + "\n"


def mca_cycles(mca, body, cpu, mattr, iterations):
    out = subprocess.run([mca, "-mtriple=aarch64", f"-mcpu={cpu}", f"-mattr={mattr}",
                          f"-iterations={iterations}"], input=body, capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"kernel_mca: llvm-mca failed for {cpu}:\n{out.stderr}")
    m = re.search(r"Total Cycles:\s+(\d+)", out.stdout)
    if not m:
        sys.exit("kernel_mca: no 'Total Cycles' in llvm-mca output")
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--cpus", default=",".join(CPUS))
    ap.add_argument("--table", default=TABLE, help="path of ukernels.cc")
    ap.add_argument("--check", action="store_true", help="exit 1 if a goal of issue 4 is missed")
    ap.add_argument("--show-loop", metavar="NAME", help="print the loop body fed to llvm-mca")
    ap.add_argument("--doc", help="also replace the kernel_mca section of this markdown file")
    args = ap.parse_args()
    mca = shutil.which("llvm-mca-19") or shutil.which("llvm-mca")
    if not mca:
        sys.exit("kernel_mca: llvm-mca-19 not found; install the Debian package llvm-19")
    cpus = [c for c in args.cpus.split(",") if c]
    kernels = parse_table(args.table)
    if args.show_loop:
        for k in kernels:
            if k[0] == args.show_loop:
                sys.stdout.write(loop_body(k[7], k[4]))
                return 0
        sys.exit(f"kernel_mca: no kernel named {args.show_loop}")

    lines = [f"Measured {datetime.date.today().isoformat()} with `/usr/bin/python3 bench/kernel_mca.py` "
             "(percent of each core's peak, perf_anchors §1b):", "",
             f"llvm-mca: `{os.path.basename(mca)} -mtriple=aarch64 -mcpu=CPU -mattr=FEATURES "
             f"-iterations={args.iterations}` on the `@mca-begin/@mca-end` loop body", "",
             "| kernel | MAC/iter | " + " | ".join(cpus) + " |",
             "|---|---:|" + "---:|" * len(cpus)]
    missed = []
    for name, tm, tn, tk, signed, feat, unroll, tmpl in kernels:
        body = loop_body(tmpl, signed)
        macs = tm * tn * tk * unroll
        cells = []
        for cpu in cpus:
            peak = PEAKS[feat].get(cpu)
            if peak is None and cpu in PEAKS[feat]:
                cells.append(f"n/a (no {feat})")
                continue
            cycles = mca_cycles(mca, body, cpu, MATTR[feat], args.iterations)
            rate = macs * args.iterations / cycles
            cell = f"{rate:.2f}"
            if peak:
                cell += f" ({100 * rate / peak:.0f} % of {peak:g})"
            cells.append(cell)
            goal = GOALS.get((feat, cpu))
            if goal is not None and rate < goal:
                missed.append(f"{name} on {cpu}: {rate:.2f} < {goal}")
        lines.append(f"| {name} | {macs} | " + " | ".join(cells) + " |")
    if missed:
        lines += ["", "Goals missed:", ""] + ["- " + m for m in missed]
    text = "\n".join(lines)
    print(text)
    if args.doc:
        doc_section.replace(args.doc, "kernel_mca", text)
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
