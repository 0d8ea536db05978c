#include "workflow/articles.hpp"

#include <soci/soci.h>

#include "repository/database.hpp"
#include "workflow/change_events.hpp"
#include "workflow/clock.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/field_rules.hpp"
#include "workflow/search_words.hpp"
#include "workflow/sql_rows.hpp"
#include "workflow/workflow_context.hpp"

namespace cxloop::workflow {
namespace {

const char* const kColumns =
    "id, title, body, products, published, revision, created_at, updated_at";
const std::set<std::string> kFields = {"title", "body", "products", "published"};

std::string subject_of(std::int64_t id) { return "article:" + std::to_string(id); }

DomainError missing_article(std::int64_t id) {
  return DomainError(ErrorKind::not_found, "article " + std::to_string(id) + " does not exist");
}

std::optional<nlohmann::json> load(soci::session& session, std::int64_t id) {
  return select_one(session, std::string("SELECT ") + kColumns + " FROM articles WHERE id = :id",
                    id, {"products"}, {"published"});
}

}  // namespace

nlohmann::json ArticleService::create(const nlohmann::json& in, const Actor& actor) {
  require_object(in, kFields, "article");
  std::string title = required_text(in, "title", 500);
  std::string body = required_text(in, "body", 1000000);
  auto products = string_list(in, "products");
  bool published = optional_bool(in, "published").value_or(false);
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    std::string now = now_rfc3339();
    std::int64_t id = insert_returning_id(tx, "articles",
                                          {{"title", title},
                                           {"body", body},
                                           {"products", nlohmann::json(products).dump()},
                                           {"published", std::int64_t{published ? 1 : 0}},
                                           {"created_at", now},
                                           {"updated_at", now}});
    result = *load(tx, id);
    changes.record(tx, "article.created", subject_of(id), actor.id,
                   {{"after", {{"title", title}, {"published", published}}}});
  });
  changes.publish(context_);
  return result;
}

nlohmann::json ArticleService::update(std::int64_t id, const nlohmann::json& in,
                                      std::optional<std::int64_t> expected_revision,
                                      const Actor& actor) {
  require_object(in, kFields, "article update");
  SqlFields fields;
  if (in.contains("title")) fields.emplace_back("title", required_text(in, "title", 500));
  if (in.contains("body")) fields.emplace_back("body", required_text(in, "body", 1000000));
  if (in.contains("products")) {
    fields.emplace_back("products", nlohmann::json(string_list(in, "products")).dump());
  }
  if (auto published = optional_bool(in, "published")) {
    fields.emplace_back("published", std::int64_t{*published ? 1 : 0});
  }
  ChangeEvents changes;
  nlohmann::json result;
  context_.db.write([&](soci::session& tx) {
    changes.clear();
    auto before = select_one(
        tx,
        std::string("SELECT ") + kColumns + " FROM articles WHERE id = :id" + row_lock(context_),
        id, {"products"}, {"published"});
    if (!before) throw missing_article(id);
    std::int64_t revision = before->at("revision").get<std::int64_t>();
    if (expected_revision && *expected_revision != revision) {
      throw DomainError(ErrorKind::stale_revision,
                        "article " + std::to_string(id) + " is at revision " +
                            std::to_string(revision) + ", not " +
                            std::to_string(*expected_revision) + "; re-read it and retry");
    }
    SqlFields changed = fields;
    changed.emplace_back("revision", revision + 1);
    changed.emplace_back("updated_at", now_rfc3339());
    update_row(tx, "articles", "id", id, changed);
    result = *load(tx, id);
    nlohmann::json changed_names = nlohmann::json::array();
    for (const auto& entry : fields) changed_names.push_back(entry.first);
    changes.record(tx, "article.updated", subject_of(id), actor.id,
                   {{"fields", changed_names}, {"revision", result.at("revision")}});
  });
  changes.publish(context_);
  return result;
}

nlohmann::json ArticleService::publish(std::int64_t id, bool published, const Actor& actor) {
  return update(id, {{"published", published}}, std::nullopt, actor);
}

nlohmann::json ArticleService::get(std::int64_t id) const {
  std::optional<nlohmann::json> found;
  context_.db.read([&](soci::session& session) { found = load(session, id); });
  if (!found) throw missing_article(id);
  return *found;
}

Page ArticleService::list(const nlohmann::json& query) const {
  nlohmann::json q = query.is_null() ? nlohmann::json::object() : query;
  require_object(q, {"published", "cursor", "limit", "count"}, "article list query");
  auto published = optional_bool(q, "published");
  PageRequest request = PageRequest::from_json(q);
  Page page;
  context_.db.read([&](soci::session& session) {
    page = fetch_page(session, kColumns, "articles", "",
                      [&](SqlQuery& sql) {
                        if (published) sql.where("published = $", std::int64_t{*published ? 1 : 0});
                      },
                      request, {"products"}, {"published"});
  });
  return page;
}

nlohmann::json ArticleService::search(const std::string& text, int limit,
                                      bool include_unpublished) const {
  auto words = search_words(text);
  if (words.empty()) {
    throw DomainError(ErrorKind::invalid,
                      "the search text has no words; send at least one word to look for", "/q");
  }
  limit = std::max(1, std::min(limit, 100));
  bool postgresql = context_.db.backend() == repository::Backend::postgresql;
  std::vector<nlohmann::json> rows;
  context_.db.read([&](soci::session& session) {
    if (postgresql) {
      std::string joined = join(words, " ");
      SqlQuery query(
          "SELECT a.id, a.title, a.body, a.products, a.published, a.revision, a.created_at, "
          "a.updated_at, ts_rank(a.search_vector, plainto_tsquery('english', ");
      query.text(query.bind(joined) + ")) AS rank FROM articles a");
      query.where("a.search_vector @@ plainto_tsquery('english', $)", joined);
      if (!include_unpublished) query.where("a.published = 1");
      query.text(" ORDER BY rank DESC, a.id DESC LIMIT " + std::to_string(limit));
      rows = query.rows(session, {"products"}, {"published"});
    } else {
      // Each word quoted is an FTS5 string, never an operator; bm25 is lower-is-better, so
      // it is negated to share the "higher is better" rank of PostgreSQL. Title hits weigh
      // more than body hits.
      std::string match;
      for (const auto& word : words) {
        if (!match.empty()) match += " ";
        match += "\"" + word + "\"";
      }
      SqlQuery query(
          "SELECT a.id, a.title, a.body, a.products, a.published, a.revision, a.created_at, "
          "a.updated_at, -bm25(articles_fts, 4.0, 1.0) AS rank FROM articles_fts "
          "JOIN articles a ON a.id = articles_fts.rowid");
      query.where("articles_fts MATCH $", match);
      if (!include_unpublished) query.where("a.published = 1");
      query.text(" ORDER BY rank DESC, a.id DESC LIMIT " + std::to_string(limit));
      rows = query.rows(session, {"products"}, {"published"});
    }
  });
  nlohmann::json out = nlohmann::json::array();
  for (auto& row : rows) {
    if (row.at("rank").is_string()) row["rank"] = std::stod(row.at("rank").get<std::string>());
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace cxloop::workflow
