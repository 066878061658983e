// mtc — qemu-user TCG plugin: deterministic guest instruction counts, per block and per marker window
// SPDX-License-Identifier: Apache-2.0
//
// Counts every executed guest instruction: each translation block gets an inline 64-bit add of
// one execution at block entry (no helper call), and the block's instruction count times its
// executions gives the total. Results:
//   out=FILE     summary: "insns N" (whole process), "window N" (sum of all begin/end marker
//                windows), "mark K N" (cumulative count at marker K)      (default: stderr)
//   blocks=FILE  profile: "0xVADDR ninsns execs window_execs" for every executed block, so a
//                script can map addresses to functions (nm / llvm-objdump) and split a run into
//                phases (im2col, packing, GEMM, epilogue) by address range.
// Markers: the guest calls getpriority(PRIO_PROCESS, 0x5EED0000 + K), which fails with ESRCH and
// has no other effect. K = 1 opens a window, K = 2 closes it; every K is reported as "mark".
// Counts are exact for single-threaded guests (the inline add is not atomic across vCPUs).
// qemu 7.2 accepts plugin API version 1 and Debian ships no qemu-plugin.h, so the few API
// declarations used are written out below (they follow the documented version-1 ABI).

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- qemu plugin API, version 1 (subset) ----
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_syscall_cb_t)(qemu_plugin_id_t id, unsigned int vcpuIndex,
                                              int64_t num, uint64_t a1, uint64_t a2, uint64_t a3,
                                              uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7,
                                              uint64_t a8);
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_syscall_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_syscall_cb_t cb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

// ---- state ----
enum { kSysGetpriority = 141, kMarkerBase = 0x5EED0000, kMaxMarks = 64 };

typedef struct Block {
  uint64_t vaddr;
  uint64_t nInsns;
  uint64_t execs;        // bumped by the inline add; never moved once allocated
  uint64_t windowStart;  // execs when the current window opened
  uint64_t windowExecs;  // executions inside closed windows
} Block;

// Blocks are allocated in chunks that never move (the inline add holds their address) and found
// through an open-addressing table keyed by (vaddr, nInsns): a retranslated block reuses its
// record, so counts do not depend on how often qemu flushes its translation cache.
enum { kChunk = 4096 };
static Block **chunks;
static size_t nChunks, nBlocks;
static Block **table;
static size_t tableCap;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static bool windowOpen;
static uint64_t marks[kMaxMarks][2];  // (K, cumulative count) in call order
static size_t nMarks;
static char *outPath, *blocksPath;

static size_t hashKey(uint64_t vaddr, uint64_t n) {
  uint64_t h = (vaddr ^ (n << 56)) * 0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 17);
}

static void tableInsert(Block *b) {
  size_t i = hashKey(b->vaddr, b->nInsns) & (tableCap - 1);
  while (table[i]) i = (i + 1) & (tableCap - 1);
  table[i] = b;
}

static Block *findOrAdd(uint64_t vaddr, uint64_t n) {
  if (tableCap == 0 || (nBlocks + 1) * 2 > tableCap) {
    size_t old = tableCap;
    Block **oldTable = table;
    tableCap = old ? old * 2 : 1 << 14;
    table = calloc(tableCap, sizeof *table);
    if (!table) abort();
    for (size_t i = 0; i < old; ++i)
      if (oldTable[i]) tableInsert(oldTable[i]);
    free(oldTable);
  }
  size_t i = hashKey(vaddr, n) & (tableCap - 1);
  for (; table[i]; i = (i + 1) & (tableCap - 1))
    if (table[i]->vaddr == vaddr && table[i]->nInsns == n) return table[i];
  if (nBlocks == nChunks * kChunk) {
    chunks = realloc(chunks, (nChunks + 1) * sizeof *chunks);
    if (!chunks) abort();
    chunks[nChunks] = calloc(kChunk, sizeof(Block));
    if (!chunks[nChunks]) abort();
    ++nChunks;
  }
  Block *b = &chunks[nBlocks / kChunk][nBlocks % kChunk];
  ++nBlocks;
  b->vaddr = vaddr;
  b->nInsns = n;
  tableInsert(b);
  return b;
}

