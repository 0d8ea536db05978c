#include "workflow_fixture.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

namespace {

std::vector<std::string> titles(const json& hits) {
  std::vector<std::string> out;
  for (const auto& hit : hits) out.push_back(hit.at("title").get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("article search finds stemmed words in title and body, title hits first") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto& articles = f.services.articles;
  articles.create({{"title", "Replacing a cracked kettle lid"},
                   {"body", "Order a replacement lid and fit it."},
                   {"products", {"KET-1"}},
                   {"published", true}},
                  f.agent);
  articles.create({{"title", "Descaling"},
                   {"body", "If the lid cracks while descaling, stop and call us."},
                   {"published", true}},
                  f.agent);
  articles.create(
      {{"title", "Billing questions"}, {"body", "Invoices are sent monthly."}, {"published", true}},
      f.agent);
  articles.create({{"title", "Draft: lid recall"}, {"body", "Not yet public: cracked lids."}},
                  f.agent);

  // "cracking" and "lids" stem to the words in both published lid articles.
  json hits = articles.search("cracking lids", 10, false);
  CHECK(titles(hits) == std::vector<std::string>{"Replacing a cracked kettle lid", "Descaling"});
  CHECK(hits[0].at("rank").get<double>() > hits[1].at("rank").get<double>());
  CHECK(hits[0].at("products") == json::array({"KET-1"}));
  CHECK(titles(articles.search("invoice", 10, false)) ==
        std::vector<std::string>{"Billing questions"});
  CHECK(articles.search("cracked lid", 10, true).size() == 3);
  CHECK(articles.search("toaster", 10, false).empty());
}

TEST_CASE("article search text with query syntax is searched as plain words") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.services.articles.create(
      {{"title", "Kettle lid"}, {"body", "lid NEAR crack"}, {"published", true}}, f.agent);
  CHECK(f.services.articles.search("lid\" * (crack) & !kettle:*", 10, false).size() == 1);
  CHECK(f.services.articles.search("NEAR(lid)", 10, false).size() == 1);
  CHECK(error_kind([&] { f.services.articles.search(" \"*()' ", 10, false); }) ==
        ErrorKind::invalid);
}

TEST_CASE("edited and unpublished articles are searched by their current text") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto& articles = f.services.articles;
  auto id = articles
                .create({{"title", "Old title"}, {"body", "about toasters"}, {"published", true}},
                        f.agent)
                .at("id")
                .get<std::int64_t>();
  articles.update(id, {{"body", "about kettles"}}, 1, f.agent);
  CHECK(articles.search("toasters", 10, false).empty());
  CHECK(articles.search("kettles", 10, false).size() == 1);
  articles.publish(id, false, f.agent);
  CHECK(articles.search("kettles", 10, false).empty());
  CHECK(articles.get(id).at("published") == false);
  CHECK(error_kind([&] {
          articles.update(id, {{"title", "x"}}, 1, f.agent);
        }) == ErrorKind::stale_revision);
}
