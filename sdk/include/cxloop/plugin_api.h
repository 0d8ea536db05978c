/* cxloop plugin ABI: the plain-C contract between the cxloopd kernel and a plugin library.
 *
 * Rules every side keeps:
 *  - Strings crossing the boundary are NUL-terminated UTF-8; structured data is JSON text.
 *  - Each side frees what it allocated: strings the host hands out are released with
 *    cxloop_host_api::free_string, strings a plugin hands out with cxloop_plugin_api::free_string.
 *  - No exception ever crosses the boundary. Failures are a cxloop_status plus an error text
 *    (cxloop_host_api::last_error / cxloop_plugin_api::last_error, valid until the next call on
 *    the same thread).
 *  - Structs are size-prefixed and only ever grow at the end. A reader checks struct_size before
 *    touching a member added after the first release of its ABI major version.
 *  - The entry symbol carries the ABI major version: a library built for another major simply
 *    does not export the symbol the kernel looks for.
 */
#ifndef CXLOOP_PLUGIN_API_H
#define CXLOOP_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CXLOOP_ABI_MAJOR 1
#define CXLOOP_ABI_MINOR 0

/* The entry point every plugin exports, named after the ABI major version. */
#define CXLOOP_ENTRY_SYMBOL "cxloop_plugin_entry_v1"

typedef enum cxloop_status {
  CXLOOP_OK = 0,
  CXLOOP_ERR_INVALID = 1,     /* the request is malformed or violates a rule; do not retry */
  CXLOOP_ERR_NOT_FOUND = 2,   /* the named object or operation does not exist */
  CXLOOP_ERR_CONFLICT = 3,    /* stale revision or duplicate; re-read and decide */
  CXLOOP_ERR_UNAVAILABLE = 4, /* a dependency is down; retrying later may succeed */
  CXLOOP_ERR_UNSUPPORTED = 5, /* this plugin does not implement the operation */
  CXLOOP_ERR_FORBIDDEN = 6,   /* the caller may not do this */
  CXLOOP_ERR_INTERNAL = 7     /* a bug or an unexpected failure */
} cxloop_status;

/* Stable lower-case name of a status, for messages and logs. */
static inline const char* cxloop_status_name(cxloop_status status) {
  switch (status) {
    case CXLOOP_OK:
      return "ok";
    case CXLOOP_ERR_INVALID:
      return "invalid";
    case CXLOOP_ERR_NOT_FOUND:
      return "not_found";
    case CXLOOP_ERR_CONFLICT:
      return "conflict";
    case CXLOOP_ERR_UNAVAILABLE:
      return "unavailable";
    case CXLOOP_ERR_UNSUPPORTED:
      return "unsupported";
    case CXLOOP_ERR_FORBIDDEN:
      return "forbidden";
    case CXLOOP_ERR_INTERNAL:
      return "internal";
  }
  return "unknown";
}

typedef enum cxloop_log_level {
  CXLOOP_LOG_TRACE = 0,
  CXLOOP_LOG_DEBUG = 1,
  CXLOOP_LOG_INFO = 2,
  CXLOOP_LOG_WARNING = 3,
  CXLOOP_LOG_ERROR = 4
} cxloop_log_level;

typedef enum cxloop_metric_kind {
  CXLOOP_METRIC_COUNTER_ADD = 0, /* add value to a counter */
  CXLOOP_METRIC_GAUGE_SET = 1,   /* set a gauge to value */
  CXLOOP_METRIC_OBSERVE = 2      /* record value (seconds) in a histogram */
} cxloop_metric_kind;

/* Opaque per-instance context the host passes back to itself. */
typedef struct cxloop_host_context cxloop_host_context;

