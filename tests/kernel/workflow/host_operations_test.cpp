#include "workflow_fixture.hpp"

#include <fstream>
#include <sstream>

#include "workflow/host_operations.hpp"
#include "workflow/operation_table.hpp"

using cxloop::testing::error_kind;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::Actor;
using cxloop::workflow::ErrorKind;
using cxloop::workflow::OperationTable;
using nlohmann::json;

TEST_CASE("plugins reach intake, linking and impact through host operations") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  OperationTable table;
  cxloop::workflow::register_host_operations(table, f.services);
  Actor plugin{"plugin:email", "plugin"};

  json intake = table.call("case.intake",
                           {{"channel", "email"},
                            {"external_ref", "m-1"},
                            {"customer", {{"email", "ann@example.com"}}},
                            {"subject", "Lid"},
                            {"body", "cracked"}},
                           plugin);
  std::string number = intake.at("case").at("number");
  CHECK(table.call("case.find_by_number", {{"number", number}}, plugin).at("id") ==
        intake.at("case").at("id"));
  json reply =
      table.call("case.append_message",
                 {{"number", number}, {"direction", "outbound"}, {"body", "On it"}}, plugin);
  CHECK(reply.at("message").at("author") == "plugin:email");
  json problem = table.call("problem.create", {{"title", "Lids"}}, plugin);
  table.call("problem.link_case", {{"problem_id", problem.at("id")}, {"number", number}}, plugin);
  CHECK(table.call("problem.impact", {{"id", problem.at("id")}}, plugin).at("linked_cases") == 1);
  CHECK(table.call("case.list", {{"problem_id", problem.at("id")}}, plugin).at("total") == 1);
  CHECK(table
            .call("case.transition", {{"case_id", intake.at("case").at("id")}, {"state", "open"}},
                  plugin)
            .at("state") == "open");
  CHECK(error_kind([&] { table.call("case.get", json::object(), plugin); }) == ErrorKind::invalid);
  CHECK(error_kind([&] { table.call("case.get", {{"id", 999}}, plugin); }) == ErrorKind::not_found);
}

TEST_CASE("every host operation is documented in docs/host-operations.md") {
  WorkflowFixture f("sqlite");
  OperationTable table;
  cxloop::workflow::register_host_operations(table, f.services);
  const char* source = std::getenv("CXLOOP_SOURCE_DIR");
  REQUIRE(source != nullptr);
  std::ifstream in(std::string(source) + "/docs/host-operations.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& name : table.names()) {
    INFO(name);
    CHECK(text.str().find("`" + name + "`") != std::string::npos);
  }
}
