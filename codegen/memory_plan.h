// mtc — the compile-time workspace plan: every intermediate tensor of a model gets an offset in
// one workspace, and tensors whose lifetimes do not overlap share memory.
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mtc::codegen {

/// One buffer to place: its size and the steps (kernel launches, in execution order) during
/// which it is live, both ends inclusive. A kernel's output is live from the kernel that writes
/// it to the last kernel that reads it, so it never shares memory with that kernel's inputs.
struct BufferLifetime {
  uint64_t bytes = 0;
  int first = 0;
  int last = 0;
};

/// Where each buffer lives in the workspace.
struct MemoryPlan {
  std::vector<uint64_t> offsets; ///< one per buffer, multiples of the alignment
  uint64_t peakBytes = 0;        ///< workspace size: the largest end offset
  uint64_t unsharedBytes = 0;    ///< what the buffers would need without reuse (for reports)
};

/// Plans the workspace: buffers are placed largest first, each into the smallest gap (between
/// already placed buffers whose lifetimes overlap its own) that fits it, or above them all.
/// This is the "greedy by size" arena strategy; it is not optimal but close on CNN graphs.
MemoryPlan planMemory(const std::vector<BufferLifetime> &buffers, uint64_t alignment = 64);

/// True if no two buffers with overlapping lifetimes overlap in memory and every buffer lies
/// within peakBytes (used by tests and as an internal check).
bool planIsValid(const std::vector<BufferLifetime> &buffers, const MemoryPlan &plan,
                 std::string *why = nullptr);

} // namespace mtc::codegen
