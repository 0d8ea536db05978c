// cxloopctl as an admin uses it: tokens, imports with line-numbered errors, plugins.
// Runs the real binary as a child process against a temporary SQLite database.
#include <catch2/catch.hpp>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

class Workspace {
 public:
  Workspace() : dir_(Poco::TemporaryFile::tempName()) {
    std::filesystem::create_directories(dir_);
    config_ = write("cxloop.json", R"({"data_dir": ")" + dir_ + R"(/data",
        "storage": {"url": "sqlite:)" + dir_ +
                                       R"(/data/cxloop.db"},
        "plugins": {"instances": {}}})");
  }
  ~Workspace() { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  // cxloopctl --config <workspace config> args...
  Run ctl(std::vector<std::string> args, const std::string& config = "") {
    std::vector<std::string> full{"--config", config.empty() ? config_ : config};
    full.insert(full.end(), args.begin(), args.end());
    Poco::Pipe out, err;
    Poco::Process::Env env;
    env["CXLOOP_PLUGIN_PATH"] = std::string(std::getenv("CXLOOP_BUILD_DIR")) + "/plugins";
    auto handle =
        Poco::Process::launch(std::string(std::getenv("CXLOOP_BUILD_DIR")) + "/bin/cxloopctl", full,
                              nullptr, &out, &err, env);
    Run run;
    Poco::PipeInputStream out_stream(out), err_stream(err);
    Poco::StreamCopier::copyToString(out_stream, run.out);
    Poco::StreamCopier::copyToString(err_stream, run.err);
    run.code = handle.wait();
    return run;
  }

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string config_;
};

}  // namespace

TEST_CASE("token create prints the secret once; list never shows it; revoke works") {
  Workspace ws;
  auto created = ws.ctl({"token", "create", "--role", "agent", "--name", "desk one"});
  INFO(created.err);
  REQUIRE(created.code == 0);
  std::string secret = created.out.substr(0, created.out.find('\n'));
  CHECK(std::regex_match(secret, std::regex("cxl_[0-9a-f]{64}")));

  auto listed = ws.ctl({"token", "list"});
  REQUIRE(listed.code == 0);
  CHECK(listed.out.find("desk one") != std::string::npos);
  CHECK(listed.out.find(secret) == std::string::npos);

  auto revoked = ws.ctl({"token", "revoke", "1"});
  INFO(revoked.err);
  CHECK(revoked.code == 0);
  CHECK(revoked.out.find("revoked token 1") != std::string::npos);
}

TEST_CASE("token commands refuse bad input with a message naming what to fix") {
  Workspace ws;
  auto bad_role = ws.ctl({"token", "create", "--role", "root", "--name", "x"});
  CHECK(bad_role.code == 65);
  CHECK(bad_role.err.find("role") != std::string::npos);
  auto missing = ws.ctl({"token", "create", "--name", "x"});
  CHECK(missing.code == 64);
  CHECK(missing.err.find("missing --role") != std::string::npos);
  auto not_a_number = ws.ctl({"token", "revoke", "abc"});
  CHECK(not_a_number.code == 64);
  auto unknown = ws.ctl({"token", "revoke", "42"});
  CHECK(unknown.code == 65);
  auto no_command = ws.ctl({"frobnicate"});
  CHECK(no_command.code == 64);
  CHECK(no_command.err.find("unknown command 'frobnicate'") != std::string::npos);
}

TEST_CASE("import refuses a file with a bad row, names its line, and stores nothing") {
  Workspace ws;
  std::string bad = ws.write("customers.csv",
                             "name,email,region\n"
                             "Ann,ann@example.test,EU\n"
                             "Bob,bob-at-example,EU\n"
                             "Cat,cat@example.test,US\n");
  auto refused = ws.ctl({"import", "customers", bad});
  INFO(refused.err);
  CHECK(refused.code == 65);
  CHECK(refused.err.find("customers.csv:3: /email:") != std::string::npos);
  CHECK(refused.out.find("nothing was imported") != std::string::npos);

  std::string good = ws.write("good.csv",
                              "name,email,region\n"
                              "Ann,ann@example.test,EU\n"
                              "Cat,cat@example.test,US\n");
  auto accepted = ws.ctl({"import", "customers", good});
  INFO(accepted.err);
  CHECK(accepted.code == 0);
  CHECK(accepted.out.find("imported 2 customers") != std::string::npos);

  std::string assets = ws.write("assets.jsonl",
                                "{\"customer_email\":\"ann@example.test\",\"sku\":\"KT-100\"}\n"
                                "{\"customer_email\":\"cat@example.test\",\"sku\":\"KT-100\"}\n");
  auto loaded = ws.ctl({"import", "assets", assets});
  INFO(loaded.err);
  CHECK(loaded.code == 0);
  CHECK(loaded.out.find("imported 2 assets") != std::string::npos);

  // Re-importing the same customers is refused: e-mail addresses are unique.
  auto again = ws.ctl({"import", "customers", good});
  CHECK(again.code == 65);
  CHECK(again.err.find("good.csv:2:") != std::string::npos);

  auto missing = ws.ctl({"import", "customers", ws.dir() + "/nope.csv"});
  CHECK(missing.code == 64);
  CHECK(missing.err.find("cannot read") != std::string::npos);
}

TEST_CASE("plugins lists each configured instance with its state and load error") {
  Workspace ws;
  std::string config = ws.write("plugins.json", R"({"data_dir": ")" + ws.dir() + R"(/data",
      "storage": {"url": "sqlite:)" + ws.dir() + R"(/data/p.db"},
      "plugins": {"instances": {
        "web": {"settings": {}},
        "ghost": {"plugin": "no-such-plugin"},
        "off": {"plugin": "sms", "enabled": false}}}})");
  auto listed = ws.ctl({"plugins"}, config);
  INFO(listed.out << listed.err);
  CHECK(listed.code == 1);  // one instance failed
  CHECK(std::regex_search(listed.out, std::regex("web +web +channel +[0-9.]+ +running")));
  CHECK(
      std::regex_search(listed.out, std::regex("ghost +no-such-plugin .*failed +\\[manifest\\]")));
  CHECK(std::regex_search(listed.out, std::regex("off +sms .*disabled")));
}

TEST_CASE("check-config lists every problem of a bad file by key path") {
  Workspace ws;
  std::string bad = ws.write("bad.json", R"({"http": {"port": "eighty"}, "logging": {"lvl": 1}})");
  auto checked = ws.ctl({"check-config", bad});
  CHECK(checked.code == 78);
  CHECK(checked.err.find("/http/port") != std::string::npos);
  CHECK(checked.err.find("/logging/lvl") != std::string::npos);
}
