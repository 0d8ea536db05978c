// cxloopd's process shell: a Poco ServerApplication that parses the command line, loads the
// config, runs the Server until SIGINT/SIGTERM and shuts it down cleanly.
#pragma once

#include <Poco/Util/ServerApplication.h>

#include <string>
#include <vector>

namespace cxloop::app {

class ServerApplication : public Poco::Util::ServerApplication {
 public:
  ServerApplication();

 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  int main(const std::vector<std::string>& args) override;

 private:
  void print_help() const;
  int check_config() const;

  std::string config_path_ = "config/cxloop.json";
  bool help_ = false;
  bool version_ = false;
  bool check_only_ = false;
};

}  // namespace cxloop::app
