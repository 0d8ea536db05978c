// Cases: one customer contact and its conversation. Channels create them through intake
// (idempotent per channel by external_ref), agents move them through the case lifecycle
// (state_machines.hpp), and problems link them.
//
// Case record: {id, number: "CS-000123", customer_id, channel, subject, description,
// category, sku, batch, priority, state, problem_id, external_ref, revision, created_at,
// updated_at, resolved_at}.
// Message record: {id, case_id, direction: inbound|outbound, channel, author, body,
// external_id, delivery_state, attributes: {...}, created_at}.
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
class CustomerService;

class CaseService {
 public:
  CaseService(WorkflowContext& context, CustomerService& customers)
      : context_(context), customers_(customers) {}

  // request: {channel, external_ref?, customer: {email?, phone?, name?} | customer_id,
  //   subject, body, description?, category?, sku?, batch?, priority?, author?,
  //   attributes?}. Creates the case in state "new" with body as its first inbound message
  // (description defaults to body). When external_ref was already seen on that channel the
  // existing case is returned instead, with duplicate: true.
  // Returns {case, customer, message, duplicate, customer_created}.
  nlohmann::json intake(const nlohmann::json& request, const Actor& actor);

  // message: {direction, body, channel?, author?, external_id?, delivery_state?,
  // attributes?}. An inbound message re-opens a pending or resolved case; a closed case
  // refuses messages (conflict). A repeated external_id on the case returns the stored
  // message with duplicate: true. Returns {message, case, duplicate}.
  // An outbound message without delivery_state is a reply to deliver: in the same
  // transaction it is queued in the outbox for a reply channel (context.reply_channels: the
  // case's channel, the requested `channel`, or for a channel without a reply path one that
  // reaches the customer by email/phone, preferred channel first) as "deliver"
  // {case, message, customer} with idempotency key "message:<id>", and stored with
  // delivery_state "pending" and that channel. When no channel can deliver it is stored with
  // delivery_state "not_deliverable" and attributes.delivery_error saying why.
  nlohmann::json append_message(std::int64_t case_id, const nlohmann::json& message,
                                const Actor& actor);

  // request: {message_id, delivery_state: sent|delivered|failed, external_id?, error?
  // (required for failed)}. What a channel reports after delivering a reply; a plugin may
  // report only on messages routed to its own instance. Repeated or late reports change
  // nothing (a delivered message stays delivered). Records "case.message_delivery".
  // Returns {message, changed}.
  nlohmann::json set_delivery(const nlohmann::json& request, const Actor& actor);

  // Moves the case to state `to` along the case lifecycle.
  nlohmann::json transition(std::int64_t case_id, const std::string& to,
                            std::optional<std::int64_t> expected_revision, const Actor& actor);
  // The same inside a caller's write transaction (problems resolve their linked cases).
  nlohmann::json transition_in(soci::session& tx, std::int64_t case_id, const std::string& to,
                               std::optional<std::int64_t> expected_revision, const Actor& actor,
                               ChangeEvents& changes, const nlohmann::json& reason = nullptr);

  // fields: subject, description, category, sku, batch, priority.
  nlohmann::json update(std::int64_t case_id, const nlohmann::json& fields,
                        std::optional<std::int64_t> expected_revision, const Actor& actor);

  nlohmann::json get(std::int64_t case_id) const;
  nlohmann::json find_by_number(const std::string& number) const;
  // Filters: state (comma-separated list allowed), category, channel, sku, batch,
  // customer_id, problem_id, created_from, created_to, q (words in subject or description,
  // case_search.hpp), cursor, limit, count ("exact", cursor_page.hpp). Newest first: by
  // created_at, or with q by arrival (id).
  Page list(const nlohmann::json& query) const;
  // Messages oldest first, after the given message id.
  nlohmann::json messages(std::int64_t case_id, std::int64_t after_id = 0, int limit = 200) const;
  // The case's audit trail from the event log, oldest first.
  nlohmann::json events(std::int64_t case_id, std::int64_t after_id = 0, int limit = 200) const;

  static std::optional<nlohmann::json> load(soci::session& session, std::int64_t case_id);
  static std::string number_for(std::int64_t case_id);

 private:
  nlohmann::json intake_once(const nlohmann::json& request, const Actor& actor);
  WorkflowContext& context_;
  CustomerService& customers_;
};

}  // namespace cxloop::workflow
