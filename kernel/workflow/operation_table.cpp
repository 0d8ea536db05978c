#include "workflow/operation_table.hpp"

#include <stdexcept>

#include "workflow/domain_error.hpp"

namespace cxloop::workflow {

void OperationTable::add(std::string name, Operation operation) {
  if (operations_.count(name) != 0) {
    throw std::logic_error("operation registered twice: " + name);
  }
  operations_.emplace(std::move(name), std::move(operation));
}

nlohmann::json OperationTable::call(const std::string& name, const nlohmann::json& request,
                                    const Actor& actor) const {
  auto it = operations_.find(name);
  if (it == operations_.end()) {
    throw DomainError(ErrorKind::not_found, "unknown host operation '" + name +
                                                "'; see docs/sdk.md for the list of operations");
  }
  return it->second(request, actor);
}

std::vector<std::string> OperationTable::names() const {
  std::vector<std::string> out;
  out.reserve(operations_.size());
  for (const auto& entry : operations_) out.push_back(entry.first);
  return out;
}

}  // namespace cxloop::workflow
