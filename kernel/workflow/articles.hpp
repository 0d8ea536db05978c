// Knowledge articles: workarounds and answers agents and customers can find. Full-text
// search runs in the database: an FTS5 table on SQLite, a tsvector with a GIN index on
// PostgreSQL, both stemming English words and ranking title hits above body hits.
//
// Record shape: {id, title, body, products: [sku...], published, revision, created_at,
// updated_at}. Search hits add "rank" (higher is better; comparable within one search only).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "workflow/cursor_page.hpp"
#include "workflow/operation_table.hpp"

namespace cxloop::workflow {

struct WorkflowContext;

class ArticleService {
 public:
  explicit ArticleService(WorkflowContext& context) : context_(context) {}

  // fields: title, body, products?, published? (default false).
  nlohmann::json create(const nlohmann::json& fields, const Actor& actor);
  nlohmann::json update(std::int64_t id, const nlohmann::json& fields,
                        std::optional<std::int64_t> expected_revision, const Actor& actor);
  nlohmann::json publish(std::int64_t id, bool published, const Actor& actor);
  nlohmann::json get(std::int64_t id) const;
  // Filters: published (true/false), cursor, limit.
  Page list(const nlohmann::json& query) const;
  // Words of text must all occur (stemmed, any order); best matches first. One backend
  // difference: PostgreSQL ignores English stop words ("the", "or") in the text, SQLite
  // requires them like any other word. Unpublished
  // articles are included only when include_unpublished is true.
  nlohmann::json search(const std::string& text, int limit, bool include_unpublished) const;

 private:
  WorkflowContext& context_;
};

}  // namespace cxloop::workflow
