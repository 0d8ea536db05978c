#include "workflow/suggestions.hpp"

#include <soci/soci.h>

#include <map>
#include <set>

#include "repository/database.hpp"
#include "workflow/change_events.hpp"
#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/impact.hpp"
#include "workflow/problems.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

using nlohmann::json;

const char* const kColumns =
    "id, kind, signature, state, title, category, department, scope, case_ids, evidence, "
    "problem_id, proposed_by, decided_by, decided_at, decision_note, revision, created_at, "
    "updated_at";
const std::vector<std::string> kKinds = {"problem", "link"};
const std::vector<std::string> kStates = {"open", "accepted", "dismissed"};
constexpr std::size_t kMaxCases = 1000;
constexpr std::size_t kMaxEvidenceBytes = 256 * 1024;

std::string subject_of(std::int64_t id) { return "suggestion:" + std::to_string(id); }

std::optional<json> load(soci::session& session, std::int64_t id) {
  return select_one(session, std::string("SELECT ") + kColumns + " FROM suggestions WHERE id = :id",
                    id, {"scope", "case_ids", "evidence"});
}

DomainError missing_suggestion(std::int64_t id) {
  return DomainError(ErrorKind::not_found, "suggestion " + std::to_string(id) + " does not exist");
}

// case_ids: a non-empty array of ids of existing cases, duplicates dropped, order kept.
std::vector<std::int64_t> case_list(soci::session& session, const json& in) {
  auto it = in.find("case_ids");
  if (it == in.end() || !it->is_array() || it->empty()) {
    throw DomainError(ErrorKind::invalid, "send 'case_ids' as a non-empty array of case ids",
                      "/case_ids");
  }
  if (it->size() > kMaxCases) {
    throw DomainError(ErrorKind::invalid,
                      "'case_ids' has " + std::to_string(it->size()) +
                          " entries; propose at most " + std::to_string(kMaxCases) + " cases",
                      "/case_ids");
  }
  std::vector<std::int64_t> ids;
  std::set<std::int64_t> seen;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& value = (*it)[i];
    const std::string field = "/case_ids/" + std::to_string(i);
    if (!value.is_number_integer() || value.get<std::int64_t>() <= 0) {
      throw DomainError(ErrorKind::invalid,
                        "case_ids[" + std::to_string(i) + "] is " + value.dump() +
                            "; send positive integer case ids",
                        field);
    }
    std::int64_t id = value.get<std::int64_t>();
    if (!seen.insert(id).second) continue;
    if (!select_one(session, "SELECT id FROM cases WHERE id = :id", id)) {
      throw DomainError(
          ErrorKind::invalid,
          "case_ids[" + std::to_string(i) + "]: case " + std::to_string(id) + " does not exist",
          field);
    }
    ids.push_back(id);
  }
  return ids;
}

json evidence_of(const json& in) {
  json evidence = object_or(in, "evidence");
  std::size_t size = evidence.dump().size();
  if (size > kMaxEvidenceBytes) {
    throw DomainError(ErrorKind::invalid,
                      "'evidence' is " + std::to_string(size) + " bytes; keep it under " +
                          std::to_string(kMaxEvidenceBytes) +
                          " (the strongest scores and terms are enough)",
                      "/evidence");
  }
  return evidence;
}

json lock_problem_row(soci::session& tx, const WorkflowContext& context, std::int64_t id,
                      const std::string& field) {
  auto found = select_one(
      tx, "SELECT id, number, state FROM problems WHERE id = :id" + row_lock(context), id);
  if (!found) {
    throw DomainError(ErrorKind::invalid, "problem " + std::to_string(id) + " does not exist",
                      field);
  }
  return *found;
}

// The fields a proposal stores: validated, normalised, in column order.
struct Proposal {
  std::string kind;
  std::string signature;
  std::optional<std::int64_t> problem_id;
  SqlFields fields;  // title, category, department, scope, case_ids, evidence
};

Proposal read_proposal(soci::session& tx, const WorkflowContext& context, const json& in) {
  if (!in.is_object()) {
    throw DomainError(ErrorKind::invalid, "the proposal must be a JSON object");
  }
  Proposal proposal;
  proposal.kind = required_text(in, "kind", 20);
  require_one_of(proposal.kind, kKinds, "kind");
  if (proposal.kind == "problem") {
    require_object(
        in,
        {"kind", "signature", "title", "category", "department", "scope", "case_ids", "evidence"},
        "problem suggestion");
  } else {
    require_object(in, {"kind", "signature", "title", "problem_id", "case_ids", "evidence"},
                   "link suggestion");
  }
  proposal.signature = required_text(in, "signature", 200);
  std::string title;
  if (proposal.kind == "problem") {
    title = required_text(in, "title", 500);
    auto category = optional_text(in, "category", 100);
    if (category) require_category(context, *category, "category");
    proposal.fields.emplace_back("category", sql_value(category));
    proposal.fields.emplace_back("department", sql_value(optional_text(in, "department", 200)));
    proposal.fields.emplace_back(
        "scope", AffectedScope::from_json(in.value("scope", json()), "/scope").to_json().dump());
  } else {
    proposal.problem_id = optional_id(in, "problem_id");
    if (!proposal.problem_id) {
      throw DomainError(ErrorKind::invalid,
                        "a link suggestion needs 'problem_id', the problem to link the cases to",
                        "/problem_id");
    }
    json problem = lock_problem_row(tx, context, *proposal.problem_id, "/problem_id");
    if (problem.at("state") == "closed") {
      throw DomainError(ErrorKind::conflict,
                        "problem " + problem.at("number").get<std::string>() +
                            " is closed; it takes no new cases",
                        "/problem_id");
    }
    title = optional_text(in, "title", 500)
                .value_or("Link to " + problem.at("number").get<std::string>());
  }
  proposal.fields.emplace_back("title", title);
  proposal.fields.emplace_back("case_ids", json(case_list(tx, in)).dump());
  proposal.fields.emplace_back("evidence", evidence_of(in).dump());
  return proposal;
}

std::optional<json> find_signature(soci::session& tx, const WorkflowContext& context,
                                   const Proposal& proposal) {
  SqlQuery query(std::string("SELECT ") + kColumns + " FROM suggestions");
  query.where("kind = $", proposal.kind);
  query.where("signature = $", proposal.signature);
  if (proposal.problem_id) query.where("problem_id = $", *proposal.problem_id);
  query.text(row_lock(context));
  auto rows = query.rows(tx, {"scope", "case_ids", "evidence"});
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

json lock_suggestion(soci::session& tx, const WorkflowContext& context, std::int64_t id) {
  auto found = select_one(
      tx,
      std::string("SELECT ") + kColumns + " FROM suggestions WHERE id = :id" + row_lock(context),
      id, {"scope", "case_ids", "evidence"});
  if (!found) throw missing_suggestion(id);
  return *found;
}

void require_open(const json& suggestion, const std::string& action) {
  const std::string state = suggestion.at("state").get<std::string>();
  if (state == "open") return;
  std::string detail = "suggestion " + std::to_string(suggestion.at("id").get<std::int64_t>()) +
                       " is already " + state;
  if (state == "accepted" && suggestion.at("problem_id").is_number()) {
    detail += " (problem " +
              ProblemService::number_for(suggestion.at("problem_id").get<std::int64_t>()) + ")";
  }
  throw DomainError(ErrorKind::conflict, detail + "; only open suggestions can be " + action,
                    "/state");
}

// The problem fields for accepting a problem suggestion: the suggestion's guesses, each
// replaced by the agent's override when one is sent.
json problem_fields(soci::session& tx, const json& suggestion, const json& overrides, json& notes) {
  json fields = {{"title", suggestion.at("title")}, {"scope", suggestion.at("scope")}};
  if (suggestion.at("category").is_string()) fields["category"] = suggestion.at("category");
  const std::size_t cases = suggestion.at("case_ids").size();
  fields["description"] = "Proposed by " + suggestion.at("proposed_by").get<std::string>() +
                          " from " + std::to_string(cases) + " similar case" +
                          (cases == 1 ? "" : "s") + ".";
  if (!overrides.contains("department_id") && suggestion.at("department").is_string()) {
    const std::string name = suggestion.at("department").get<std::string>();
    auto rows = SqlQuery("SELECT id FROM departments").where("name = $", name).rows(tx);
    if (rows.empty()) {
      notes.push_back("no department is named '" + name +
                      "'; the problem has no owning department yet");
    } else {
      fields["department_id"] = rows.front().at("id");
    }
  }
  for (const auto& item : overrides.items()) fields[item.key()] = item.value();
  return fields;
}

}  // namespace

json SuggestionService::propose(const json& request, const Actor& actor) {
  ChangeEvents changes;
  json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    Proposal proposal = read_proposal(tx, context_, request);
    std::string now = now_rfc3339();
    auto existing = find_signature(tx, context_, proposal);
    if (!existing) {
      SqlFields fields = proposal.fields;
      fields.emplace_back("kind", proposal.kind);
      fields.emplace_back("signature", proposal.signature);
      fields.emplace_back("problem_id", sql_value(proposal.problem_id));
      fields.emplace_back("state", std::string("open"));
      fields.emplace_back("proposed_by", actor.id);
      fields.emplace_back("created_at", now);
      fields.emplace_back("updated_at", now);
      std::int64_t id = insert_returning_id(tx, "suggestions", fields);
      json record = *load(tx, id);
      changes.record(tx, "suggestion.proposed", subject_of(id), actor.id, {{"after", record}});
      result = {{"id", id}, {"state", "open"}, {"created", true}};
      return;
    }
    std::int64_t id = existing->at("id").get<std::int64_t>();
    result = {{"id", id}, {"state", existing->at("state")}, {"created", false}};
    if (existing->at("state") != "open") return;
    // An open suggestion follows its cluster: new cases and evidence replace the old ones.
    SqlFields changed;
    json before, after;
    for (const auto& [column, value] : proposal.fields) {
      json stored = existing->at(column);
      json incoming = std::holds_alternative<std::nullptr_t>(value)
                          ? json()
                          : json(std::get<std::string>(value));
      if (column == "scope" || column == "case_ids" || column == "evidence") {
        incoming = parse_stored_json(incoming.get<std::string>());
      }
      if (stored == incoming) continue;
      changed.emplace_back(column, value);
      before[column] = stored;
      after[column] = incoming;
    }
    if (changed.empty()) return;
    changed.emplace_back("revision", existing->at("revision").get<std::int64_t>() + 1);
    changed.emplace_back("updated_at", now);
    update_row(tx, "suggestions", "id", id, changed);
    changes.record(tx, "suggestion.updated", subject_of(id), actor.id,
                   {{"before", before}, {"after", after}});
  });
  changes.publish(context_);
  return result;
}

json SuggestionService::get(std::int64_t id) const {
  std::optional<json> found;
  context_.db.read([&](soci::session& session) { found = load(session, id); });
  if (!found) throw missing_suggestion(id);
  return *found;
}

Page SuggestionService::list(const json& query) const {
  json q = query.is_null() ? json::object() : query;
  require_object(q, {"state", "kind", "problem_id", "cursor", "limit", "count"},
                 "suggestion list query");
  auto state = optional_text(q, "state", 20);
  if (state) require_one_of(*state, kStates, "state");
  auto kind = optional_text(q, "kind", 20);
  if (kind) require_one_of(*kind, kKinds, "kind");
  auto problem = optional_id(q, "problem_id");
  PageRequest request = PageRequest::from_json(q);
  Page page;
  context_.db.read([&](soci::session& session) {
    page = fetch_page(session, kColumns, "suggestions", "",
                      [&](SqlQuery& sql) {
                        if (state) sql.where("state = $", *state);
                        if (kind) sql.where("kind = $", *kind);
                        if (problem) sql.where("problem_id = $", *problem);
                      },
                      request, {"scope", "case_ids", "evidence"});
  });
  return page;
}

json SuggestionService::accept(std::int64_t id, const json& overrides, const Actor& actor) {
  json in = overrides.is_null() ? json::object() : overrides;
  ChangeEvents changes;
  json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    json suggestion = lock_suggestion(tx, context_, id);
    require_open(suggestion, "accepted");
    json notes = json::array();
    std::int64_t problem_id = 0;
    if (suggestion.at("kind") == "problem") {
      require_object(in, {"title", "description", "category", "scope", "department_id", "severity"},
                     "suggestion acceptance");
      json problem = ProblemService::create_in(
          tx, context_, problem_fields(tx, suggestion, in, notes), actor, changes);
      problem_id = problem.at("id").get<std::int64_t>();
    } else {
      require_object(in, {}, "link suggestion acceptance (it takes no overrides)");
      problem_id = suggestion.at("problem_id").get<std::int64_t>();
    }
    json linked = json::array(), already = json::array(), not_linked = json::array();
    for (const auto& value : suggestion.at("case_ids")) {
      std::int64_t case_id = value.get<std::int64_t>();
      auto current = select_one(tx, "SELECT id, problem_id FROM cases WHERE id = :id", case_id);
      if (!current) {
        not_linked.push_back({{"case_id", case_id}, {"reason", "the case no longer exists"}});
        continue;
      }
      const json& owner = current->at("problem_id");
      if (owner.is_number() && owner.get<std::int64_t>() == problem_id) {
        already.push_back(case_id);
      } else if (owner.is_number()) {
        // Moving a case away from another problem is an agent's explicit decision
        // (POST /api/v1/problems/{id}/cases with move: true), never a side effect.
        not_linked.push_back(
            {{"case_id", case_id},
             {"reason", "linked to another problem"},
             {"problem_id", owner},
             {"problem_number", ProblemService::number_for(owner.get<std::int64_t>())}});
      } else {
        ProblemService::link_case_in(tx, context_, problem_id, case_id, false, actor, changes);
        linked.push_back(case_id);
      }
    }
    std::string now = now_rfc3339();
    update_row(tx, "suggestions", "id", id,
               {{"state", std::string("accepted")},
                {"problem_id", problem_id},
                {"decided_by", actor.id},
                {"decided_at", now},
                {"revision", suggestion.at("revision").get<std::int64_t>() + 1},
                {"updated_at", now}});
    json after = *load(tx, id);
    changes.record(
        tx, "suggestion.accepted", subject_of(id), actor.id,
        {{"problem_id", problem_id}, {"linked_case_ids", linked}, {"not_linked", not_linked}});
    result = {{"suggestion", after},       {"problem", *ProblemService::load(tx, problem_id)},
              {"linked_case_ids", linked}, {"already_linked_case_ids", already},
              {"not_linked", not_linked},  {"notes", notes}};
  });
  changes.publish(context_);
  return result;
}

