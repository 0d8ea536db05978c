#include "workflow/recurrence.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <optional>
#include <sstream>

#include "repository/database.hpp"
#include "workflow/change_events.hpp"
#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/problem_contacts.hpp"
#include "workflow/problems.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/state_machines.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

using nlohmann::json;

constexpr double kSecondsPerDay = 86400.0;

std::string figure(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Records the verdict; false when another run (another node) already did.
bool store_verdict(soci::session& tx, const FixAssessment& a) {
  if (SqlQuery("SELECT count(*) FROM problem_verifications")
          .where("problem_id = $", a.problem_id)
          .where("fix_delivered_at = $", a.fix_delivered_at)
          .scalar(tx) > 0) {
    return false;
  }
  long long problem_id = a.problem_id;
  long long contacts_after = a.contacts_after;
  double rate_after =
      a.contacts_after /
      std::max(1.0, seconds_between(a.fix_delivered_at, now_rfc3339()) / kSecondsPerDay);
  std::string now = now_rfc3339();
  tx << "INSERT INTO problem_verifications (problem_id, fix_delivered_at, outcome, rate_before, "
        "rate_after, contacts_after, decided_at) VALUES (:p, :f, :o, :rb, :ra, :c, :d)",
      soci::use(problem_id), soci::use(a.fix_delivered_at), soci::use(a.outcome),
      soci::use(a.rate_before), soci::use(rate_after), soci::use(contacts_after), soci::use(now);
  return true;
}

}  // namespace

json FixAssessment::to_json() const {
  return {{"problem_id", problem_id},
          {"number", number},
          {"fix_delivered_at", fix_delivered_at},
          {"window_ends_at", window_ends_at},
          {"before_from", before_from},
          {"contacts_before", contacts_before},
          {"days_before", days_before},
          {"rate_before", rate_before},
          {"allowed_after", allowed_after},
          {"contacts_after", contacts_after},
          {"outcome", outcome}};
}

FixAssessment assess_fix(soci::session& session, const VerificationPolicy& policy,
                         const json& problem) {
  FixAssessment a;
  a.problem_id = problem.at("id").get<std::int64_t>();
  a.number = problem.value("number", "");
  a.fix_delivered_at = problem.at("fix_delivered_at").get<std::string>();
  const long window_hours = 24L * policy.window_days;
  a.window_ends_at = add_hours(a.fix_delivered_at, window_hours);
  // The rate before delivery over at most one window, and never over days before the
  // problem's first contact (a young problem's rate is not diluted by empty days).
  a.before_from = add_hours(a.fix_delivered_at, -window_hours);
  auto first = problem_contact_times(session, a.problem_id, "", a.fix_delivered_at);
  if (!first.empty()) a.before_from = std::max(a.before_from, first.front());
  a.contacts_before = static_cast<std::int64_t>(
      problem_contact_times(session, a.problem_id, a.before_from, a.fix_delivered_at).size());
  a.days_before =
      std::max(1.0, seconds_between(a.before_from, a.fix_delivered_at) / kSecondsPerDay);
  a.rate_before = static_cast<double>(a.contacts_before) / a.days_before;
  a.allowed_after = a.rate_before * (1.0 - policy.expected_drop) * policy.window_days;
  const std::string now = now_rfc3339();
  a.contacts_after =
      static_cast<std::int64_t>(problem_contact_times(session, a.problem_id, a.fix_delivered_at,
                                                      std::min(now, a.window_ends_at))
                                    .size());
  if (static_cast<double>(a.contacts_after) > a.allowed_after) {
    a.outcome = "recurring";
  } else if (now >= a.window_ends_at) {
    a.outcome = "verifiable";
  } else {
    a.outcome = "watching";
  }
  return a;
}

