# Layering enforced by the build. Each Strata library may include headers only from its own folder
# and from the Strata libraries it links (directly or through them), and some folders promise to
# stay free of Qt, widgets, VTK or LibTorch. A violation stops the configure step with the file,
# the include and the rule it breaks.
#
# strata_layering_violations() is plain file and string logic so that tests can run it in script
# mode (cmake -P) on files made to break a rule; strata_check_layering() applies it to targets.

# Appends to OUT_VAR one sentence per include in FILES that breaks the rules: quoted includes must
# start with one of ALLOWED_DIRS (e.g. "core/base/"), and no include may match FORBIDDEN (a list
# of regular expressions matched against the include's text, e.g. "^<Q").
function(strata_layering_violations out_var target files allowed_dirs forbidden)
  set(problems)
  foreach(file IN LISTS files)
    if(NOT file MATCHES "\\.(h|cpp)$" OR NOT EXISTS "${file}")
      continue()
    endif()
    file(STRINGS "${file}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*([<\"][^>\"]*[>\"]).*$" "\\1" header "${line}")
      if(header MATCHES "^\"((core|widgets|app|tests)/.*)\"$")
        set(path "${CMAKE_MATCH_1}")
        set(ok FALSE)
        foreach(dir IN LISTS allowed_dirs)
          string(FIND "${path}" "${dir}" at)
          if(at EQUAL 0)
            set(ok TRUE)
          endif()
        endforeach()
        if(NOT ok)
          list(APPEND problems
               "${file} includes ${header}, but ${target} does not link the library that owns it")
        endif()
      endif()
      foreach(pattern IN LISTS forbidden)
        if(header MATCHES "${pattern}")
          list(APPEND problems "${file} includes ${header}, which ${target} must not use")
        endif()
      endforeach()
    endforeach()
  endforeach()
  set(${out_var} ${problems} PARENT_SCOPE)
endfunction()

# The folder a Strata target's headers live in, relative to the project root.
function(_strata_target_folder out_var target)
  get_target_property(dir ${target} SOURCE_DIR)
  file(RELATIVE_PATH rel "${PROJECT_SOURCE_DIR}" "${dir}")
  set(${out_var} "${rel}/" PARENT_SCOPE)
endfunction()

# The Strata targets TARGET links, directly or through others.
function(_strata_linked_targets out_var target)
  set(seen)
  set(queue ${target})
  while(queue)
    list(POP_FRONT queue current)
    get_target_property(links ${current} LINK_LIBRARIES)
    foreach(link IN LISTS links)
      if(link MATCHES "^strata_" AND TARGET ${link} AND NOT link IN_LIST seen)
        list(APPEND seen ${link})
        list(APPEND queue ${link})
      endif()
    endforeach()
  endwhile()
  set(${out_var} ${seen} PARENT_SCOPE)
endfunction()

# strata_check_layering(TARGET name [FORBID regex...] [HEADERS_FORBID regex...]) fails the
# configure step on a violation. HEADERS_FORBID applies to the target's headers only (LibTorch may
# be used inside strata_model's .cpp files, never in what its users include).
function(strata_check_layering)
  cmake_parse_arguments(L "" "TARGET" "FORBID;HEADERS_FORBID" ${ARGN})
  _strata_target_folder(own ${L_TARGET})
  _strata_linked_targets(linked ${L_TARGET})
  set(allowed ${own})
  foreach(link IN LISTS linked)
    _strata_target_folder(folder ${link})
    list(APPEND allowed ${folder})
  endforeach()
  get_target_property(sources ${L_TARGET} SOURCES)
  get_target_property(dir ${L_TARGET} SOURCE_DIR)
  set(files)
  foreach(source IN LISTS sources)
    if(NOT IS_ABSOLUTE "${source}")
      set(source "${dir}/${source}")
    endif()
    list(APPEND files "${source}")
  endforeach()
  strata_layering_violations(problems ${L_TARGET} "${files}" "${allowed}" "${L_FORBID}")
  if(L_HEADERS_FORBID)
    list(FILTER files INCLUDE REGEX "\\.h$")
    strata_layering_violations(header_problems ${L_TARGET} "${files}" "${allowed}"
                               "${L_HEADERS_FORBID}")
    list(APPEND problems ${header_problems})
  endif()
  if(problems)
    list(JOIN problems "\n  " text)
    message(FATAL_ERROR "Layering violated:\n  ${text}")
  endif()
endfunction()
