#include "case_records.hpp"

#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace cxloop::analytics {
namespace {

using json = nlohmann::json;

std::string text_or_empty(const json& document, const char* member) {
  auto it = document.find(member);
  return it != document.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json evidence_of(const ClusterProposal& cluster) {
  json scores = json::object();
  for (const auto& [id, score] : cluster.scores) scores[std::to_string(id)] = score;
  return {{"scores", scores},
          {"shared_terms", cluster.shared_terms},
          {"products", cluster.products},
          {"batches", cluster.batch_counts},
          {"channels", cluster.channels},
          {"categories", cluster.categories},
          {"customers", cluster.customers}};
}

}  // namespace

std::optional<std::int64_t> parse_utc(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute,
                  &second) != 6) {
    return std::nullopt;
  }
  std::tm parts{};
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&parts));
}

CaseRecord case_record_from(const json& document) {
  if (!document.is_object() || !document.contains("id") || !document.at("id").is_number_integer()) {
    throw std::invalid_argument("a case document needs an integer 'id'");
  }
  CaseRecord record;
  record.id = document.at("id").get<std::int64_t>();
  const auto at = parse_utc(text_or_empty(document, "created_at"));
  if (!at) {
    throw std::invalid_argument("case " + std::to_string(record.id) +
                                " has no RFC 3339 'created_at'");
  }
  record.at = *at;
  record.channel = text_or_empty(document, "channel");
  if (document.contains("customer_id") && document.at("customer_id").is_number_integer()) {
    record.customer = std::to_string(document.at("customer_id").get<std::int64_t>());
  }
  record.sku = text_or_empty(document, "sku");
  record.batch = text_or_empty(document, "batch");
  record.category = text_or_empty(document, "category");
  record.subject = text_or_empty(document, "subject");
  record.body = text_or_empty(document, "description");
  return record;
}

std::optional<std::int64_t> linked_problem_of(const json& document) {
  auto it = document.find("problem_id");
  if (it == document.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

json problem_proposal(const ClusterProposal& cluster) {
  json request = {{"kind", "problem"},
                  {"signature", cluster.signature},
                  {"title", cluster.title},
                  {"scope", {{"skus", cluster.skus}, {"batches", cluster.batches}}},
                  {"case_ids", cluster.case_ids},
                  {"evidence", evidence_of(cluster)}};
  if (!cluster.category.empty()) request["category"] = cluster.category;
  return request;
}

json case_link_proposal(const ProblemMatch& match, std::int64_t case_id) {
  return {{"kind", "link"},
          {"signature", "link:" + std::to_string(match.problem_id) + ":" + std::to_string(case_id)},
          {"problem_id", match.problem_id},
          {"case_ids", json::array({case_id})},
          {"evidence",
           {{"scores", {{std::to_string(case_id), match.score}}},
            {"shared_terms", match.shared_terms}}}};
}

json cluster_link_proposal(const ClusterLink& link) {
  json evidence = evidence_of(link.cluster);
  evidence["reason"] = "the cases name the problem's products and batches, though in other words";
  return {{"kind", "link"},
          {"signature", "link:" + std::to_string(link.problem_id) + ":" + link.cluster.signature},
          {"problem_id", link.problem_id},
          {"case_ids", link.cluster.case_ids},
          {"evidence", evidence}};
}

}  // namespace cxloop::analytics