void require_fix_verified(soci::session& tx, const VerificationPolicy& policy,
                          const json& problem) {
  if (!problem.at("fix_delivered_at").is_string()) return;
  FixAssessment a = assess_fix(tx, policy, problem);
  if (a.outcome == "watching") {
    throw DomainError(ErrorKind::conflict,
                      "problem " + a.number + " cannot be verified before " + a.window_ends_at +
                          ": contacts are counted for " + std::to_string(policy.window_days) +
                          " days after the fix (domain.verification.window_days); so far " +
                          std::to_string(a.contacts_after) + " of at most " +
                          figure(a.allowed_after) + " allowed",
                      "/state");
  }
  if (a.outcome == "recurring") {
    throw DomainError(ErrorKind::conflict,
                      "problem " + a.number +
                          " cannot be verified: " + std::to_string(a.contacts_after) +
                          " contacts came after the fix where at most " + figure(a.allowed_after) +
                          " were allowed (" + figure(a.rate_before) +
                          " a day before it); move it to recurring instead",
                      "/state");
  }
}

json RecurrenceChecker::Report::to_json() const {
  json out = {{"recurring", json::array()}, {"verifiable", json::array()}, {"watching", watching}};
  for (const auto& a : recurring) out["recurring"].push_back(a.to_json());
  for (const auto& a : verifiable) out["verifiable"].push_back(a.to_json());
  return out;
}

RecurrenceChecker::Report RecurrenceChecker::run_once() {
  Report report;
  // Assessed on a read connection first: most delivered fixes are still being watched, and
  // those need no write transaction.
  std::vector<json> decided_candidates;
  context_.db.read([&](soci::session& session) {
    auto delivered = SqlQuery(
                         "SELECT p.id AS id, p.number AS number, p.fix_delivered_at AS "
                         "fix_delivered_at FROM problems p")
                         .where("p.state = 'fix_delivered'")
                         .where("p.fix_delivered_at IS NOT NULL")
                         .where(
                             "NOT EXISTS (SELECT 1 FROM problem_verifications v WHERE "
                             "v.problem_id = p.id AND v.fix_delivered_at = p.fix_delivered_at)")
                         .text(" ORDER BY p.id")
                         .rows(session);
    for (const auto& candidate : delivered) {
      if (assess_fix(session, context_.verification, candidate).outcome == "watching") {
        ++report.watching;
      } else {
        decided_candidates.push_back(candidate);
      }
    }
  });
  const Actor system{"system", "system"};
  for (const auto& candidate : decided_candidates) {
    const std::int64_t id = candidate.at("id").get<std::int64_t>();
    ChangeEvents changes;
    std::optional<FixAssessment> decided;
    context_.db.write([&](soci::session& tx) {
      changes.clear();
      decided.reset();
      // Re-read under the row lock: an agent may have moved the problem meanwhile.
      auto problem = select_one(tx,
                                "SELECT id, number, state, revision, fix_delivered_at FROM "
                                "problems WHERE id = :id" +
                                    row_lock(context_),
                                id);
      if (!problem || problem->at("state") != "fix_delivered" ||
          problem->at("fix_delivered_at") != candidate.at("fix_delivered_at")) {
        return;
      }
      FixAssessment a = assess_fix(tx, context_.verification, *problem);
      if (a.outcome == "watching" || !store_verdict(tx, a)) return;
      const std::string subject = "problem:" + std::to_string(id);
      if (a.outcome == "recurring") {
        problem_lifecycle().require("fix_delivered", "recurring");
        const std::int64_t revision = problem->at("revision").get<std::int64_t>();
        update_row(tx, "problems", "id", id,
                   {{"state", std::string("recurring")},
                    {"revision", revision + 1},
                    {"updated_at", now_rfc3339()}});
        changes.record(tx, "problem.state_changed", subject, system.id,
                       {{"before", {{"state", "fix_delivered"}, {"revision", revision}}},
                        {"after", {{"state", "recurring"}, {"revision", revision + 1}}},
                        {"note", "contacts did not fall after the fix"}});
        changes.record(tx, "problem.recurring", subject, system.id, a.to_json());
      } else {
        changes.record(tx, "problem.verifiable", subject, system.id, a.to_json());
      }
      decided = a;
    });
    changes.publish(context_);
    if (decided) {
      (decided->outcome == "recurring" ? report.recurring : report.verifiable).push_back(*decided);
    }
  }
  return report;
}

}  // namespace cxloop::workflow
