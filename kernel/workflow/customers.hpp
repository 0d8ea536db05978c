// Customers: who contacts the company and who owns its products. E-mail and phone are
// stored normalised (lower-case address, E.164 number) and are unique, so every channel
// finds the same customer for the same person.
//
// Record shape (API and host operations): {id, name, email, phone, preferred_channel,
// region, tier, language, opt_outs: [channel...], attributes: {...}, revision, created_at,
// updated_at}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "workflow/cursor_page.hpp"
#include "workflow/operation_table.hpp"

namespace soci {
class session;
}

namespace cxloop::workflow {

struct WorkflowContext;
class ChangeEvents;

class CustomerService {
 public:
  explicit CustomerService(WorkflowContext& context) : context_(context) {}

  // Fields: name, email, phone, preferred_channel, region, tier, language, opt_outs,
  // attributes; at least one of email and phone. Taken email/phone: conflict.
  nlohmann::json create(const nlohmann::json& fields, const Actor& actor);
  // All rows or none, in one transaction: each row is a create() request; BulkImportError
  // lists every bad row (invalid fields, or an e-mail/phone already taken, also by an
  // earlier row of the same batch). Returns {"inserted": n}.
  nlohmann::json bulk_insert(const nlohmann::json& rows, const Actor& actor);
  // Changes the given fields (null clears an optional one). expected_revision, when given,
  // must match the stored revision (stale_revision otherwise).
  nlohmann::json update(std::int64_t id, const nlohmann::json& fields,
                        std::optional<std::int64_t> expected_revision, const Actor& actor);
  nlohmann::json get(std::int64_t id) const;
  std::optional<nlohmann::json> find_by_email(const std::string& email) const;
  std::optional<nlohmann::json> find_by_phone(const std::string& phone) const;

  // Channel intake: finds the customer by e-mail, then by phone, filling in details the
  // record lacks; creates one when neither matches. contact: {email?, phone?, name?}.
  // Returns {"customer": {...}, "created": bool}.
  nlohmann::json resolve(const nlohmann::json& contact, const Actor& actor);
  // The same inside a caller's write transaction (case intake resolves and creates the case
  // atomically).
  nlohmann::json resolve_in(soci::session& tx, const nlohmann::json& contact, const Actor& actor,
                            ChangeEvents& changes);

  // Filters: email, phone, region, tier, q (text in name or e-mail), cursor, limit.
  Page list(const nlohmann::json& query) const;

  static std::optional<nlohmann::json> load(soci::session& session, std::int64_t id);

 private:
  nlohmann::json insert(soci::session& tx, const nlohmann::json& fields, const Actor& actor,
                        ChangeEvents& changes);
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow
