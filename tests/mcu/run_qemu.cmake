# Runs ELF on QEMU's mps2-an386 with semihosting; it must exit 0. QEMU writes the semihosting
# console to its stderr; its stdout must stay empty.
# With -DEXPECTED=<file>: the console must equal the file byte for byte.
# With -DSIZE=<arm-none-eabi-size>: prints the ELF's flash = text (code, read-only data, vectors)
# + data (its initial values) and RAM = data + bss (arena and interpreter included), and fails
# when flash exceeds -DFLASH_GOAL=<bytes> (optional).
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
  execute_process(COMMAND ${SIZE} ${ELF} OUTPUT_VARIABLE table RESULT_VARIABLE result)
  if(NOT result EQUAL 0 OR NOT table MATCHES "\n *([0-9]+)\t *([0-9]+)\t *([0-9]+)\t")
    message(FATAL_ERROR "${SIZE} ${ELF} failed: ${table}")
  endif()
  math(EXPR flash "${CMAKE_MATCH_1} + ${CMAKE_MATCH_2}")
  math(EXPR ram "${CMAKE_MATCH_2} + ${CMAKE_MATCH_3}")
  message(STATUS "${ELF}: flash ${flash} bytes (text ${CMAKE_MATCH_1} + data ${CMAKE_MATCH_2}), "
                 "RAM ${ram} bytes (data ${CMAKE_MATCH_2} + bss ${CMAKE_MATCH_3})")
  if(FLASH_GOAL AND flash GREATER FLASH_GOAL)
    message(FATAL_ERROR "${ELF}: flash ${flash} bytes exceeds the goal of ${FLASH_GOAL}")
  endif()
endif()
