// The cxloopd process end to end: start on an ephemeral port with a temporary data dir,
// answer the operations endpoints, stop cleanly on SIGTERM; and config checking exit codes.
#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Path.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <regex>
#include <thread>

#include "child_process.hpp"

using cxloop::testing::binary;
using cxloop::testing::Child;
using cxloop::testing::TempDir;

namespace {

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
};

Reply get(int port, const std::string& path) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Reply reply;
  reply.status = response.getStatus();
  reply.content_type = response.getContentType();
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

std::string server_config(const TempDir& dir) {
  return R"({"data_dir": ")" + dir.path + R"(/data", "http": {"port": 0, "threads": 4},
            "storage": {"url": "sqlite:)" +
         dir.path + R"(/data/cxloop.db"},
            "plugins": {"instances": {}}})";
}

Poco::Process::Env child_env() {
  Poco::Process::Env env;
  env["CXLOOP_PLUGIN_PATH"] = std::string(std::getenv("CXLOOP_BUILD_DIR")) + "/plugins";
  return env;
}

}  // namespace

TEST_CASE("cxloopd serves the operations endpoints and exits 0 on SIGTERM") {
  TempDir dir;
  const std::string config = dir.file("cxloop.json", server_config(dir));
  Child child(binary("cxloopd"), {"--config", config}, child_env());

  auto port = child.wait_for(std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"),
                             std::chrono::seconds(120));
  INFO(child.output());
  REQUIRE(port.has_value());
  const int p = std::stoi(*port);
  REQUIRE(p > 0);

  auto health = get(p, "/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == R"({"status":"ok"})");

  auto ready = get(p, "/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body.find("\"database\":\"ok\"") != std::string::npos);

  // The plugin list is for admins; without a bearer token the API answers 401 problem+json.
  auto plugins = get(p, "/api/v1/plugins");
  CHECK(plugins.status == 401);
  CHECK(plugins.content_type == "application/problem+json");

  auto metrics = get(p, "/metrics");
  CHECK(metrics.status == 200);
  INFO(metrics.body);
  CHECK(metrics.content_type.find("text/plain") == 0);
  CHECK(metrics.body.find(
            "cxloop_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1") !=
        std::string::npos);
  CHECK(metrics.body.find("cxloop_event_bus_queued") != std::string::npos);
  CHECK(metrics.body.find("cxloop_outbox_items") != std::string::npos);

  CHECK(Poco::File(dir.path + "/data/cxloop.db").exists());

  child.signal(SIGTERM);
  auto code = child.wait_exit(std::chrono::seconds(60));
  INFO(child.output());
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(child.output().find("stopped cleanly") != std::string::npos);
}

TEST_CASE("cxloopd --check-config lists every error with its key path and exits 78") {
  TempDir dir;
  const std::string bad =
      dir.file("bad.json", R"({"http": {"port": "x", "threads": 0}, "logging": {"lvl": 1}})");
  Child child(binary("cxloopd"), {"--check-config", "--config", bad});
  auto code = child.wait_exit(std::chrono::seconds(60));
  REQUIRE(code.has_value());
  CHECK(*code == 78);
  const std::string output = child.output();
  INFO(output);
  CHECK(output.find("/http/port: must be of type integer") != std::string::npos);
  CHECK(output.find("/http/threads: must be between") != std::string::npos);
  CHECK(output.find("/logging/lvl: unknown key") != std::string::npos);
}

TEST_CASE("cxloopd --check-config exits 0 for the shipped default config") {
  const std::string source = std::getenv("CXLOOP_SOURCE_DIR");
  Child child(binary("cxloopd"), {"--check-config", "--config", source + "/config/cxloop.json"});
  auto code = child.wait_exit(std::chrono::seconds(60));
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

TEST_CASE("cxloopd refuses to start on an invalid config file") {
  TempDir dir;
  const std::string bad = dir.file("bad.json", R"({"http": {"prot": 8080}})");
  Child child(binary("cxloopd"), {"--config", bad});
  auto code = child.wait_exit(std::chrono::seconds(60));
  REQUIRE(code.has_value());
  CHECK(*code == 78);
  CHECK(child.output().find("/http/prot: unknown key") != std::string::npos);
}

TEST_CASE("cxloopctl check-config reports errors by key path with exit 78, 0 when valid") {
  TempDir dir;
  const std::string bad = dir.file("bad.json", R"({"storage": {"readers": "four"}})");
  Child failing(binary("cxloopctl"), {"check-config", bad});
  auto code = failing.wait_exit(std::chrono::seconds(60));
  REQUIRE(code.has_value());
  CHECK(*code == 78);
  CHECK(failing.output().find("/storage/readers: must be of type integer") != std::string::npos);

  const std::string good = dir.file("good.json", "{}");
  Child passing(binary("cxloopctl"), {"check-config", good});
  auto ok = passing.wait_exit(std::chrono::seconds(60));
  REQUIRE(ok.has_value());
  CHECK(*ok == 0);
}

TEST_CASE("cxloopctl migrate creates the schema of a new SQLite database") {
  TempDir dir;
  const std::string config = dir.file("cxloop.json", server_config(dir));
  Child first(binary("cxloopctl"), {"migrate", "--config", config});
  auto code = first.wait_exit(std::chrono::seconds(60));
  INFO(first.output());
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(Poco::File(dir.path + "/data/cxloop.db").exists());
}

TEST_CASE("cxloopctl rejects an unknown command with a usage message") {
  Child child(binary("cxloopctl"), {"frobnicate"});
  auto code = child.wait_exit(std::chrono::seconds(60));
  REQUIRE(code.has_value());
  CHECK(*code == 64);
  CHECK(child.output().find("unknown command 'frobnicate'") != std::string::npos);
}
