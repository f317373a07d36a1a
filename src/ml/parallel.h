#pragma once
// Deterministic data parallelism for one pass over many rows. The rows are cut into chunks of a
// fixed size (not depending on the machine), each worker takes the next unclaimed chunk (so a
// worker the scheduler delays does not hold the others up), and each chunk's result goes to its
// own slot, so callers combine the slots in chunk order: the same inputs give bit-identical
// results on any number of cores.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace aiotops::ml {

inline constexpr size_t kChunkRows = size_t{1} << 16;

// Chunks of kChunkRows covering `rows` rows.
inline size_t chunk_count(size_t rows) { return (rows + kChunkRows - 1) / kChunkRows; }

// Workers for `chunks` chunks: min(chunks, hardware threads, 8), at least 1. Thread-safe.
size_t worker_count(size_t chunks);

// Calls work(worker, chunk, begin_row, end_row) once for every chunk of [0, rows), spread over
// worker_count(chunk_count(rows)) threads (the caller's thread is worker 0) and returns when all
// are done. `work` must not throw; calls with different chunks may run concurrently.
template <typename Work>
void for_each_chunk(size_t rows, const Work& work) {
  const size_t chunks = chunk_count(rows);
  const size_t workers = worker_count(chunks);
  std::atomic<size_t> next{0};
  auto run = [&](size_t worker) {
    for (size_t chunk = next++; chunk < chunks; chunk = next++) {
      work(worker, chunk, chunk * kChunkRows, std::min(rows, (chunk + 1) * kChunkRows));
    }
  };
  std::vector<std::jthread> threads;
  for (size_t worker = 1; worker < workers; ++worker) threads.emplace_back(run, worker);
  run(0);
}

}  // namespace aiotops::ml
