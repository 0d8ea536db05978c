# Writes OUTPUT, a C++ file defining cxloop::api::openapi_document() from the JSON at INPUT.
# The file is only rewritten when its content changes, so a re-configure does not rebuild it.
file(READ "${INPUT}" document)
set(content "// Generated from kernel/api/openapi.json at configure time; edit that file instead.
#include \"api/openapi.hpp\"

namespace cxloop::api {

const char* openapi_document() {
  return R\"cxloop_openapi(${document})cxloop_openapi\";
}

}  // namespace cxloop::api
")
set(previous "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" previous)
endif()
if(NOT previous STREQUAL content)
  file(WRITE "${OUTPUT}" "${content}")
endif()
