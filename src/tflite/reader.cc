#include "tflite/reader.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>

#include <fmt/format.h>

#include "tflite/metadata.h"
#include "tflite/ops.h"

namespace aiotops::tflite {
namespace {

static_assert(std::endian::native == std::endian::little,
              "TFLite files are little-endian; this reader copies their values as they are");

namespace fb = ::flatbuffers;
namespace tfl = ::tflite;

// The values of a verified vector, copied bytewise: the verifier checks only the 4-byte
// alignment of a vector's length, so the elements of an int64 vector may be misaligned.
template <typename T>
std::vector<T> copy_vector(const fb::Vector<T>* v) {
  if (v == nullptr || v->size() == 0) return {};
  std::vector<T> values(v->size());
  std::memcpy(values.data(), v->Data(), values.size() * sizeof(T));
  return values;
}

std::string identifier_text(std::string_view bytes) {
  std::string text;
  for (char c : bytes.substr(4, 4)) {
    const auto u = static_cast<unsigned char>(c);
    text += std::isprint(u) ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return text;
}

// Elements of `shape`, or nullopt when a dimension is negative or the product exceeds the file.
std::optional<size_t> element_count(const std::vector<int32_t>& shape) {
  size_t count = 1;
  for (int32_t d : shape) {
    if (d < 0) return std::nullopt;
    count *= static_cast<size_t>(d);
    if (count > kMaxFileBytes) return std::nullopt;
  }
  return count;
}

Status read_quantization(const tfl::QuantizationParameters* q, const std::string& where,
                         TensorSummary& tensor) {
  // As TFLite reads it: without scales a tensor is not quantized, whatever else the table holds.
  if (q == nullptr || q->scale() == nullptr || q->scale()->size() == 0) return {};
  tensor.scales = copy_vector(q->scale());
  tensor.zero_points = copy_vector(q->zero_point());
  tensor.quantized_dimension = q->quantized_dimension();
  if (tensor.scales.size() != tensor.zero_points.size()) {
    return fail(ErrorCode::kCorrupt, "{}.quantization has {} scales but {} zero points", where,
                tensor.scales.size(), tensor.zero_points.size());
  }
  if (tensor.scales.size() > 1) {
    const int32_t dim = tensor.quantized_dimension;
    if (dim < 0 || static_cast<size_t>(dim) >= tensor.shape.size() ||
        static_cast<size_t>(tensor.shape[static_cast<size_t>(dim)]) != tensor.scales.size()) {
      return fail(ErrorCode::kCorrupt,
                  "{}.quantization has {} scales along dimension {} of a {}-dimensional tensor",
                  where, tensor.scales.size(), dim, tensor.shape.size());
    }
  }
  return {};
}

Result<TensorSummary> read_tensor(const tfl::Tensor& t,
                                  const fb::Vector<fb::Offset<tfl::Buffer>>* buffers,
                                  const std::string& where) {
  TensorSummary tensor;
  tensor.name = t.name() == nullptr ? std::string() : t.name()->str();
  tensor.type = t.type();
  tensor.shape = copy_vector(t.shape());
  tensor.buffer = t.buffer();
  const size_t buffer_count = buffers == nullptr ? 0 : buffers->size();
  if (tensor.buffer >= buffer_count) {
    return fail(ErrorCode::kCorrupt, "{}.buffer = {} but the file has {} buffers", where,
                tensor.buffer, buffer_count);
  }
  const auto elements = element_count(tensor.shape);
  if (!elements) {
    return fail(ErrorCode::kCorrupt, "{}.shape [{}] is negative or too large", where,
                fmt::join(tensor.shape, ", "));
  }
  const tfl::Buffer* buffer = buffers->Get(tensor.buffer);
  if (buffer != nullptr && buffer->data() != nullptr && buffer->data()->size() > 0) {
    const size_t expected = *elements * tensor_type_size(tensor.type);
    if (tensor_type_size(tensor.type) != 0 && buffer->data()->size() != expected) {
      return fail(ErrorCode::kCorrupt, "{} ('{}') has {} bytes of data, its shape needs {}", where,
                  tensor.name, buffer->data()->size(), expected);
    }
    tensor.data = copy_vector(buffer->data());
  }
  if (auto status = read_quantization(t.quantization(), where, tensor); !status) {
    return fail(status.error());
  }
  return tensor;
}

Status check_indices(const std::vector<int32_t>& indices, size_t tensors, bool optional,
                     const std::string& where) {
  for (size_t i = 0; i < indices.size(); ++i) {
    const int32_t index = indices[i];
    if ((optional && index == -1) || (index >= 0 && static_cast<size_t>(index) < tensors)) {
      continue;
    }
    return fail(ErrorCode::kCorrupt, "{}[{}] = {} is not a tensor index (the subgraph has {})",
                where, i, index, tensors);
  }
  return {};
}

Result<OperatorSummary> read_operator(const tfl::Operator& o,
                                      const fb::Vector<fb::Offset<tfl::OperatorCode>>* codes,
                                      size_t tensors, const std::string& where) {
  const size_t code_count = codes == nullptr ? 0 : codes->size();
  if (o.opcode_index() >= code_count) {
    return fail(ErrorCode::kCorrupt, "{}.opcode_index = {} but the file has {} operator codes",
                where, o.opcode_index(), code_count);
  }
  const tfl::OperatorCode* code = codes->Get(o.opcode_index());
  OperatorSummary op;
  op.builtin_code = static_cast<int32_t>(code->builtin_code());
  op.deprecated_builtin_code = code->deprecated_builtin_code();
  // As TFLite resolves it: files from before builtin_code have only the deprecated byte.
  op.op = static_cast<tfl::BuiltinOperator>(std::max(op.builtin_code, op.deprecated_builtin_code));
  op.version = code->version();
  op.inputs = copy_vector(o.inputs());
  op.outputs = copy_vector(o.outputs());
  if (auto s = check_indices(op.inputs, tensors, true, where + ".inputs"); !s)
    return fail(s.error());
  if (auto s = check_indices(op.outputs, tensors, false, where + ".outputs"); !s) {
    return fail(s.error());
  }
  op.options_type = o.builtin_options_type();
  if (const auto* fc = o.builtin_options_as_FullyConnectedOptions(); fc != nullptr) {
    op.fused_activation = fc->fused_activation_function();
  }
  return op;
}

Status read_metadata(const tfl::Model& model, ModelSummary& summary) {
  const auto* entries = model.metadata();
  if (entries == nullptr) return {};
  for (size_t i = 0; i < entries->size(); ++i) {
    const tfl::Metadata* entry = entries->Get(static_cast<fb::uoffset_t>(i));
    if (entry->buffer() >= summary.buffer_count) {
      return fail(ErrorCode::kCorrupt, "metadata[{}].buffer = {} but the file has {} buffers", i,
                  entry->buffer(), summary.buffer_count);
    }
    const tfl::Buffer* buffer = model.buffers()->Get(entry->buffer());
    MetadataEntry m{entry->name() == nullptr ? std::string() : entry->name()->str(), {}};
    if (buffer->data() != nullptr) {
      m.bytes.assign(reinterpret_cast<const char*>(buffer->data()->data()), buffer->data()->size());
    }
    if (m.name == kMetadataName) {
      auto parsed = metadata_from_json(m.bytes);
      if (!parsed) return fail(parsed.error().with_context(fmt::format("metadata '{}'", m.name)));
      summary.aiotops = std::move(*parsed);
    }
    summary.metadata.push_back(std::move(m));
  }
  return {};
}

Status read_subgraph(const tfl::Model& model, ModelSummary& summary) {
  const tfl::SubGraph* subgraph = model.subgraphs()->Get(0);
  summary.subgraph_name = subgraph->name() == nullptr ? std::string() : subgraph->name()->str();
  const size_t tensor_count = subgraph->tensors() == nullptr ? 0 : subgraph->tensors()->size();
  for (size_t i = 0; i < tensor_count; ++i) {
    auto tensor = read_tensor(*subgraph->tensors()->Get(static_cast<fb::uoffset_t>(i)),
                              model.buffers(), fmt::format("subgraphs[0].tensors[{}]", i));
    if (!tensor) return fail(tensor.error());
    summary.constant_bytes += tensor->data.size();
    summary.tensors.push_back(std::move(*tensor));
  }
  const size_t op_count = subgraph->operators() == nullptr ? 0 : subgraph->operators()->size();
  for (size_t i = 0; i < op_count; ++i) {
    auto op = read_operator(*subgraph->operators()->Get(static_cast<fb::uoffset_t>(i)),
                            model.operator_codes(), tensor_count,
                            fmt::format("subgraphs[0].operators[{}]", i));
    if (!op) return fail(op.error());
    summary.operators.push_back(std::move(*op));
  }
  summary.inputs = copy_vector(subgraph->inputs());
  summary.outputs = copy_vector(subgraph->outputs());
  if (auto s = check_indices(summary.inputs, tensor_count, false, "subgraphs[0].inputs"); !s) {
    return s;
  }
  return check_indices(summary.outputs, tensor_count, false, "subgraphs[0].outputs");
}

}  // namespace

size_t TensorSummary::elements() const { return element_count(shape).value_or(0); }

size_t TensorSummary::bytes() const { return elements() * tensor_type_size(type); }

Result<ModelSummary> read_tflite(std::string_view bytes) {
  if (bytes.size() < 8) {
    return fail(ErrorCode::kCorrupt, "file is {} bytes, too short for a TFLite file", bytes.size());
  }
  if (bytes.size() > kMaxFileBytes) {
    return fail(ErrorCode::kCorrupt, "file is {} bytes, more than the {} accepted", bytes.size(),
                kMaxFileBytes);
  }
  if (!tfl::ModelBufferHasIdentifier(bytes.data())) {
    return fail(ErrorCode::kCorrupt, "not a TFLite file: identifier '{}', expected '{}'",
                identifier_text(bytes), tfl::ModelIdentifier());
  }
  // The verifier checks alignment, so it gets a copy at an 8-byte boundary.
  std::vector<uint64_t> storage((bytes.size() + 7) / 8);
  std::memcpy(storage.data(), bytes.data(), bytes.size());
  const auto* data = reinterpret_cast<const uint8_t*>(storage.data());
  fb::Verifier verifier(data, bytes.size());
  if (!tfl::VerifyModelBuffer(verifier)) {
    return fail(ErrorCode::kCorrupt,
                "flatbuffers verifier rejected the file (truncated, damaged or not TFLite)");
  }
  const tfl::Model& model = *tfl::GetModel(data);
  ModelSummary summary;
  summary.file_bytes = bytes.size();
  summary.schema_version = model.version();
  summary.description = model.description() == nullptr ? std::string() : model.description()->str();
  summary.buffer_count = model.buffers() == nullptr ? 0 : model.buffers()->size();
  summary.subgraph_count = model.subgraphs() == nullptr ? 0 : model.subgraphs()->size();
  if (summary.subgraph_count == 0) return fail(ErrorCode::kCorrupt, "the file has no subgraph");
  if (auto status = read_subgraph(model, summary); !status) return fail(status.error());
  if (auto status = read_metadata(model, summary); !status) return fail(status.error());
  return summary;
}

}  // namespace aiotops::tflite
