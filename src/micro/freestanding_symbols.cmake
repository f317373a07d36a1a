# ctest script: fails when the inference core's archive references a symbol it does not define
# itself, other than the few a freestanding build may use. Run with -DNM=<nm> -DLIBRARY=<lib.a>.
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND ${NM} --undefined-only --format=just-symbols ${LIBRARY}
                OUTPUT_VARIABLE undefined RESULT_VARIABLE nm_undefined_result)
execute_process(COMMAND ${NM} --defined-only --format=just-symbols ${LIBRARY}
                OUTPUT_VARIABLE defined RESULT_VARIABLE nm_defined_result)
if(NOT nm_undefined_result EQUAL 0 OR NOT nm_defined_result EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIBRARY}")
endif()
string(REGEX MATCHALL "[^\n]+" undefined "${undefined}")
string(REGEX MATCHALL "[^\n]+" defined "${defined}")
list(REMOVE_DUPLICATES undefined)

# strncmp: flatbuffers' file identifier check. __assert_fail: flatbuffers' internal invariants
# (FLATBUFFERS_ASSERT) in builds without NDEBUG; device builds define NDEBUG.
set(allowed "^(memcpy|memset|memmove|strncmp|__assert_fail|__stack_chk_fail|_GLOBAL_OFFSET_TABLE_|__(asan|ubsan|sanitizer|sancov)_.*)$")
set(external "")
foreach(symbol IN LISTS undefined)
  if(symbol IN_LIST defined OR symbol MATCHES "${allowed}" OR symbol MATCHES ":$")
    continue()
  endif()
  list(APPEND external ${symbol})
endforeach()
if(external)
  list(JOIN external "\n  " text)
  message(FATAL_ERROR "the inference core references symbols it must not use:\n  ${text}")
endif()
list(LENGTH undefined count)
message(STATUS "${LIBRARY}: ${count} undefined symbols, all defined within or allowed")
