#include "workflow_fixture.hpp"

#include <soci/soci.h>

#include "repository/migrations.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::error_message;
using cxloop::testing::test_backends;
using cxloop::testing::TestDatabase;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::ErrorKind;
using cxloop::workflow::kTotalCap;
using nlohmann::json;

namespace {

std::vector<std::string> subjects(const cxloop::workflow::Page& page) {
  std::vector<std::string> out;
  for (const auto& item : page.items) out.push_back(item.at("subject").get<std::string>());
  return out;
}

std::int64_t found(WorkflowFixture& f, const std::string& q) {
  return f.cases().list({{"q", q}}).total;
}

// count cases of one customer, subjects "bulk kettle 1".."bulk kettle <count>", written in one
// statement (the intake route would take seconds for a thousand).
void insert_cases(WorkflowFixture& f, std::int64_t customer_id, int count) {
  f.database.db().write([&](soci::session& tx) {
    tx << "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
              std::to_string(count) +
              ") INSERT INTO cases (customer_id, channel, subject, description, created_at, "
              "updated_at) SELECT " +
              std::to_string(customer_id) +
              ", 'api', 'bulk kettle ' || i, 'filled in bulk', '2026-01-01T00:00:00.000000Z', "
              "'2026-01-01T00:00:00.000000Z' FROM n";
  });
}

}  // namespace

TEST_CASE("case search finds cases having every word in subject or description, in any case") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.intake("ann@example.com", "Kettle leaks from the base");
  f.intake("bob@example.com", "Kettle lid cracked");
  f.services.cases.intake({{"channel", "email"},
                           {"customer", {{"email", "cy@example.com"}}},
                           {"subject", "Water on the counter"},
                           {"body", "The KETTLE LEAKS when filled."}},
                          f.agent);

  CHECK(found(f, "kettle") == 3);
  CHECK(found(f, "LEAKS kettle") == 2);    // any order, any case
  CHECK(found(f, "counter leaks") == 1);   // one word in the subject, one in the description
  CHECK(found(f, "kettle toaster") == 0);  // every word must occur
  CHECK(subjects(f.cases().list({{"q", "leaks"}})) ==
        std::vector<std::string>{"Water on the counter", "Kettle leaks from the base"});
}

TEST_CASE("case search matches whole words, not parts of words") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.intake("ann@example.com", "Kettle leaks");
  CHECK(found(f, "kettle") == 1);
  CHECK(found(f, "kett") == 0);
  CHECK(found(f, "leak") == 0);
  CHECK(found(f, "ettle") == 0);
}

TEST_CASE("case search splits words at punctuation the same way on both backends") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.services.cases.intake({{"channel", "email"},
                           {"customer", {{"email", "ann@example.com"}}},
                           {"subject", "KTL-220 base"},
                           {"body", "Write to support@vendor.example or call 555.0100"}},
                          f.agent);
  CHECK(found(f, "KTL-220") == 1);
  CHECK(found(f, "ktl 220") == 1);
  CHECK(found(f, "220") == 1);
  CHECK(found(f, "vendor") == 1);  // an e-mail address is words, not one token
  CHECK(found(f, "support@vendor.example") == 1);
  CHECK(found(f, "0100") == 1);
  CHECK(found(f, "ktl220") == 0);
}

TEST_CASE("case search text cannot reach the search syntax of either backend") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.intake("ann@example.com", "Kettle or toaster");
  // FTS5 and tsquery operators are plain words here: each query either finds the one case or
  // none, and none fails.
  CHECK(found(f, "kettle OR toaster") == 1);  // "or" is a word of the subject
  CHECK(found(f, "kettle AND zzz") == 0);
  CHECK(found(f, "NEAR(kettle toaster)") == 0);  // "near" is not in the case
  CHECK(found(f, "kettle*") == 1);
  CHECK(found(f, "\"kettle") == 1);
  CHECK(found(f, "'kettle' & !toaster | x:*") == 0);  // "x" is not in the case
  CHECK(found(f, "toaster'); DROP TABLE cases;--") == 0);
  CHECK(found(f, "-kettle ^toaster") == 1);
}

TEST_CASE("a search text without a word is refused, and blank text is no filter") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  f.intake("ann@example.com", "Kettle leaks");
  f.intake("bob@example.com", "Lid cracked");
  CHECK(error_kind([&] { f.cases().list({{"q", "!!! --- ***"}}); }) == ErrorKind::invalid);
  CHECK(error_message([&] { f.cases().list({{"q", "%"}}); }).find("'q'") != std::string::npos);
  CHECK(found(f, "") == 2);
  CHECK(found(f, "   ") == 2);
}

