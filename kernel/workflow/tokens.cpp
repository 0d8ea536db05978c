#include "workflow/tokens.hpp"

#include "repository/migrations.hpp"

#include <Poco/RandomStream.h>

#include <soci/soci.h>

#include "repository/database.hpp"
#include "workflow/change_events.hpp"
#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

const char* const kColumns = "id, name, role, department_id, created_at, revoked_at, last_used_at";
const std::vector<std::string> kRoles = {"admin", "agent", "department", "ingest"};

std::string subject_of(std::int64_t id) { return "token:" + std::to_string(id); }

std::optional<nlohmann::json> load(soci::session& session, std::int64_t id) {
  return select_one(session, std::string("SELECT ") + kColumns + " FROM tokens WHERE id = :id", id);
}

std::string new_secret() {
  Poco::RandomInputStream random;
  unsigned char bytes[32];
  random.read(reinterpret_cast<char*>(bytes), sizeof bytes);
  static const char* const kHex = "0123456789abcdef";
  std::string secret = "cxl_";
  for (unsigned char byte : bytes) {
    secret += kHex[byte >> 4];
    secret += kHex[byte & 0x0f];
  }
  return secret;
}

}  // namespace

std::string TokenService::hash_secret(const std::string& secret) {
  return repository::sha256_hex(secret);
}

nlohmann::json TokenService::create(const nlohmann::json& in, const Actor& actor) {
  require_object(in, {"name", "role", "department_id"}, "token");
  std::string name = required_text(in, "name", 200);
  std::string role = required_text(in, "role", 20);
  require_one_of(role, kRoles, "role");
  auto department = optional_id(in, "department_id");
  if (role == "department" && !department) {
    throw DomainError(ErrorKind::invalid,
                      "a department token acts for one department; send 'department_id'",
                      "/department_id");
  }
  if (role != "department" && department) {
    throw DomainError(ErrorKind::invalid,
                      "only role 'department' takes a department_id; drop it or use that role",
                      "/department_id");
  }
  std::string secret = new_secret();
  ChangeEvents changes;
  nlohmann::json record;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    if (department && !select_one(tx, "SELECT id FROM departments WHERE id = :id", *department)) {
      throw DomainError(ErrorKind::invalid,
                        "department " + std::to_string(*department) + " does not exist",
                        "/department_id");
    }
    std::int64_t id = insert_returning_id(tx, "tokens",
                                          {{"name", name},
                                           {"role", role},
                                           {"department_id", sql_value(department)},
                                           {"hash", hash_secret(secret)},
                                           {"created_at", now_rfc3339()}});
    record = *load(tx, id);
    changes.record(tx, "token.created", subject_of(id), actor.id, {{"after", record}});
  });
  changes.publish(context_);
  return {{"token", record}, {"secret", secret}};
}

std::optional<nlohmann::json> TokenService::find_by_hash(const std::string& hash) const {
  std::vector<nlohmann::json> rows;
  context_.db.read([&](soci::session& session) {
    rows = SqlQuery(std::string("SELECT ") + kColumns + " FROM tokens")
               .where("hash = $", hash)
               .where("revoked_at IS NULL")
               .rows(session);
  });
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<nlohmann::json> TokenService::authenticate(const std::string& secret) {
  if (secret.rfind("cxl_", 0) != 0) return std::nullopt;
  auto token = find_by_hash(hash_secret(secret));
  if (!token) return std::nullopt;
  std::string now = now_rfc3339();
  const auto& last = token->at("last_used_at");
  // Same minute ("YYYY-MM-DDTHH:MM"): already recorded recently enough.
  if (!last.is_string() || last.get<std::string>().compare(0, 16, now, 0, 16) != 0) {
    std::int64_t id = token->at("id").get<std::int64_t>();
    context_.db.write([&](soci::session& tx) {
      update_row(tx, "tokens", "id", id, {{"last_used_at", now}});
    });
    (*token)["last_used_at"] = now;
  }
  return token;
}

nlohmann::json TokenService::revoke(std::int64_t id, const Actor& actor) {
  ChangeEvents changes;
  nlohmann::json record;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    auto before = load(tx, id);
    if (!before) {
      throw DomainError(ErrorKind::not_found, "token " + std::to_string(id) + " does not exist");
    }
    if (before->at("revoked_at").is_null()) {
      update_row(tx, "tokens", "id", id, {{"revoked_at", now_rfc3339()}});
      changes.record(tx, "token.revoked", subject_of(id), actor.id, {{"name", before->at("name")}});
    }
    record = *load(tx, id);
  });
  changes.publish(context_);
  return record;
}

nlohmann::json TokenService::get(std::int64_t id) const {
  std::optional<nlohmann::json> found;
  context_.db.read([&](soci::session& session) { found = load(session, id); });
  if (!found)
    throw DomainError(ErrorKind::not_found, "token " + std::to_string(id) + " does not exist");
  return *found;
}

nlohmann::json TokenService::list() const {
  std::vector<nlohmann::json> rows;
  context_.db.read([&](soci::session& session) {
    rows = SqlQuery(std::string("SELECT ") + kColumns + " FROM tokens ORDER BY id").rows(session);
  });
  return rows;
}

}  // namespace cxloop::workflow
