#include "workflow/campaigns.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <limits>
#include <random>
#include <set>

#include <soci/soci.h>

#include "repository/database.hpp"
#include "repository/outbox.hpp"
#include "workflow/cases.hpp"
#include "workflow/change_events.hpp"
#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/impact.hpp"
#include "workflow/message_templates.hpp"
#include "workflow/problems.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

using json = nlohmann::json;

const char* const kCampaignColumns =
    "id, problem_id, trigger_kind, advisory, state, audience_complete, started_by, created_at, "
    "updated_at, completed_at";
const char* const kNotificationColumns =
    "id, problem_id, campaign_id, case_id, customer_id, kind, channel, address, subject, "
    "language, state, attempts, last_error, external_ref, sent_at, delivered_at, "
    "acknowledged_at, created_at, updated_at";
const char* const kCustomerColumns =
    "id, name, email, phone, preferred_channel, language, opt_outs, attributes";
constexpr std::size_t kBatch = 500;
const char* const kInsertNotifications =
    "INSERT INTO notifications (problem_id, campaign_id, case_id, customer_id, kind, channel, "
    "address, language, idempotency_key, ack_token, created_at, updated_at, state, subject, "
    "last_error) VALUES ";
const Actor kSystem{"system", "system"};

std::string subject_of(std::int64_t problem_id) { return "problem:" + std::to_string(problem_id); }

std::string text_of(const json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::string random_token() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 2; ++i) {
    std::uint64_t bits = rng();
    for (int j = 0; j < 16; ++j, bits >>= 4) out += hex[bits & 15];
  }
  return out;
}

