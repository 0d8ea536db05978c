#include "api/idempotency.hpp"

#include <soci/soci.h>

#include <chrono>
#include <ctime>

#include "http/api_error.hpp"
#include "repository/database.hpp"
#include "repository/migrations.hpp"

namespace cxloop::api {

namespace {

constexpr int kInProgress = 0;
// A reservation older than this belongs to a request that died; a retry may take it over.
constexpr std::time_t kAbandonedAfterSeconds = 120;

std::string request_hash(const http::HttpRequest& request) {
  return repository::sha256_hex(request.method + '\n' + request.path + '\n' + request.body);
}

void check_key(const std::string& key) {
  if (key.empty() || key.size() > 255) {
    throw http::ApiError::bad_request("the Idempotency-Key header must be 1 to 255 characters",
                                      "/headers/idempotency-key");
  }
  for (unsigned char c : key) {
    if (c < 0x21 || c > 0x7e) {
      throw http::ApiError::bad_request(
          "the Idempotency-Key header may only hold visible ASCII characters",
          "/headers/idempotency-key");
    }
  }
}

struct Stored {
  std::string hash;
  int status = kInProgress;
  std::string body;
  long long reserved_at = 0;
};

}  // namespace

http::HttpResponse IdempotencyStore::run(const std::string& principal,
                                         const http::HttpRequest& request,
                                         const std::function<http::HttpResponse()>& create) {
  auto key = request.header("idempotency-key");
  if (!key) return create();
  check_key(*key);

  const std::string hash = request_hash(request);
  const long long now = static_cast<long long>(std::time(nullptr));
  bool reserved = false;
  Stored stored;
  db_.write([&](soci::session& tx) {
    soci::statement insert =
        (tx.prepare << "INSERT INTO idempotency_keys (principal, key, method, path, request_hash, "
                       "status, response_body, created_at) VALUES (:p, :k, :m, :path, :h, 0, '', "
                       ":t) ON CONFLICT DO NOTHING",
         soci::use(principal), soci::use(*key), soci::use(request.method), soci::use(request.path),
         soci::use(hash), soci::use(std::to_string(now)));
    insert.execute(true);
    if (insert.get_affected_rows() == 1) {
      reserved = true;
      return;
    }
    std::string created_at;
    tx << "SELECT request_hash, status, response_body, created_at FROM idempotency_keys "
          "WHERE principal = :p AND key = :k",
        soci::use(principal), soci::use(*key), soci::into(stored.hash), soci::into(stored.status),
        soci::into(stored.body), soci::into(created_at);
    stored.reserved_at = std::atoll(created_at.c_str());
    if (stored.hash == hash && stored.status == kInProgress &&
        now - stored.reserved_at > kAbandonedAfterSeconds) {
      tx << "UPDATE idempotency_keys SET created_at = :t WHERE principal = :p AND key = :k",
          soci::use(std::to_string(now)), soci::use(principal), soci::use(*key);
      reserved = true;
    }
  });

  if (!reserved) {
    if (stored.hash != hash) {
      throw http::ApiError(422, "idempotency-key-reused",
                           "this Idempotency-Key was already used for a different request; use a "
                           "new key for a new request",
                           "/headers/idempotency-key");
    }
    if (stored.status == kInProgress) {
      throw http::ApiError(409, "request-in-progress",
                           "a request with this Idempotency-Key is still being processed; retry "
                           "shortly",
                           "/headers/idempotency-key");
    }
    auto replay = http::HttpResponse::json(stored.status, stored.body);
    replay.headers["idempotent-replayed"] = "true";
    return replay;
  }

  auto release = [&] {
    db_.write([&](soci::session& tx) {
      tx << "DELETE FROM idempotency_keys WHERE principal = :p AND key = :k", soci::use(principal),
          soci::use(*key);
    });
  };
  http::HttpResponse response;
  try {
    response = create();
  } catch (...) {
    release();
    throw;
  }
  if (response.status >= 200 && response.status < 300) {
    db_.write([&](soci::session& tx) {
      tx << "UPDATE idempotency_keys SET status = :s, response_body = :b WHERE principal = :p "
            "AND key = :k",
          soci::use(response.status), soci::use(response.body), soci::use(principal),
          soci::use(*key);
    });
  } else {
    release();
  }
  return response;
}

}  // namespace cxloop::api