/* Services the kernel offers one plugin instance. All functions are thread-safe. */
typedef struct cxloop_host_api {
  uint32_t struct_size; /* sizeof(cxloop_host_api) as the host was built */
  uint32_t abi_major;
  uint32_t abi_minor;
  cxloop_host_context* context;

  /* Text of the last failure of a host call on this thread; never NULL. */
  const char* (*last_error)(cxloop_host_context* ctx);
  /* Releases a string the host returned through an out-parameter. */
  void (*free_string)(cxloop_host_context* ctx, char* text);

  void (*log)(cxloop_host_context* ctx, cxloop_log_level level, const char* message);
  /* labels_json: a JSON object of label name to string value, or NULL. Metric names are
   * prefixed with cxloop_plugin_ by the host. */
  void (*metric)(cxloop_host_context* ctx, cxloop_metric_kind kind, const char* name,
                 const char* labels_json, double value);

  /* The instance's settings object from the server config, already validated against the
   * manifest's schema. *out_json is freed with free_string. */
  cxloop_status (*config)(cxloop_host_context* ctx, char** out_json);

  /* Business operations on the shared repository ("case.create", "case.append_message",
   * "customer.resolve", ...; see docs/sdk.md). request_json and *out_json are JSON objects. */
  cxloop_status (*call)(cxloop_host_context* ctx, const char* operation, const char* request_json,
                        char** out_json);

  /* Receive kernel events whose type matches pattern ("case.created", "case.*", "*") through
   * cxloop_plugin_api::on_event, on a kernel worker thread. */
  cxloop_status (*subscribe)(cxloop_host_context* ctx, const char* pattern);

  /* Only accepted while the instance is being created (inside create()).
   * Route METHOD path_pattern to cxloop_plugin_api::handle_http. path_pattern is relative to
   * the instance's own prefixes: "/plugins/<instance>/..." for pages and "/hooks/<kind>/
   * <instance>/..." for inbound hooks; public selects the hook prefix (no bearer token). */
  cxloop_status (*register_route)(cxloop_host_context* ctx, const char* method,
                                  const char* path_pattern, int is_public);

  /* Per-instance key-value store. kv_get and kv_delete return CXLOOP_ERR_NOT_FOUND for a
   * missing key. */
  cxloop_status (*kv_get)(cxloop_host_context* ctx, const char* key, char** out_value);
  cxloop_status (*kv_put)(cxloop_host_context* ctx, const char* key, const char* value);
  cxloop_status (*kv_delete)(cxloop_host_context* ctx, const char* key);

  /* Queue durable work for target_instance (NULL: this instance), dispatched later through
   * cxloop_plugin_api::invoke(operation, payload) with retries. A second enqueue with the same
   * idempotency_key (if not NULL) is a no-op that returns CXLOOP_OK. */
  cxloop_status (*enqueue)(cxloop_host_context* ctx, const char* target_instance,
                           const char* operation, const char* payload_json,
                           const char* idempotency_key);
} cxloop_host_api;

/* Opaque plugin instance. */
typedef struct cxloop_plugin_instance cxloop_plugin_instance;

/* What a plugin library exposes. The pointer returned by the entry point stays valid for
 * the life of the process. */
typedef struct cxloop_plugin_api {
  uint32_t struct_size; /* sizeof(cxloop_plugin_api) as the plugin was built */
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* name;    /* must equal the manifest's name */
  const char* kind;    /* "channel", "connector", "analytics" or "notifier" */
  const char* version; /* must equal the manifest's version */

  /* Creates an instance. host stays valid until destroy. On failure returns NULL and sets
   * *out_error (freed with free_string). */
  cxloop_plugin_instance* (*create)(const cxloop_host_api* host, char** out_error);
  void (*destroy)(cxloop_plugin_instance* instance);
  /* Releases a string the plugin returned through an out-parameter. */
  void (*free_string)(char* text);
  /* Text of the last failure on this thread for this instance; never NULL. */
  const char* (*last_error)(cxloop_plugin_instance* instance);

  /* A kernel event the instance subscribed to (JSON: id, type, subject, actor, at, data). */
  cxloop_status (*on_event)(cxloop_plugin_instance* instance, const char* event_json);

  /* A request on one of the instance's routes. request_json: method, path, params, query,
   * headers, body, remote_addr. *out_response_json: status, headers, body. */
  cxloop_status (*handle_http)(cxloop_plugin_instance* instance, const char* request_json,
                               char** out_response_json);

  /* A kind-specific operation (connector "push", "update", "poll", "callback"; notifier
   * "send"; channel "deliver", "poll"; analytics "match", ...) or dispatched outbox work. */
  cxloop_status (*invoke)(cxloop_plugin_instance* instance, const char* operation,
                          const char* request_json, char** out_response_json);
} cxloop_plugin_api;

/* Signature of CXLOOP_ENTRY_SYMBOL. The host passes its own ABI version; the plugin returns
 * its API table (its own abi_minor tells the host which members it may use). */
typedef const cxloop_plugin_api* (*cxloop_plugin_entry_fn)(uint32_t host_abi_major,
                                                           uint32_t host_abi_minor);

#ifdef __cplusplus
}
#endif

#endif /* CXLOOP_PLUGIN_API_H */
