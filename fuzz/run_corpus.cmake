# run_corpus.cmake: runs a fuzz target over a directory of inputs (ctest label
# `corpus`), or fuzzes it briefly from that directory (label `fuzz-smoke`).
#
#   cmake -DMODE=standalone|libfuzzer|external -DBIN=target -DDIR=dir [-DPREFIX=p | -DGLOB=pattern]
#         [-DEXCLUDE=regex] [-DEXPECT_SIGNATURE=s] -P run_corpus.cmake
#   cmake -DMODE=smoke -DBIN=target -DDIR=corpus -DWORK=dir -DSECONDS=5 [-DDICT=f] -P run_corpus.cmake
#
# Inputs are the regular files of DIR whose names start with PREFIX (if given),
# skipping notes that live beside them (*.txt, *.md, *.pcap, *.json, dot files).
# Files are globbed when the test runs, so a new seed or regression needs no
# reconfigure. A finding makes the target abort, which fails the test.
cmake_minimum_required(VERSION 3.20)

if(MODE STREQUAL "smoke")
  file(REMOVE_RECURSE ${WORK})
  file(MAKE_DIRECTORY ${WORK}/new)
  set(args -max_total_time=${SECONDS} -print_final_stats=1 -artifact_prefix=${WORK}/)
  if(DICT AND EXISTS ${DICT})
    list(APPEND args -dict=${DICT})
  endif()
  execute_process(COMMAND ${BIN} ${args} ${WORK}/new ${DIR} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${BIN}: fuzzing found a problem (exit ${rc}); artifacts in ${WORK}")
  endif()
  return()
endif()

# EXPECT_SIGNATURE: the run must instead stop at a finding with that signature
# (a test that the comparison sees what it should).
if(GLOB)
  file(GLOB candidates LIST_DIRECTORIES false "${DIR}/${GLOB}")
else()
  file(GLOB candidates LIST_DIRECTORIES false "${DIR}/${PREFIX}*")
endif()
set(inputs "")
foreach(f ${candidates})
  get_filename_component(name ${f} NAME)
  if(name MATCHES "^\\." OR name MATCHES "\\.(txt|md|pcap|json)$")
    continue()
  endif()
  if(EXCLUDE AND name MATCHES "${EXCLUDE}")
    continue()
  endif()
  list(APPEND inputs ${f})
endforeach()
list(SORT inputs)
list(LENGTH inputs count)
message(STATUS "${BIN}: ${count} inputs from ${DIR}/${PREFIX}${GLOB}*")
if(count EQUAL 0)
  if(GLOB OR EXPECT_SIGNATURE)
    message(FATAL_ERROR "no input matches ${DIR}/${GLOB}: this test would check nothing")
  endif()
  return()
endif()

if(EXPECT_SIGNATURE)
  execute_process(COMMAND ${BIN} ${inputs} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  string(FIND "${err}" "SIGNATURE ${EXPECT_SIGNATURE}\n" at)
  if(rc EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "${BIN}: expected a finding with signature ${EXPECT_SIGNATURE} "
                        "(exit ${rc}):\n${err}")
  endif()
  message(STATUS "found, as expected: ${EXPECT_SIGNATURE}")
  return()
endif()

# Batches keep command lines short.
set(batch "")
set(n 0)
foreach(f ${inputs})
  list(APPEND batch ${f})
  math(EXPR n "${n} + 1")
  if(n EQUAL 100)
    execute_process(COMMAND ${BIN} ${batch} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${BIN} failed (exit ${rc}) on one of:\n${batch}\n${err}")
    endif()
    set(batch "")
    set(n 0)
  endif()
endforeach()
if(batch)
  execute_process(COMMAND ${BIN} ${batch} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${BIN} failed (exit ${rc}) on one of:\n${batch}\n${err}")
  endif()
endif()
