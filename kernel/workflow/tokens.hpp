// API tokens: bearer secrets with one role each (admin, agent, department, ingest). The
// secret ("cxl_" + 64 hex digits from 32 random bytes) is shown once at creation; only its
// SHA-256 is stored, so a leaked database does not leak working tokens.
//
// Record shape (never contains the secret): {id, name, role, department_id, created_at,
// revoked_at, last_used_at}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "workflow/operation_table.hpp"

namespace cxloop::workflow {

struct WorkflowContext;

class TokenService {
 public:
  explicit TokenService(WorkflowContext& context) : context_(context) {}

  // fields: name, role, department_id (required for, and only for, role department).
  // Returns {"token": record, "secret": "cxl_..."}.
  nlohmann::json create(const nlohmann::json& fields, const Actor& actor);
  // The token a secret belongs to, unless unknown or revoked. Records last use at most once
  // a minute per token, so authenticating does not turn every request into a write.
  std::optional<nlohmann::json> authenticate(const std::string& secret);
  // The same by stored hash (for callers that hash and cache themselves); no last-use update.
  std::optional<nlohmann::json> find_by_hash(const std::string& hash) const;
  // Revoking twice is harmless; the first revocation time stays.
  nlohmann::json revoke(std::int64_t id, const Actor& actor);
  nlohmann::json get(std::int64_t id) const;
  nlohmann::json list() const;

  // Lower-case hex SHA-256 of a secret: the stored form.
  static std::string hash_secret(const std::string& secret);

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow
