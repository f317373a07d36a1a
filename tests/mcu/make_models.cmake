# The MCU tests' models, made the way a user makes them: `aiotops sim` -> `aiotops train`
# (logistic regression; MLP 4-50-40-1, a few epochs) -> `aiotops quantize` -> `aiotops export`
# (.tflite and C array: float; int8 with float I/O; int8 with --int8-io). The host's scores on
# the golden rows are `aiotops infer --json` on each .tflite; mcu_golden turns the rows and the
# scores into the harness's inputs and expected output.
# Usage: cmake -DAIOTOPS=<aiotops> -DGOLDEN=<mcu_golden> -DOUT=<dir> -P make_models.cmake
cmake_minimum_required(VERSION 3.25)

# run(<command...>): runs the command in OUT; its stdout goes to ${OUT}/last.out; fails the
# build with the command and its stderr when it exits nonzero.
function(run)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${OUT} OUTPUT_FILE ${OUT}/last.out
                  ERROR_VARIABLE errors RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "${command}: exit ${result}\n${errors}")
  endif()
endfunction()

file(MAKE_DIRECTORY ${OUT})
run(${AIOTOPS} sim --devices 4 --duration 20m --interval 5s --fault-rate 3/h --seed 7
    --out fleet.csv)
run(${AIOTOPS} train --data fleet.csv --model logistic --out lr.model --quiet)
run(${AIOTOPS} train --data fleet.csv --model mlp --hidden 50,40 --epochs 5 --seed 3
    --out mlp.model --quiet)

# Golden rows: every 7th simulated row (a stride prime to the 4 devices, so every motor, healthy
# and failing), plus rows far outside the training range, which saturate int8 inputs.
file(STRINGS ${OUT}/fleet.csv lines)
list(LENGTH lines count)
list(GET lines 0 rows)
foreach(i RANGE 1 ${count} 7)
  if(i LESS count)
    list(GET lines ${i} line)
    string(APPEND rows "\n${line}")
  endif()
endforeach()
string(APPEND rows "\nmotor-9,1700000000000,0,0,0,0,0,none"
                   "\nmotor-9,1700000005000,100000,1000,100000,1000,1,none"
                   "\nmotor-9,1700000010000,-1000,-100,-1000,-100,0,none\n")
file(WRITE ${OUT}/rows.csv "${rows}")

foreach(kind lr mlp)
  run(${AIOTOPS} quantize --model ${kind}.model --calibration fleet.csv --out ${kind}.qmodel)
  foreach(variant float int8 int8_io)
    set(name ${kind}_${variant})
    set(model ${kind}.model)
    set(extra "")
    if(variant STREQUAL "int8")
      set(model ${kind}.qmodel)
    elseif(variant STREQUAL "int8_io")
      set(model ${kind}.qmodel)
      set(extra --int8-io)
    endif()
    run(${AIOTOPS} export --model ${model} --format tflite --out ${name}.tflite ${extra})
    run(${AIOTOPS} export --model ${model} --format c-array --out ${name}.h ${extra})
    run(${AIOTOPS} infer --model ${name}.tflite --data rows.csv --json)
    file(RENAME ${OUT}/last.out ${OUT}/${name}.scores.jsonl)
    run(${GOLDEN} ${name}.tflite rows.csv ${name}.scores.jsonl ${name}_golden.h ${name}.expected)
  endforeach()
endforeach()
file(REMOVE ${OUT}/last.out)
