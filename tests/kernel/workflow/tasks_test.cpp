#include "workflow_fixture.hpp"

#include "repository/clock.hpp"
#include "repository/event_log.hpp"
#include "repository/outbox.hpp"

using cxloop::repository::Clock;
using cxloop::testing::error_kind;
using cxloop::testing::error_message;
using cxloop::testing::test_backends;
using cxloop::testing::WorkflowFixture;
using cxloop::workflow::ErrorKind;
using nlohmann::json;

namespace {

struct TaskWorld {
  explicit TaskWorld(WorkflowFixture& f, const std::string& connector = "webhook") : f(f) {
    department = f.services.departments
                     .create({{"name", "Manufacturing"},
                              {"connector_instance", connector},
                              {"ola_hours", 48},
                              {"escalation_contact",
                               {{"notifier", "mail-notifier"},
                                {"name", "Plant manager"},
                                {"email", "plant@example.com"}}}},
                             f.agent)
                     .at("id")
                     .get<std::int64_t>();
    problem = f.problems()
                  .create({{"title", "Kettle lids crack"}, {"category", "product_quality"}}, f.agent)
                  .at("id")
                  .get<std::int64_t>();
    f.problems().transition(problem, "investigating", std::nullopt, f.agent);
  }

  std::int64_t new_task(const std::string& title = "Replace lid mould") {
    return f.services.tasks.create(problem, {{"department_id", department}, {"title", title}}, f.agent)
        .at("id")
        .get<std::int64_t>();
  }
  std::string problem_state() { return f.problems().get(problem).at("state").get<std::string>(); }
  void solution() {
    f.services.solutions.put(problem, {{"type", "product_change"}, {"summary", "New mould"}}, std::nullopt,
                             f.agent);
  }
  std::vector<cxloop::repository::OutboxItem> outbox(const std::string& state = "pending") {
    cxloop::repository::Outbox box(f.database.db());
    cxloop::repository::Outbox::Query query;
    query.state = state;
    return box.list(query);
  }
  std::vector<std::string> event_types() {
    cxloop::repository::EventLog log(f.database.db());
    std::vector<std::string> types;
    for (const auto& e : log.for_subject("problem:" + std::to_string(problem), 0, 200)) {
      types.push_back(e.type);
    }
    return types;
  }

  WorkflowFixture& f;
  std::int64_t department = 0;
  std::int64_t problem = 0;
};

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

}  // namespace

TEST_CASE("a task is queued with a TSK number, the department's OLA as due date and its push in the outbox") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  Clock::set_for_tests(*cxloop::repository::parse_rfc3339("2026-03-02T08:00:00Z"));
  TaskWorld w(f);
  json task = f.services.tasks.get(w.new_task());
  Clock::reset_for_tests();
  CHECK(task.at("number") == "TSK-000001");
  CHECK(task.at("status") == "queued");
  CHECK(task.at("connector_instance") == "webhook");
  CHECK(task.at("due_at").get<std::string>().rfind("2026-03-04T08:00:00", 0) == 0);
  CHECK(task.at("overdue") == false);
  auto pending = w.outbox();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].target == "webhook");
  CHECK(pending[0].operation == "push");
  CHECK(pending[0].idempotency_key == "task:1:push");
  json payload = json::parse(pending[0].payload_json);
  CHECK(payload.at("problem").at("title") == "Kettle lids crack");
  CHECK(payload.at("department").at("name") == "Manufacturing");
  // The problem now has an owning department.
  CHECK(f.problems().get(w.problem).at("department_id") == w.department);
  CHECK(contains(w.event_types(), "task.created"));
}

TEST_CASE("a task is refused for a proposed problem, an unknown department or a past due date") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  TaskWorld w(f);
  auto proposed = f.problems().create({{"title", "Other"}}, f.agent).at("id").get<std::int64_t>();
  CHECK(error_message([&] {
          f.services.tasks.create(proposed, {{"department_id", w.department}, {"title", "x"}}, f.agent);
        }).find("is proposed") != std::string::npos);
  CHECK(error_kind([&] {
          f.services.tasks.create(w.problem, {{"department_id", 999}, {"title", "x"}}, f.agent);
        }) == ErrorKind::invalid);
  CHECK(error_message([&] {
          f.services.tasks.create(
              w.problem, {{"department_id", w.department}, {"title", "x"}, {"due_at", "2001-01-01"}},
              f.agent);
        }).find("in the past") != std::string::npos);
  CHECK(error_kind([&] {
          f.services.tasks.create(w.problem, {{"title", "x"}}, f.agent);
        }) == ErrorKind::invalid);
  CHECK(error_kind([&] { f.services.tasks.create(12345, {{"department_id", w.department}, {"title", "x"}}, f.agent); }) ==
        ErrorKind::not_found);
  // Nothing was written by the refused requests.
  CHECK(f.services.tasks.list(json::object()).total == 0);
}

TEST_CASE("a department without a connector keeps its tasks in cxloop only") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  TaskWorld w(f, "");
  auto id = w.new_task();
  CHECK(f.services.tasks.get(id).at("connector_instance").is_null());
  CHECK(w.outbox().empty());
  f.services.tasks.transition(id, "open", "", std::nullopt, f.agent);
  CHECK(w.outbox().empty());
}

TEST_CASE("the problem follows its tasks: fix_in_progress on the first opening, fix_delivered when all are done and the solution is agreed") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  TaskWorld w(f);
  auto first = w.new_task("Replace mould");
  auto second = w.new_task("Update QA check");
  CHECK(w.problem_state() == "investigating");

  f.services.tasks.record_push(first, {{"external_ref", "WH-1"}});
  CHECK(f.services.tasks.get(first).at("status") == "open");
  CHECK(f.services.tasks.get(first).at("external_ref") == "WH-1");
  CHECK(w.problem_state() == "fix_in_progress");

  auto sync = f.services.tasks.apply_external(
      "webhook", json::array({{{"external_ref", "WH-1"}, {"status", "done"}}}), "callback");
  CHECK(sync.statuses_applied == 1);
  CHECK(w.problem_state() == "fix_in_progress");  // the second task is still queued
  f.services.tasks.transition(second, "done", "checked by hand", std::nullopt, f.agent);
  CHECK(w.problem_state() == "fix_in_progress");  // no agreed solution yet

  CHECK(error_kind([&] { f.services.tasks.agree_solution(w.problem, f.agent); }) == ErrorKind::conflict);
  w.solution();
  json problem = f.services.tasks.agree_solution(w.problem, f.agent);
  CHECK(problem.at("state") == "fix_delivered");
  CHECK_FALSE(problem.at("fix_delivered_at").is_null());
  auto types = w.event_types();
  CHECK(contains(types, "solution.agreed"));
  CHECK(contains(types, "task.status_changed"));

  json history = f.services.tasks.history(second);
  REQUIRE(history.at("history").size() == 2);
  CHECK(history.at("history")[1].at("note") == "checked by hand");
  // The agent's status change was sent to the department system.
  bool update_sent = false;
  for (const auto& item : w.outbox()) update_sent = update_sent || item.operation == "update";
  CHECK(update_sent);
}

TEST_CASE("a rejected task does not hold back delivery, and an agreed solution at solution_agreed moves on when the task opens") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  TaskWorld w(f);
  w.solution();
  CHECK(f.services.tasks.agree_solution(w.problem, f.agent).at("state") == "solution_agreed");
  auto kept = w.new_task("Fix");
  auto dropped = w.new_task("Duplicate");
  f.services.tasks.transition(dropped, "rejected", "duplicate of TSK-000001", std::nullopt, f.agent);
  CHECK(w.problem_state() == "solution_agreed");
  f.services.tasks.transition(kept, "in_progress", "", std::nullopt, f.agent);
  CHECK(w.problem_state() == "fix_in_progress");
  f.services.tasks.transition(kept, "done", "", std::nullopt, f.agent);
  CHECK(w.problem_state() == "fix_delivered");
}

