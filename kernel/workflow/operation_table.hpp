// Named business operations ("case.create", "customer.resolve", ...) that plugins reach
// through cxloop_host_api::call. Each operation is a thin adapter over the workflow services,
// so a plugin sees exactly the rules the REST API applies.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cxloop::workflow {

// Who is acting: "plugin:<instance>", "token:<id>", "system".
struct Actor {
  std::string id;
  std::string role;  // admin | agent | department | ingest | plugin | system
};

class OperationTable {
 public:
  using Operation =
      std::function<nlohmann::json(const nlohmann::json& request, const Actor& actor)>;

  // Adding a name twice throws std::logic_error.
  void add(std::string name, Operation operation);
  // Throws DomainError(not_found) for an unknown name, and whatever the operation throws.
  nlohmann::json call(const std::string& name, const nlohmann::json& request,
                      const Actor& actor) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Operation> operations_;
};

}  // namespace cxloop::workflow