#define FOR_EACH_BLOCK(b)                                                   \
  for (size_t idx_ = 0; idx_ < nBlocks; ++idx_)                             \
    for (Block *b = &chunks[idx_ / kChunk][idx_ % kChunk]; b; b = NULL)

static uint64_t totalNow(void) {
  uint64_t t = 0;
  FOR_EACH_BLOCK(b) t += b->nInsns * b->execs;
  return t;
}

static void onTranslate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  pthread_mutex_lock(&lock);
  Block *b = findOrAdd(qemu_plugin_tb_vaddr(tb), qemu_plugin_tb_n_insns(tb));
  pthread_mutex_unlock(&lock);
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->execs, 1);
}

static void onSyscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1,
                      uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6,
                      uint64_t a7, uint64_t a8) {
  (void)id, (void)vcpu, (void)a1, (void)a3, (void)a4, (void)a5, (void)a6, (void)a7, (void)a8;
  if (num != kSysGetpriority || (a2 & ~0xFFFFull) != kMarkerBase) return;
  uint64_t k = a2 & 0xFFFF;
  pthread_mutex_lock(&lock);
  if (nMarks < kMaxMarks) {
    marks[nMarks][0] = k;
    marks[nMarks][1] = totalNow();
    ++nMarks;
  }
  if (k == 1 && !windowOpen) {
    FOR_EACH_BLOCK(b) b->windowStart = b->execs;
    windowOpen = true;
  } else if (k == 2 && windowOpen) {
    FOR_EACH_BLOCK(b) b->windowExecs += b->execs - b->windowStart;
    windowOpen = false;
  }
  pthread_mutex_unlock(&lock);
}

static FILE *openOut(const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) fprintf(stderr, "insn_count: error: cannot write '%s'\n", path);
  return f;
}

static void onExit(qemu_plugin_id_t id, void *userdata) {
  (void)id, (void)userdata;
  uint64_t window = 0;
  FOR_EACH_BLOCK(b) window += b->nInsns * b->windowExecs;
  char buf[256];
  FILE *f = outPath ? openOut(outPath) : NULL;
  snprintf(buf, sizeof buf, "insns %" PRIu64 "\nwindow %" PRIu64 "\n", totalNow(), window);
  // qemu_plugin_outs only reaches the qemu log (-d plugin), so the default goes to stderr.
  fputs(buf, f ? f : stderr);
  for (size_t i = 0; i < nMarks; ++i) {
    snprintf(buf, sizeof buf, "mark %" PRIu64 " %" PRIu64 "\n", marks[i][0], marks[i][1]);
    fputs(buf, f ? f : stderr);
  }
  if (f) fclose(f);
  if (blocksPath) {
    FILE *bf = openOut(blocksPath);
    if (bf) {
      FOR_EACH_BLOCK(b) {
        if (b->execs)
          fprintf(bf, "0x%" PRIx64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", b->vaddr, b->nInsns,
                  b->execs, b->windowExecs);
      }
      fclose(bf);
    }
  }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv) {
  (void)info;
  for (int i = 0; i < argc; ++i) {
    if (strncmp(argv[i], "out=", 4) == 0) {
      outPath = strdup(argv[i] + 4);
    } else if (strncmp(argv[i], "blocks=", 7) == 0) {
      blocksPath = strdup(argv[i] + 7);
    } else {
      fprintf(stderr, "insn_count: error: unknown option '%s' (expected out=FILE or blocks=FILE)\n",
              argv[i]);
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, onTranslate);
  qemu_plugin_register_vcpu_syscall_cb(id, onSyscall);
  qemu_plugin_register_atexit_cb(id, onExit, NULL);
  return 0;
}
