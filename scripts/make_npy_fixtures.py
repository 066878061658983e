#!/usr/bin/python3
# mtc — writes the .npy/.npz fixtures of tests/unit/npy_test.cc with real numpy.
# SPDX-License-Identifier: Apache-2.0
"""Regenerate with: /usr/bin/python3 scripts/make_npy_fixtures.py

The fixtures are committed so the unit tests need no Python. The element values follow
formulas that npy_test.cc recomputes in C++ (see `expectedInt` / `expectedFloat` there):
integers are (i * 37 - 50) cast to the dtype with wrap-around, floats are i * 0.25 - 1.5,
bools are (i % 3 == 0), for flat index i.
"""
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "unit", "data",
                   "npy")
DTYPES = ["int8", "uint8", "int16", "int32", "int64", "float32", "bool"]


def pattern(dtype, shape):
    n = int(np.prod(shape, dtype=np.int64))
    i = np.arange(n, dtype=np.int64)
    if dtype == "float32":
        v = (i * 0.25 - 1.5).astype(np.float32)
    elif dtype == "bool":
        v = (i % 3) == 0
    else:
        v = (i * 37 - 50).astype(dtype)  # wraps modulo 2^bits, like a C cast
    return v.reshape(shape)


def save(name, arr):
    np.save(os.path.join(OUT, name), arr, allow_pickle=False)


def save_version(name, arr, version):
    with open(os.path.join(OUT, name), "wb") as f:
        np.lib.format.write_array(f, arr, version=version, allow_pickle=False)


def main():
    os.makedirs(OUT, exist_ok=True)
    for dt in DTYPES:
        save(dt + ".npy", pattern(dt, (2, 3, 4)))
    save("scalar_int32.npy", np.array(-7, dtype=np.int32))
    save("empty_uint8.npy", np.zeros((0, 3), dtype=np.uint8))
    save("vector_int64.npy", pattern("int64", (5,)))
    save_version("v2_int16.npy", pattern("int16", (3, 2)), (2, 0))
    save_version("v3_float32.npy", pattern("float32", (4,)), (3, 0))
    save("fortran_int32.npy", np.asfortranarray(pattern("int32", (2, 3))))
    save("bigendian_int32.npy", pattern("int32", (2, 3)).astype(">i4"))
    save("float64.npy", np.arange(4, dtype=np.float64))
    np.savez(os.path.join(OUT, "stored.npz"), weight=pattern("int8", (2, 3, 4)),
             scale=pattern("float32", (4,)))
    np.savez_compressed(os.path.join(OUT, "deflated.npz"), weight=pattern("int8", (2, 3, 4)),
                        bias=pattern("int32", (6,)))
    print("numpy", np.__version__, "wrote fixtures to", os.path.normpath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
