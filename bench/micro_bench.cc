// Per-inference latency of the inference core on the host (Google Benchmark): one reading in,
// one score out, for the models devices run — logistic regression and an MLP 4-50-40-1, float32
// and int8 (TFLite's scheme) — with the native double-precision model (ml::Model::score) as the
// peer in the same run.
//   core/<model>          float in and out: set_input + invoke + get_output (int8 models
//                         standardize in float32, then QUANTIZE ... DEQUANTIZE inside the model)
//   core_int8_io/<model>  int8 models exported with --int8-io: the four int8 features copied into
//                         the input tensor, invoke, the int8 score read (a device with integer
//                         features, or one that quantizes as it samples)
//   native/<model>        ml::Model::score on the same readings
//
// The models are built here the way aiotops builds them (lower a trained-shape model, calibrate
// and quantize with src/quant, write the .tflite), from fixed parameters: latency does not depend
// on the values. --models-out=DIR also writes the .tflite files, so that other runtimes (Arm NN)
// can be timed on the very same bytes.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/files.h"
#include "micro/interpreter.h"
#include "ml/logistic.h"
#include "ml/mlp.h"
#include "ml/model_file.h"
#include "quant/calibration.h"
#include "quant/quantize.h"
#include "tflite/lower.h"
#include "tflite/writer.h"

namespace aiotops::bench {
namespace {

constexpr size_t kRows = 256;  // readings cycled through, so branches see varied data

// AI4I 2020's sensor magnitudes: air and process temperature (K), speed (rpm), torque (Nm).
const std::vector<double> kMean{300.0, 310.0, 1538.8, 39.99};
const std::vector<double> kScale{2.0, 1.48, 179.3, 9.97};

[[noreturn]] void die(const Error& error) {
  std::fprintf(stderr, "micro_bench: %s\n", error.message().c_str());
  std::exit(1);
}

template <typename T>
T value_or_die(Result<T> result) {
  if (!result) die(result.error());
  return std::move(*result);
}

ml::Model make_model(std::unique_ptr<ml::Classifier> classifier) {
  ml::Scaler scaler = value_or_die(ml::Scaler::from_json({{"mean", kMean}, {"scale", kScale}}, 4));
  ml::ModelMetadata metadata;
  metadata.feature_names = {"air_temperature_k", "process_temperature_k", "rotational_speed_rpm",
                            "torque_nm"};
  metadata.label_name = "machine_failure";
  metadata.training.dataset_sha256 = std::string(64, '0');
  metadata.training.train_rows = 100;
  metadata.training.train_positives = 10;
  metadata.training.train_negatives = 90;
  return value_or_die(ml::Model::create(std::move(scaler), std::move(classifier), metadata));
}

ml::Model logistic_regression() {
  ml::LinearFunction f;
  f.weights = Eigen::Vector4d(0.81, -0.47, 1.73, 2.29);
  f.bias = -3.4;
  return make_model(std::make_unique<ml::LogisticRegression>(std::move(f)));
}

ml::Model mlp_4_50_40_1() {
  const std::vector<size_t> sizes{4, 50, 40, 1};
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(0.0, 0.3);
  std::vector<double> parameters(4 * 50 + 50 + 50 * 40 + 40 + 40 + 1);
  for (double& p : parameters) p = normal(rng);
  return make_model(value_or_die(ml::MlpClassifier::create(sizes, std::move(parameters))));
}

// Raw readings around the training distribution: mean + k * scale, k uniform in [-3, 3].
std::vector<double> readings() {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> k(-3.0, 3.0);
  std::vector<double> rows;
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t i = 0; i < 4; ++i) rows.push_back(kMean[i] + k(rng) * kScale[i]);
  }
  return rows;
}

enum class Kind { kFloat, kInt8, kInt8Io };

// The model's .tflite bytes as `aiotops export` writes them: float32 with the scaler folded into
// the first layer, or int8 calibrated on the readings (min/max, per tensor) the way `aiotops
// quantize` does it, with the scaler kept as a float32 standardization. With float I/O that
// standardization is a float FULLY_CONNECTED before QUANTIZE; with int8 I/O the device applies it
// (the file's metadata says how) before quantizing its readings.
std::string tflite_bytes(const ml::Model& model, Kind kind, const std::vector<double>& rows) {
  tflite::LowerOptions standardized;
  standardized.fold_scaler = false;
  tflite::Graph graph = value_or_die(tflite::lower_to_graph(model, standardized));
  if (kind == Kind::kFloat) {
    graph = value_or_die(tflite::lower_to_graph(model));
  } else {
    const quant::Calibration calibration = value_or_die(quant::calibrate(graph, rows, {}));
    graph = value_or_die(quant::quantize_graph(graph, calibration, {}));
  }
  return value_or_die(tflite::write_tflite(graph, {.int8_io = kind == Kind::kInt8Io}));
}

