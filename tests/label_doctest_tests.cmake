# Read by ctest (a TEST_INCLUDE_FILES script, see credmesh_discover_tests in
# the root CMakeLists.txt) after doctest has registered the cases of one test
# binary. Inputs: credmesh_label_target (the binary's target name, whose
# doctest list is ${target}_TESTS), credmesh_label_exe (its path) and
# credmesh_label_labels. Gives every case those labels, and the label `slow`
# to the cases declared in the doctest test suite "slow":
#   TEST_CASE("network: ..." * doctest::test_suite("slow"))
# Slow cases also get a COST, so `ctest -j` starts them first: on a fresh
# tree ctest has no timings of its own and would start them in declaration
# order, leaving the longest for last while one core idles.
set(_tests ${${credmesh_label_target}_TESTS})
if(NOT _tests)
  return()  # binary not built (doctest registered a *_NOT_BUILT test)
endif()
set_tests_properties(${_tests} PROPERTIES LABELS "${credmesh_label_labels}")
execute_process(COMMAND "${credmesh_label_exe}" --list-test-cases --test-suite=slow
                OUTPUT_VARIABLE _out RESULT_VARIABLE _rc)
if(_rc EQUAL 0)
  string(REPLACE "\n" ";" _lines "${_out}")
  foreach(_line IN LISTS _lines)
    if(_line STREQUAL "" OR _line MATCHES "^=+$" OR _line MATCHES "^\\[doctest\\] ")
      continue()
    endif()
    set_tests_properties("${_line}" PROPERTIES LABELS slow COST 100)
  endforeach()
endif()
