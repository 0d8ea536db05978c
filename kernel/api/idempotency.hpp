// Idempotency-Key support for creating requests: a retry of the same request with the same
// key returns the first response instead of creating a duplicate.
#pragma once

#include <functional>
#include <string>

#include "http/http_types.hpp"

namespace cxloop::repository {
class Database;
}

namespace cxloop::api {

class IdempotencyStore {
 public:
  explicit IdempotencyStore(repository::Database& db) : db_(db) {}

  // Without an Idempotency-Key header: runs create(). With one, per (principal, key):
  //  - first use: reserves the key, runs create(), stores a 2xx response (other outcomes
  //    release the key so the client can retry);
  //  - a retry of the same method, path and body: the stored response, with the header
  //    Idempotent-Replayed: true;
  //  - the same key with a different request: 422; while the first is still running: 409.
  http::HttpResponse run(const std::string& principal, const http::HttpRequest& request,
                         const std::function<http::HttpResponse()>& create);

 private:
  repository::Database& db_;
};

}  // namespace cxloop::api
