// The email connector against the real mail servers of the "mail" CTest fixture: task mails
// are read from the department's Maildir as delivered by the SMTP server, and replies are
// placed in the connector's POP3 mailbox over SMTP, as a department's mail client would.
// The built plugin runs in the SDK's test harness (sdk/testing), which calls it as the
// kernel's outbox and poller do.
#include <catch2/catch.hpp>

#include <Poco/Net/ServerSocket.h>

#include <cxloop/sdk/testing/plugin_harness.hpp>

#include "test_mail.hpp"

namespace {

using cxloop::sdk::testing::PluginHarness;
using nlohmann::json;

// A loopback port nothing listens on: bound, then closed again.
std::uint16_t closed_port() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::uint16_t port = socket.address().port();
  socket.close();
  return port;
}

struct Mailboxes {
  std::string connector = cxloop::testing::unique_mailbox("tasks");
  std::string department = cxloop::testing::unique_mailbox("dept");
};

json connector_settings(const Mailboxes& boxes, json extra = json::object()) {
  const auto& mail = cxloop::testing::mail_servers();
  json settings = {{"address", boxes.connector},
                   {"poll_interval_s", 3600},
                   {"smtp", {{"host", mail.host}, {"port", mail.smtp_port}, {"timeout_s", 10}}},
                   {"pop3",
                    {{"host", mail.host},
                     {"port", mail.pop3_port},
                     {"username", boxes.connector},
                     {"password", mail.mail_password},
                     {"timeout_s", 10}}}};
  settings.merge_patch(extra);
  return settings;
}

json task_document(const std::string& department_mailbox, const std::string& key) {
  return {{"id", 12},
          {"number", "TSK-000012"},
          {"problem",
           {{"id", 45},
            {"number", "PRB-000045"},
            {"title", "Kettle lids crack"},
            {"description", "Lids of batch B-17 crack after a week."},
            {"root_cause", "Brittle plastic from one supplier"},
            {"severity", "high"},
            {"scope", {{"sku", "KT-100"}, {"batches", {"B-17"}}}}}},
          {"department",
           {{"id", 3}, {"name", "Manufacturing"}, {"settings", {{"mailbox", department_mailbox}}}}},
          {"title", "Replace the lid supplier"},
          {"description", "Switch batch B-18 onwards to the old supplier."},
          {"due_at", "2026-12-01T12:00:00Z"},
          {"status", "queued"},
          {"idempotency_key", key}};
}

class Connector {
 public:
  explicit Connector(const json& settings) : harness_(CXLOOP_EMAIL_CONNECTOR_DIR) {
    harness_.create(settings, "tasks");
  }

  json invoke(const std::string& operation, const json& request) {
    const auto result = harness_.invoke(operation, request);
    INFO(operation + " -> " + result.text());
    REQUIRE(result.ok());
    return result.response;
  }
  cxloop_status failure(const std::string& operation, const json& request, std::string& message) {
    const auto result = harness_.invoke(operation, request);
    message = result.error;
    return result.status;
  }
  json poll(const std::string& ref) { return invoke("poll", {{"refs", {ref}}}).at("statuses"); }
  // What an admin sees on GET /plugins/<instance>/quarantine.
  json quarantine() {
    const auto result = harness_.handle_http({{"method", "GET"},
                                              {"path", "/plugins/tasks/quarantine"},
                                              {"params", json::object()},
                                              {"query", json::object()},
                                              {"headers", json::object()},
                                              {"body", ""},
                                              {"remote_addr", "127.0.0.1:40000"}});
    REQUIRE(result.ok());
    REQUIRE(result.response.at("status") == 200);
    return json::parse(result.response.at("body").get<std::string>()).at("items");
  }
  bool logged(const std::string& fragment) const { return harness_.logged(fragment); }
  std::map<std::string, std::string> kv() const { return harness_.kv(); }
  void remember(const std::string& key, const std::string& value) { harness_.kv_put(key, value); }

 private:
  PluginHarness harness_;
};

// The value of a (single-line) header of a delivered message, "" when it has none.
std::string header(const std::string& raw, const std::string& name) {
  const std::string text = "\r\n" + raw;  // the first line is a header too
  const std::string key = "\r\n" + name + ": ";
  const auto at = text.find(key);
  if (at == std::string::npos) return {};
  const auto start = at + key.size();
  return text.substr(start, text.find("\r\n", start) - start);
}

