// Translates the kernel's case documents (host operations and case.created events) into the
// matcher's CaseRecord, and the matcher's findings into suggestion.propose requests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "case_record.hpp"
#include "similarity_matcher.hpp"

namespace cxloop::analytics {

// Seconds since the epoch of an RFC 3339 UTC timestamp ("2026-01-31T09:15:00.000000Z");
// nullopt when the text is not one.
std::optional<std::int64_t> parse_utc(const std::string& text);

// A case document {id, customer_id, channel, subject, description, sku, batch, category,
// created_at, ...} as the matcher sees it. Throws std::invalid_argument without id or time.
CaseRecord case_record_from(const nlohmann::json& case_document);

// The problem a case document is linked to, if any.
std::optional<std::int64_t> linked_problem_of(const nlohmann::json& case_document);

// suggestion.propose requests: a new problem from a cluster, a link of one case to a known
// problem, and a link of a whole cluster to a known problem.
nlohmann::json problem_proposal(const ClusterProposal& cluster);
nlohmann::json case_link_proposal(const ProblemMatch& match, std::int64_t case_id);
nlohmann::json cluster_link_proposal(const ClusterLink& link);

}  // namespace cxloop::analytics
