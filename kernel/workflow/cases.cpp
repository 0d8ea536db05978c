#include "workflow/cases.hpp"

#include <soci/soci.h>

#include <cstdio>
#include <sstream>

#include "repository/database.hpp"
#include "repository/event_log.hpp"
#include "repository/outbox.hpp"
#include "workflow/case_search.hpp"
#include "workflow/change_events.hpp"
#include "workflow/clock.hpp"
#include "workflow/customers.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/state_machines.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

const char* const kColumns =
    "id, number, customer_id, channel, subject, description, category, sku, batch, priority, "
    "state, problem_id, external_ref, revision, created_at, updated_at, resolved_at";
const char* const kMessageColumns =
    "id, case_id, direction, channel, author, body, external_id, delivery_state, attributes, "
    "created_at";

const std::set<std::string> kIntakeFields = {
    "channel",  "external_ref", "customer", "customer_id", "subject", "body",      "description",
    "category", "sku",          "batch",    "priority",    "author",  "attributes"};
const std::set<std::string> kUpdateFields = {"subject", "description", "category",
                                             "sku",     "batch",       "priority"};
const std::set<std::string> kMessageFields = {
    "direction", "body", "channel", "author", "external_id", "delivery_state", "attributes"};

std::string subject_of(std::int64_t id) { return "case:" + std::to_string(id); }

DomainError missing_case(std::int64_t id) {
  return DomainError(ErrorKind::not_found, "case " + std::to_string(id) + " does not exist");
}

// Channel names are identifiers ("email", "webform"): lower-case letters, digits, - and _.
std::string channel_name(const nlohmann::json& in, const std::string& key) {
  std::string channel = required_text(in, key, 64);
  for (char c : channel) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      throw DomainError(ErrorKind::invalid,
                        "'" + key + "' is '" + channel +
                            "'; a channel name uses lower-case letters, digits, - and _",
                        "/" + key);
    }
  }
  return channel;
}

nlohmann::json load_message(soci::session& session, std::int64_t id) {
  return *select_one(
      session, std::string("SELECT ") + kMessageColumns + " FROM case_messages WHERE id = :id", id,
      {"attributes"});
}

nlohmann::json lock_case(soci::session& tx, const WorkflowContext& context, std::int64_t id) {
  auto found = select_one(
      tx, std::string("SELECT ") + kColumns + " FROM cases WHERE id = :id" + row_lock(context), id);
  if (!found) throw missing_case(id);
  return *found;
}

const std::vector<std::string> kDeliveryStates = {"pending", "sent", "delivered", "failed",
                                                  "not_deliverable"};

// Where an agent's reply goes: the channel instance to deliver it, or why nobody can.
struct ReplyRoute {
  std::string instance;  // empty: not deliverable
  std::string note;      // why it was routed elsewhere, or why it cannot be delivered
};

const ReplyChannel* reply_channel(const WorkflowContext& context, const std::string& name) {
  for (const auto& channel : context.reply_channels) {
    if (channel.instance == name) return &channel;
  }
  return nullptr;
}

bool reaches(const ReplyChannel& channel, const nlohmann::json& customer) {
  if (channel.address.empty()) return false;
  auto it = customer.find(channel.address);
  return it != customer.end() && it->is_string() && !it->get<std::string>().empty();
}

// The case's own channel when it delivers replies; otherwise (a web form has no way back)
// a channel that reaches the customer by address, the customer's preferred one first. An
// explicitly requested channel must deliver and reach the customer.
ReplyRoute route_reply(const WorkflowContext& context, const nlohmann::json& the_case,
                       const nlohmann::json& customer,
                       const std::optional<std::string>& requested) {
  const std::string own = the_case.at("channel").get<std::string>();
  if (requested && *requested != own) {
    const ReplyChannel* wanted = reply_channel(context, *requested);
    if (wanted == nullptr) {
      return {"", "channel '" + *requested +
                      "' is not a running channel instance that delivers replies"};
    }
    if (!reaches(*wanted, customer)) {
      return {"",
              "channel '" + *requested + "' cannot reach this customer (" +
                  (wanted->address.empty() ? std::string("it only answers its own conversations")
                                           : "the customer has no " + wanted->address) +
                  ")"};
    }
    return {wanted->instance, ""};
  }
  if (const ReplyChannel* same = reply_channel(context, own)) return {same->instance, ""};
  std::vector<const ReplyChannel*> candidates;
  if (customer.value("preferred_channel", nlohmann::json()).is_string()) {
    if (const ReplyChannel* preferred =
            reply_channel(context, customer.at("preferred_channel").get<std::string>())) {
      candidates.push_back(preferred);
    }
  }
  for (const auto& channel : context.reply_channels) candidates.push_back(&channel);
  for (const ReplyChannel* candidate : candidates) {
    if (reaches(*candidate, customer)) {
      return {candidate->instance, "case channel '" + own + "' has no reply path; routed to '" +
                                       candidate->instance + "' by the customer's " +
                                       candidate->address};
    }
  }
  return {"", "no running channel instance delivers replies for case channel '" + own +
                  "' or reaches the customer by an email or phone it can use; add the "
                  "customer's contact details, enable a channel that delivers replies, or "
                  "contact the customer another way"};
}

}  // namespace

std::string CaseService::number_for(std::int64_t case_id) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "CS-%06lld", static_cast<long long>(case_id));
  return buffer;
}

std::optional<nlohmann::json> CaseService::load(soci::session& session, std::int64_t case_id) {
  return select_one(session, std::string("SELECT ") + kColumns + " FROM cases WHERE id = :id",
                    case_id);
}

nlohmann::json CaseService::intake(const nlohmann::json& request, const Actor& actor) {
  try {
    return intake_once(request, actor);
  } catch (const DomainError&) {
    throw;
  } catch (const std::exception&) {
    // Intakes commit concurrently on PostgreSQL: two taking the same external_ref, or two
    // first contacts creating the same customer, and the loser's insert hits a unique index.
    // Its transaction rolled back; running again finds the winner's case (duplicate: true)
    // or customer. Any other failure fails again the same way.
    return intake_once(request, actor);
  }
}

nlohmann::json CaseService::intake_once(const nlohmann::json& request, const Actor& actor) {
  require_object(request, kIntakeFields, "case intake");
  std::string channel = channel_name(request, "channel");
  auto external_ref = optional_text(request, "external_ref", 300);
  if (external_ref && trim(*external_ref).empty()) external_ref.reset();
  std::string subject = required_text(request, "subject", 500);
  std::string body = required_text(request, "body", 100000);
  auto description = optional_text(request, "description", 100000);
  auto category = optional_text(request, "category", 100);
  if (category) require_category(context_, *category, "category");
  auto sku = optional_text(request, "sku", 100);
  auto batch = optional_text(request, "batch", 100);
  std::string priority = optional_text(request, "priority", 20).value_or("normal");
  require_one_of(priority, kPriorities, "priority");
  auto author = optional_text(request, "author", 300);
  nlohmann::json attributes = object_or(request, "attributes");
  auto customer_id = optional_id(request, "customer_id");
  if (!customer_id && !request.contains("customer")) {
    throw DomainError(ErrorKind::invalid,
                      "a case needs its customer; send 'customer' {email, phone, name} or "
                      "'customer_id'",
                      "/customer");
  }

  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    if (external_ref) {
      SqlQuery seen(std::string("SELECT ") + kColumns + " FROM cases");
      seen.where("channel = $", channel).where("external_ref = $", *external_ref);
      auto rows = seen.rows(tx);
      if (!rows.empty()) {
        const auto& existing = rows.front();
        auto first = SqlQuery("SELECT " + std::string(kMessageColumns) + " FROM case_messages")
                         .where("case_id = $", existing.at("id").get<std::int64_t>())
                         .text(" ORDER BY id LIMIT 1")
                         .rows(tx, {"attributes"});
        result = {{"case", existing},
                  {"customer",
                   *CustomerService::load(tx, existing.at("customer_id").get<std::int64_t>())},
                  {"message", first.empty() ? nlohmann::json(nullptr) : first.front()},
                  {"duplicate", true},
                  {"customer_created", false}};
        return;
      }
    }
    nlohmann::json customer;
    bool customer_created = false;
    if (customer_id) {
      auto found = CustomerService::load(tx, *customer_id);
      if (!found) {
        throw DomainError(ErrorKind::invalid,
                          "customer " + std::to_string(*customer_id) +
                              " does not exist; send an existing 'customer_id' or the contact "
                              "details in 'customer'",
                          "/customer_id");
      }
      customer = *found;
    } else {
      auto resolved = customers_.resolve_in(tx, request.at("customer"), actor, changes);
      customer = resolved.at("customer");
      customer_created = resolved.at("created").get<bool>();
    }

    std::string now = now_rfc3339();
    std::int64_t id = insert_returning_id(tx, "cases",
                                          {{"customer_id", customer.at("id").get<std::int64_t>()},
                                           {"channel", channel},
                                           {"subject", subject},
                                           {"description", description.value_or(body)},
                                           {"category", sql_value(category)},
                                           {"sku", sql_value(sku)},
                                           {"batch", sql_value(batch)},
                                           {"priority", priority},
                                           {"state", std::string("new")},
                                           {"external_ref", sql_value(external_ref)},
                                           {"created_at", now},
                                           {"updated_at", now}});
    // The number derives from the id, known only now; the UPDATE hands back the whole row.
    nlohmann::json created =
        *update_returning_row(tx, "cases", "id", id, {{"number", number_for(id)}}, kColumns);
    nlohmann::json message = insert_returning_row(
        tx, "case_messages",
        {{"case_id", id},
         {"direction", std::string("inbound")},
         {"channel", channel},
         {"author", author.value_or(
                        customer.at("email").is_string()   ? customer.at("email").get<std::string>()
                        : customer.at("phone").is_string() ? customer.at("phone").get<std::string>()
                                                           : std::string())},
         {"body", body},
         {"external_id", sql_value(external_ref)},
         {"attributes", attributes.dump()},
         {"created_at", now}},
        kMessageColumns, {"attributes"});
    changes.record(tx, "case.created", subject_of(id), actor.id,
                   {{"after", created}, {"message_id", message.at("id")}});
    result = {{"case", std::move(created)},
              {"customer", std::move(customer)},
              {"message", std::move(message)},
              {"duplicate", false},
              {"customer_created", customer_created}};
  });
  changes.publish(context_);
  return result;
}

nlohmann::json CaseService::append_message(std::int64_t case_id, const nlohmann::json& message,
                                           const Actor& actor) {
  require_object(message, kMessageFields, "case message");
  std::string direction = required_text(message, "direction", 20);
  require_one_of(direction, {"inbound", "outbound"}, "direction");
  std::string body = required_text(message, "body", 100000);
  std::optional<std::string> channel;
  if (message.contains("channel") && !message.at("channel").is_null()) {
    channel = channel_name(message, "channel");
  }
  auto author = optional_text(message, "author", 300);
  auto external_id = optional_text(message, "external_id", 300);
  if (external_id && trim(*external_id).empty()) external_id.reset();
  auto delivery_state = optional_text(message, "delivery_state", 40);
  if (delivery_state) require_one_of(*delivery_state, kDeliveryStates, "delivery_state");
  nlohmann::json attributes = object_or(message, "attributes");

  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    nlohmann::json current = lock_case(tx, context_, case_id);
    if (external_id) {
      auto seen = SqlQuery(std::string("SELECT ") + kMessageColumns + " FROM case_messages")
                      .where("case_id = $", case_id)
                      .where("external_id = $", *external_id)
                      .rows(tx, {"attributes"});
      if (!seen.empty()) {
        result = {{"message", seen.front()}, {"case", current}, {"duplicate", true}};
        return;
      }
    }
    std::string state = current.at("state").get<std::string>();
    if (state == "closed") {
      throw DomainError(ErrorKind::conflict,
                        "case " + current.at("number").get<std::string>() +
                            " is closed and takes no more messages; start a new case through "
                            "intake");
    }
    std::string message_channel = channel.value_or(current.at("channel").get<std::string>());
    std::optional<std::string> state_of_delivery = delivery_state;
    nlohmann::json message_attributes = attributes;
    // An outbound message without a delivery state is a reply to send: it is queued for a
    // channel in this transaction, or marked so an agent sees it did not go out. A caller
    // that sets delivery_state itself (a channel recording what it sent) is taken at its word.
    std::string deliver_through;
    nlohmann::json customer;
    if (direction == "outbound" && !delivery_state) {
      customer = *CustomerService::load(tx, current.at("customer_id").get<std::int64_t>());
      ReplyRoute route = route_reply(context_, current, customer, channel);
      if (route.instance.empty()) {
        state_of_delivery = "not_deliverable";
        message_attributes["delivery_error"] = route.note;
      } else {
        deliver_through = route.instance;
        state_of_delivery = "pending";
        message_channel = route.instance;
        if (!route.note.empty()) {
          message_attributes["routed_from"] = current.at("channel");
          message_attributes["routing"] = route.note;
        }
      }
    }
    std::int64_t message_id = insert_returning_id(tx, "case_messages",
                                                  {{"case_id", case_id},
                                                   {"direction", direction},
                                                   {"channel", message_channel},
                                                   {"author", author.value_or(actor.id)},
                                                   {"body", body},
                                                   {"external_id", sql_value(external_id)},
                                                   {"delivery_state", sql_value(state_of_delivery)},
                                                   {"attributes", message_attributes.dump()},
                                                   {"created_at", now_rfc3339()}});
    nlohmann::json added = {
        {"message_id", message_id}, {"direction", direction}, {"channel", message_channel}};
    if (state_of_delivery) added["delivery_state"] = *state_of_delivery;
    changes.record(tx, "case.message_added", subject_of(case_id), actor.id, added);
    // The customer writing back means the case needs an agent again.
    if (direction == "inbound" && (state == "pending" || state == "resolved")) {
      current =
          transition_in(tx, case_id, "open", std::nullopt, actor, changes, "customer replied");
    } else {
      update_row(tx, "cases", "id", case_id, {{"updated_at", now_rfc3339()}});
      current = *load(tx, case_id);
    }
    nlohmann::json stored = load_message(tx, message_id);
    if (!deliver_through.empty()) {
      repository::Outbox::enqueue(
          tx, deliver_through, "deliver",
          nlohmann::json{{"case", current}, {"message", stored}, {"customer", customer}}.dump(),
          "message:" + std::to_string(message_id));
    }
    result = {{"message", stored}, {"case", current}, {"duplicate", false}};
  });
  changes.publish(context_);
  return result;
}

nlohmann::json CaseService::set_delivery(const nlohmann::json& request, const Actor& actor) {
  require_object(request, {"message_id", "delivery_state", "external_id", "error"},
                 "message delivery");
  auto message_id = optional_id(request, "message_id");
  if (!message_id) {
    throw DomainError(ErrorKind::invalid, "'message_id' is required", "/message_id");
  }
  std::string to = required_text(request, "delivery_state", 40);
  require_one_of(to, {"sent", "delivered", "failed"}, "delivery_state");
  auto external_id = optional_text(request, "external_id", 300);
  if (external_id && trim(*external_id).empty()) external_id.reset();
  auto error = optional_text(request, "error", 2000);
  if (to == "failed" && (!error || trim(*error).empty())) {
    throw DomainError(ErrorKind::invalid,
                      "'error' is required with delivery_state 'failed'; say why the message "
                      "was not delivered",
                      "/error");
  }

  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    auto found = select_one(tx,
                            std::string("SELECT ") + kMessageColumns +
                                " FROM case_messages WHERE id = :id" + row_lock(context_),
                            *message_id, {"attributes"});
    if (!found) {
      throw DomainError(ErrorKind::not_found,
                        "message " + std::to_string(*message_id) + " does not exist",
                        "/message_id");
    }
    nlohmann::json before = *found;
    // A channel reports only on the replies it was given to deliver.
    if (actor.role == "plugin" && actor.id != "plugin:" + before.value("channel", std::string())) {
      throw DomainError(ErrorKind::forbidden,
                        "message " + std::to_string(*message_id) + " was routed to channel '" +
                            before.value("channel", std::string()) + "', not to " + actor.id);
    }
    const nlohmann::json& stored_state = before.at("delivery_state");
    std::string from = stored_state.is_string() ? stored_state.get<std::string>() : "";
    if (from != "pending" && from != "sent" && from != "delivered" && from != "failed") {
      throw DomainError(ErrorKind::conflict,
                        "message " + std::to_string(*message_id) +
                            " is not awaiting delivery (delivery_state is " +
                            (from.empty() ? std::string("unset") : "'" + from + "'") + ")");
    }
    // Reports may arrive late or twice (retried deliveries, gateway callbacks out of order):
    // repeating the state changes nothing, and nothing moves a delivered message back.
    bool changed = from != to && from != "delivered" && !(to == "failed" && from == "failed");
    if (!changed) {
      result = {{"message", before}, {"changed", false}};
      return;
    }
    nlohmann::json attributes = before.at("attributes");
    if (!attributes.is_object()) attributes = nlohmann::json::object();
    if (to == "failed") {
      attributes["delivery_error"] = *error;
    } else {
      attributes.erase("delivery_error");
    }
    SqlFields fields = {{"delivery_state", to}, {"attributes", attributes.dump()}};
    if (external_id) fields.emplace_back("external_id", *external_id);
    update_row(tx, "case_messages", "id", *message_id, fields);
    nlohmann::json after = load_message(tx, *message_id);
    std::int64_t case_id = after.at("case_id").get<std::int64_t>();
    nlohmann::json data = {{"message_id", *message_id},
                           {"before", {{"delivery_state", from}}},
                           {"after", {{"delivery_state", to}}},
                           {"channel", after.at("channel")}};
    if (external_id) data["external_id"] = *external_id;
    if (error && to == "failed") data["error"] = *error;
    changes.record(tx, "case.message_delivery", subject_of(case_id), actor.id, data);
    result = {{"message", after}, {"changed", true}};
  });
  changes.publish(context_);
  return result;
}

nlohmann::json CaseService::transition_in(soci::session& tx, std::int64_t case_id,
                                          const std::string& to,
                                          std::optional<std::int64_t> expected_revision,
                                          const Actor& actor, ChangeEvents& changes,
                                          const nlohmann::json& reason) {
  nlohmann::json before = lock_case(tx, context_, case_id);
  require_revision(before, expected_revision, "case " + before.at("number").get<std::string>());
  std::string from = before.at("state").get<std::string>();
  case_lifecycle().require(from, to);
  std::string now = now_rfc3339();
  SqlFields fields = {{"state", to},
                      {"revision", before.at("revision").get<std::int64_t>() + 1},
                      {"updated_at", now}};
  if (to == "resolved") fields.emplace_back("resolved_at", now);
  if (to == "open") fields.emplace_back("resolved_at", nullptr);
  update_row(tx, "cases", "id", case_id, fields);
  nlohmann::json after = *load(tx, case_id);
  nlohmann::json data = {{"before", {{"state", from}, {"revision", before.at("revision")}}},
                         {"after", {{"state", to}, {"revision", after.at("revision")}}}};
  if (!reason.is_null()) data["reason"] = reason;
  changes.record(tx, "case.state_changed", subject_of(case_id), actor.id, data);
  return after;
}

nlohmann::json CaseService::transition(std::int64_t case_id, const std::string& to,
                                       std::optional<std::int64_t> expected_revision,
                                       const Actor& actor) {
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    result = transition_in(tx, case_id, to, expected_revision, actor, changes);
  });
  changes.publish(context_);
  return result;
}

nlohmann::json CaseService::update(std::int64_t case_id, const nlohmann::json& in,
                                   std::optional<std::int64_t> expected_revision,
                                   const Actor& actor) {
  require_object(in, kUpdateFields, "case update");
  SqlFields fields;
  if (in.contains("subject")) fields.emplace_back("subject", required_text(in, "subject", 500));
  if (in.contains("description")) {
    fields.emplace_back("description", optional_text(in, "description", 100000).value_or(""));
  }
  if (in.contains("category")) {
    auto category = optional_text(in, "category", 100);
    if (category) require_category(context_, *category, "category");
    fields.emplace_back("category", sql_value(category));
  }
  for (const char* key : {"sku", "batch"}) {
    if (in.contains(key)) fields.emplace_back(key, sql_value(optional_text(in, key, 100)));
  }
  if (in.contains("priority")) {
    std::string priority = required_text(in, "priority", 20);
    require_one_of(priority, kPriorities, "priority");
    fields.emplace_back("priority", priority);
  }
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    nlohmann::json before = lock_case(tx, context_, case_id);
    require_revision(before, expected_revision, "case " + before.at("number").get<std::string>());
    SqlFields changed = fields;
    changed.emplace_back("revision", before.at("revision").get<std::int64_t>() + 1);
    changed.emplace_back("updated_at", now_rfc3339());
    update_row(tx, "cases", "id", case_id, changed);
    result = *load(tx, case_id);
    nlohmann::json old_values, new_values;
    for (const auto& entry : fields) {
      old_values[entry.first] = before.at(entry.first);
      new_values[entry.first] = result.at(entry.first);
    }
    changes.record(tx, "case.updated", subject_of(case_id), actor.id,
                   {{"before", old_values}, {"after", new_values}});
  });
  changes.publish(context_);
  return result;
}

nlohmann::json CaseService::get(std::int64_t case_id) const {
  std::optional<nlohmann::json> found;
  context_.db.read([&](soci::session& session) { found = load(session, case_id); });
  if (!found) throw missing_case(case_id);
  return *found;
}

nlohmann::json CaseService::find_by_number(const std::string& number) const {
  std::vector<nlohmann::json> rows;
  std::string normal = trim(number);
  context_.db.read([&](soci::session& session) {
    rows = SqlQuery(std::string("SELECT ") + kColumns + " FROM cases")
               .where("number = $", normal)
               .rows(session);
  });
  if (rows.empty()) {
    throw DomainError(ErrorKind::not_found,
                      "no case has number '" + number + "'; numbers look like CS-000123");
  }
  return rows.front();
}

Page CaseService::list(const nlohmann::json& query) const {
  nlohmann::json q = query.is_null() ? nlohmann::json::object() : query;
  require_object(q,
                 {"state", "category", "channel", "sku", "batch", "customer_id", "problem_id",
                  "created_from", "created_to", "q", "cursor", "limit", "count"},
                 "case list query");
  std::vector<std::string> states;
  if (auto state = optional_text(q, "state", 200)) {
    std::stringstream parts(*state);
    for (std::string part; std::getline(parts, part, ',');) {
      part = trim(part);
      if (part.empty()) continue;
      if (!case_lifecycle().has_state(part)) {
        throw DomainError(ErrorKind::invalid,
                          "'state' has '" + part + "'; use one or more of: " +
                              join(case_lifecycle().states, ", ") + " (comma-separated)",
                          "/state");
      }
      states.push_back(part);
    }
  }
  auto category = optional_text(q, "category", 100);
  auto channel = optional_text(q, "channel", 64);
  auto sku = optional_text(q, "sku", 100);
  auto batch = optional_text(q, "batch", 100);
  auto customer_id = optional_id(q, "customer_id");
  auto problem_id = optional_id(q, "problem_id");
  std::optional<CaseTextSearch> search;
  if (auto text = optional_text(q, "q", 200); text && !trim(*text).empty()) {
    search.emplace(*text, context_.db.backend() == repository::Backend::postgresql);
  }
  std::optional<std::string> from, to;
  for (const char* key : {"created_from", "created_to"}) {
    if (auto value = optional_text(q, key, 40)) {
      auto canonical = canonical_timestamp(*value);
      if (!canonical) {
        throw DomainError(ErrorKind::invalid,
                          std::string("'") + key + "' is '" + *value +
                              "'; send a date (2026-01-31) or an RFC 3339 time "
                              "(2026-01-31T09:00:00Z)",
                          std::string("/") + key);
      }
      (std::string(key) == "created_from" ? from : to) = *canonical;
    }
  }
  PageRequest request = PageRequest::from_json(q);
  auto add_filters = [&](SqlQuery& sql) {
    if (search) search->add_condition(sql);
    sql.where_in("state", states);
    if (category) sql.where("category = $", *category);
    if (channel) sql.where("channel = $", *channel);
    if (sku) sql.where("sku = $", *sku);
    if (batch) sql.where("batch = $", *batch);
    if (customer_id) sql.where("customer_id = $", *customer_id);
    if (problem_id) sql.where("problem_id = $", *problem_id);
    if (from) sql.where("created_at >= $", *from);
    if (to) sql.where("created_at < $", *to);
  };
  Page page;
  context_.db.read([&](soci::session& session) {
    page = search ? fetch_page_by_id(
                        session, kColumns, search->from(),
                        [&](const Page& counted) { return search->id_column(counted); },
                        add_filters, request)
                  : fetch_page(session, kColumns, "cases", "", add_filters, request);
  });
  return page;
}

nlohmann::json CaseService::messages(std::int64_t case_id, std::int64_t after_id, int limit) const {
  std::vector<nlohmann::json> rows;
  bool exists = false;
  context_.db.read([&](soci::session& session) {
    exists = load(session, case_id).has_value();
    if (!exists) return;
    rows = SqlQuery(std::string("SELECT ") + kMessageColumns + " FROM case_messages")
               .where("case_id = $", case_id)
               .where("id > $", after_id)
               .text(" ORDER BY id LIMIT " + std::to_string(std::max(1, std::min(limit, 1000))))
               .rows(session, {"attributes"});
  });
  if (!exists) throw missing_case(case_id);
  return rows;
}

nlohmann::json CaseService::events(std::int64_t case_id, std::int64_t after_id, int limit) const {
  get(case_id);
  repository::EventLog log(context_.db);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& event : log.for_subject(subject_of(case_id), after_id, limit)) {
    out.push_back({{"id", event.id},
                   {"type", event.type},
                   {"subject", event.subject},
                   {"actor", event.actor},
                   {"at", event.at},
                   {"data", parse_stored_json(event.data_json)}});
  }
  return out;
}

}  // namespace cxloop::workflow
