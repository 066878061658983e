/* mtc — the plain C ABI of modules compiled by `mtc compile` (docs/runtime.md).
 * SPDX-License-Identifier: Apache-2.0
 *
 * A module is an object file or shared library with one entry point per model:
 *
 *   int mtc_<name>_run(const mtc_tensor *inputs, mtc_tensor *outputs, void *workspace);
 *   uint64_t mtc_<name>_workspace_size(void);
 *   const mtc_module_info *mtc_<name>_info(void);
 *
 * declared with the model's input/output names, shapes and dtypes in the header written by
 * `mtc compile --header`. A shared library also exports `mtc_module_get_info`, the fixed-name
 * entry the runner (runtime/mtc_runner.c) uses to drive any module. This file never includes
 * anything from the compiler and needs only <stdint.h>. */
#ifndef MTC_RUNTIME_H
#define MTC_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* BEGIN MTC TYPES (copied verbatim into generated headers; keep self-contained) */
#ifndef MTC_TYPES_DEFINED
#define MTC_TYPES_DEFINED

/** Version of the structures below; mtc_module_info.abi_version holds it. */
#define MTC_ABI_VERSION 1

/** Element types (values are part of the ABI). Bool is one byte holding 0 or 1. */
typedef enum mtc_dtype {
  MTC_INT8 = 0,
  MTC_UINT8 = 1,
  MTC_INT16 = 2,
  MTC_INT32 = 3,
  MTC_INT64 = 4,
  MTC_FLOAT32 = 5,
  MTC_BOOL = 6
} mtc_dtype;

/** A dense row-major tensor owned by the caller. `data` must be aligned to the element size;
 *  output tensors must not overlap input tensors or the workspace. */
typedef struct mtc_tensor {
  void *data;
  const int64_t *shape; /**< ndim dims */
  int32_t ndim;
  int32_t dtype; /**< an mtc_dtype */
} mtc_tensor;

/** Status codes returned by a run function. A failed check of tensor number k (inputs first,
 *  then outputs) returns code + 256 * (k + 1); MTC_STATUS_CODE / MTC_STATUS_TENSOR split it. */
enum {
  MTC_OK = 0,
  MTC_ERR_NULL = 1,      /**< a null tensor array, data pointer or shape pointer */
  MTC_ERR_NDIM = 2,      /**< wrong number of dims */
  MTC_ERR_SHAPE = 3,     /**< a dim differs from the module's */
  MTC_ERR_DTYPE = 4,     /**< wrong element type */
  MTC_ERR_WORKSPACE = 5, /**< null or not 64-byte aligned workspace although one is needed */
  MTC_ERR_ALIGN = 6      /**< data not aligned to its element size */
};
#define MTC_STATUS_CODE(s) ((s) & 0xff)
#define MTC_STATUS_TENSOR(s) (((s) >> 8) - 1)

/** Static description of one input or output. */
typedef struct mtc_tensor_info {
  const char *name;
  int32_t dtype; /**< an mtc_dtype */
  int32_t ndim;
  const int64_t *shape;
} mtc_tensor_info;

/** Signature of a module's run function. `workspace` needs workspace_size bytes, 64-byte
 *  aligned (may be null when workspace_size is 0). The function keeps no state between calls:
 *  calls with distinct workspaces may run concurrently. */
typedef int (*mtc_run_fn)(const mtc_tensor *inputs, mtc_tensor *outputs, void *workspace);

/** Everything the runner needs to know about a module. */
typedef struct mtc_module_info {
  uint32_t abi_version; /**< MTC_ABI_VERSION of the compiler that built the module */
  uint32_t num_inputs;
  uint32_t num_outputs;
  uint32_t reserved;
  const char *name;     /**< the <name> of the entry points */
  const char *target;   /**< canonical target string, e.g. "llvm -mtriple=aarch64-linux-gnu" */
  const char *qemu_cpu; /**< qemu-aarch64 -cpu able to run it ("" for host modules) */
  const mtc_tensor_info *inputs;
  const mtc_tensor_info *outputs;
  uint64_t workspace_size; /**< bytes of scratch memory one run needs */
  uint64_t constant_bytes; /**< bytes of weights and other constants in .rodata */
  mtc_run_fn run;
} mtc_module_info;

#endif /* MTC_TYPES_DEFINED */
/* END MTC TYPES */

/** Exported by every shared library built by `mtc compile` (not by --emit obj, so that several
 *  modules can be linked into one program). */
const mtc_module_info *mtc_module_get_info(void);

#ifdef __cplusplus
}
#endif

#endif /* MTC_RUNTIME_H */
