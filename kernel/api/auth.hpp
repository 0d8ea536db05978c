// Bearer-token authentication and role checks for the REST API. Tokens are stored only as
// SHA-256 hashes; each has one role. admin may do everything; every other route lists the
// roles it admits, and a request without a valid token gets 401, a wrong role 403.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/router.hpp"

namespace cxloop::api {

enum class Role { admin, agent, department, ingest };

std::string to_string(Role role);
std::optional<Role> parse_role(const std::string& text);

struct Principal {
  std::int64_t token_id = 0;
  std::string name;
  Role role = Role::agent;
  std::optional<std::int64_t> department_id;  // set for department tokens

  // The actor recorded in events: "token:<id>".
  std::string actor() const { return "token:" + std::to_string(token_id); }
};

// SHA-256 of a token secret, lower-case hex: the only form in which tokens are stored.
std::string token_hash(const std::string& secret);

class Authenticator {
 public:
  // Looks a token up by its hash; nullopt for unknown or revoked tokens.
  using Lookup = std::function<std::optional<Principal>(const std::string& hash)>;

  // Successful look-ups are cached for cache_ttl so a request does not cost a database read;
  // forget() drops the cache (called after a revoke on this node; other nodes see a revoke
  // within cache_ttl).
  explicit Authenticator(Lookup lookup,
                         std::chrono::milliseconds cache_ttl = std::chrono::seconds(5));

  // The principal behind the request's "Authorization: Bearer <token>"; throws ApiError 401.
  Principal authenticate(const http::HttpRequest& request);
  void forget();

 private:
  struct Cached {
    Principal principal;
    std::chrono::steady_clock::time_point expires;
  };
  Lookup lookup_;
  std::chrono::milliseconds cache_ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> cache_;
};

// Registers routes on the router behind authentication and a role check, and remembers who
// may call what (the test suite walks this table to check every route's access rules).
class SecuredRoutes {
 public:
  using Handler = std::function<http::HttpResponse(http::HttpRequest&, const Principal&)>;

  struct Entry {
    std::string method;
    std::string pattern;
    std::set<Role> roles;  // admin is always admitted; empty with is_public
    bool is_public = false;
  };

  SecuredRoutes(http::Router& router, Authenticator& authenticator)
      : router_(router), authenticator_(authenticator) {}

  // streaming: the handler reads HttpRequest::body_stream itself (see http::Route).
  void add(const std::string& method, const std::string& pattern, std::set<Role> roles,
           Handler handler, bool streaming = false);
  // A route that needs no token (public intake, acknowledgement links): it must protect itself.
  void add_public(const std::string& method, const std::string& pattern, http::Handler handler);

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  http::Router& router_;
  Authenticator& authenticator_;
  std::vector<Entry> entries_;
};

}  // namespace cxloop::api
