/* A library that exports only the entry point of a future ABI major, so a version-1 kernel
 * finds no cxloop_plugin_entry_v1 in it. */
#include <stddef.h>

#include "cxloop/plugin_api.h"

__attribute__((visibility("default"))) const void* cxloop_plugin_entry_v2(uint32_t major,
                                                                          uint32_t minor) {
  (void)major;
  (void)minor;
  return NULL;
}
