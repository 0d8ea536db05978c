#include "workflow/customers.hpp"

#include "workflow/bulk_import_error.hpp"

#include <soci/soci.h>

#include "repository/database.hpp"
#include "workflow/change_events.hpp"
#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/phone_email.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

const char* const kColumns =
    "id, name, email, phone, preferred_channel, region, tier, language, opt_outs, attributes, "
    "revision, created_at, updated_at";

const std::set<std::string> kFields = {"name",      "email", "phone",    "preferred_channel",
                                       "region",    "tier",  "language", "opt_outs",
                                       "attributes"};

std::optional<nlohmann::json> find_by(soci::session& session, const std::string& column,
                                      const std::string& value) {
  SqlQuery query(std::string("SELECT ") + kColumns + " FROM customers");
  query.where(column + " = $", value);
  auto rows = query.rows(session, {"opt_outs", "attributes"});
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

// The columns a create or update sets from the request, validated and normalised.
SqlFields customer_fields(const WorkflowContext& context, const nlohmann::json& in) {
  SqlFields fields;
  if (in.contains("name")) {
    fields.emplace_back("name", optional_text(in, "name", 300).value_or(""));
  }
  if (in.contains("email")) {
    auto email = optional_text(in, "email", 300);
    fields.emplace_back("email", email && !trim(*email).empty() ? SqlValue(normalise_email(*email))
                                                                : SqlValue(nullptr));
  }
  if (in.contains("phone")) {
    auto phone = optional_text(in, "phone", 60);
    fields.emplace_back("phone",
                        phone && !trim(*phone).empty()
                            ? SqlValue(normalise_phone(*phone, context.default_country_code))
                            : SqlValue(nullptr));
  }
  for (const char* key : {"preferred_channel", "region", "tier", "language"}) {
    if (in.contains(key)) fields.emplace_back(key, sql_value(optional_text(in, key, 100)));
  }
  if (in.contains("opt_outs")) {
    fields.emplace_back("opt_outs", nlohmann::json(string_list(in, "opt_outs")).dump());
  }
  if (in.contains("attributes")) {
    fields.emplace_back("attributes", object_or(in, "attributes").dump());
  }
  return fields;
}

const SqlValue* field(const SqlFields& fields, const std::string& name) {
  for (const auto& entry : fields) {
    if (entry.first == name) return &entry.second;
  }
  return nullptr;
}

// Refuses an e-mail or phone that another customer already has.
void require_unique_contact(soci::session& tx, const SqlFields& fields, std::int64_t self) {
  for (const char* column : {"email", "phone"}) {
    const SqlValue* value = field(fields, column);
    if (value == nullptr || !std::holds_alternative<std::string>(*value)) continue;
    auto owner = find_by(tx, column, std::get<std::string>(*value));
    if (owner && owner->at("id").get<std::int64_t>() != self) {
      throw DomainError(ErrorKind::conflict,
                        std::string(column) + " " + std::get<std::string>(*value) +
                            " already belongs to customer " +
                            std::to_string(owner->at("id").get<std::int64_t>()) +
                            "; update that customer instead",
                        std::string("/") + column);
    }
  }
}

}  // namespace

std::optional<nlohmann::json> CustomerService::load(soci::session& session, std::int64_t id) {
  return select_one(session, std::string("SELECT ") + kColumns + " FROM customers WHERE id = :id",
                    id, {"opt_outs", "attributes"});
}

nlohmann::json CustomerService::insert(soci::session& tx, const nlohmann::json& in,
                                       const Actor& actor, ChangeEvents& changes) {
  SqlFields fields = customer_fields(context_, in);
  const SqlValue* email = field(fields, "email");
  const SqlValue* phone = field(fields, "phone");
  bool has_email = email != nullptr && std::holds_alternative<std::string>(*email);
  bool has_phone = phone != nullptr && std::holds_alternative<std::string>(*phone);
  if (!has_email && !has_phone) {
    throw DomainError(ErrorKind::invalid,
                      "a customer needs an e-mail address or a phone number; send 'email' or "
                      "'phone'",
                      "/email");
  }
  require_unique_contact(tx, fields, 0);
  if (field(fields, "name") == nullptr) fields.emplace_back("name", std::string());
  std::string now = now_rfc3339();
  fields.emplace_back("created_at", now);
  fields.emplace_back("updated_at", now);
  nlohmann::json customer =
      insert_returning_row(tx, "customers", fields, kColumns, {"opt_outs", "attributes"});
  changes.record(tx, "customer.created",
                 "customer:" + std::to_string(customer.at("id").get<std::int64_t>()), actor.id,
                 {{"after", customer}});
  return customer;
}

nlohmann::json CustomerService::create(const nlohmann::json& in, const Actor& actor) {
  require_object(in, kFields, "customer");
  ChangeEvents changes;
  nlohmann::json customer;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    customer = insert(tx, in, actor, changes);
  });
  changes.publish(context_);
  return customer;
}

nlohmann::json CustomerService::bulk_insert(const nlohmann::json& rows, const Actor& actor) {
  if (!rows.is_array() || rows.empty()) {
    throw DomainError(ErrorKind::invalid, "send the customers as a non-empty JSON array");
  }
  ChangeEvents changes;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    std::vector<BulkImportError::RowError> errors;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      try {
        require_object(rows[i], kFields, "customer");
        insert(tx, rows[i], actor, changes);
      } catch (const DomainError& error) {
        errors.push_back({i + 1, error.field(), error.what()});
      }
    }
    // Throwing rolls the whole batch back.
    if (!errors.empty()) throw BulkImportError(std::move(errors));
  });
  changes.publish(context_);
  return {{"inserted", rows.size()}};
}

nlohmann::json CustomerService::update(std::int64_t id, const nlohmann::json& in,
                                       std::optional<std::int64_t> expected_revision,
                                       const Actor& actor) {
  require_object(in, kFields, "customer");
  SqlFields fields = customer_fields(context_, in);
  ChangeEvents changes;
  nlohmann::json customer;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    auto before = select_one(
        tx,
        std::string("SELECT ") + kColumns + " FROM customers WHERE id = :id" + row_lock(context_),
        id, {"opt_outs", "attributes"});
    if (!before) {
      throw DomainError(ErrorKind::not_found, "customer " + std::to_string(id) + " does not exist");
    }
    std::int64_t revision = before->at("revision").get<std::int64_t>();
    if (expected_revision && *expected_revision != revision) {
      throw DomainError(ErrorKind::stale_revision,
                        "customer " + std::to_string(id) + " is at revision " +
                            std::to_string(revision) + ", not " +
                            std::to_string(*expected_revision) + "; re-read it and retry");
    }
    require_unique_contact(tx, fields, id);
    SqlFields changed = fields;
    changed.emplace_back("revision", revision + 1);
    changed.emplace_back("updated_at", now_rfc3339());
    update_row(tx, "customers", "id", id, changed);
    customer = *load(tx, id);
    if (customer.at("email").is_null() && customer.at("phone").is_null()) {
      throw DomainError(ErrorKind::invalid,
                        "a customer needs an e-mail address or a phone number; keep one of "
                        "'email' and 'phone'",
                        "/email");
    }
    changes.record(tx, "customer.updated", "customer:" + std::to_string(id), actor.id,
                   {{"before", *before}, {"after", customer}});
  });
  changes.publish(context_);
  return customer;
}

nlohmann::json CustomerService::get(std::int64_t id) const {
  std::optional<nlohmann::json> customer;
  context_.db.read([&](soci::session& session) { customer = load(session, id); });
  if (!customer) {
    throw DomainError(ErrorKind::not_found, "customer " + std::to_string(id) + " does not exist");
  }
  return *customer;
}

std::optional<nlohmann::json> CustomerService::find_by_email(const std::string& email) const {
  std::string normal = normalise_email(email);
  std::optional<nlohmann::json> customer;
  context_.db.read([&](soci::session& session) { customer = find_by(session, "email", normal); });
  return customer;
}

std::optional<nlohmann::json> CustomerService::find_by_phone(const std::string& phone) const {
  std::string normal = normalise_phone(phone, context_.default_country_code);
  std::optional<nlohmann::json> customer;
  context_.db.read([&](soci::session& session) { customer = find_by(session, "phone", normal); });
  return customer;
}