std::string id_list(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (auto id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out;
}

// The columns of kInsertNotifications that are the same for a whole batch (problem, campaign,
// kind, timestamps): written into the statement as literals, because every bound parameter
// costs SQLite a linear search by name. Values that differ by row stay bound, so the text is
// the same for every statement of a batch and the connection's statement cache reuses it.
constexpr std::array<bool, 15> kLiteralColumns = {true,  true,  false, false, true,
                                                  false, false, false, false, false,
                                                  true,  true,  false, false, false};

// value in SQL: bound to a fresh placeholder of query, or for a literal column written out (a
// number as itself, text quoted when it holds no quote or backslash, else bound after all).
std::string sql_of(SqlQuery& query, const SqlValue& value, bool literal) {
  if (!literal) return query.bind(value);
  if (std::holds_alternative<std::nullptr_t>(value)) return "NULL";
  if (const auto* number = std::get_if<std::int64_t>(&value)) return std::to_string(*number);
  const std::string& text = std::get<std::string>(value);
  if (text.find_first_of("'\\") == std::string::npos) return "'" + text + "'";
  return query.bind(value);
}

std::optional<json> load_campaign(soci::session& session, const std::string& where,
                                  std::int64_t key) {
  return select_one(session,
                    std::string("SELECT ") + kCampaignColumns + " FROM campaigns WHERE " + where,
                    key, {}, {"advisory", "audience_complete"});
}

DomainError no_campaign(std::int64_t problem_id) {
  return DomainError(ErrorKind::not_found,
                     "problem " + ProblemService::number_for(problem_id) +
                         " has no campaign yet; it starts when the fix is delivered, or POST "
                         ".../campaign to start it now");
}

// Who a customer can be told through, and why not when nobody can.
struct Route {
  std::string medium, instance, address;
  std::string skip;  // "opt_out" or "unreachable: <why>"; empty when routed
};

std::string medium_of_preference(const std::string& preferred) {
  if (preferred == "email") return "email";
  if (preferred == "sms" || preferred == "phone") return "sms";
  if (preferred == "postcard" || preferred == "post" || preferred == "mail") return "postcard";
  return "";
}

std::string address_for(const json& customer, const std::string& medium) {
  if (medium == "email") return text_of(customer.value("email", json()));
  if (medium == "sms") return text_of(customer.value("phone", json()));
  if (medium == "postcard") {
    const json& attributes = customer.value("attributes", json::object());
    const json address =
        attributes.is_object() ? attributes.value("postal_address", json()) : json();
    if (address.is_array() && !address.empty()) return address.dump();
    if (address.is_string() && !address.get<std::string>().empty())
      return address.get<std::string>();
  }
  return "";
}

Route route(const WorkflowContext& context, const json& customer, const std::string& kind,
            const std::string& case_channel) {
  std::set<std::string> opt_outs;
  if (customer.contains("opt_outs") && customer.at("opt_outs").is_array()) {
    for (const auto& o : customer.at("opt_outs")) opt_outs.insert(text_of(o));
  }
  Route out;
  if (opt_outs.count("all") || (kind == "advisory" && opt_outs.count("advisory"))) {
    out.skip = "opt_out";
    return out;
  }
  std::vector<std::string> candidates;
  for (const auto& reply : context.reply_channels) {
    if (reply.instance == case_channel)
      candidates.push_back(reply.address == "phone" ? "sms" : reply.address);
  }
  candidates.push_back(medium_of_preference(text_of(customer.value("preferred_channel", json()))));
  for (const char* m : {"email", "sms", "postcard"}) candidates.push_back(m);
  std::vector<std::string> tried;
  for (const auto& medium : candidates) {
    if (medium.empty() || opt_outs.count(medium)) continue;
    const std::string address = address_for(customer, medium);
    if (address.empty()) continue;
    for (const auto& notifier : context.notifiers) {
      if (notifier.broadcast || notifier.medium != medium) continue;
      out.medium = medium;
      out.instance = notifier.instance;
      out.address = address;
      return out;
    }
    tried.push_back(medium);
  }
  out.skip = tried.empty() ? "unreachable: the customer has no email, phone or postal address "
                             "that is not opted out"
                           : "unreachable: no running notifier for " + join(tried, ", ");
  return out;
}

json recipient_of(const json& customer) {
  json out = {{"customer_id", customer.at("id")},
              {"name", customer.value("name", json(""))},
              {"email", customer.value("email", json())},
              {"phone", customer.value("phone", json())},
              {"language", customer.value("language", json())}};
  const json& attributes = customer.value("attributes", json::object());
  if (attributes.is_object() && attributes.contains("postal_address")) {
    const json& address = attributes.at("postal_address");
    if (address.is_array()) {
      out["postal_address"] = address;
    } else if (address.is_string()) {
      json lines = json::array();
      std::string line;
      for (char c : address.get<std::string>() + "\n") {
        if (c == '\n') {
          if (!trim(line).empty()) lines.push_back(trim(line));
          line.clear();
        } else {
          line += c;
        }
      }
      out["postal_address"] = lines;
    }
  }
  return out;
}

// Everything one campaign's messages are rendered from.
struct CampaignFacts {
  json problem;
  json solution;  // object, possibly empty
  std::int64_t campaign_id = 0;
};

CampaignFacts facts_for(soci::session& session, std::int64_t problem_id) {
  CampaignFacts facts;
  auto problem = ProblemService::load(session, problem_id);
  if (!problem) {
    throw DomainError(ErrorKind::not_found,
                      "problem " + std::to_string(problem_id) + " does not exist");
  }
  facts.problem = *problem;
  auto solution = select_one(
      session, "SELECT type, summary, customer_message FROM solutions WHERE problem_id = :id",
      problem_id);
  facts.solution = solution ? *solution : json::object();
  return facts;
}

json template_data(const WorkflowContext& context, const CampaignFacts& facts, const json& customer,
                   const json& case_row, const std::string& token) {
  const std::string base = context.campaigns.public_base_url;
  std::string message = text_of(facts.solution.value("customer_message", json()));
  if (message.empty()) message = text_of(facts.solution.value("summary", json()));
  return {
      {"customer",
       {{"name", customer.value("name", json(""))}, {"email", customer.value("email", json())}}},
      {"problem", {{"number", facts.problem.at("number")}, {"title", facts.problem.at("title")}}},
      {"solution",
       {{"summary", facts.solution.value("summary", json(""))}, {"customer_message", message}}},
      {"case", case_row.is_object() ? json{{"number", case_row.at("number")}} : json::object()},
      {"links",
       {{"acknowledge", base + "/public/notifications/" + token + "/ack"},
        {"unsubscribe", base + "/public/notifications/" + token + "/unsubscribe"}}},
      {"sender", context.campaigns.sender}};
}

RenderedMessage render(const WorkflowContext& context, const std::string& kind,
                       const std::string& medium, const std::string& language, const json& data) {
  static const MessageTemplates builtin_only;
  const MessageTemplates& templates =
      context.campaigns.templates ? *context.campaigns.templates : builtin_only;
  return templates.render(kind, medium, language, data);
}

// One customer to tell: the customer record, the kind, and their latest linked case.
struct Target {
  json customer;
  std::string kind;
  json case_row;  // {id, number, channel} or null
};

std::vector<json> load_customers(soci::session& session, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return {};
  return SqlQuery(std::string("SELECT ") + kCustomerColumns + " FROM customers WHERE id IN (" +
                  id_list(ids) + ") ORDER BY id")
      .rows(session, {"opt_outs", "attributes"});
}

// The resolution audience: one target per customer with a linked case (their newest case).
std::vector<Target> resolution_targets(soci::session& session, std::int64_t problem_id) {
  auto cases = SqlQuery("SELECT id, number, channel, customer_id FROM cases")
                   .where("problem_id = $", problem_id)
                   .text(" ORDER BY customer_id, created_at DESC, id DESC")
                   .rows(session);
  std::vector<std::int64_t> ids;
  std::map<std::int64_t, json> newest;
  for (const auto& row : cases) {
    const std::int64_t customer = row.at("customer_id").get<std::int64_t>();
    if (newest.count(customer)) continue;
    newest[customer] = row;
    ids.push_back(customer);
  }
  std::vector<Target> out;
  for (std::size_t start = 0; start < ids.size(); start += kBatch) {
    std::vector<std::int64_t> chunk(
        ids.begin() + static_cast<long>(start),
        ids.begin() + static_cast<long>(std::min(ids.size(), start + kBatch)));
    for (auto& customer : load_customers(session, chunk)) {
      const std::int64_t id = customer.at("id").get<std::int64_t>();
      out.push_back({customer, "resolution", newest[id]});
    }
  }
  return out;
}

// The advisory audience (in scope, not contacted): every customer id, in order, read at once.
// Reading it a page at a time ("after customer N") made the database walk and sort every
// in-scope asset for each page, quadratic in the scope's size.
std::vector<std::int64_t> advisory_ids(soci::session& session, const json& problem) {
  AffectedScope scope = AffectedScope::from_json(problem.at("scope"), "/scope");
  return likely_affected_customers(session, problem.at("id").get<std::int64_t>(), scope, 0,
                                   std::numeric_limits<int>::max());
}

// The advisory targets of the ids [start, start + kBatch).
std::vector<Target> advisory_targets(soci::session& session, const std::vector<std::int64_t>& ids,
                                     std::size_t start) {
  const auto first = ids.begin() + static_cast<long>(std::min(ids.size(), start));
  const auto last = ids.begin() + static_cast<long>(std::min(ids.size(), start + kBatch));
  std::vector<Target> out;
  for (auto& customer : load_customers(session, std::vector<std::int64_t>(first, last)))
    out.push_back({customer, "advisory", nullptr});
  return out;
}

}  // namespace