std::string reply(const std::string& to, const std::string& subject, const std::string& message_id,
                  const std::string& body, const std::string& in_reply_to = "") {
  std::string raw = "From: Mia Meier <mia@manufacturing.example>\r\nTo: " + to +
                    "\r\nSubject: " + subject + "\r\nMessage-ID: " + message_id +
                    "\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n";
  if (!in_reply_to.empty()) raw += "In-Reply-To: " + in_reply_to + "\r\n";
  return raw + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("A pushed task arrives in the department's mailbox with its token and Message-ID",
          "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes));
  const json result = connector.invoke("push", task_document(boxes.department, "push-1"));
  const std::string token = result.at("external_ref");
  CHECK(token.size() == 12);
  CHECK(result.at("status") == "open");

  const auto mails = cxloop::testing::wait_for_messages(boxes.department, 1);
  REQUIRE(mails.size() == 1);
  const std::string& raw = mails[0];
  CHECK(header(raw, "Subject") == "[TSK-000012#" + token + "] Replace the lid supplier");
  CHECK(header(raw, "Message-ID").find("<cxloop-task.TSK-000012." + token + "@") == 0);
  CHECK(header(raw, "Return-Path") == "<" + boxes.connector + ">");
  CHECK(raw.find("Switch batch B-18 onwards") != std::string::npos);
  CHECK(raw.find("PRB-000045") != std::string::npos);
  CHECK(raw.find("2026-12-01T12:00:00Z") != std::string::npos);
}

TEST_CASE("Pushing the same task again sends one mail and returns the same reference",
          "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes));
  const json task = task_document(boxes.department, "push-twice");
  const json first = connector.invoke("push", task);
  const json second = connector.invoke("push", task);
  CHECK(second.at("external_ref") == first.at("external_ref"));
  // The SMTP server stores a message before it accepts it, so after two answered pushes
  // every mail that was sent is already in the Maildir.
  CHECK(cxloop::testing::delivered_messages(boxes.department).size() == 1);
  const json other = connector.invoke("push", task_document(boxes.department, "another-task"));
  CHECK(other.at("external_ref") != first.at("external_ref"));
  CHECK(cxloop::testing::delivered_messages(boxes.department).size() == 2);
}

TEST_CASE("A 'done' reply comes back from poll as done with the reply's own text as comment",
          "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes));
  const std::string token =
      connector.invoke("push", task_document(boxes.department, "reply-done")).at("external_ref");
  cxloop::testing::send_raw_message(
      boxes.connector,
      reply(boxes.connector, "Re: [TSK-000012#" + token + "] Replace the lid supplier",
            "<done-1@manufacturing.example>",
            "Done - the new lids ship from batch B-18.\r\n\r\nOn Mon, 23 Nov 2026, cxloop "
            "wrote:\r\n> TSK-000012: Replace the lid supplier\r\n"));
  cxloop::testing::wait_for_messages(boxes.connector, 1);

  const json statuses = connector.poll(token);
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].at("external_ref") == token);
  CHECK(statuses[0].at("status") == "done");
  REQUIRE(statuses[0].at("comments").size() == 1);
  const json comment = statuses[0].at("comments")[0];
  CHECK(comment.at("id") == "<done-1@manufacturing.example>");
  CHECK(comment.at("body") == "the new lids ship from batch B-18.");
  CHECK(comment.at("author") == "Mia Meier <mia@manufacturing.example>");
  CHECK(comment.at("at") == "2026-11-23T10:00:00Z");

  // Taken: the reply left the mailbox, so the next poll has nothing new.
  CHECK(cxloop::testing::delivered_messages(boxes.connector).empty());
  const json again = connector.poll(token);
  REQUIRE(again.size() == 1);
  CHECK_FALSE(again[0].contains("status"));
}

