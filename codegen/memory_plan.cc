// mtc — greedy-by-size workspace planning.
// SPDX-License-Identifier: Apache-2.0
#include "codegen/memory_plan.h"

#include "ir/check.h"

#include <algorithm>
#include <numeric>

namespace mtc::codegen {

namespace {

uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

bool timesOverlap(const BufferLifetime &a, const BufferLifetime &b) {
  return a.first <= b.last && b.first <= a.last;
}

} // namespace

MemoryPlan planMemory(const std::vector<BufferLifetime> &buffers, uint64_t alignment) {
  MTC_CHECK(alignment > 0 && (alignment & (alignment - 1)) == 0) << "alignment " << alignment;
  MemoryPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), size_t(0));
  // Largest first: big tensors claim low offsets and small ones fill the holes between them.
  // Ties by first use keep the result deterministic and roughly in execution order.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (buffers[a].bytes != buffers[b].bytes) return buffers[a].bytes > buffers[b].bytes;
    return buffers[a].first < buffers[b].first;
  });

  std::vector<size_t> placed;
  for (size_t id : order) {
    const BufferLifetime &buf = buffers[id];
    plan.unsharedBytes += alignUp(buf.bytes, alignment);
    if (buf.bytes == 0) continue;
    // Memory ranges of placed buffers that are live at the same time, by offset.
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (size_t other : placed)
      if (timesOverlap(buf, buffers[other]))
        busy.emplace_back(plan.offsets[other], plan.offsets[other] + buffers[other].bytes);
    std::sort(busy.begin(), busy.end());
    uint64_t best = UINT64_MAX, bestGap = UINT64_MAX, cursor = 0;
    for (const auto &[lo, hi] : busy) {
      if (lo >= cursor && lo - cursor >= buf.bytes && lo - cursor < bestGap) {
        best = cursor;
        bestGap = lo - cursor;
      }
      cursor = std::max(cursor, alignUp(hi, alignment));
    }
    plan.offsets[id] = best != UINT64_MAX ? best : cursor;
    plan.peakBytes = std::max(plan.peakBytes, plan.offsets[id] + buf.bytes);
    placed.push_back(id);
  }
  plan.peakBytes = alignUp(plan.peakBytes, alignment);
  return plan;
}

bool planIsValid(const std::vector<BufferLifetime> &buffers, const MemoryPlan &plan,
                 std::string *why) {
  auto fail = [&](std::string msg) {
    if (why) *why = std::move(msg);
    return false;
  };
  if (plan.offsets.size() != buffers.size()) return fail("offset count differs from buffers");
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (plan.offsets[i] + buffers[i].bytes > plan.peakBytes)
      return fail("buffer " + std::to_string(i) + " ends beyond the workspace");
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      if (!buffers[i].bytes || !buffers[j].bytes || !timesOverlap(buffers[i], buffers[j]))
        continue;
      uint64_t a0 = plan.offsets[i], a1 = a0 + buffers[i].bytes;
      uint64_t b0 = plan.offsets[j], b1 = b0 + buffers[j].bytes;
      if (a0 < b1 && b0 < a1)
        return fail("buffers " + std::to_string(i) + " and " + std::to_string(j) +
                    " are live together and overlap");
    }
  }
  return true;
}

} // namespace mtc::codegen
