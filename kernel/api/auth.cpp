#include "api/auth.hpp"

#include "http/api_error.hpp"
#include "http/http_types.hpp"
#include "workflow/tokens.hpp"

namespace cxloop::api {

std::string to_string(Role role) {
  switch (role) {
    case Role::admin:
      return "admin";
    case Role::agent:
      return "agent";
    case Role::department:
      return "department";
    case Role::ingest:
      return "ingest";
  }
  return "unknown";
}

std::optional<Role> parse_role(const std::string& text) {
  if (text == "admin") return Role::admin;
  if (text == "agent") return Role::agent;
  if (text == "department") return Role::department;
  if (text == "ingest") return Role::ingest;
  return std::nullopt;
}

std::string token_hash(const std::string& secret) {
  return workflow::TokenService::hash_secret(secret);
}

Authenticator::Authenticator(Lookup lookup, std::chrono::milliseconds cache_ttl)
    : lookup_(std::move(lookup)), cache_ttl_(cache_ttl) {}

Principal Authenticator::authenticate(const http::HttpRequest& request) {
  auto header = request.header("authorization");
  if (!header) {
    throw http::ApiError(401, "unauthorized",
                         "this route needs a bearer token: send 'Authorization: Bearer <token>' "
                         "(create one with 'cxloopctl token create')");
  }
  const std::string prefix = "Bearer ";
  if (header->size() <= prefix.size() ||
      !std::equal(prefix.begin(), prefix.end(), header->begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    throw http::ApiError(401, "unauthorized",
                         "the Authorization header must have the form 'Bearer <token>'");
  }
  std::string hash = token_hash(header->substr(prefix.size()));
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && it->second.expires > now) return it->second.principal;
  }
  auto principal = lookup_(hash);
  if (!principal) {
    throw http::ApiError(401, "unauthorized", "the bearer token is unknown or has been revoked");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (cache_.size() > 10000) cache_.clear();  // bounded: many distinct tokens is unusual
  cache_[hash] = Cached{*principal, now + cache_ttl_};
  return *principal;
}

void Authenticator::forget() {
  std::lock_guard<std::mutex> lock(mutex_);
  cache_.clear();
}

void SecuredRoutes::add(const std::string& method, const std::string& pattern, std::set<Role> roles,
                        Handler handler, bool streaming) {
  entries_.push_back(Entry{method, pattern, roles, false});
  router_.add(
      method, pattern,
      [this, roles, handler = std::move(handler)](http::HttpRequest& request) {
        Principal principal = authenticator_.authenticate(request);
        if (principal.role != Role::admin && roles.count(principal.role) == 0) {
          std::string allowed = "admin";
          for (Role role : roles) allowed += ", " + to_string(role);
          throw http::ApiError(403, "forbidden",
                               "a token with role '" + to_string(principal.role) +
                                   "' may not do this; allowed roles: " + allowed);
        }
        return handler(request, principal);
      },
      streaming);
}

void SecuredRoutes::add_public(const std::string& method, const std::string& pattern,
                               http::Handler handler) {
  entries_.push_back(Entry{method, pattern, {}, true});
  router_.add(method, pattern, std::move(handler));
}

}  // namespace cxloop::api