TEST_CASE("A reply is attributed by In-Reply-To when its subject lost the token",
          "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes));
  const std::string token =
      connector.invoke("push", task_document(boxes.department, "reply-thread")).at("external_ref");
  const std::string task_mail = cxloop::testing::wait_for_messages(boxes.department, 1)[0];
  cxloop::testing::send_raw_message(
      boxes.connector, reply(boxes.connector, "AW: lids", "<started-1@manufacturing.example>",
                             "In progress\r\n", header(task_mail, "Message-ID")));
  cxloop::testing::send_raw_message(
      boxes.connector,
      reply(boxes.connector, "Re: [TSK-000012#" + token + "]", "<question-1@manufacturing.example>",
            "Which batches exactly?\r\n> quoted task text\r\n"));
  cxloop::testing::wait_for_messages(boxes.connector, 2);

  const json statuses = connector.poll(token);
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].at("status") == "in_progress");
  REQUIRE(statuses[0].at("comments").size() == 1);  // "In progress" alone has no comment
  CHECK(statuses[0].at("comments")[0].at("body") == "Which batches exactly?");
}

TEST_CASE("Replies with an unknown token or none are quarantined with the reason",
          "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes));
  const std::string token =
      connector.invoke("push", task_document(boxes.department, "reply-unknown")).at("external_ref");
  cxloop::testing::send_raw_message(boxes.connector,
                                    reply(boxes.connector, "Re: [TSK-000099#0123456789ab] Other",
                                          "<unknown-1@manufacturing.example>", "done\r\n"));
  cxloop::testing::send_raw_message(
      boxes.connector, reply(boxes.connector, "Out of office", "<ooo-1@manufacturing.example>",
                             "I am away until Monday.\r\n"));
  cxloop::testing::wait_for_messages(boxes.connector, 2);

  const json statuses = connector.poll(token);
  REQUIRE(statuses.size() == 1);
  CHECK_FALSE(statuses[0].contains("status"));
  CHECK(statuses[0].value("comments", json::array()).empty());

  const json kept = connector.quarantine();
  REQUIRE(kept.size() == 2);
  std::string reasons = kept.dump();
  CHECK(reasons.find("unknown task token 0123456789ab") != std::string::npos);
  CHECK(reasons.find("no task token") != std::string::npos);
  CHECK(connector.logged("reply quarantined as"));
  // Kept aside before leaving the mailbox: nothing is lost, nothing is read twice.
  CHECK(cxloop::testing::delivered_messages(boxes.connector).empty());
}

TEST_CASE("A reply for a task the kernel is not asking about stays in the mailbox",
          "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes));
  const std::string first =
      connector.invoke("push", task_document(boxes.department, "stay-1")).at("external_ref");
  const std::string second =
      connector.invoke("push", task_document(boxes.department, "stay-2")).at("external_ref");
  cxloop::testing::send_raw_message(
      boxes.connector, reply(boxes.connector, "Re: [TSK-000012#" + second + "]",
                             "<later-1@manufacturing.example>", "rejected: not our part\r\n"));
  cxloop::testing::wait_for_messages(boxes.connector, 1);

  CHECK_FALSE(connector.poll(first)[0].contains("status"));
  CHECK(cxloop::testing::delivered_messages(boxes.connector).size() == 1);
  const json statuses = connector.poll(second);
  CHECK(statuses[0].at("status") == "rejected");
  CHECK(statuses[0].at("comments")[0].at("body") == "not our part");
}

TEST_CASE("A change made in cxloop is mailed to the department in the task's thread, once",
          "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes));
  json task = task_document(boxes.department, "update-1");
  const std::string token = connector.invoke("push", task).at("external_ref");
  const std::string task_mail = cxloop::testing::wait_for_messages(boxes.department, 1)[0];
  task["external_ref"] = token;
  const json update = {{"task", task},
                       {"change",
                        {{"status", "rejected"},
                         {"comment", "Duplicate of TSK-000011."},
                         {"due_at", "2026-12-24T12:00:00Z"}}},
                       {"idempotency_key", "task:12:update:r3"}};
  connector.invoke("update", update);
  connector.invoke("update", update);  // the outbox repeating the same work
  const auto mails = cxloop::testing::wait_for_messages(boxes.department, 2);
  REQUIRE(mails.size() == 2);
  const std::string& raw = mails[1];
  CHECK(header(raw, "Subject") == "Re: [TSK-000012#" + token + "] Replace the lid supplier");
  CHECK(header(raw, "In-Reply-To") == header(task_mail, "Message-ID"));
  CHECK(raw.find("status to: rejected") != std::string::npos);
  CHECK(raw.find("Duplicate of TSK-000011.") != std::string::npos);
  CHECK(raw.find("2026-12-24T12:00:00Z") != std::string::npos);

  // A department answering that follow-up is attributed by its Message-ID as well.
  cxloop::testing::send_raw_message(
      boxes.connector, reply(boxes.connector, "Re: your note", "<ok-1@manufacturing.example>",
                             "started\r\n", header(raw, "Message-ID")));
  cxloop::testing::wait_for_messages(boxes.connector, 1);
  CHECK(connector.poll(token)[0].at("status") == "in_progress");
}

