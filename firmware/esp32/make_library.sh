#!/usr/bin/env bash
# Packages the aiotops inference core as an Arduino library: make_library.sh BUILD_DIR LIBRARIES_DIR
# BUILD_DIR is a configured and built aiotops build tree (it holds the flatc-generated schema
# header); LIBRARIES_DIR is the Arduino sketchbook's libraries/ folder.
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 BUILD_DIR LIBRARIES_DIR" >&2
  exit 2
fi
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
schema="$1/src/tflite/generated/tflite/tflite_subset_generated.h"
flatbuffers=/usr/include/flatbuffers
[[ -f $schema ]] || { echo "$schema: missing (build the project first)" >&2; exit 2; }
[[ -d $flatbuffers ]] || { echo "$flatbuffers: missing (scripts/deps.sh)" >&2; exit 2; }

library="$2/aiotops_micro"
rm -rf "$library"
mkdir -p "$library/src/micro" "$library/src/tflite"
cp "$source_dir"/src/micro/*.h "$library/src/micro/"
rm -f "$library"/src/micro/test_model.h
for source in "$source_dir"/src/micro/*.cc; do
  case $source in *_test.cc) continue ;; esac
  cp "$source" "$library/src/micro/$(basename "$source" .cc).cpp"
done
cp "$schema" "$library/src/tflite/"
cp -r "$flatbuffers" "$library/src/flatbuffers"
cat >"$library/library.properties" <<PROPERTIES
name=aiotops_micro
version=1.0.0
author=aiotops
maintainer=aiotops
sentence=The aiotops inference core: .tflite models in a caller-supplied arena, no heap.
paragraph=FULLY_CONNECTED, LOGISTIC, RELU, QUANTIZE, DEQUANTIZE in float32 and int8.
category=Data Processing
architectures=*
PROPERTIES
echo "$library"
