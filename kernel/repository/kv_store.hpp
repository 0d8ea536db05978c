// The per-plugin-instance key-value store offered to plugins through the host API.
#pragma once

#include <optional>
#include <string>

namespace cxloop::repository {

class Database;

class KvStore {
 public:
  explicit KvStore(Database& db) : db_(db) {}

  std::optional<std::string> get(const std::string& owner, const std::string& key) const;
  void put(const std::string& owner, const std::string& key, const std::string& value);
  // Returns false when the key did not exist.
  bool remove(const std::string& owner, const std::string& key);

 private:
  Database& db_;
};

}  // namespace cxloop::repository
