# Writes the .npy inputs of the CLI tests without numpy (plain struct), so the tests need
# nothing beyond python3.
import struct, sys, os

def npy(path, descr, shape, data):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % d for d in shape) if len(shape) != 1 else "%d," % shape[0])
    pad = 64 - (10 + len(header) + 1) % 64
    header += " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data)

out = sys.argv[1]
n = lambda s: 1 if not s else s[0] * n(s[1:])
npy(os.path.join(out, "x.npy"), "|u1", (1, 4, 4, 3), bytes((i * 37) % 256 for i in range(48)))
npy(os.path.join(out, "x_int8.npy"), "|i1", (1, 4, 4, 3), bytes(48))
npy(os.path.join(out, "bad_shape.npy"), "|u1", (1, 4, 5, 3), bytes(60))
npy(os.path.join(out, "w.npy"), "|u1", (3, 3, 3, 2), bytes((i * 11) % 256 for i in range(54)))
npy(os.path.join(out, "b.npy"), "<i4", (2,), struct.pack("<2i", 1000, -1000))
npy(os.path.join(out, "truncated.npy"), "|u1", (1, 4, 4, 3), bytes(20))
