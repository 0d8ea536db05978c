#include "workflow/host_operations.hpp"

#include "workflow/domain_services.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/operation_table.hpp"

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

}  // namespace

void register_host_operations(OperationTable& table, DomainServices& services) {
  DomainServices* s = &services;

  table.add("customer.resolve", [s](const json& request, const Actor& actor) {
    return s->customers.resolve(request, actor);
  });
  table.add("customer.get", [s](const json& request, const Actor&) {
    return s->customers.get(required_id(request, "id"));
  });

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
