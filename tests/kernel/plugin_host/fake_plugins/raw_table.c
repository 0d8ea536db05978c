/* A hand-written plugin table whose ABI version comes from RAW_ABI_MAJOR / RAW_ABI_MINOR, so a
 * test can present a library that exports the right symbol but claims another ABI. The
 * functions behave minimally but correctly in case a host wrongly goes on to use them. */
#include <stdlib.h>

#include "cxloop/plugin_api.h"

static cxloop_plugin_instance* raw_create(const cxloop_host_api* host, char** out_error) {
  (void)host;
  *out_error = NULL;
  return (cxloop_plugin_instance*)malloc(1);
}
static void raw_destroy(cxloop_plugin_instance* instance) { free(instance); }
static void raw_free_string(char* text) { free(text); }
static const char* raw_last_error(cxloop_plugin_instance* instance) {
  (void)instance;
  return "this raw test plugin implements no operation";
}
static cxloop_status raw_on_event(cxloop_plugin_instance* instance, const char* event_json) {
  (void)instance;
  (void)event_json;
  return CXLOOP_ERR_UNSUPPORTED;
}
static cxloop_status raw_handle_http(cxloop_plugin_instance* instance, const char* request_json,
                                     char** out_response_json) {
  (void)instance;
  (void)request_json;
  *out_response_json = NULL;
  return CXLOOP_ERR_UNSUPPORTED;
}
static cxloop_status raw_invoke(cxloop_plugin_instance* instance, const char* operation,
                                const char* request_json, char** out_response_json) {
  (void)instance;
  (void)operation;
  (void)request_json;
  *out_response_json = NULL;
  return CXLOOP_ERR_UNSUPPORTED;
}

static const cxloop_plugin_api raw_api = {
    sizeof(cxloop_plugin_api), RAW_ABI_MAJOR, RAW_ABI_MINOR, "raw_table", "connector", "1.0.0",
    raw_create, raw_destroy, raw_free_string, raw_last_error, raw_on_event, raw_handle_http,
    raw_invoke};

__attribute__((visibility("default"))) const cxloop_plugin_api* cxloop_plugin_entry_v1(
    uint32_t host_abi_major, uint32_t host_abi_minor) {
  (void)host_abi_major;
  (void)host_abi_minor;
  return &raw_api;
}