TEST_CASE("delivering the fix by hand needs an agreed solution and a note while tasks are unfinished") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  TaskWorld w(f);
  auto id = w.new_task();
  f.services.tasks.transition(id, "open", "", std::nullopt, f.agent);
  REQUIRE(w.problem_state() == "fix_in_progress");
  CHECK(error_message([&] {
          f.problems().transition(w.problem, "fix_delivered", std::nullopt, f.agent);
        }).find("no agreed solution") != std::string::npos);
  w.solution();
  f.services.tasks.agree_solution(w.problem, f.agent);
  CHECK(error_message([&] {
          f.problems().transition(w.problem, "fix_delivered", std::nullopt, f.agent);
        }).find("unfinished") != std::string::npos);
  json delivered = f.problems().transition(w.problem, "fix_delivered", std::nullopt, f.agent,
                                           "shipped by the plant before the ticket closed");
  CHECK(delivered.at("state") == "fix_delivered");
  cxloop::repository::EventLog log(f.database.db());
  bool audited = false;
  for (const auto& e : log.for_subject("problem:" + std::to_string(w.problem), 0, 200)) {
    if (e.type == "problem.state_changed" &&
        json::parse(e.data_json).value("note", "") == "shipped by the plant before the ticket closed") {
      audited = e.actor == "token:1";
    }
  }
  CHECK(audited);
}

TEST_CASE("external changes: unknown references, illegal moves and repeated comments are reported, not applied twice") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  TaskWorld w(f);
  auto id = w.new_task();
  f.services.tasks.record_push(id, {{"external_ref", "RT-7"}, {"url", "http://tracker/7"}});
  // A repeated push answer changes nothing.
  f.services.tasks.record_push(id, {{"external_ref", "RT-7"}});
  CHECK(f.services.tasks.history(id).at("history").size() == 2);
  CHECK(f.services.tasks.get(id).at("external_url") == "http://tracker/7");

  json changes = json::array(
      {{{"external_ref", "RT-7"},
        {"status", "in_progress"},
        {"comments", json::array({{{"id", "c1"}, {"author", "plant"}, {"body", "Mould ordered"}}})}},
       {{"external_ref", "RT-404"}, {"status", "done"}},
       {{"external_ref", "RT-7"}, {"status", "finished"}}});
  auto sync = f.services.tasks.apply_external("webhook", changes, "poll");
  CHECK(sync.statuses_applied == 1);
  CHECK(sync.comments_added == 1);
  CHECK(sync.unknown_refs == std::vector<std::string>{"RT-404"});
  REQUIRE(sync.refused.size() == 1);
  CHECK(sync.refused[0].find("'finished' is not a task status") != std::string::npos);
  // The same comment polled again is not added again; another instance's refs are unknown.
  sync = f.services.tasks.apply_external("webhook", changes, "poll");
  CHECK(sync.comments_added == 0);
  CHECK(sync.statuses_applied == 0);
  CHECK(f.services.tasks.apply_external("other", changes, "poll").unknown_refs.size() == 3);
  CHECK(f.services.tasks.history(id).at("comments").size() == 1);
  CHECK(contains(w.event_types(), "task.comment"));
  CHECK(f.services.tasks.pollable_refs("webhook", 10) == std::vector<std::string>{"RT-7"});
  CHECK(error_kind([&] { f.services.tasks.record_push(id, json::object()); }) == ErrorKind::invalid);
}

TEST_CASE("an overdue task escalates once, to the department's escalation contact, until its due date moves") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  Clock::set_for_tests(*cxloop::repository::parse_rfc3339("2026-03-02T08:00:00Z"));
  TaskWorld w(f);
  auto id = w.new_task();
  f.services.tasks.record_push(id, {{"external_ref", "WH-1"}});
  CHECK(f.services.tasks.escalate_overdue().empty());

  Clock::advance_for_tests(std::chrono::hours(49));
  CHECK(f.services.tasks.escalate_overdue() == std::vector<std::int64_t>{id});
  CHECK(f.services.tasks.escalate_overdue().empty());  // once
  json task = f.services.tasks.get(id);
  CHECK(task.at("overdue") == true);
  CHECK(f.services.tasks.list({{"overdue", "true"}}).total == 1);
  CHECK(contains(w.event_types(), "escalation"));
  std::vector<cxloop::repository::OutboxItem> sends;
  for (const auto& item : w.outbox()) {
    if (item.operation == "send") sends.push_back(item);
  }
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].target == "mail-notifier");
  json notification = json::parse(sends[0].payload_json);
  CHECK(notification.at("kind") == "escalation");
  CHECK(notification.at("recipient").at("email") == "plant@example.com");
  CHECK(notification.at("text").get<std::string>().find("TSK-000001") != std::string::npos);

  // More time: the mark clears, and the new date escalates again when it passes.
  f.services.tasks.update(id, {{"due_at", "2026-03-10T00:00:00Z"}}, std::nullopt, f.agent);
  CHECK(f.services.tasks.get(id).at("overdue") == false);
  Clock::advance_for_tests(std::chrono::hours(24 * 9));
  CHECK(f.services.tasks.escalate_overdue().size() == 1);
  // A finished task never escalates.
  f.services.tasks.transition(id, "done", "", std::nullopt, f.agent);
  Clock::advance_for_tests(std::chrono::hours(24 * 30));
  CHECK(f.services.tasks.escalate_overdue().empty());
  Clock::reset_for_tests();
}

