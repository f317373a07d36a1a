# The models edge_service_test serves, made the way a user makes them: `aiotops sim` with the
# reference firmware's FFT-peak features (the space of the reference's hand-typed fault message),
# `aiotops train` of two logistic regressions (a.json; b.json with stronger regularisation, so
# other weights and another version), `aiotops export` of a.json as a float .tflite (motor, 7).
# Usage: cmake -DAIOTOPS=<aiotops> -DOUT=<dir> -P edge_service_models.cmake
cmake_minimum_required(VERSION 3.25)

# run(<command...>): runs the command in OUT, its output kept in ${OUT}/last.log; fails the
# build with the command and that output when it exits nonzero.
function(run)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${OUT} OUTPUT_FILE ${OUT}/last.log
                  ERROR_FILE ${OUT}/last.log RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    list(JOIN ARGN " " command)
    file(READ ${OUT}/last.log output)
    message(FATAL_ERROR "${command}: exit ${result}\n${output}")
  endif()
endfunction()

file(MAKE_DIRECTORY ${OUT})
run(${AIOTOPS} sim --devices 10 --duration 6h --interval 60s --seed 3 --fault-rate 0.3/h
    --esp32-fft --out fleet.jsonl)
run(${AIOTOPS} train --data fleet.jsonl --label label --model logistic --quiet --out a.json)
run(${AIOTOPS} train --data fleet.jsonl --label label --model logistic --C 0.01 --quiet
    --out b.json)
run(${AIOTOPS} export --model a.json --format tflite --model-name motor --model-version 7
    --out a.tflite)
