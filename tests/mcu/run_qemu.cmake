# Runs ELF on QEMU's mps2-an386 with semihosting; it must exit 0. QEMU writes the semihosting
# console to its stderr; its stdout must stay empty.
# With -DEXPECTED=<file>: the console must equal the file byte for byte.
# With -DSIZE=<arm-none-eabi-size>: prints the ELF's flash (everything the image stores) and RAM
# (.data + .bss: arena and interpreter included), and fails when flash exceeds -DFLASH_GOAL=<bytes>
# (optional).
# Usage: cmake -DQEMU=... -DELF=... [-DEXPECTED=...] [-DSIZE=... [-DFLASH_GOAL=...]] -P run_qemu.cmake
execute_process(
  COMMAND ${QEMU} -M mps2-an386 -semihosting-config enable=on,target=native -serial null
          -monitor none -nographic -kernel ${ELF}
  OUTPUT_VARIABLE stdout
  ERROR_VARIABLE output
  RESULT_VARIABLE result
  TIMEOUT 60)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${ELF} exited with ${result}\n${stdout}\nconsole:\n${output}")
endif()

if(EXPECTED)
  file(READ ${EXPECTED} expected)
  if(NOT output STREQUAL expected)
    message(FATAL_ERROR "MCU output differs from the host's (${EXPECTED})\nMCU:\n${output}\n"
                        "host:\n${expected}")
  endif()
  string(REGEX MATCH "arena [0-9]+" arena "${output}")
  message(STATUS "${ELF}: ${arena} bytes, scores identical to the host's")
endif()

if(SIZE)
  # Berkeley format: text = code, read-only data, vectors; data = the initialized writable sections
  # (.data, .init_array), whose contents are in flash. RAM is .data + .bss from the section list.
  execute_process(COMMAND ${SIZE} ${ELF} OUTPUT_VARIABLE table RESULT_VARIABLE result)
  if(NOT result EQUAL 0 OR NOT table MATCHES "\n *([0-9]+)\t *([0-9]+)\t")
    message(FATAL_ERROR "${SIZE} ${ELF} failed: ${table}")
  endif()
  math(EXPR flash "${CMAKE_MATCH_1} + ${CMAKE_MATCH_2}")
  execute_process(COMMAND ${SIZE} -A ${ELF} OUTPUT_VARIABLE sections RESULT_VARIABLE result)
  string(REGEX MATCH "\n\\.data +([0-9]+)" data "${sections}")
  set(data ${CMAKE_MATCH_1})
  string(REGEX MATCH "\n\\.bss +([0-9]+)" bss "${sections}")
  set(bss ${CMAKE_MATCH_1})
  if(NOT result EQUAL 0 OR data STREQUAL "" OR bss STREQUAL "")
    message(FATAL_ERROR "${SIZE} -A ${ELF} failed: ${sections}")
  endif()
  math(EXPR ram "${data} + ${bss}")
  message(STATUS "${ELF}: flash ${flash} bytes, RAM ${ram} bytes (.data ${data} + .bss ${bss})")
  if(FLASH_GOAL AND flash GREATER FLASH_GOAL)
    message(FATAL_ERROR "${ELF}: flash ${flash} bytes exceeds the goal of ${FLASH_GOAL}")
  endif()
endif()
