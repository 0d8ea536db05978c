// Verifying a delivered fix: after a problem reaches fix_delivered, its contacts (linked and
// matched cases, problem_contacts.hpp) are counted against the rate before delivery. If
// more come within the verification window than the expected drop allows, the problem is
// flagged recurring (event problem.recurring, which escalation picks up); once the window
// has passed without that, the fix is verifiable and only then may an agent mark the
// problem verified. docs/analytics.md spells out the arithmetic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace soci {
class session;
}

namespace cxloop::workflow {

struct WorkflowContext;
struct VerificationPolicy;

struct FixAssessment {
  std::int64_t problem_id = 0;
  std::string number;
  std::string fix_delivered_at;
  std::string window_ends_at;  // fix_delivered_at + window_days
  std::string before_from;     // the later of window_days before delivery and the first contact
  std::int64_t contacts_before = 0;
  double days_before = 0;  // length of [before_from, fix_delivered_at), at least 1
  double rate_before = 0;  // contacts_before / days_before
  // At most this many contacts in the window keep the fix good:
  // rate_before x (1 - expected_drop) x window_days.
  double allowed_after = 0;
  std::int64_t contacts_after = 0;  // since delivery, up to now or the window's end
  // "recurring" (more than allowed, whenever that happens), "verifiable" (the window has
  // passed without that) or "watching".
  std::string outcome;

  nlohmann::json to_json() const;
};

// The assessment of a problem record (with fix_delivered_at) as of now.
FixAssessment assess_fix(soci::session& session, const VerificationPolicy& policy,
                         const nlohmann::json& problem);

// The rule on entering "verified": throws DomainError(conflict) naming when the window ends,
// or how many contacts came against how many were allowed.
void require_fix_verified(soci::session& tx, const VerificationPolicy& policy,
                          const nlohmann::json& problem);

// The periodic check the server's timer runs. Each delivered fix gets one verdict, stored in
// problem_verifications, so a check that runs twice (or on two nodes) acts once.
class RecurrenceChecker {
 public:
  explicit RecurrenceChecker(WorkflowContext& context) : context_(context) {}

  struct Report {
    std::vector<FixAssessment> recurring;   // moved to recurring now
    std::vector<FixAssessment> verifiable;  // window passed; may be verified now
    std::int64_t watching = 0;              // still inside their window
    nlohmann::json to_json() const;
  };

  // Assesses every problem in fix_delivered without a verdict, as of repository::Clock::now().
  Report run_once();

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow
