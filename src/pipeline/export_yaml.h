#pragma once
// YAML <-> JSON for the exporter: documents are rewritten as JSON values (keys in file order) and
// written back as block YAML whose scalars keep their types for any YAML 1.1 or 1.2 reader
// (Kubernetes reads `on` and `yes` as booleans, so such strings are quoted). Comments and
// anchors are not kept. Thread-safe (no shared state).

#include <string>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

namespace aiotops::pipeline {

// Plain scalars as YAML 1.2's core schema types them (null, true/false, numbers); quoted or
// tagged scalars are strings. Maps keep their key order; a repeated key keeps its first value.
nlohmann::ordered_json yaml_to_json(const YAML::Node& node);

// One YAML document, without "---"; multi-line strings as literal blocks.
std::string json_to_yaml(const nlohmann::ordered_json& value);

}  // namespace aiotops::pipeline
