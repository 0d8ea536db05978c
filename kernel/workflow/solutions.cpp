#include "workflow/solutions.hpp"

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

const char* const kSelect =
    "SELECT problem_id, type, summary, customer_message, article_id, agreed_at, revision, "
    "created_at, updated_at FROM solutions WHERE problem_id = :id";

}  // namespace

const std::vector<std::string> kSolutionTypes = {
    "knowledge_article", "workaround", "process_change", "product_change", "recall", "refund"};

nlohmann::json SolutionService::put(std::int64_t problem_id, const nlohmann::json& in,
                                    std::optional<std::int64_t> expected_revision,
                                    const Actor& actor) {
  require_object(in, {"type", "summary", "customer_message", "article_id"}, "solution");
  std::string type = required_text(in, "type", 40);
  require_one_of(type, kSolutionTypes, "type");
  std::string summary = required_text(in, "summary", 10000);
  std::string message = optional_text(in, "customer_message", 100000).value_or("");
  auto article_id = optional_id(in, "article_id");
  if (type == "knowledge_article" && !article_id) {
    throw DomainError(ErrorKind::invalid,
                      "a knowledge_article solution names its article; send 'article_id'",
                      "/article_id");
  }
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    if (!select_one(tx, "SELECT id FROM problems WHERE id = :id" + row_lock(context_),
                    problem_id)) {
      throw DomainError(ErrorKind::not_found,
                        "problem " + std::to_string(problem_id) + " does not exist");
    }
    if (article_id && !select_one(tx, "SELECT id FROM articles WHERE id = :id", *article_id)) {
      throw DomainError(
          ErrorKind::invalid,
          "article " + std::to_string(*article_id) + " does not exist; create the article first",
          "/article_id");
    }
    auto before = select_one(tx, kSelect + row_lock(context_), problem_id);
    std::string now = now_rfc3339();
    SqlFields fields = {{"type", type},
                        {"summary", summary},
                        {"customer_message", message},
                        {"article_id", sql_value(article_id)},
                        {"updated_at", now}};
    if (before) {
      std::int64_t revision = before->at("revision").get<std::int64_t>();
      if (expected_revision && *expected_revision != revision) {
        throw DomainError(ErrorKind::stale_revision,
                          "the solution is at revision " + std::to_string(revision) + ", not " +
                              std::to_string(*expected_revision) + "; re-read it and retry");
      }
      fields.emplace_back("revision", revision + 1);
      update_row(tx, "solutions", "problem_id", problem_id, fields);
    } else {
      if (expected_revision) {
        throw DomainError(ErrorKind::stale_revision,
                          "the problem has no solution yet, so revision " +
                              std::to_string(*expected_revision) +
                              " cannot match; send it without a revision to create it");
      }
      fields.emplace_back("problem_id", problem_id);
      fields.emplace_back("created_at", now);
      insert_row(tx, "solutions", fields);
    }
    result = *select_one(tx, kSelect, problem_id);
    changes.record(tx, before ? "solution.updated" : "solution.created",
                   "problem:" + std::to_string(problem_id), actor.id,
                   {{"before", before ? *before : nlohmann::json(nullptr)}, {"after", result}});
  });
  changes.publish(context_);
  return result;
}

nlohmann::json SolutionService::get(std::int64_t problem_id) const {
  std::optional<nlohmann::json> found;
  context_.db.read(
      [&](soci::session& session) { found = select_one(session, kSelect, problem_id); });
  if (!found) {
    throw DomainError(ErrorKind::not_found,
                      "problem " + std::to_string(problem_id) + " has no solution yet");
  }
  return *found;
}

}  // namespace cxloop::workflow