nlohmann::json CustomerService::resolve_in(soci::session& tx, const nlohmann::json& contact,
                                           const Actor& actor, ChangeEvents& changes) {
  require_object(contact, {"email", "phone", "name"}, "customer contact");
  auto email_text = optional_text(contact, "email", 300);
  auto phone_text = optional_text(contact, "phone", 60);
  auto name = optional_text(contact, "name", 300);
  std::optional<std::string> email, phone;
  if (email_text && !trim(*email_text).empty())
    email = normalise_email(*email_text, "/customer/email");
  if (phone_text && !trim(*phone_text).empty()) {
    phone = normalise_phone(*phone_text, context_.default_country_code, "/customer/phone");
  }
  if (!email && !phone) {
    throw DomainError(ErrorKind::invalid,
                      "the contact has neither e-mail nor phone; send 'email' or 'phone' so the "
                      "customer can be found or created",
                      "/customer/email");
  }
  auto find = [&] {
    std::optional<nlohmann::json> match;
    if (email) match = find_by(tx, "email", *email);
    if (!match && phone) match = find_by(tx, "phone", *phone);
    return match;
  };
  std::optional<nlohmann::json> found = find();

  if (!found) {
    nlohmann::json fields = {{"name", name ? trim(*name) : std::string()}};
    if (email) fields["email"] = *email;
    if (phone) fields["phone"] = *phone;
    try {
      return {{"customer", insert(tx, fields, actor, changes)}, {"created", true}};
    } catch (const DomainError& e) {
      // On PostgreSQL another intake may have committed this customer since the lookup
      // above (each statement sees the latest commits): take theirs.
      if (e.kind() != ErrorKind::conflict) throw;
      found = find();
      if (!found) throw;
    }
  }

  // Complete the record with what this contact adds, never overwriting known details and
  // never taking a phone or e-mail that belongs to someone else.
  std::int64_t id = found->at("id").get<std::int64_t>();
  SqlFields additions;
  if (email && found->at("email").is_null() && !find_by(tx, "email", *email)) {
    additions.emplace_back("email", *email);
  }
  if (phone && found->at("phone").is_null() && !find_by(tx, "phone", *phone)) {
    additions.emplace_back("phone", *phone);
  }
  if (name && !trim(*name).empty() && found->at("name").get<std::string>().empty()) {
    additions.emplace_back("name", trim(*name));
  }
  if (additions.empty()) return {{"customer", *found}, {"created", false}};
  additions.emplace_back("revision", found->at("revision").get<std::int64_t>() + 1);
  additions.emplace_back("updated_at", now_rfc3339());
  update_row(tx, "customers", "id", id, additions);
  nlohmann::json customer = *load(tx, id);
  changes.record(tx, "customer.updated", "customer:" + std::to_string(id), actor.id,
                 {{"before", *found}, {"after", customer}});
  return {{"customer", customer}, {"created", false}};
}

nlohmann::json CustomerService::resolve(const nlohmann::json& contact, const Actor& actor) {
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    result = resolve_in(tx, contact, actor, changes);
  });
  changes.publish(context_);
  return result;
}

Page CustomerService::list(const nlohmann::json& query) const {
  if (!query.is_null()) {
    require_object(query, {"email", "phone", "region", "tier", "q", "cursor", "limit", "count"},
                   "customer list query");
  }
  nlohmann::json q = query.is_null() ? nlohmann::json::object() : query;
  auto email = optional_text(q, "email", 300);
  auto phone = optional_text(q, "phone", 60);
  auto region = optional_text(q, "region", 100);
  auto tier = optional_text(q, "tier", 100);
  auto text = optional_text(q, "q", 200);
  std::optional<std::string> email_normal, phone_normal;
  if (email) email_normal = normalise_email(*email);
  if (phone) phone_normal = normalise_phone(*phone, context_.default_country_code);
  PageRequest request = PageRequest::from_json(q);
  Page page;
  context_.db.read([&](soci::session& session) {
    page = fetch_page(
        session, kColumns, "customers", "",
        [&](SqlQuery& sql) {
          if (email_normal) sql.where("email = $", *email_normal);
          if (phone_normal) sql.where("phone = $", *phone_normal);
          if (region) sql.where("region = $", *region);
          if (tier) sql.where("tier = $", *tier);
          if (text && !text->empty()) {
            std::string pattern = like_pattern(*text);
            sql.where("(lower(name) LIKE lower($) ESCAPE '\\' OR email LIKE lower($) ESCAPE '\\')",
                      pattern);
          }
        },
        request, {"opt_outs", "attributes"});
  });
  return page;
}

}  // namespace cxloop::workflow