json CampaignService::start(std::int64_t problem_id, const json& options_in,
                            const std::string& trigger, const Actor& actor) {
  const json options = options_in.is_null() ? json::object() : options_in;
  require_object(options, {"advisory"}, "campaign");
  const auto advisory_override = optional_bool(options, "advisory");
  ChangeEvents changes;
  json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    CampaignFacts facts = facts_for(tx, problem_id);
    if (auto existing = load_campaign(tx, "problem_id = :id", problem_id)) {
      result = {{"campaign", *existing}, {"created", false}};
      return;
    }
    const std::string state = facts.problem.at("state").get<std::string>();
    if (trigger == "manual") {
      if (state == "proposed" || state == "closed") {
        throw DomainError(
            ErrorKind::conflict,
            "problem " + facts.problem.at("number").get<std::string>() + " is " + state +
                "; a campaign tells customers about a problem being worked on or fixed",
            "/state");
      }
      if (text_of(facts.solution.value("customer_message", json())).empty()) {
        throw DomainError(ErrorKind::conflict,
                          "problem " + facts.problem.at("number").get<std::string>() +
                              " has no solution with a customer_message; PUT .../solution with the "
                              "words customers should read first",
                          "/solution/customer_message");
      }
    }
    const bool advisory = advisory_override.value_or(facts.problem.value("advisory", false));
    const std::string now = now_rfc3339();
    const std::int64_t id = insert_returning_id(tx, "campaigns",
                                                {{"problem_id", problem_id},
                                                 {"trigger_kind", trigger},
                                                 {"advisory", std::int64_t{advisory ? 1 : 0}},
                                                 {"state", std::string("running")},
                                                 {"started_by", actor.id},
                                                 {"created_at", now},
                                                 {"updated_at", now}});
    // Broadcast feeds (website notice, phone line) get the campaign once each.
    const std::string kind = advisory ? "advisory" : "resolution";
    RenderedMessage notice = render(context_, kind, "notice", "",
                                    template_data(context_, facts, json::object(), nullptr, ""));
    for (const auto& notifier : context_.notifiers) {
      if (!notifier.broadcast) continue;
      json payload = {
          {"campaign_id", id},
          {"kind", kind},
          {"problem",
           {{"id", problem_id},
            {"number", facts.problem.at("number")},
            {"title", facts.problem.at("title")},
            {"scope", facts.problem.at("scope")}}},
          {"subject",
           notice.subject.empty() ? facts.problem.at("title").get<std::string>() : notice.subject},
          {"text", notice.text},
          {"published_at", now}};
      repository::Outbox::enqueue(
          tx, notifier.instance, "publish", payload.dump(),
          "campaign:" + std::to_string(id) + ":publish:" + notifier.instance);
    }
    result = {{"campaign", *load_campaign(tx, "id = :id", id)}, {"created", true}};
    changes.record(tx, "campaign.started", subject_of(problem_id), actor.id,
                   {{"campaign_id", id}, {"trigger", trigger}, {"advisory", advisory}});
  });
  changes.publish(context_);
  return result;
}

std::vector<std::int64_t> CampaignService::start_for_article(std::int64_t article_id) {
  std::vector<std::int64_t> problems;
  context_.db.read([&](soci::session& session) {
    auto article = select_one(session, "SELECT id, published FROM articles WHERE id = :id",
                              article_id, {}, {"published"});
    if (!article || !article->at("published").get<bool>()) return;
    for (const auto& row :
         SqlQuery("SELECT s.problem_id FROM solutions s JOIN problems p ON p.id = s.problem_id")
             .where("s.article_id = $", article_id)
             .where("s.type IN ('workaround', 'knowledge_article')")
             .where("p.state NOT IN ('proposed', 'closed')")
             .where("NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.problem_id = s.problem_id)")
             .rows(session)) {
      problems.push_back(row.at("problem_id").get<std::int64_t>());
    }
  });
  std::vector<std::int64_t> started;
  for (auto id : problems) {
    if (start(id, json::object(), "workaround", kSystem).at("created").get<bool>())
      started.push_back(id);
  }
  return started;
}

json CampaignService::run_audience(std::int64_t campaign_id) {
  std::lock_guard<std::mutex> pass(audience_mutex_);
  json campaign;
  CampaignFacts facts;
  context_.db.read([&](soci::session& session) {
    auto found = load_campaign(session, "id = :id", campaign_id);
    if (!found)
      throw DomainError(ErrorKind::not_found,
                        "campaign " + std::to_string(campaign_id) + " does not exist");
    campaign = *found;
    facts = facts_for(session, campaign.at("problem_id").get<std::int64_t>());
  });
  facts.campaign_id = campaign_id;
  const std::int64_t problem_id = campaign.at("problem_id").get<std::int64_t>();
  int written = 0, unreachable = 0, opted_out = 0;
  if (campaign.at("audience_complete").get<bool>()) {
    return {{"written", 0}, {"unreachable", 0}, {"skipped_opt_out", 0}};
  }

  // The parts of every payload that are the same for the whole campaign, written once.
  const std::string problem_json = json{
      {"id", problem_id},
      {"number", facts.problem.at("number")},
      {"title", facts.problem.at("title")},
      {"scope",
       facts.problem.at("scope")}}.dump();
  const auto quoted = [](const std::string& text) { return json(text).dump(); };

  // Writes one batch: skips customers already told this kind, then the batch's notifications
  // and their outbox items in multi-row statements (statements per batch, not per customer).
  const auto write_batch = [&](const std::vector<Target>& targets) {
    if (targets.empty()) return;
    int batch_written = 0, batch_unreachable = 0, batch_opted_out = 0;
    context_.db.write([&](soci::session& tx) {
      batch_written = batch_unreachable = batch_opted_out = 0;  // the job may run again
      std::vector<std::int64_t> ids;
      for (const auto& t : targets) ids.push_back(t.customer.at("id").get<std::int64_t>());
      std::set<std::int64_t> done;
      for (const auto& row : SqlQuery("SELECT customer_id FROM notifications")
                                 .where("problem_id = $", problem_id)
                                 .where("kind = $", targets.front().kind)
                                 .text(" AND customer_id IN (" + id_list(ids) + ")")
                                 .rows(tx)) {
        done.insert(integer_value(row.at("customer_id")));
      }
      // A notification to send: its outbox item is written once the row has its id.
      struct Send {
        std::int64_t customer_id;
        std::string key, instance;
        std::string payload_before_id, payload_after_id;
      };
      std::vector<Send> sends;
      using Row = std::array<SqlValue, 15>;  // the columns of kInsertNotifications, in order
      std::vector<Row> rows;
      const std::string now = now_rfc3339();
      for (const auto& target : targets) {
        const std::int64_t customer_id = target.customer.at("id").get<std::int64_t>();
        if (done.count(customer_id)) continue;
        const std::string case_channel =
            target.case_row.is_object() ? text_of(target.case_row.at("channel")) : "";
        Route r = route(context_, target.customer, target.kind, case_channel);
        if (r.skip == "opt_out") {
          ++batch_opted_out;
          continue;
        }
        const std::string key = "notification:" + std::to_string(problem_id) + ":" +
                                std::to_string(customer_id) + ":" + target.kind;
        const std::string token = random_token();
        const std::string language = text_of(target.customer.value("language", json()));
        SqlValue subject = nullptr, error = nullptr;
        std::string state = "pending";
        if (!r.skip.empty()) {
          state = "failed";
          error = r.skip;
          ++batch_unreachable;
        } else {
          RenderedMessage message =
              render(context_, target.kind, r.medium, language,
                     template_data(context_, facts, target.customer, target.case_row, token));
          subject = message.subject;
          // The payload's text as json::dump() writes it (keys in order), around the
          // notification's id, which the INSERT below gives.
          const std::string links =
              context_.campaigns.public_base_url + "/public/notifications/" + token;
          std::string before_id = "{\"campaign_id\":" + std::to_string(campaign_id) +
                                  ",\"channel\":" + quoted(r.instance);
          if (!message.html.empty()) before_id += ",\"html\":" + quoted(message.html);
          before_id += ",\"kind\":" + quoted(target.kind) +
                       ",\"links\":{\"acknowledge\":" + quoted(links + "/ack") +
                       ",\"unsubscribe\":" + quoted(links + "/unsubscribe") +
                       "},\"notification_id\":";
          std::string after_id = ",\"problem\":" + problem_json +
                                 ",\"recipient\":" + recipient_of(target.customer).dump() +
                                 ",\"subject\":" + quoted(message.subject) +
                                 ",\"text\":" + quoted(message.text) + "}";
          sends.push_back(
              {customer_id, key, r.instance, std::move(before_id), std::move(after_id)});
          ++batch_written;
        }
        rows.push_back(
            Row{problem_id, campaign_id,
                target.case_row.is_object() ? SqlValue(target.case_row.at("id").get<std::int64_t>())
                                            : SqlValue(nullptr),
                customer_id, target.kind, r.instance.empty() ? std::string("none") : r.instance,
                r.address.empty() ? SqlValue(nullptr) : SqlValue(r.address),
                language.empty() ? SqlValue(nullptr) : SqlValue(language), key, token, now, now,
                state, subject, error});
      }
      // Rows per INSERT: SQLite looks each named parameter up by a linear search, so one
      // statement for all 500 rows (7,500 parameters) cost more than it saved.
      constexpr std::size_t kRowsPerInsert = 25;
      std::map<std::int64_t, std::int64_t> notification_of;
      for (std::size_t start = 0; start < rows.size(); start += kRowsPerInsert) {
        SqlQuery insert(kInsertNotifications);
        for (std::size_t r = start; r < std::min(rows.size(), start + kRowsPerInsert); ++r) {
          insert.text(r == start ? "(" : ", (");
          for (std::size_t i = 0; i < rows[r].size(); ++i)
            insert.text((i == 0 ? "" : ", ") + sql_of(insert, rows[r][i], kLiteralColumns[i]));
          insert.text(")");
        }
        insert.text(" RETURNING id, customer_id");
        for (const auto& row : insert.rows(tx))
          notification_of[integer_value(row.at("customer_id"))] = integer_value(row.at("id"));
      }
      std::vector<repository::Outbox::NewItem> items;
      items.reserve(sends.size());
      for (auto& send : sends) {
        items.push_back({send.instance, "send",
                         send.payload_before_id +
                             std::to_string(notification_of.at(send.customer_id)) +
                             send.payload_after_id,
                         send.key});
      }
      repository::Outbox::enqueue_all(tx, items);
    });
    written += batch_written;
    unreachable += batch_unreachable;
    opted_out += batch_opted_out;
  };

  std::vector<Target> resolution;
  context_.db.read(
      [&](soci::session& session) { resolution = resolution_targets(session, problem_id); });
  for (std::size_t start = 0; start < resolution.size(); start += kBatch) {
    write_batch(std::vector<Target>(
        resolution.begin() + static_cast<long>(start),
        resolution.begin() + static_cast<long>(std::min(resolution.size(), start + kBatch))));
  }
  if (campaign.at("advisory").get<bool>()) {
    std::vector<std::int64_t> ids;
    context_.db.read([&](soci::session& session) { ids = advisory_ids(session, facts.problem); });
    for (std::size_t start = 0; start < ids.size(); start += kBatch) {
      std::vector<Target> page;
      context_.db.read(
          [&](soci::session& session) { page = advisory_targets(session, ids, start); });
      write_batch(page);
    }
  }
  ChangeEvents changes;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    update_row(tx, "campaigns", "id", campaign_id,
               {{"audience_complete", std::int64_t{1}}, {"updated_at", now_rfc3339()}});
    changes.record(tx, "campaign.audience_written", subject_of(problem_id), kSystem.id,
                   {{"campaign_id", campaign_id},
                    {"written", written},
                    {"unreachable", unreachable},
                    {"skipped_opt_out", opted_out}});
  });
  changes.publish(context_);
  return {{"written", written}, {"unreachable", unreachable}, {"skipped_opt_out", opted_out}};
}

int CampaignService::withdraw_notices(std::int64_t problem_id) {
  int queued = 0;
  context_.db.write([&](soci::session& tx) {
    queued = 0;
    auto campaign = load_campaign(tx, "problem_id = :id", problem_id);
    if (!campaign) return;
    const std::int64_t id = campaign->at("id").get<std::int64_t>();
    for (const auto& notifier : context_.notifiers) {
      if (!notifier.broadcast) continue;
      if (repository::Outbox::enqueue(
              tx, notifier.instance, "withdraw",
              json{{"campaign_id", id}, {"problem", {{"id", problem_id}}}}.dump(),
              "campaign:" + std::to_string(id) + ":withdraw:" + notifier.instance)) {
        ++queued;
      }
    }
  });
  return queued;
}

json CampaignService::tick() {
  json did = {
      {"started", json::array()}, {"audiences", json::array()}, {"completed", json::array()}};
  std::vector<std::int64_t> problems, incomplete;
  context_.db.read([&](soci::session& session) {
    for (const auto& row :
         SqlQuery("SELECT p.id FROM problems p WHERE p.state = 'fix_delivered' AND NOT "
                  "EXISTS (SELECT 1 FROM campaigns c WHERE c.problem_id = p.id)")
             .rows(session)) {
      problems.push_back(row.at("id").get<std::int64_t>());
    }
  });
  for (auto id : problems) {
    start(id, json::object(), "fix_delivered", kSystem);
    did["started"].push_back(id);
  }
  context_.db.read([&](soci::session& session) {
    for (const auto& row :
         SqlQuery("SELECT id FROM campaigns WHERE audience_complete = 0").rows(session)) {
      incomplete.push_back(row.at("id").get<std::int64_t>());
    }
  });
  for (auto id : incomplete) {
    run_audience(id);
    did["audiences"].push_back(id);
  }
  std::vector<json> finished;
  context_.db.read([&](soci::session& session) {
    // Complete: every notification is sent or failed, and every broadcast feed has the
    // campaign (so a completed campaign's notices are up).
    finished = SqlQuery(
                   "SELECT id, problem_id FROM campaigns c WHERE state = 'running' AND "
                   "audience_complete = 1 AND NOT EXISTS (SELECT 1 FROM notifications n WHERE "
                   "n.campaign_id = c.id AND n.state = 'pending') AND NOT EXISTS (SELECT 1 "
                   "FROM outbox o WHERE o.operation = 'publish' AND o.state IN ('pending', "
                   "'inflight') AND o.idempotency_key LIKE 'campaign:' || c.id || ':publish:%')")
                   .rows(session);
  });
  for (const auto& row : finished) {
    const std::int64_t id = row.at("id").get<std::int64_t>();
    const std::int64_t problem_id = row.at("problem_id").get<std::int64_t>();
    ChangeEvents changes;
    context_.db.write([&](soci::session& tx) {
      changes.clear();
      auto campaign = load_campaign(tx, "id = :id", id);
      if (!campaign || campaign->at("state") != "running") return;
      const std::string now = now_rfc3339();
      update_row(tx, "campaigns", "id", id,
                 {{"state", std::string("completed")}, {"completed_at", now}, {"updated_at", now}});
      // Print batches are closed once their last notification is out.
      for (const auto& channel : SqlQuery("SELECT DISTINCT channel FROM notifications")
                                     .where("campaign_id = $", id)
                                     .rows(tx)) {
        for (const auto& notifier : context_.notifiers) {
          if (!notifier.batch || notifier.instance != text_of(channel.at("channel"))) continue;
          repository::Outbox::enqueue(
              tx, notifier.instance, "close_batch", json{{"campaign_id", id}}.dump(),
              "campaign:" + std::to_string(id) + ":close:" + notifier.instance);
        }
      }
      changes.record(tx, "campaign.completed", subject_of(problem_id), kSystem.id,
                     {{"campaign_id", id}});
    });
    changes.publish(context_);
    did["completed"].push_back(id);
  }
  return did;
}

json CampaignService::get(std::int64_t problem_id) const {
  json out;
  context_.db.read([&](soci::session& session) {
    auto campaign = load_campaign(session, "problem_id = :id", problem_id);
    if (!campaign) throw no_campaign(problem_id);
    out = *campaign;
    json by_state = json::object(), by_kind = json::object(), by_channel = json::object();
    for (const auto& row : SqlQuery("SELECT kind, channel, state, count(*) AS n FROM notifications")
                               .where("campaign_id = $", out.at("id").get<std::int64_t>())
                               .text(" GROUP BY kind, channel, state")
                               .rows(session)) {
      const std::int64_t n = integer_value(row.at("n"));
      const std::string state = row.at("state").get<std::string>();
      by_state[state] = by_state.value(state, 0) + n;
      json& kind = by_kind[row.at("kind").get<std::string>()];
      if (kind.is_null()) kind = json::object();
      kind[state] = kind.value(state, 0) + n;
      json& channel = by_channel[row.at("channel").get<std::string>()];
      if (channel.is_null()) channel = json::object();
      channel[state] = channel.value(state, 0) + n;
    }
    out["counts"] = {{"by_state", by_state}, {"by_kind", by_kind}, {"by_channel", by_channel}};
  });
  return out;
}

namespace {

json set_campaign_state(const WorkflowContext& context, std::int64_t problem_id,
                        const std::string& from, const std::string& to, const Actor& actor) {
  ChangeEvents changes;
  json result;
  context.db.write([&](soci::session& tx) {
    changes.clear();
    auto campaign = load_campaign(tx, "problem_id = :id" + row_lock(context), problem_id);
    if (!campaign) throw no_campaign(problem_id);
    const std::string state = campaign->at("state").get<std::string>();
    if (state == to) {
      result = *campaign;
      return;
    }
    if (state != from) {
      throw DomainError(ErrorKind::conflict,
                        "the campaign of problem " + ProblemService::number_for(problem_id) +
                            " is " + state + "; only a " + from + " campaign can become " + to,
                        "/state");
    }
    update_row(tx, "campaigns", "id", campaign->at("id").get<std::int64_t>(),
               {{"state", to}, {"updated_at", now_rfc3339()}});
    result = *load_campaign(tx, "problem_id = :id", problem_id);
    changes.record(tx, "campaign." + std::string(to == "paused" ? "paused" : "resumed"),
                   subject_of(problem_id), actor.id, {{"campaign_id", campaign->at("id")}});
  });
  changes.publish(context);
  return result;
}

}  // namespace

json CampaignService::pause(std::int64_t problem_id, const Actor& actor) {
  json result = set_campaign_state(context_, problem_id, "running", "paused", actor);
  std::lock_guard<std::mutex> lock(cache_mutex_);
  paused_cache_.erase(result.at("id").get<std::int64_t>());
  return result;
}

json CampaignService::resume(std::int64_t problem_id, const Actor& actor) {
  json result = set_campaign_state(context_, problem_id, "paused", "running", actor);
  std::lock_guard<std::mutex> lock(cache_mutex_);
  paused_cache_.erase(result.at("id").get<std::int64_t>());
  return result;
}

bool CampaignService::paused(std::int64_t campaign_id) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = paused_cache_.find(campaign_id);
    if (it != paused_cache_.end() && now - it->second.second < std::chrono::milliseconds(500)) {
      return it->second.first;
    }
  }
  bool is_paused = false;
  context_.db.read([&](soci::session& session) {
    auto campaign = load_campaign(session, "id = :id", campaign_id);
    is_paused = campaign && campaign->at("state") == "paused";
  });
  std::lock_guard<std::mutex> lock(cache_mutex_);
  paused_cache_[campaign_id] = {is_paused, now};
  return is_paused;
}

json CampaignService::preview(std::int64_t problem_id, std::optional<bool> advisory_in,
                              int samples) const {
  json out;
  context_.db.read([&](soci::session& session) {
    CampaignFacts facts = facts_for(session, problem_id);
    const bool advisory = advisory_in.value_or(facts.problem.value("advisory", false));
    json counts = json::object();
    json sample = json::object();
    int unreachable = 0, opted_out = 0;
    const auto consider = [&](const std::vector<Target>& targets) {
      for (const auto& target : targets) {
        const std::string case_channel =
            target.case_row.is_object() ? text_of(target.case_row.at("channel")) : "";
        Route r = route(context_, target.customer, target.kind, case_channel);
        if (r.skip == "opt_out") {
          ++opted_out;
          continue;
        }
        if (!r.skip.empty()) {
          ++unreachable;
          continue;
        }
        json& kind = counts[target.kind];
        if (kind.is_null()) kind = json::object();
        kind[r.instance] = kind.value(r.instance, 0) + 1;
        json& list = sample[target.kind];
        if (list.is_null()) list = json::array();
        if (static_cast<int>(list.size()) < samples) {
          RenderedMessage message = render(
              context_, target.kind, r.medium, text_of(target.customer.value("language", json())),
              template_data(context_, facts, target.customer, target.case_row, "preview"));
          list.push_back({{"customer_id", target.customer.at("id")},
                          {"channel", r.instance},
                          {"address", r.address},
                          {"subject", message.subject},
                          {"text", message.text},
                          {"html", message.html}});
        }
      }
    };
    consider(resolution_targets(session, problem_id));
    if (advisory) {
      const std::vector<std::int64_t> ids = advisory_ids(session, facts.problem);
      for (std::size_t start = 0; start < ids.size(); start += kBatch)
        consider(advisory_targets(session, ids, start));
    }
    json broadcast = json::array();
    for (const auto& n : context_.notifiers) {
      if (n.broadcast) broadcast.push_back(n.instance);
    }
    out = {{"problem_id", problem_id},   {"advisory", advisory},         {"counts", counts},
           {"unreachable", unreachable}, {"skipped_opt_out", opted_out}, {"broadcast", broadcast},
           {"samples", sample}};
  });
  return out;
}

json CampaignService::notifications(std::int64_t problem_id, const json& query_in) const {
  json q = query_in.is_null() ? json::object() : query_in;
  require_object(q, {"state", "kind", "channel", "cursor", "limit", "count"},
                 "notification list query");
  auto state = optional_text(q, "state", 40);
  auto kind = optional_text(q, "kind", 40);
  auto channel = optional_text(q, "channel", 200);
  if (state)
    require_one_of(*state, {"pending", "sent", "delivered", "failed", "acknowledged"}, "state");
  if (kind)
    require_one_of(*kind, {"resolution", "advisory", "status_update", "escalation"}, "kind");
  PageRequest request = PageRequest::from_json(q);
  json out;
  context_.db.read([&](soci::session& session) {
    if (!ProblemService::load(session, problem_id)) {
      throw DomainError(ErrorKind::not_found,
                        "problem " + std::to_string(problem_id) + " does not exist");
    }
    Page page = fetch_page(
        session, kNotificationColumns, "notifications", "",
        [&](SqlQuery& sql) {
          sql.where("problem_id = $", problem_id);
          if (state) sql.where("state = $", *state);
          if (kind) sql.where("kind = $", *kind);
          if (channel) sql.where("channel = $", *channel);
        },
        request);
    out = page.to_json();
    json counts = json::object();
    for (const auto& row : SqlQuery("SELECT state, count(*) AS n FROM notifications")
                               .where("problem_id = $", problem_id)
                               .text(" GROUP BY state")
                               .rows(session)) {
      counts[row.at("state").get<std::string>()] = integer_value(row.at("n"));
    }
    out["counts"] = counts;
  });
  return out;
}

void CampaignService::record_sent(std::int64_t notification_id, const json& answer,
                                  const std::string& text) {
  json notification;
  ChangeEvents changes;
  bool changed = false;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    changed = false;
    auto found = select_one(
        tx, std::string("SELECT ") + kNotificationColumns + " FROM notifications WHERE id = :id",
        notification_id);
    if (!found) return;
    notification = *found;
    const std::string state = notification.at("state").get<std::string>();
    if (state != "pending" && state != "failed") return;  // a repeated answer changes nothing
    const std::string now = now_rfc3339();
    const std::string to =
        answer.is_object() && answer.value("state", "") == "delivered" ? "delivered" : "sent";
    SqlFields fields = {
        {"state", to}, {"sent_at", now}, {"updated_at", now}, {"last_error", nullptr}};
    if (to == "delivered") fields.emplace_back("delivered_at", now);
    if (answer.is_object() && answer.contains("external_ref")) {
      const json& ref = answer.at("external_ref");
      fields.emplace_back("external_ref", ref.is_string() ? ref.get<std::string>() : ref.dump());
    }
    update_row(tx, "notifications", "id", notification_id, fields);
    changes.record(tx, "notification." + to,
                   subject_of(notification.at("problem_id").get<std::int64_t>()),
                   "plugin:" + notification.at("channel").get<std::string>(),
                   {{"notification_id", notification_id},
                    {"customer_id", notification.at("customer_id")},
                    {"kind", notification.at("kind")},
                    {"channel", notification.at("channel")}});
    changed = true;
  });
  changes.publish(context_);
  if (!changed || notification.at("kind") != "resolution") return;
  // The customer has been told: their cases on this problem are resolved, with the message
  // on the thread.
  const std::string& body = text;
  std::vector<json> cases;
  context_.db.read([&](soci::session& session) {
    cases = SqlQuery("SELECT id, state FROM cases")
                .where("problem_id = $", notification.at("problem_id").get<std::int64_t>())
                .where("customer_id = $", notification.at("customer_id").get<std::int64_t>())
                .rows(session);
  });
  for (const auto& c : cases) {
    const std::int64_t case_id = c.at("id").get<std::int64_t>();
    const std::string state = c.at("state").get<std::string>();
    if (state == "closed") continue;
    cases_.append_message(case_id,
                          {{"direction", "outbound"},
                           {"body", body.empty() ? text_of(notification.at("subject")) : body},
                           {"channel", notification.at("channel")},
                           {"author", "cxloop"},
                           {"external_id", "notification:" + std::to_string(notification_id)},
                           {"delivery_state", "sent"}},
                          kSystem);
    if (state == "new" || state == "open" || state == "pending") {
      cases_.transition(case_id, "resolved", std::nullopt, kSystem);
    }
  }
}

void CampaignService::record_failed(std::int64_t notification_id, const std::string& error) {
  context_.db.write([&](soci::session& tx) {
    auto found = select_one(tx, "SELECT state FROM notifications WHERE id = :id", notification_id);
    if (!found || found->at("state") != "pending") return;
    update_row(
        tx, "notifications", "id", notification_id,
        {{"state", std::string("failed")}, {"last_error", error}, {"updated_at", now_rfc3339()}});
  });
}

json CampaignService::notification_for_token(const std::string& token) const {
  std::vector<json> rows;
  context_.db.read([&](soci::session& session) {
    rows = SqlQuery(std::string("SELECT ") + kNotificationColumns + " FROM notifications")
               .where("ack_token = $", token)
               .rows(session);
  });
  if (rows.empty() || token.size() != 32) {
    throw DomainError(ErrorKind::not_found, "this link is not known; it may be mistyped");
  }
  return rows.front();
}

json CampaignService::acknowledge(const std::string& token) {
  json result;
  ChangeEvents changes;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    auto rows = SqlQuery(std::string("SELECT ") + kNotificationColumns + " FROM notifications")
                    .where("ack_token = $", token)
                    .rows(tx);
    if (rows.empty() || token.size() != 32) {
      throw DomainError(ErrorKind::not_found,
                        "this acknowledgement link is not known; it may be mistyped");
    }
    result = rows.front();
    if (result.at("state") == "acknowledged") return;
    const std::string now = now_rfc3339();
    update_row(
        tx, "notifications", "id", result.at("id").get<std::int64_t>(),
        {{"state", std::string("acknowledged")}, {"acknowledged_at", now}, {"updated_at", now}});
    changes.record(tx, "notification.acknowledged",
                   subject_of(result.at("problem_id").get<std::int64_t>()),
                   "customer:" + std::to_string(result.at("customer_id").get<std::int64_t>()),
                   {{"notification_id", result.at("id")}, {"kind", result.at("kind")}});
    result["state"] = "acknowledged";
  });
  changes.publish(context_);
  return result;
}

json CampaignService::unsubscribe(const std::string& token) {
  json result;
  ChangeEvents changes;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    auto rows = SqlQuery("SELECT customer_id, problem_id FROM notifications")
                    .where("ack_token = $", token)
                    .rows(tx);
    if (rows.empty() || token.size() != 32) {
      throw DomainError(ErrorKind::not_found,
                        "this unsubscribe link is not known; it may be mistyped");
    }
    const std::int64_t customer_id = rows.front().at("customer_id").get<std::int64_t>();
    auto customer = *select_one(tx, "SELECT id, opt_outs, revision FROM customers WHERE id = :id",
                                customer_id, {"opt_outs"});
    json opt_outs = customer.at("opt_outs").is_array() ? customer.at("opt_outs") : json::array();
    result = {{"customer_id", customer_id}, {"opt_outs", opt_outs}};
    for (const auto& o : opt_outs) {
      if (o == "advisory") return;
    }
    opt_outs.push_back("advisory");
    update_row(tx, "customers", "id", customer_id,
               {{"opt_outs", opt_outs.dump()},
                {"revision", customer.at("revision").get<std::int64_t>() + 1},
                {"updated_at", now_rfc3339()}});
    changes.record(tx, "customer.unsubscribed", "customer:" + std::to_string(customer_id),
                   "customer:" + std::to_string(customer_id), {{"opt_out", "advisory"}});
    result["opt_outs"] = opt_outs;
  });
  changes.publish(context_);
  return result;
}

}  // namespace cxloop::workflow