json SuggestionService::dismiss(std::int64_t id, const json& body, const Actor& actor) {
  json in = body.is_null() ? json::object() : body;
  require_object(in, {"reason"}, "suggestion dismissal");
  auto reason = optional_text(in, "reason", 2000);
  ChangeEvents changes;
  json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    json suggestion = lock_suggestion(tx, context_, id);
    if (suggestion.at("state") == "dismissed") {
      result = suggestion;
      return;
    }
    require_open(suggestion, "dismissed");
    std::string now = now_rfc3339();
    update_row(tx, "suggestions", "id", id,
               {{"state", std::string("dismissed")},
                {"decided_by", actor.id},
                {"decided_at", now},
                {"decision_note", sql_value(reason)},
                {"revision", suggestion.at("revision").get<std::int64_t>() + 1},
                {"updated_at", now}});
    result = *load(tx, id);
    changes.record(
        tx, "suggestion.dismissed", subject_of(id), actor.id,
        {{"reason", reason ? json(*reason) : json()}, {"signature", suggestion.at("signature")}});
  });
  changes.publish(context_);
  return result;
}

json SuggestionService::problem_signatures() const {
  json problems = json::array();
  context_.db.read([&](soci::session& session) {
    std::map<std::int64_t, json> linked;
    for (const auto& row :
         SqlQuery("SELECT c.problem_id AS problem_id, c.id AS id FROM cases c JOIN problems p ON "
                  "p.id = c.problem_id WHERE p.state <> 'closed' ORDER BY c.problem_id, c.id")
             .rows(session)) {
      linked[row.at("problem_id").get<std::int64_t>()].push_back(row.at("id"));
    }
    for (auto& row : SqlQuery("SELECT id, number, state, title, category, scope, "
                              "fix_delivered_at FROM problems WHERE state <> 'closed' ORDER BY id")
                         .rows(session, {"scope"})) {
      auto found = linked.find(row.at("id").get<std::int64_t>());
      row["linked_case_ids"] = found == linked.end() ? json::array() : found->second;
      problems.push_back(std::move(row));
    }
  });
  return {{"problems", problems}};
}

json SuggestionService::record_match(const json& request, const Actor&) {
  if (!request.is_object()) {
    throw DomainError(ErrorKind::invalid, "send {problem_id, case_id, score}");
  }
  require_object(request, {"problem_id", "case_id", "score"}, "analytics.record_match");
  auto problem_id = optional_id(request, "problem_id");
  auto case_id = optional_id(request, "case_id");
  if (!problem_id) throw DomainError(ErrorKind::invalid, "'problem_id' is required", "/problem_id");
  if (!case_id) throw DomainError(ErrorKind::invalid, "'case_id' is required", "/case_id");
  auto score_it = request.find("score");
  if (score_it == request.end() || !score_it->is_number()) {
    throw DomainError(ErrorKind::invalid, "send 'score' as a number (the similarity, 0..1)",
                      "/score");
  }
  double score = score_it->get<double>();
  context_.db.write([&](soci::session& tx) {
    if (!select_one(tx, "SELECT id FROM problems WHERE id = :id", *problem_id)) {
      throw DomainError(ErrorKind::not_found,
                        "problem " + std::to_string(*problem_id) + " does not exist",
                        "/problem_id");
    }
    if (!select_one(tx, "SELECT id FROM cases WHERE id = :id", *case_id)) {
      throw DomainError(ErrorKind::not_found,
                        "case " + std::to_string(*case_id) + " does not exist", "/case_id");
    }
    long long p = *problem_id, c = *case_id;
    std::string now = now_rfc3339();
    // The first match of a case stands: a repeated report (a replayed event) changes nothing.
    tx << "INSERT INTO problem_matches (problem_id, case_id, score, matched_at) VALUES (:p, :c, "
          ":s, :t) ON CONFLICT (problem_id, case_id) DO NOTHING",
        soci::use(p), soci::use(c), soci::use(score), soci::use(now);
  });
  return json::object();
}

}  // namespace cxloop::workflow
