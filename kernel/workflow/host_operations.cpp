#include "workflow/host_operations.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include "workflow/domain_services.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/operation_table.hpp"
#include "workflow/state_machines.hpp"

namespace cxloop::workflow {
namespace {

using nlohmann::json;

std::int64_t required_id(const json& request, const std::string& key) {
  if (!request.is_object()) {
    throw DomainError(ErrorKind::invalid, "the request must be a JSON object");
  }
  auto id = optional_id(request, key);
  if (!id) throw DomainError(ErrorKind::invalid, "'" + key + "' is required", "/" + key);
  return *id;
}

// The request without the listed keys (the rest is passed on to a service as fields).
json without(const json& request, std::initializer_list<const char*> keys) {
  json rest = request;
  for (const char* key : keys) rest.erase(key);
  return rest;
}

// A case named by "case_id" or by "number".
std::int64_t case_reference(DomainServices& services, const json& request) {
  if (request.is_object() && request.contains("number") && !request.contains("case_id")) {
    return services.cases.find_by_number(required_text(request, "number", 40))
        .at("id")
        .get<std::int64_t>();
  }
  return required_id(request, "case_id");
}

// The problem ids a request names in "problem_ids" (to check only those), or nullopt.
std::optional<std::vector<std::int64_t>> problem_id_filter(const json& request) {
  auto it = request.find("problem_ids");
  if (it == request.end() || it->is_null()) return std::nullopt;
  if (!it->is_array()) {
    throw DomainError(ErrorKind::invalid, "'problem_ids' must be an array of problem ids",
                      "/problem_ids");
  }
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& id = (*it)[i];
    if (!id.is_number_integer() || id.get<std::int64_t>() < 1) {
      throw DomainError(ErrorKind::invalid,
                        "'problem_ids' holds " + id.dump() + "; send positive integer problem ids",
                        "/problem_ids/" + std::to_string(i));
    }
    ids.push_back(id.get<std::int64_t>());
  }
  return ids;
}

// Whether the customer concerns the problem: one of their cases is linked to it, or one of
// their assets is in its affected scope. The scope test is likely_affected (impact.hpp)
// asked for the first customer from this one on, so the scope's SQL is not written twice.
bool concerns(DomainServices& services, std::int64_t customer_id, std::int64_t problem_id,
              const std::set<std::int64_t>& linked) {
  if (linked.count(problem_id) > 0) return true;
  const auto first = services.problems.likely_affected(problem_id, customer_id - 1, 1);
  return !first.empty() && first.front() == customer_id;
}

// customer.affected_problems: the problems not closed that concern the customer with this
// phone number (what a phone line announces to a caller).
json affected_problems(DomainServices& services, const json& request) {
  require_object(request, {"phone", "problem_ids"}, "customer.affected_problems");
  const std::string phone = required_text(request, "phone", 60);
  const auto only = problem_id_filter(request);
  auto customer = services.customers.find_by_phone(phone);  // normalises; refuses bad numbers
  if (!customer) return {{"customer_id", nullptr}, {"problem_ids", json::array()}};
  const std::int64_t customer_id = customer->at("id").get<std::int64_t>();

  std::set<std::int64_t> linked;
  json page_query = {{"customer_id", customer_id}, {"limit", 200}};
  for (;;) {
    const Page page = services.cases.list(page_query);
    for (const auto& item : page.items) {
      if (item.contains("problem_id") && item["problem_id"].is_number_integer()) {
        linked.insert(item["problem_id"].get<std::int64_t>());
      }
    }
    if (!page.next_cursor) break;
    page_query["cursor"] = *page.next_cursor;
  }

  std::vector<std::int64_t> affected;
  if (only) {
    for (std::int64_t id : *only) {
      // An id the kernel does not know concerns nobody; a phone line asking about a stale
      // announcement still gets an answer for the others.
      json problem;
      try {
        problem = services.problems.get(id);
      } catch (const DomainError& error) {
        if (error.kind() != ErrorKind::not_found) throw;
        continue;
      }
      if (problem.at("state") != "closed" && concerns(services, customer_id, id, linked)) {
        affected.push_back(id);
      }
    }
  } else {
    std::vector<std::string> open_states;
    for (const auto& state : problem_lifecycle().states) {
      if (state != "closed") open_states.push_back(state);
    }
    json problem_query = {{"state", join(open_states, ",")}, {"limit", 200}};
    for (;;) {
      const Page page = services.problems.list(problem_query);
      for (const auto& problem : page.items) {
        const std::int64_t id = problem.at("id").get<std::int64_t>();
        if (concerns(services, customer_id, id, linked)) affected.push_back(id);
      }
      if (!page.next_cursor) break;
      problem_query["cursor"] = *page.next_cursor;
    }
  }
  std::sort(affected.begin(), affected.end());
  affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
  return {{"customer_id", customer_id}, {"problem_ids", affected}};
}

}  // namespace

