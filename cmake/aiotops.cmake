# Conventions shared by every module (see docs/architecture.md):
#   src/<module>/*.cc        -> library aiotops_<module>   (tests excluded)
#   src/<module>/*_test.cc   -> test binary <module>_test, registered with CTest
# A module's CMakeLists.txt is one call: aiotops_module(<module> DEPS <targets...>).

function(aiotops_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  # Optimizing g++ 12 reports overlapping memcpy in inlined std::string assignments that cannot
  # overlap (GCC bug 105329, fixed in 13); release builds would fail on it. Debug builds inline
  # too little to trigger it and keep the warning.
  target_compile_options(${target} PRIVATE
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>,$<NOT:$<CONFIG:Debug>>>:-Wno-restrict>)
endfunction()

function(aiotops_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;TEST_DEPS" ${ARGN})
  file(GLOB all_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  file(GLOB test_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  set(lib_sources ${all_sources})
  if(test_sources)
    list(REMOVE_ITEM lib_sources ${test_sources})
  endif()
  add_library(aiotops_${name} STATIC ${lib_sources})
  add_library(aiotops::${name} ALIAS aiotops_${name})
  target_include_directories(aiotops_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(aiotops_${name} PUBLIC ${ARG_DEPS})
  aiotops_warnings(aiotops_${name})
  if(BUILD_TESTING AND test_sources)
    add_executable(${name}_test ${test_sources})
    target_link_libraries(${name}_test PRIVATE aiotops_${name} ${ARG_TEST_DEPS} aiotops::test_support
                          GTest::gmock_main)
    target_compile_definitions(${name}_test PRIVATE
      AIOTOPS_SHARED_DATA_DIR="${AIOTOPS_SHARED_DATA_DIR}"
      AIOTOPS_REFERENCE_PYTHON="${AIOTOPS_REFERENCE_PYTHON}"
      AIOTOPS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    aiotops_warnings(${name}_test)
    gtest_discover_tests(${name}_test DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
