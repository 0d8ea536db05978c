// The fix loop through the real cxloopd binary and the bundled webhook connector, as a new
// user would drive it: a task routed to a department whose receiver is down, the server
// killed while the push waits in the outbox, then restarted; the receiver comes back and gets
// the task exactly once; the department completes it with a signed callback and the problem
// reaches fix_delivered once its solution is agreed.
#include <catch2/catch.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <map>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "cxloop_processes.hpp"
#include "hmac_sha256.hpp"

using cxloop::testing::call;
using cxloop::testing::Child;
using cxloop::testing::eventually;
using cxloop::testing::TempDir;
using nlohmann::json;

namespace {

constexpr const char* kSecret = "department-shared-secret-0123456789";

struct Delivery {
  std::map<std::string, std::string> headers;
  std::string body;
};

// A department's webhook receiver: records every POST and answers with a reference.
class Receiver {
 public:
  // Binds port 0 the first time, then the same port on every restart.
  void start() {
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress("127.0.0.1", port_), true);
    socket.listen(16);
    port_ = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setKeepAlive(false);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
    server_->start();
  }
  void stop() {
    if (server_) server_->stopAll(true);
    server_.reset();
  }
  ~Receiver() { stop(); }

  std::uint16_t port() const { return port_; }
  std::vector<Delivery> deliveries() {
    std::lock_guard<std::mutex> lock(mutex_);
    return deliveries_;
  }

 private:
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(Receiver& owner) : owner_(owner) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      Delivery delivery;
      for (const auto& [name, value] : request) delivery.headers[name] = value;
      Poco::StreamCopier::copyToString(request.stream(), delivery.body);
      std::size_t n;
      {
        std::lock_guard<std::mutex> lock(owner_.mutex_);
        owner_.deliveries_.push_back(delivery);
        n = owner_.deliveries_.size();
      }
      response.setContentType("application/json");
      response.send() << json{{"external_ref", "PLANT-" + std::to_string(n)}}.dump();
    }

   private:
    Receiver& owner_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(Receiver& owner) : owner_(owner) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(owner_);
    }

   private:
    Receiver& owner_;
  };

  std::uint16_t port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::mutex mutex_;
  std::vector<Delivery> deliveries_;
};

std::string config_text(const TempDir& dir, std::uint16_t receiver_port) {
  json config = {
      {"data_dir", dir.path + "/data"},
      {"http", {{"port", 0}, {"threads", 4}}},
      {"storage", {{"url", "sqlite:" + dir.path + "/data/cxloop.db"}}},
      {"workers", {{"outbox_poll_ms", 50}, {"timer_interval_ms", 200}}},
      {"plugins",
       {{"instances",
         {{"plant",
           {{"plugin", "webhook"},
            {"required", true},
            {"settings",
             {{"url", "http://127.0.0.1:" + std::to_string(receiver_port) + "/cxloop/tasks"},
              {"secret", kSecret},
              {"timeout_s", 2}}}}}}}}}};
  return config.dump(2);
}

std::map<std::string, std::string> signed_headers(const std::string& body) {
  const std::string timestamp =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count());
  return {{"X-Cxloop-Timestamp", timestamp},
          {"X-Cxloop-Signature",
           "sha256=" + cxloop::plugins::hmac_sha256_hex(kSecret, timestamp + "." + body)}};
}

}  // namespace