// A .tflite model loaded into the core, with 16-byte-aligned model and arena storage.
class CoreModel {
 public:
  explicit CoreModel(const std::string& bytes)
      : model_(bytes.size() / 16 + 1), size_(bytes.size()) {
    std::memcpy(model_.data(), bytes.data(), bytes.size());
    size_t needed = 0;
    check(micro::arena_required(data(), size_, &needed));
    arena_.resize(needed / 16 + 1);
    check(interpreter_.init(data(), size_, reinterpret_cast<uint8_t*>(arena_.data()),
                            arena_.size() * 16));
    int8_input_ = interpreter_.input(0).as_int8();
    int8_output_ = interpreter_.output(0).as_int8();
  }

  float score(const float* features) {
    interpreter_.set_input(0, features, 4);
    interpreter_.invoke();
    float score = 0.0f;
    interpreter_.get_output(0, &score, 1);
    return score;
  }

  // The tensors' places are fixed from init on: a device keeps the pointers.
  int8_t score_int8(const int8_t* features) {
    std::memcpy(int8_input_, features, 4);
    interpreter_.invoke();
    return *int8_output_;
  }

  micro::TensorView input() const { return interpreter_.input(0); }

 private:
  struct alignas(16) Chunk {
    uint8_t bytes[16];
  };
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(model_.data()); }
  static void check(micro::Status status) {
    if (status != micro::Status::kOk) {
      std::fprintf(stderr, "micro_bench: %s\n", micro::status_message(status));
      std::exit(1);
    }
  }

  std::vector<Chunk> model_;
  size_t size_;
  std::vector<Chunk> arena_;
  micro::Interpreter interpreter_;
  int8_t* int8_input_ = nullptr;  // int8 I/O models only
  const int8_t* int8_output_ = nullptr;
};

void run_core(benchmark::State& state, const std::string& bytes, const std::vector<double>& rows) {
  CoreModel model(bytes);
  const std::vector<float> features(rows.begin(), rows.end());
  size_t r = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.score(&features[r * 4]));
    r = (r + 1) % kRows;
  }
}

void run_core_int8_io(benchmark::State& state, const std::string& bytes,
                      const std::vector<double>& rows) {
  CoreModel model(bytes);
  // The readings standardized and quantized with the model's input parameters, as the device
  // would do it while sampling.
  const micro::TensorView input = model.input();
  std::vector<int8_t> features;
  for (size_t k = 0; k < rows.size(); ++k) {
    const double z = (rows[k] - kMean[k % 4]) / kScale[k % 4];
    const double q = std::round(z / input.scale) + input.zero_point;
    features.push_back(static_cast<int8_t>(std::clamp(q, -128.0, 127.0)));
  }
  size_t r = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.score_int8(&features[r * 4]));
    r = (r + 1) % kRows;
  }
}

void run_native(benchmark::State& state, const ml::Model& model, const std::vector<double>& rows) {
  size_t r = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.score(std::span<const double>(&rows[r * 4], 4)));
    r = (r + 1) % kRows;
  }
}

}  // namespace
}  // namespace aiotops::bench

int main(int argc, char** argv) {
  using namespace aiotops::bench;
  benchmark::Initialize(&argc, argv);
  std::string models_out;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--models-out=")) {
      models_out = arg.substr(13);
    } else {
      std::fprintf(stderr, "usage: micro_bench [--benchmark_...] [--models-out=DIR]\n");
      return 2;
    }
  }

  static const std::vector<double> rows = readings();
  static const aiotops::ml::Model lr = logistic_regression();
  static const aiotops::ml::Model mlp = mlp_4_50_40_1();
  static const std::map<std::string, std::string> models{
      {"float_lr", tflite_bytes(lr, Kind::kFloat, rows)},
      {"int8_lr", tflite_bytes(lr, Kind::kInt8, rows)},
      {"int8_lr_int8_io", tflite_bytes(lr, Kind::kInt8Io, rows)},
      {"float_mlp_4_50_40_1", tflite_bytes(mlp, Kind::kFloat, rows)},
      {"int8_mlp_4_50_40_1", tflite_bytes(mlp, Kind::kInt8, rows)},
      {"int8_mlp_4_50_40_1_int8_io", tflite_bytes(mlp, Kind::kInt8Io, rows)},
  };
  if (!models_out.empty()) {
    for (const auto& [name, bytes] : models) {
      const auto path = std::filesystem::path(models_out) / (name + ".tflite");
      if (auto status = aiotops::write_file_atomic(path, bytes); !status) die(status.error());
    }
  }
  for (const std::string name :
       {"int8_lr", "float_lr", "int8_mlp_4_50_40_1", "float_mlp_4_50_40_1"}) {
    benchmark::RegisterBenchmark(("core/" + name).c_str(), [name](benchmark::State& state) {
      run_core(state, models.at(name), rows);
    });
  }
  for (const std::string name : {"int8_lr", "int8_mlp_4_50_40_1"}) {
    benchmark::RegisterBenchmark(("core_int8_io/" + name).c_str(), [name](benchmark::State& state) {
      run_core_int8_io(state, models.at(name + "_int8_io"), rows);
    });
  }
  benchmark::RegisterBenchmark("native/lr",
                               [](benchmark::State& state) { run_native(state, lr, rows); });
  benchmark::RegisterBenchmark("native/mlp_4_50_40_1",
                               [](benchmark::State& state) { run_native(state, mlp, rows); });
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
