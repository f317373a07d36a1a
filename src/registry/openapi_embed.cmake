# Writes OUTPUT, a C++ file defining aiotops::registry::openapi_json() as the text of INPUT
# (docs/openapi.json), so the served description is the documented one byte for byte.
# Usage: cmake -DINPUT=docs/openapi.json -DOUTPUT=openapi_json.cc -P openapi_embed.cmake
file(READ "${INPUT}" text)
set(delimiter "openapi")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains )${delimiter}\" and cannot be embedded as a raw string")
endif()
file(WRITE "${OUTPUT}.tmp"
     "// Generated from ${INPUT} by openapi_embed.cmake; do not edit.\n"
     "#include \"registry/openapi.h\"\n\n"
     "namespace aiotops::registry {\n\n"
     "std::string_view openapi_json() {\n"
     "  static constexpr std::string_view kText = R\"${delimiter}(${text})${delimiter}\";\n"
     "  return kText;\n"
     "}\n\n"
     "}  // namespace aiotops::registry\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