TEST_CASE("case search combines with the other filters and pages newest first by cursor") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  for (int i = 1; i <= 7; ++i) {
    f.intake_id("ann@example.com", "kettle " + std::to_string(i),
                {{"sku", i % 2 == 0 ? "KTL-2" : "KTL-1"}});
  }
  f.intake("bob@example.com", "toaster 8", {{"sku", "KTL-1"}});

  auto first = f.cases().list({{"q", "kettle"}, {"sku", "KTL-1"}, {"limit", 2}});
  CHECK(subjects(first) == std::vector<std::string>{"kettle 7", "kettle 5"});
  CHECK(first.total == 4);
  CHECK(first.total_exact);
  REQUIRE(first.next_cursor);

  f.intake("bob@example.com", "kettle late", {{"sku", "KTL-1"}});
  auto second = f.cases().list(
      {{"q", "kettle"}, {"sku", "KTL-1"}, {"limit", 2}, {"cursor", *first.next_cursor}});
  CHECK(subjects(second) == std::vector<std::string>{"kettle 3", "kettle 1"});
  CHECK_FALSE(second.next_cursor);

  auto customer = f.customers().list({{"email", "bob@example.com"}}).items.at(0).at("id");
  CHECK(subjects(f.cases().list({{"q", "kettle"}, {"customer_id", customer}})) ==
        std::vector<std::string>{"kettle late"});
}

TEST_CASE("a case's edited subject and description are searchable, their old words are not") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto id = f.intake_id("ann@example.com", "Kettle leaks");
  f.cases().update(id, {{"subject", "Toaster burns"}, {"description", "bread is black"}},
                   std::nullopt, f.agent);
  CHECK(found(f, "kettle") == 0);
  CHECK(found(f, "toaster") == 1);
  CHECK(found(f, "bread") == 1);
}

TEST_CASE("a list counts its total up to the cap unless asked for an exact count") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto customer = f.intake("ann@example.com", "Kettle leaks").at("customer").at("id");
  insert_cases(f, customer.get<std::int64_t>(), static_cast<int>(kTotalCap) + 5);

  auto capped = f.cases().list({{"limit", 3}});
  CHECK(capped.total == kTotalCap);
  CHECK_FALSE(capped.total_exact);
  CHECK(capped.to_json().at("total_exact") == false);
  CHECK(capped.items.size() == 3);

  auto exact = f.cases().list({{"limit", 3}, {"count", "exact"}});
  CHECK(exact.total == kTotalCap + 6);
  CHECK(exact.total_exact);

  auto searched = f.cases().list({{"q", "bulk kettle"}});
  CHECK(searched.total == kTotalCap);
  CHECK_FALSE(searched.total_exact);
  CHECK(f.cases().list({{"q", "bulk kettle"}, {"count", "exact"}}).total == kTotalCap + 5);

  auto few = f.cases().list({{"q", "leaks"}});
  CHECK(few.total == 1);
  CHECK(few.total_exact);
  CHECK(f.cases().list({{"q", "bulk 17"}}).total == 1);
}

TEST_CASE("a count other than exact is refused naming the choice") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  auto message = error_message([&] { f.cases().list({{"count", "all"}}); });
  CHECK(message.find("count=exact") != std::string::npos);
}

TEST_CASE("cases stored before the search migration become searchable by it") {
  const std::string backend = GENERATE(from_range(test_backends()));
  TestDatabase database(backend, false);
  auto migrations = cxloop::repository::embedded_migrations(
      backend == "sqlite" ? cxloop::repository::Backend::sqlite
                          : cxloop::repository::Backend::postgresql);
  std::vector<cxloop::repository::Migration> before;
  for (const auto& migration : migrations)
    if (migration.version < 6) before.push_back(migration);
  REQUIRE(before.size() < migrations.size());
  cxloop::repository::apply_migrations(database.db(), before);

  cxloop::workflow::WorkflowContext context{database.db(), nullptr, {}, ""};
  cxloop::workflow::DomainServices services(context);
  cxloop::workflow::Actor agent{"token:1", "agent"};
  services.cases.intake({{"channel", "email"},
                         {"customer", {{"email", "ann@example.com"}}},
                         {"subject", "Kettle leaks"},
                         {"body", "Water everywhere"}},
                        agent);

  auto applied = cxloop::repository::apply_migrations(database.db());
  REQUIRE_FALSE(applied.empty());
  CHECK(applied.front() == "0006_case_search");
  CHECK(services.cases.list({{"q", "kettle"}}).total == 1);
  CHECK(services.cases.list({{"q", "everywhere"}}).total == 1);
  CHECK(services.cases.list({{"q", "toaster"}}).total == 0);
}
