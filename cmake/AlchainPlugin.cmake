# alchain_add_plugin(): builds one plugin library, in this tree or out of tree (via find_package(alchain)).
#
#   alchain_add_plugin(<name> KIND <policy|model|dataset|oracle> SOURCES <files...> [LINK <libs...>]
#                      [OUTPUT_DIRECTORY <dir>])
#
# Produces lib<alchain_KIND_name>.so with hidden visibility (only the entry symbol is exported),
# linked against the alchain SDK and LibTorch.
function(alchain_add_plugin name)
  cmake_parse_arguments(ARG "" "KIND;OUTPUT_DIRECTORY" "SOURCES;LINK" ${ARGN})
  if(NOT ARG_KIND MATCHES "^(policy|model|dataset|oracle)$")
    message(FATAL_ERROR "alchain_add_plugin(${name}): KIND must be policy, model, dataset or oracle")
  endif()
  set(target "alchain_${ARG_KIND}_${name}")
  add_library(${target} MODULE ${ARG_SOURCES})
  if(TARGET alchain_sdk)
    target_link_libraries(${target} PRIVATE alchain_sdk ${ARG_LINK})
  else()
    target_link_libraries(${target} PRIVATE alchain::sdk ${ARG_LINK})
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    UNITY_BUILD ON)
  target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  elseif(DEFINED ALCHAIN_PLUGIN_BUILD_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ALCHAIN_PLUGIN_BUILD_DIR}")
  endif()
  if(DEFINED ALCHAIN_PCH_TARGET)
    target_precompile_headers(${target} REUSE_FROM ${ALCHAIN_PCH_TARGET})
  endif()
  if(DEFINED ALCHAIN_PLUGIN_INSTALL_DIR AND NOT ARG_OUTPUT_DIRECTORY)
    install(TARGETS ${target} LIBRARY DESTINATION "${ALCHAIN_PLUGIN_INSTALL_DIR}")
    set_property(GLOBAL APPEND PROPERTY ALCHAIN_SHIPPED_PLUGINS ${target})
  endif()
  set(ALCHAIN_LAST_PLUGIN_TARGET ${target} PARENT_SCOPE)
endfunction()
