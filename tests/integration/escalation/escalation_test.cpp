// Overdue escalation end to end: a task past its due date (the clock moved, not waited for)
// reaches the department's escalation contact as a real mail through the bundled email
// notifier and the test SMTP server, and shows on the task and the problem's timeline.
#include <catch2/catch.hpp>

#include "channel_server.hpp"
#include "repository/clock.hpp"
#include "test_mail.hpp"

using cxloop::repository::Clock;
using cxloop::testing::ChannelServer;
using cxloop::testing::mail_servers;
using cxloop::testing::plugin_instance;
using nlohmann::json;

TEST_CASE("an overdue task is escalated by mail to the department's escalation contact") {
  const auto& mail = mail_servers();
  const std::string contact = cxloop::testing::unique_mailbox("escalation");
  ChannelServer server({plugin_instance(
      "notify-email", "email_notifier",
      {{"address", "cxloop@" + mail.mail_domain},
       {"smtp", {{"host", mail.host}, {"port", mail.smtp_port}, {"starttls", false}}}})});

  // Departments are an admin's business; the test's client is an agent.
  const auto department = server.server().domain().departments.create(
      {{"name", "Finance"},
       {"ola_hours", 24},
       {"escalation_contact", {{"notifier", "notify-email"}, {"name", "Head of billing"}, {"email", contact}}}},
      {"system", "system"});
  const auto problem = server.api_json("POST", "/api/v1/problems", {{"title", "Invoices charged twice"}});
  const std::string problem_path = "/api/v1/problems/" + std::to_string(problem.at("id").get<int>());
  server.api_json("POST", problem_path + "/transition", {{"state", "investigating"}});
  const auto task = server.api_json("POST", problem_path + "/tasks",
                                    {{"department_id", department.at("id")}, {"title", "Refund the duplicates"}});
  const std::string task_path = "/api/v1/tasks/" + task.at("number").get<std::string>();

  // Not yet due: nothing happens.
  CHECK(server.server().domain().tasks.escalate_overdue().empty());
  Clock::set_for_tests(Clock::now() + std::chrono::hours(25));
  auto escalated = server.server().domain().tasks.escalate_overdue();
  REQUIRE(escalated.size() == 1);
  // The clock stays moved until the mail is out: the outbox dates its work by it too.
  auto messages = cxloop::testing::wait_for_messages(contact, 1, std::chrono::seconds(30));
  Clock::reset_for_tests();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].find(task.at("number").get<std::string>()) != std::string::npos);
  CHECK(messages[0].find("Overdue") != std::string::npos);
  CHECK(server.api_json("GET", task_path).at("overdue") == true);
  auto overdue = server.api_json("GET", "/api/v1/tasks?overdue=true");
  CHECK(overdue.at("total") == 1);
  bool on_timeline = false;
  const auto timeline = server.api_json("GET", problem_path + "/events").at("items");
  INFO(timeline.dump());
  for (const auto& event : timeline) {
    on_timeline = on_timeline || (event.at("type") == "escalation" && event.at("data").at("notified") == true);
  }
  CHECK(on_timeline);
  // The gauge operators alert on.
  const std::string metrics = server.request("GET", "/metrics").body;
  CHECK(metrics.find("cxloop_tasks_overdue 1") != std::string::npos);
  CHECK(metrics.find("cxloop_tasks_open{department=\"Finance\",status=\"queued\"} 1") != std::string::npos);
  // Escalated once: a second sweep sends nothing more.
  CHECK(server.server().domain().tasks.escalate_overdue().empty());
}
