# automl_add_plugin(KIND <dataset|search_space|strategy|evaluator>
#                   [NAME <name>] [VERSION <x.y.z>] SOURCES <files...>
#                   [OUTPUT_DIRECTORY <dir>] [NO_INSTALL])
#
# Builds one plugin as a loadable module that the automl host can load. The
# registry name defaults to the name of the folder holding the calling
# CMakeLists.txt (plugins are one per folder, named after it). Inside the
# automl tree the module is written to the host's plugin folder and installed
# with the host. Outside it (after find_package(automl)), `cmake --install`
# puts it in AUTOML_PLUGIN_INSTALL_DIR, by default the plugin folder of the
# automl that was found, where its host loads it with no environment variable.
#
# Creates the target automl_<kind>_<name>; link extra libraries to it as usual.
function(automl_add_plugin)
  cmake_parse_arguments(ARG "NO_INSTALL" "KIND;NAME;VERSION;OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  set(kinds dataset search_space strategy evaluator)
  if(NOT ARG_KIND IN_LIST kinds)
    message(FATAL_ERROR "automl_add_plugin: KIND must be one of ${kinds}, got '${ARG_KIND}'")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "automl_add_plugin: SOURCES is required")
  endif()
  if(NOT ARG_NAME)
    get_filename_component(ARG_NAME "${CMAKE_CURRENT_SOURCE_DIR}" NAME)
  endif()
  if(NOT ARG_NAME MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "automl_add_plugin: name '${ARG_NAME}' must be snake_case")
  endif()
  if(NOT ARG_VERSION)
    set(ARG_VERSION "${PROJECT_VERSION}")
  endif()
  if(NOT ARG_VERSION)
    set(ARG_VERSION "0.0.0")  # project() without VERSION
  endif()

  set(target "automl_${ARG_KIND}_${ARG_NAME}")
  if(TARGET ${target})
    string(MAKE_C_IDENTIFIER "${target}_${ARG_OUTPUT_DIRECTORY}" target)
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE automl::core)
  target_compile_definitions(${target} PRIVATE
    AUTOML_PLUGIN_NAME="${ARG_NAME}"
    AUTOML_PLUGIN_KIND="${ARG_KIND}"
    AUTOML_PLUGIN_VERSION="${ARG_VERSION}")
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${ARG_KIND}_${ARG_NAME}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  elseif(DEFINED AUTOML_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${AUTOML_PLUGIN_OUTPUT_DIR}")
  endif()
  # Installed plugins sit in <libdir>/automl/plugins and find the core
  # libraries two folders up; libraries outside the system folders (an
  # official LibTorch) by the path they were linked from.
  set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN/../.." INSTALL_RPATH_USE_LINK_PATH ON)
  if(NOT ARG_NO_INSTALL)
    if(DEFINED AUTOML_PLUGIN_SUBDIR)
      install(TARGETS ${target} LIBRARY DESTINATION "${AUTOML_PLUGIN_SUBDIR}" COMPONENT runtime)
    elseif(AUTOML_PLUGIN_INSTALL_DIR)
      install(TARGETS ${target} LIBRARY DESTINATION "${AUTOML_PLUGIN_INSTALL_DIR}")
    endif()
  endif()
endfunction()
