#!/usr/bin/python3
# mtc — compares every REF_DIR/output_N.npy with OUT_DIR/output_N.npy bit for bit. The one
# allowance: a float32 NaN matches any NaN, because the default NaN an invalid operation
# produces differs between x86 (where the evaluator runs) and AArch64 (sign and payload).
# Usage: compare.py REF_DIR OUT_DIR ; exit status 0 when all match.
import glob
import os
import sys

import numpy as np


def main():
    ref_dir, out_dir = sys.argv[1], sys.argv[2]
    refs = sorted(glob.glob(os.path.join(ref_dir, "output_*.npy")))
    if not refs:
        print("compare: no outputs in %s" % ref_dir)
        return 1
    for ref in refs:
        out = os.path.join(out_dir, os.path.basename(ref))
        if not os.path.exists(out):
            print("compare: %s is missing" % out)
            return 1
        a, b = np.load(ref), np.load(out)
        if a.dtype != b.dtype or a.shape != b.shape:
            print("compare: %s is %s %s, expected %s %s" % (out, b.dtype, b.shape, a.dtype, a.shape))
            return 1
        same = a.view(np.uint8).reshape(a.size, -1) == b.view(np.uint8).reshape(b.size, -1)
        same = same.all(axis=1) if a.size else same
        if a.dtype == np.float32:
            same |= np.isnan(a.ravel()) & np.isnan(b.ravel())
        if not same.all():
            i = int(np.nonzero(~same)[0][0])
            print("compare: %s differs at flat index %d: %r, expected %r (%d elements differ)"
                  % (out, i, b.ravel()[i], a.ravel()[i], int((~same).sum())))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