TEST_CASE(
    "a task survives a receiver outage and a server crash, is delivered once, and a signed "
    "callback delivers the fix") {
  TempDir dir;
  Receiver receiver;
  receiver.start();  // learn a free port, then go down: the department system is unreachable
  receiver.stop();
  const std::string config = dir.file("cxloop.json", config_text(dir, receiver.port()));

  REQUIRE(cxloop::testing::cxloopctl(config, {"migrate"}) == 0);
  const std::string token = cxloop::testing::create_token(config, "admin");

  std::unique_ptr<Child> server;
  int port = cxloop::testing::start_cxloopd(server, config);

  auto department = call(port, "POST", "/api/v1/departments", token,
                         json{{"name", "Manufacturing"}, {"connector_instance", "plant"}}.dump());
  REQUIRE(department.status == 201);
  auto problem = call(port, "POST", "/api/v1/problems", token,
                      json{{"title", "Kettle lids crack"}, {"category", "product_quality"}}.dump());
  REQUIRE(problem.status == 201);
  const std::string problem_path =
      "/api/v1/problems/" + std::to_string(problem.document().at("id").get<int>());
  REQUIRE(call(port, "POST", problem_path + "/transition", token, R"({"state":"investigating"})")
              .status == 200);
  auto task = call(port, "POST", problem_path + "/tasks", token,
                   json{{"department_id", department.document().at("id")},
                        {"title", "Replace the lid mould"},
                        {"due_at", "2099-01-01"}}
                       .dump());
  REQUIRE(task.status == 201);
  const std::string task_path = "/api/v1/tasks/" + task.document().at("number").get<std::string>();

  // The push is retried while the receiver is down; the API stays responsive meanwhile.
  REQUIRE(eventually(
      [&] {
        auto items = call(port, "GET", "/api/v1/outbox?target=plant", token).document().at("items");
        return !items.empty() && items[0].at("attempts").get<int>() >= 1 &&
               !items[0].at("last_error").get<std::string>().empty();
      },
      std::chrono::seconds(30)));
  CHECK(call(port, "GET", task_path, token).document().at("status") == "queued");

  // Crash: no clean shutdown, the push is still only in the outbox.
  server->signal(SIGKILL);
  server->wait_exit(std::chrono::seconds(10));
  receiver.start();
  port = cxloop::testing::start_cxloopd(server, config);

  REQUIRE(eventually(
      [&] { return call(port, "GET", task_path, token).document().at("status") == "open"; },
      std::chrono::seconds(60)));
  // Settle: nothing more arrives once the task is open.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto deliveries = receiver.deliveries();
  REQUIRE(deliveries.size() == 1);
  json pushed = json::parse(deliveries[0].body);
  CHECK(pushed.at("task").at("title") == "Replace the lid mould");
  const std::string timestamp = deliveries[0].headers["X-Cxloop-Timestamp"];
  CHECK(deliveries[0].headers["X-Cxloop-Signature"] ==
        "sha256=" +
            cxloop::plugins::hmac_sha256_hex(kSecret, timestamp + "." + deliveries[0].body));
  json open_task = call(port, "GET", task_path, token).document();
  CHECK(open_task.at("external_ref") == "PLANT-1");
  CHECK(call(port, "GET", problem_path, token).document().at("state") == "fix_in_progress");

  // Callbacks: unsigned and wrongly signed ones are refused and change nothing.
  const std::string done =
      json{{"external_ref", "PLANT-1"},
           {"status", "done"},
           {"comment", {{"id", "c-1"}, {"author", "plant"}, {"body", "New mould in use"}}}}
          .dump();
  CHECK(call(port, "POST", "/hooks/connectors/plant", "", done).status == 401);
  auto forged = signed_headers(done);
  forged["X-Cxloop-Signature"] = "sha256=" + std::string(64, '0');
  CHECK(call(port, "POST", "/hooks/connectors/plant", "", done, forged).status == 401);
  CHECK(call(port, "POST", "/hooks/connectors/nobody", "", done, signed_headers(done)).status ==
        404);
  CHECK(call(port, "GET", task_path, token).document().at("status") == "open");

  auto headers = signed_headers(done);
  auto accepted = call(port, "POST", "/hooks/connectors/plant", "", done, headers);
  INFO(accepted.body);
  REQUIRE(accepted.status == 200);
  CHECK(accepted.document().at("statuses_applied") == 1);
  CHECK(accepted.document().at("comments_added") == 1);
  CHECK(call(port, "POST", "/hooks/connectors/plant", "", done, headers).status == 401);  // replay
  CHECK(call(port, "GET", task_path, token).document().at("status") == "done");
  auto history = call(port, "GET", task_path + "/history", token).document();
  CHECK(history.at("comments")[0].at("body") == "New mould in use");

  // Agreeing the solution delivers the fix: every task is done.
  REQUIRE(call(port, "PUT", problem_path + "/solution", token,
               json{{"type", "product_change"}, {"summary", "New lid mould"}}.dump())
              .status == 200);
  auto agreed = call(port, "POST", problem_path + "/solution/agree", token);
  INFO(agreed.body);
  REQUIRE(agreed.status == 200);
  CHECK(agreed.document().at("state") == "fix_delivered");
  CHECK(receiver.deliveries().size() == 1);

  server->signal(SIGTERM);
  CHECK(server->wait_exit(std::chrono::seconds(30)) == 0);
}