void register_host_operations(OperationTable& table, DomainServices& services) {
  DomainServices* s = &services;

  table.add("customer.resolve", [s](const json& request, const Actor& actor) {
    return s->customers.resolve(request, actor);
  });
  table.add("customer.get", [s](const json& request, const Actor&) {
    return s->customers.get(required_id(request, "id"));
  });
  table.add("customer.affected_problems",
            [s](const json& request, const Actor&) { return affected_problems(*s, request); });

  table.add("case.intake", [s](const json& request, const Actor& actor) {
    return s->cases.intake(request, actor);
  });
  table.add("case.append_message", [s](const json& request, const Actor& actor) {
    return s->cases.append_message(case_reference(*s, request),
                                   without(request, {"case_id", "number"}), actor);
  });
  table.add("message.set_delivery", [s](const json& request, const Actor& actor) {
    return s->cases.set_delivery(request, actor);
  });
  table.add("case.get", [s](const json& request, const Actor&) {
    return s->cases.get(required_id(request, "id"));
  });
  table.add("case.find_by_number", [s](const json& request, const Actor&) {
    return s->cases.find_by_number(required_text(request, "number", 40));
  });
  table.add("case.list",
            [s](const json& request, const Actor&) { return s->cases.list(request).to_json(); });
  table.add("case.history",
            [s](const json& request, const Actor&) { return s->case_history.page(request); });
  table.add("case.transition", [s](const json& request, const Actor& actor) {
    require_object(request, {"case_id", "number", "state", "revision"}, "case.transition");
    return s->cases.transition(case_reference(*s, request), required_text(request, "state", 40),
                               optional_integer(request, "revision", 1, INT64_MAX), actor);
  });
  table.add("case.messages", [s](const json& request, const Actor&) {
    require_object(request, {"case_id", "number", "after_id", "limit"}, "case.messages");
    return s->cases.messages(
        case_reference(*s, request),
        optional_integer(request, "after_id", 0, INT64_MAX).value_or(0),
        static_cast<int>(optional_integer(request, "limit", 1, 1000).value_or(200)));
  });

  table.add("problem.create", [s](const json& request, const Actor& actor) {
    return s->problems.create(request, actor);
  });
  table.add("problem.get", [s](const json& request, const Actor&) {
    return s->problems.get(required_id(request, "id"));
  });
  table.add("problem.find_by_number", [s](const json& request, const Actor&) {
    return s->problems.find_by_number(required_text(request, "number", 40));
  });
  table.add("problem.list",
            [s](const json& request, const Actor&) { return s->problems.list(request).to_json(); });
  table.add("problem.impact", [s](const json& request, const Actor&) {
    return s->problems.impact(required_id(request, "id")).to_json();
  });
  table.add("problem.link_case", [s](const json& request, const Actor& actor) {
    require_object(request, {"problem_id", "case_id", "number", "move"}, "problem.link_case");
    return s->problems.link_case(required_id(request, "problem_id"), case_reference(*s, request),
                                 optional_bool(request, "move").value_or(false), actor);
  });
  table.add("problem.unlink_case", [s](const json& request, const Actor& actor) {
    require_object(request, {"problem_id", "case_id", "number"}, "problem.unlink_case");
    return s->problems.unlink_case(required_id(request, "problem_id"), case_reference(*s, request),
                                   actor);
  });
  table.add("problem.signatures", [s](const json& request, const Actor&) {
    require_object(request.is_null() ? json::object() : request, {}, "problem.signatures");
    return s->suggestions.problem_signatures();
  });
  table.add("analytics.record_match", [s](const json& request, const Actor& actor) {
    return s->suggestions.record_match(request, actor);
  });
  table.add("suggestion.propose", [s](const json& request, const Actor& actor) {
    return s->suggestions.propose(request, actor);
  });
  table.add("solution.get", [s](const json& request, const Actor&) {
    return s->solutions.get(required_id(request, "problem_id"));
  });

  table.add("article.search", [s](const json& request, const Actor&) {
    require_object(request, {"q", "limit", "include_unpublished"}, "article.search");
    return s->articles.search(
        required_text(request, "q", 500),
        static_cast<int>(optional_integer(request, "limit", 1, 100).value_or(10)),
        optional_bool(request, "include_unpublished").value_or(false));
  });
  table.add("article.get", [s](const json& request, const Actor&) {
    return s->articles.get(required_id(request, "id"));
  });

  table.add("department.get", [s](const json& request, const Actor&) {
    return s->departments.get(required_id(request, "id"));
  });
  table.add("department.list", [s](const json&, const Actor&) { return s->departments.list(); });
}

}  // namespace cxloop::workflow
