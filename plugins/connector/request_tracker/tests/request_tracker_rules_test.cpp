// The request_tracker connector's rules without a server: how a task reads as a ticket, RT's
// dates, the status mapping (defaults, overrides, unknown states), which transactions come
// back as comments, the settings checks and how RT's HTTP answers become SDK statuses.
#include <catch2/catch.hpp>

#include "rt_client.hpp"
#include "rt_settings.hpp"
#include "ticket_document.hpp"
#include "ticket_sync.hpp"

using namespace cxloop::connectors::request_tracker;
using nlohmann::json;

namespace {

json task() {
  return {{"id", 12},
          {"number", "TSK-000012"},
          {"title", "Replace the cracked hinge mould"},
          {"description", "Hinges from batch B-77 crack within a week."},
          {"due_at", "2026-12-01T10:00:00Z"},
          {"problem",
           {{"number", "PRB-000045"},
            {"title", "Cracked hinges"},
            {"severity", "high"},
            {"root_cause", "worn mould"},
            {"scope", {{"batches", {"B-77"}}}}}},
          {"idempotency_key", "task-12-push"}};
}

template <typename F>
cxloop_status status_of(F&& f) {
  try {
    f();
  } catch (const cxloop::sdk::Error& e) {
    return e.status();
  }
  return CXLOOP_OK;
}

json user(const std::string& name) { return {{"id", name}, {"type", "user"}}; }

RtSettings token_settings() {
  return read_settings({{"url", "http://rt.example.test/rt/"},
                        {"queue", "Manufacturing"},
                        {"auth", {{"token", "1-2-abc"}}}});
}

}  // namespace

TEST_CASE("a ticket's subject is the task title with the task number") {
  CHECK(ticket_subject(task()) == "Replace the cracked hinge mould [TSK-000012]");
  json untitled = task();
  untitled.erase("title");
  CHECK(status_of([&] { ticket_subject(untitled); }) == CXLOOP_ERR_INVALID);
}

TEST_CASE("a ticket's content is the description, then the task, its problem and due date") {
  const std::string content = ticket_content(task());
  CHECK(content.rfind("Hinges from batch B-77 crack within a week.\n\n--\n", 0) == 0);
  CHECK(content.find("cxloop task TSK-000012 for problem PRB-000045: Cracked hinges") !=
        std::string::npos);
  CHECK(content.find("Severity: high") != std::string::npos);
  CHECK(content.find("Root cause: worn mould") != std::string::npos);
  CHECK(content.find("Affected scope: {\"batches\":[\"B-77\"]}") != std::string::npos);
  CHECK(content.find("Due: 2026-12-01 10:00:00 UTC") != std::string::npos);

  const json body = ticket_create_body(task(), "Manufacturing");
  CHECK(body.at("Queue") == "Manufacturing");
  CHECK(body.at("Due") == "2026-12-01 10:00:00");
  CHECK(body.at("ContentType") == "text/plain");
  json undated = task();
  undated["due_at"] = nullptr;
  CHECK_FALSE(ticket_create_body(undated, "Manufacturing").contains("Due"));
}

TEST_CASE("due dates are sent to RT in UTC, and a date that is not RFC 3339 is refused") {
  CHECK(rt_date("2026-12-01T10:00:00Z", "due_at") == "2026-12-01 10:00:00");
  CHECK(rt_date("2026-12-01T12:30:00+02:00", "due_at") == "2026-12-01 10:30:00");
  CHECK(rt_date("2026-12-01T10:00:00.250Z", "due_at") == "2026-12-01 10:00:00");
  CHECK(rt_date(nullptr, "due_at") == "1970-01-01 00:00:00");
  for (const json& bad : {json("tomorrow"), json("2026-12-01"), json(20261201)}) {
    try {
      rt_date(bad, "change/due_at");
      FAIL("accepted " << bad.dump());
    } catch (const cxloop::sdk::Error& e) {
      CHECK(e.status() == CXLOOP_ERR_INVALID);
      CHECK(std::string(e.what()).find("'change/due_at' must be an RFC 3339 date") !=
            std::string::npos);
    }
  }
}

TEST_CASE("RT's states map to task states by default and settings override them") {
  const cxloop::sdk::StatusMap defaults(default_status_map());
  CHECK(status_entry(defaults, "7", "new").at("status") == "open");
  CHECK(status_entry(defaults, "7", "open").at("status") == "in_progress");
  CHECK(status_entry(defaults, "7", "stalled").at("status") == "in_progress");
  CHECK(status_entry(defaults, "7", "Resolved").at("status") == "done");
  CHECK(status_entry(defaults, "7", "rejected").at("status") == "rejected");
  CHECK(status_entry(defaults, "7", "deleted").at("status") == "rejected");

  const cxloop::sdk::StatusMap custom(default_status_map(),
                                      {{"stalled", "open"}, {"waiting for parts", "in_progress"}});
  CHECK(status_entry(custom, "7", "stalled").at("status") == "open");
  CHECK(status_entry(custom, "7", "waiting for parts").at("status") == "in_progress");
}

TEST_CASE("an RT state without a task state is reported, not dropped") {
  const cxloop::sdk::StatusMap defaults(default_status_map());
  const json entry = status_entry(defaults, "7", "waiting for parts");
  CHECK(entry.at("external_ref") == "7");
  CHECK_FALSE(entry.contains("status"));
  const std::string error = entry.at("status_error");
  CHECK(error.find("'waiting for parts'") != std::string::npos);
  CHECK(error.find("settings 'status_map'") != std::string::npos);
}

TEST_CASE("correspondence and comments come back, except the connector's own") {
  const json history = json::array({
      {{"id", "38"}, {"Type", "Create"}, {"Creator", user("cxloop")}},
      {{"id", "39"}, {"Type", "Comment"}, {"Creator", user("cxloop")}},
      {{"id", "40"},
       {"Type", "Correspond"},
       {"Creator", user("alice")},
       {"Created", "2026-11-28T09:00:00Z"}},
      {{"id", "41"}, {"Type", "Status"}, {"Creator", user("alice")}},
      {{"id", "42"}, {"Type", "Comment"}, {"Creator", user("bob")}},
      {{"id", "43"}, {"Type", "Correspond"}, {"Creator", user("bob")}},
  });
  const json attachments = json::array({
      {{"TransactionId", "38"}, {"ContentType", "text/plain"}, {"Content", "the task"}},
      {{"TransactionId", "39"}, {"ContentType", "text/plain"}, {"Content", "from cxloop"}},
      {{"TransactionId", "40"}, {"ContentType", "multipart/alternative"}, {"Content", ""}},
      {{"TransactionId", "40"}, {"ContentType", "text/html"}, {"Content", "<p>Fixed</p>"}},
      {{"TransactionId", "40"}, {"ContentType", "text/plain"}, {"Content", " Fixed \n"}},
      {{"TransactionId", "42"},
       {"ContentType", "text/html"},
       {"Content", "<p><b>Note</b> &amp; more</p>"}},
      {{"TransactionId", "43"}, {"ContentType", "image/png"}, {"Content", "PNG"}},
  });
  const json comments = ticket_comments(history, attachments, "cxloop");
  REQUIRE(comments.size() == 2);
  CHECK(comments[0] ==
        json{{"id", "40"}, {"author", "alice"}, {"body", "Fixed"}, {"at", "2026-11-28T09:00:00Z"}});
  CHECK(comments[1] == json{{"id", "42"}, {"author", "bob"}, {"body", "Note & more"}});
}

TEST_CASE("task states ask RT for its own states, and other values are refused") {
  CHECK(rt_status_for("done") == "resolved");
  CHECK(rt_status_for("rejected") == "rejected");
  CHECK(rt_status_for("in_progress") == "open");
  CHECK(rt_status_for("queued") == "new");
  CHECK(status_of([] { rt_status_for("closed"); }) == CXLOOP_ERR_INVALID);
}

TEST_CASE("settings name the key that is wrong") {
  const RtSettings settings = token_settings();
  CHECK(settings.url == "http://rt.example.test/rt");
  CHECK(settings.timeout == std::chrono::seconds(15));
  auto error_of = [](const json& settings) {
    try {
      read_settings(settings);
    } catch (const cxloop::sdk::Error& e) {
      CHECK(e.status() == CXLOOP_ERR_INVALID);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const json base = {{"url", "http://rt"}, {"queue", "Q"}, {"auth", {{"token", "t"}}}};
  json no_auth = base;
  no_auth.erase("auth");
  CHECK(error_of(no_auth).find("settings 'auth' is required") != std::string::npos);
  json both = base;
  both["auth"] = {{"token", "t"}, {"username", "u"}, {"password", "p"}};
  CHECK(error_of(both).find("either 'token' or 'username' and 'password'") != std::string::npos);
  json no_password = base;
  no_password["auth"] = {{"username", "u"}};
  CHECK(error_of(no_password).find("'auth/password'") != std::string::npos);
  json ftp = base;
  ftp["url"] = "ftp://rt";
  CHECK(error_of(ftp).find("settings 'url'") != std::string::npos);
  json timeout = base;
  timeout["timeout_s"] = 0;
  CHECK(error_of(timeout).find("settings 'timeout_s'") != std::string::npos);
}

TEST_CASE("RT's refusals become statuses that say what to fix") {
  const RtSettings settings = token_settings();
  const auto unauthorized = rt_error(401, R"({"message":"Unauthorized"})", "x", settings);
  CHECK(unauthorized.status() == CXLOOP_ERR_FORBIDDEN);
  CHECK(std::string(unauthorized.what()).find("settings 'auth'") != std::string::npos);
  const auto denied = rt_error(403, R"({"message":"No permission to create tickets"})",
                               "creating a ticket in queue 'Q'", settings);
  CHECK(denied.status() == CXLOOP_ERR_FORBIDDEN);
  CHECK(std::string(denied.what()).find("No permission to create tickets") != std::string::npos);
  CHECK(std::string(denied.what()).find("settings 'auth/token'") != std::string::npos);
  CHECK(rt_error(404, R"({"message":"Not Found"})", "x", settings).status() ==
        CXLOOP_ERR_NOT_FOUND);
  CHECK(rt_error(500, "<html>oops</html>", "x", settings).status() == CXLOOP_ERR_UNAVAILABLE);
  CHECK(rt_error(503, "", "x", settings).status() == CXLOOP_ERR_UNAVAILABLE);
  const auto bad = rt_error(400, R"({"message":"Invalid Queue"})", "x", settings);
  CHECK(bad.status() == CXLOOP_ERR_INVALID);
  CHECK(std::string(bad.what()).find("Invalid Queue") != std::string::npos);
}
