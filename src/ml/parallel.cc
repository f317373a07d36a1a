#include "ml/parallel.h"

namespace aiotops::ml {

size_t worker_count(size_t chunks) {
  constexpr size_t kMaxWorkers = 8;
  const size_t hardware = std::max<size_t>(1, std::thread::hardware_concurrency());
  return std::max<size_t>(1, std::min({chunks, hardware, kMaxWorkers}));
}

}  // namespace aiotops::ml
