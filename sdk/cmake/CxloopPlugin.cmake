# cxloop_add_plugin(NAME <name> SOURCES <files...> MANIFEST <plugin.json>
#                   [LIBS <libraries...>] [OUTPUT_DIR <dir>] [NO_INSTALL])
#
# Builds a cxloop plugin: a MODULE library with hidden symbols (only the entry point the
# CXLOOP_PLUGIN macro marks is exported), linked with --no-undefined so a missing symbol fails
# the build instead of the server's load. Nothing of the kernel is linked. The library and its
# manifest land together in <OUTPUT_DIR>/<name>/ (default: ${CXLOOP_PLUGIN_BUILD_DIR} when
# set, as in the cxloop tree, else <build>/plugins), a folder the server can load from as
# one of its plugin_dirs. Unless NO_INSTALL, `cmake --install` puts both in
# ${CXLOOP_PLUGIN_INSTALL_DIR}/<name>/ (default lib/cxloop/plugins).
#
# The manifest is checked at configure time: its name must be <name>, its library the file
# this builds, and its abi.major the SDK's.
include_guard(GLOBAL)

function(cxloop_add_plugin)
  cmake_parse_arguments(P "NO_INSTALL" "NAME;MANIFEST;OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  if(NOT P_NAME OR NOT P_SOURCES OR NOT P_MANIFEST)
    message(FATAL_ERROR "cxloop_add_plugin needs NAME, SOURCES and MANIFEST")
  endif()
  get_filename_component(manifest "${P_MANIFEST}" ABSOLUTE)
  if(NOT EXISTS "${manifest}")
    message(FATAL_ERROR "cxloop_add_plugin(${P_NAME}): manifest ${manifest} does not exist")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${manifest}")

  set(library_file "${CMAKE_SHARED_MODULE_PREFIX}${P_NAME}${CMAKE_SHARED_MODULE_SUFFIX}")
  file(READ "${manifest}" manifest_text)
  string(JSON manifest_name ERROR_VARIABLE json_error GET "${manifest_text}" name)
  if(json_error)
    message(FATAL_ERROR "${manifest}: cannot read \"name\": ${json_error}")
  endif()
  if(NOT manifest_name STREQUAL P_NAME)
    message(FATAL_ERROR "${manifest}: \"name\" is \"${manifest_name}\"; "
                        "it must equal the plugin's NAME \"${P_NAME}\"")
  endif()
  string(JSON manifest_library ERROR_VARIABLE json_error GET "${manifest_text}" library)
  if(json_error OR NOT manifest_library STREQUAL library_file)
    message(FATAL_ERROR "${manifest}: \"library\" must be \"${library_file}\", "
                        "the file cxloop_add_plugin builds")
  endif()
  string(JSON manifest_abi ERROR_VARIABLE json_error GET "${manifest_text}" abi major)
  if(json_error OR NOT manifest_abi EQUAL CXLOOP_ABI_MAJOR)
    message(FATAL_ERROR "${manifest}: \"abi\": {\"major\": ...} must be ${CXLOOP_ABI_MAJOR}, "
                        "the ABI major of this cxloop-sdk")
  endif()

  if(P_OUTPUT_DIR)
    set(output_root "${P_OUTPUT_DIR}")
  elseif(CXLOOP_PLUGIN_BUILD_DIR)
    set(output_root "${CXLOOP_PLUGIN_BUILD_DIR}")
  else()
    set(output_root "${CMAKE_BINARY_DIR}/plugins")
  endif()
  set(output_dir "${output_root}/${P_NAME}")

  # In the cxloop tree the SDK is the cxloop_sdk target; from the installed package it is
  # the imported cxloop::cxloop_sdk.
  if(TARGET cxloop_sdk)
    set(sdk_target cxloop_sdk)
  else()
    set(sdk_target cxloop::cxloop_sdk)
  endif()
  add_library(${P_NAME} MODULE ${P_SOURCES})
  target_link_libraries(${P_NAME} PRIVATE ${sdk_target} ${P_LIBS})
  set_target_properties(${P_NAME} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${output_dir}")
  target_compile_features(${P_NAME} PRIVATE cxx_std_17)
  target_link_options(${P_NAME} PRIVATE "LINKER:--no-undefined")
  if(CXLOOP_WARNINGS)
    target_compile_options(${P_NAME} PRIVATE ${CXLOOP_WARNINGS})
  endif()
  # The manifest beside the library is a build output of its own, so an edited plugin.json is
  # copied even when the library is up to date (a post-build step ran only on relinking).
  add_custom_command(OUTPUT "${output_dir}/plugin.json"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${output_dir}"
    COMMAND "${CMAKE_COMMAND}" -E copy "${manifest}" "${output_dir}/plugin.json"
    DEPENDS "${manifest}"
    COMMENT "Copying the manifest of plugin ${P_NAME}")
  target_sources(${P_NAME} PRIVATE "${output_dir}/plugin.json")

  if(NOT P_NO_INSTALL)
    if(NOT CXLOOP_PLUGIN_INSTALL_DIR)
      set(CXLOOP_PLUGIN_INSTALL_DIR "lib/cxloop/plugins")
    endif()
    install(TARGETS ${P_NAME} LIBRARY DESTINATION "${CXLOOP_PLUGIN_INSTALL_DIR}/${P_NAME}"
            COMPONENT plugins)
    install(FILES "${manifest}" DESTINATION "${CXLOOP_PLUGIN_INSTALL_DIR}/${P_NAME}"
            RENAME plugin.json COMPONENT plugins)
  endif()
endfunction()
