// Child processes for tests that run the real binaries: the path of a built binary, a scratch
// folder removed afterwards, and a child whose stderr is collected so a test can wait for a
// log line with a deadline, signal it (SIGTERM for a clean stop, SIGKILL for a crash) and read
// its exit code.
#pragma once

#include <catch2/catch.hpp>

#include <Poco/File.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
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
#include <string>
#include <thread>
#include <vector>

namespace cxloop::testing {

inline std::string binary(const std::string& name) {
  const char* build = std::getenv("CXLOOP_BUILD_DIR");
  REQUIRE(build != nullptr);
  return std::string(build) + "/bin/" + name;
}

// A scratch folder removed when the test ends.
struct TempDir {
  std::string path = Poco::TemporaryFile::tempName();
  TempDir() { Poco::File(path).createDirectories(); }
  ~TempDir() {
    try {
      Poco::File(path).remove(true);
    } catch (...) {
    }
  }
  std::string file(const std::string& name, const std::string& text) const {
    std::string full = path + "/" + name;
    std::ofstream(full) << text;
    return full;
  }
};

// A child process whose stderr is collected line by line by a reader thread, so the test can
// wait for a line with a deadline instead of blocking on the pipe.
class Child {
 public:
  Child(const std::string& command, const std::vector<std::string>& args,
        const Poco::Process::Env& env = {})
      : handle_(Poco::Process::launch(command, args, nullptr, nullptr, &err_, env)) {
    reader_ = std::thread([this] {
      Poco::PipeInputStream in(err_);
      std::string line;
      while (std::getline(in, line)) {
        std::lock_guard<std::mutex> lock(mutex_);
        output_ += line + "\n";
        changed_.notify_all();
      }
      std::lock_guard<std::mutex> lock(mutex_);
      eof_ = true;
      changed_.notify_all();
    });
  }
  ~Child() {
    if (!exited_) {
      ::kill(handle_.id(), SIGKILL);
      wait_exit(std::chrono::seconds(10));
    }
    if (reader_.joinable()) reader_.join();
  }

  // The first match of pattern's group 1 in the output, waiting up to timeout for it.
  std::optional<std::string> wait_for(const std::regex& pattern, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::smatch match;
    const bool found = changed_.wait_for(
        lock, timeout, [&] { return std::regex_search(output_, match, pattern) || eof_; });
    if (found && std::regex_search(output_, match, pattern)) return match[1].str();
    return std::nullopt;
  }

  // The exit code, or nullopt if the process is still running after timeout.
  std::optional<int> wait_exit(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      pid_t done = ::waitpid(handle_.id(), &status, WNOHANG);
      if (done == handle_.id()) {
        exited_ = true;
        if (reader_.joinable()) reader_.join();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, not asserting
    }
    return std::nullopt;
  }

  void signal(int sig) { ::kill(handle_.id(), sig); }

  std::string output() {
    std::lock_guard<std::mutex> lock(mutex_);
    return output_;
  }

 private:
  Poco::Pipe err_;
  Poco::ProcessHandle handle_;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string output_;
  bool eof_ = false;
  bool exited_ = false;
};

}  // namespace cxloop::testing
