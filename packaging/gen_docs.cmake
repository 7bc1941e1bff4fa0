# Generates the command reference from the built binary's --help, so the
# installed docs cannot drift from the CLI. Run with cmake -P:
#   -DCREDMESH=path/to/credmesh -DOUT_DIR=dir [-DHELP2MAN=path/to/help2man]
# Writes OUT_DIR/commands.txt (every command's --help, in order) and, with
# HELP2MAN, OUT_DIR/credmesh.1.gz (the man page: top-level --help plus a
# COMMANDS section holding every command's --help).
cmake_minimum_required(VERSION 3.22)

foreach(var CREDMESH OUT_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "gen_docs.cmake: -D${var}=... is required")
  endif()
endforeach()

# Runs `credmesh <words> --help` into out_var; fails the build if it fails.
function(credmesh_help words out_var)
  execute_process(COMMAND "${CREDMESH}" ${words} --help
                  OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "credmesh ${words} --help failed (${rc}): ${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

# The names listed under "Subcommands:" in a CLI11 help text.
function(subcommands_of help out_var)
  string(REPLACE "\n" ";" lines "${help}")
  set(in_section FALSE)
  set(names "")
  foreach(line IN LISTS lines)
    if(line STREQUAL "Subcommands:")
      set(in_section TRUE)
    elseif(in_section AND line MATCHES "^  ([a-z][a-z0-9-]*)( |$)")
      list(APPEND names "${CMAKE_MATCH_1}")
    elseif(in_section AND NOT line MATCHES "^ ")
      set(in_section FALSE)
    endif()
  endforeach()
  set(${out_var} "${names}" PARENT_SCOPE)
endfunction()

# Depth-first walk of the command tree: "peer" then "peer add", ...
set(pending "")
credmesh_help("" top_help)
subcommands_of("${top_help}" pending)
set(commands "")
while(pending)
  list(POP_FRONT pending cmd)
  list(APPEND commands "${cmd}")
  string(REPLACE " " ";" words "${cmd}")
  credmesh_help("${words}" help)
  set(help_${cmd} "${help}")
  subcommands_of("${help}" children)
  set(prefixed "")
  foreach(child IN LISTS children)
    list(APPEND prefixed "${cmd} ${child}")
  endforeach()
  list(PREPEND pending ${prefixed})
endwhile()

set(text "credmesh command reference (generated from `credmesh COMMAND --help`)\n\n")
string(APPEND text "${top_help}")
set(roff "[COMMANDS]\n")
foreach(cmd IN LISTS commands)
  string(APPEND text "\n======== credmesh ${cmd}\n${help_${cmd}}")
  # roff: escape backslashes, protect lines starting with a control character.
  string(REPLACE "\\" "\\e" body "${help_${cmd}}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" body "${body}")
  string(APPEND roff ".SS \"credmesh ${cmd}\"\n.nf\n${body}.fi\n")
endforeach()
string(APPEND roff "[ENVIRONMENT]\n.TP\n.B CREDMESH_DIR\nNode directory when --dir is not given (default ./credmesh-data).\n"
                   ".TP\n.B CREDMESH_PASSPHRASE\nPassphrase unlocking the key named by --as (else prompted).\n"
                   "[FILES]\n.TP\n.I /var/lib/credmesh\nNode directory of the packaged service (credmesh.service).\n"
                   "[SEE ALSO]\nThe documents in /usr/share/doc/credmesh, among them deploy.md.\n")

file(MAKE_DIRECTORY "${OUT_DIR}")
file(WRITE "${OUT_DIR}/commands.txt" "${text}")
if(HELP2MAN)
  file(WRITE "${OUT_DIR}/commands.h2m" "${roff}")
  execute_process(
    COMMAND "${HELP2MAN}" --no-info --section 1
            --name "offline-first sync of signed micro-credential records for school networks"
            --include "${OUT_DIR}/commands.h2m" --output "${OUT_DIR}/credmesh.1" "${CREDMESH}"
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "help2man failed (${rc}): ${err}")
  endif()
  execute_process(COMMAND gzip -9nf "${OUT_DIR}/credmesh.1" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip credmesh.1 failed (${rc})")
  endif()
endif()
