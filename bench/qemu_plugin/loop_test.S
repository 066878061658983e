// mtc — aarch64 test program for insn_count: a loop of known size between two marker syscalls
// SPDX-License-Identifier: Apache-2.0
// Built with -nostdlib -static, so every executed instruction is listed here:
//   _start .. first svc:       6 instructions (one block, ends at the svc)
//   after svc to loop end:     4 (mov x0, then add/subs/b.ne of the first iteration)
//   loop block:                3 per further iteration (ITERS - 1 times)
//   second marker block:       4, exit block: 3
// Blocks are counted at entry, so: total = 3 ITERS + 14, window = 3 ITERS + 5,
// mark 1 = 6, mark 2 = 3 ITERS + 11.
  .text
  .globl _start
_start:
  mov x8, #141            // getpriority
  mov x0, #0              // PRIO_PROCESS
  movz x1, #0x0001
  movk x1, #0x5EED, lsl #16
  mov x2, #0
  svc #0                  // marker 1: open the window
  mov x0, #ITERS
1:
  add x2, x2, #3
  subs x0, x0, #1
  b.ne 1b
  mov x8, #141
  mov x0, #0
  add x1, x1, #1          // 0x5EED0002
  svc #0                  // marker 2: close the window
  mov x8, #93             // exit(0)
  mov x0, #0
  svc #0
