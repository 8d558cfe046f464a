# Debian's libtorch_cpu lists libopencv_highgui as NEEDED without using a symbol of it, and
# highgui links Qt 5. Loading Qt 5 beside Qt 6 in one process is undefined behaviour, so every
# Strata executable resolves that one library to an empty stand-in built here, through a
# DT_RPATH (unlike DT_RUNPATH it also applies to the dependencies of dependencies).
set(STRATA_SHIELD_DIR ${CMAKE_BINARY_DIR}/shield)
add_library(strata_highgui_shield SHARED ${CMAKE_CURRENT_LIST_DIR}/empty_library.c)
set_target_properties(strata_highgui_shield PROPERTIES
  OUTPUT_NAME opencv_highgui
  LIBRARY_OUTPUT_DIRECTORY ${STRATA_SHIELD_DIR}
  NO_SONAME OFF
  SOVERSION 406
  VERSION 406)
# The loader asks for exactly "libopencv_highgui.so.406".
set_target_properties(strata_highgui_shield PROPERTIES VERSION "" SOVERSION 406)

function(strata_shield_executable target)
  add_dependencies(${target} strata_highgui_shield)
  target_link_options(${target} PRIVATE -Wl,--disable-new-dtags)
  set_target_properties(${target} PROPERTIES
    BUILD_RPATH ${STRATA_SHIELD_DIR}
    INSTALL_RPATH ${CMAKE_INSTALL_PREFIX}/lib/strata)
endfunction()