TEST_CASE("an escalation for a department without a notifier says so in the event") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  Clock::set_for_tests(*cxloop::repository::parse_rfc3339("2026-03-02T08:00:00Z"));
  auto department = f.services.departments.create({{"name", "Finance"}, {"ola_hours", 1}}, f.agent);
  auto problem = f.problems().create({{"title", "Double charge"}}, f.agent).at("id").get<std::int64_t>();
  f.problems().transition(problem, "investigating", std::nullopt, f.agent);
  f.services.tasks.create(problem, {{"department_id", department.at("id")}, {"title", "Refund"}}, f.agent);
  Clock::advance_for_tests(std::chrono::hours(2));
  CHECK(f.services.tasks.escalate_overdue().size() == 1);
  Clock::reset_for_tests();
  cxloop::repository::EventLog log(f.database.db());
  bool explained = false;
  for (const auto& e : log.for_subject("problem:" + std::to_string(problem), 0, 100)) {
    if (e.type != "escalation") continue;
    json data = json::parse(e.data_json);
    explained = data.at("notified") == false &&
                data.at("reason").get<std::string>().find("escalation_contact.notifier") != std::string::npos;
  }
  CHECK(explained);
}

TEST_CASE("task transitions follow the task lifecycle and check revisions") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  TaskWorld w(f);
  auto id = w.new_task();
  CHECK(error_kind([&] { f.services.tasks.transition(id, "closed", "", std::nullopt, f.agent); }) ==
        ErrorKind::invalid);
  CHECK(error_kind([&] { f.services.tasks.transition(id, "open", "", 7, f.agent); }) ==
        ErrorKind::stale_revision);
  f.services.tasks.transition(id, "done", "", 1, f.agent);
  CHECK(error_kind([&] { f.services.tasks.transition(id, "in_progress", "", std::nullopt, f.agent); }) ==
        ErrorKind::conflict);
  f.services.tasks.transition(id, "open", "reopened", std::nullopt, f.agent);
  CHECK(f.services.tasks.get(id).at("closed_at").is_null());
  CHECK(error_kind([&] { f.services.tasks.add_comment(id, "  ", f.agent); }) == ErrorKind::invalid);
  f.services.tasks.add_comment(id, "Please prioritise", f.agent);
  CHECK(f.services.tasks.history(id).at("comments")[0].at("body") == "Please prioritise");
  CHECK(error_kind([&] { f.services.tasks.list({{"status", "closed"}}); }) == ErrorKind::invalid);
}

TEST_CASE("a recurring fix escalates to the owning department's contact once per recurrence") {
  WorkflowFixture f(GENERATE(from_range(test_backends())));
  TaskWorld w(f);
  w.new_task();  // gives the problem its owning department
  CHECK(f.services.tasks.escalate_recurrence(w.problem, 41, {{"contacts_after", 9}}));
  CHECK(f.services.tasks.escalate_recurrence(w.problem, 41, {{"contacts_after", 9}}));
  std::vector<cxloop::repository::OutboxItem> sends;
  for (const auto& item : w.outbox()) {
    if (item.operation == "send") sends.push_back(item);
  }
  REQUIRE(sends.size() == 1);  // the same recurrence event is not sent twice
  CHECK(sends[0].target == "mail-notifier");
  CHECK(json::parse(sends[0].payload_json).at("subject").get<std::string>().find("Recurring: PRB-") == 0);
  CHECK(contains(w.event_types(), "escalation"));

  auto lone = f.problems().create({{"title", "No owner"}}, f.agent).at("id").get<std::int64_t>();
  CHECK_FALSE(f.services.tasks.escalate_recurrence(lone, 42, json::object()));
}