TEST_CASE("An update for a task that was never pushed is refused as invalid",
          "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes));
  std::string message;
  CHECK(connector.failure("update",
                          {{"task", task_document(boxes.department, "never")},
                           {"change", {{"comment", "hello"}}},
                           {"idempotency_key", "task:12:update:x"}},
                          message) == CXLOOP_ERR_INVALID);
  CHECK(message.find("no external_ref") != std::string::npos);
}

TEST_CASE("A reply nobody asks for within unclaimed_days is quarantined", "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes, {{"unclaimed_days", 3}}));
  const std::string done_task =
      connector.invoke("push", task_document(boxes.department, "unclaimed-1")).at("external_ref");
  cxloop::testing::send_raw_message(
      boxes.connector, reply(boxes.connector, "Re: [TSK-000012#" + done_task + "]",
                             "<thanks-1@manufacturing.example>", "Thanks, closing.\r\n"));
  cxloop::testing::wait_for_messages(boxes.connector, 1);

  // First seen now: it stays.
  connector.invoke("poll", {{"refs", json::array()}});
  CHECK(cxloop::testing::delivered_messages(boxes.connector).size() == 1);
  REQUIRE(connector.kv().count("unclaimed/<thanks-1@manufacturing.example>") == 1);

  // First seen four days ago (as an earlier poll would have recorded it): set aside.
  const auto four_days_ago =
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch() - std::chrono::hours(96))
          .count();
  connector.remember("unclaimed/<thanks-1@manufacturing.example>", std::to_string(four_days_ago));
  connector.invoke("poll", {{"refs", json::array()}});
  CHECK(cxloop::testing::delivered_messages(boxes.connector).empty());
  const json kept = connector.quarantine();
  REQUIRE(kept.size() == 1);
  CHECK(kept.dump().find("was not asked for by cxloop within 3 days") != std::string::npos);
  CHECK(connector.kv().count("unclaimed/<thanks-1@manufacturing.example>") == 0);
}

TEST_CASE("Command words follow the instance's status_map", "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes, {{"status_map", {{"erledigt", "done"}}}}));
  const std::string token =
      connector.invoke("push", task_document(boxes.department, "map-1")).at("external_ref");
  cxloop::testing::send_raw_message(boxes.connector,
                                    reply(boxes.connector, "Re: [TSK-000012#" + token + "]",
                                          "<erledigt-1@manufacturing.example>", "Erledigt.\r\n"));
  cxloop::testing::wait_for_messages(boxes.connector, 1);
  CHECK(connector.poll(token)[0].at("status") == "done");
}

TEST_CASE("A push while the SMTP server is down fails as unavailable, to be retried",
          "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes, {{"smtp", {{"port", closed_port()}}}}));
  std::string message;
  CHECK(connector.failure("push", task_document(boxes.department, "down-1"), message) ==
        CXLOOP_ERR_UNAVAILABLE);
  CHECK(message.find("cannot reach the SMTP server") != std::string::npos);
}

TEST_CASE("A poll while the POP3 server is down fails as unavailable", "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes, {{"pop3", {{"port", closed_port()}}}}));
  std::string message;
  CHECK(connector.failure("poll", {{"refs", {"0123456789ab"}}}, message) == CXLOOP_ERR_UNAVAILABLE);
  CHECK(message.find("settings.pop3") != std::string::npos);
}

TEST_CASE("A task for a department without a mailbox is refused as invalid", "[connector][email]") {
  Mailboxes boxes;
  Connector connector(connector_settings(boxes));
  json task = task_document(boxes.department, "no-mailbox");
  task["department"]["settings"] = json::object();
  std::string message;
  CHECK(connector.failure("push", task, message) == CXLOOP_ERR_INVALID);
  CHECK(message.find("\"mailbox\" in its connector_settings") != std::string::npos);
}
