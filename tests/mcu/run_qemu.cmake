# Runs ELF on QEMU's mps2-an386 with semihosting and compares its console output byte for byte
# with the file EXPECTED. QEMU writes the semihosting console to its stderr; its stdout must stay
# empty. Usage: cmake -DQEMU=... -DELF=... -DEXPECTED=... -P run_qemu.cmake
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
file(READ ${EXPECTED} expected)
if(NOT output STREQUAL expected)
  message(FATAL_ERROR "MCU output differs from the host's (${EXPECTED})\nMCU:\n${output}\nhost:\n"
                      "${expected}")
endif()
string(REGEX MATCH "arena [0-9]+" arena "${output}")
message(STATUS "${ELF}: ${arena} bytes, scores identical to the host's")
