// The postcard notifier in the SDK's test harness, writing into a fresh directory: what the
// mail house gets (campaign-<id>.csv, RFC 4180), once per notification and per campaign.
#include <catch2/catch.hpp>

#include <cxloop/sdk/testing/plugin_harness.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

using cxloop::sdk::testing::PluginHarness;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct PrintRoom {
  PrintRoom() {
    std::random_device random;
    directory = fs::temp_directory_path() /
                ("cxloop-postcard-test-" + std::to_string(random()) + std::to_string(random()));
    fs::create_directories(directory);
  }
  ~PrintRoom() {
    std::error_code ignored;
    fs::remove_all(directory, ignored);
  }
  std::string read(const std::string& name) const {
    std::ifstream in(directory / name, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // The names in the directory, hidden ones (the spool, temporary files) included.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(directory)) {
      out.push_back(entry.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path directory;
};

json notification(int id, const std::string& name, const json& address,
                  const std::string& text = "Your kettle lid will be replaced.",
                  const std::string& campaign = "7") {
  return {{"notification_id", id},
          {"kind", "advisory"},
          {"idempotency_key", "campaign/" + campaign + "/customer/" + std::to_string(id)},
          {"channel", "postcards"},
          {"campaign_id", campaign},
          {"recipient", {{"customer_id", id}, {"name", name}, {"postal_address", address}}},
          {"subject", "Kettle lids"},
          {"text", text}};
}

struct Postcards {
  explicit Postcards(const PrintRoom& room, json settings = json::object())
      : harness(CXLOOP_POSTCARD_DIR) {
    if (!settings.contains("directory")) settings["directory"] = room.directory.string();
    harness.create(settings, "postcards");
  }
  PluginHarness harness;
};

}  // namespace

TEST_CASE("closing a batch writes one row per postcard with padded address columns") {
  PrintRoom room;
  Postcards postcards(room);
  auto& h = postcards.harness;
  REQUIRE(h.invoke("send", notification(1, "Ann Smith", {"1 High Street", "Leeds LS1 1AA"})).ok());
  REQUIRE(
      h.invoke("send", notification(2, "Bob Jones", {"Flat 2", "5 Mill Lane", "York", "YO1 7HH"}))
          .ok());
  CHECK_FALSE(fs::exists(room.directory / "campaign-7.csv"));  // nothing before the close

  auto closed = h.invoke("close_batch", {{"campaign_id", "7"}, {"idempotency_key", "close/7"}});
  REQUIRE(closed.ok());
  CHECK(closed.response.at("rows") == 2);
  CHECK(closed.response.at("file") == fs::absolute(room.directory / "campaign-7.csv").string());
  CHECK(room.read("campaign-7.csv") ==
        "name,address_line_1,address_line_2,address_line_3,address_line_4,message\r\n"
        "Ann Smith,1 High Street,Leeds LS1 1AA,,,Your kettle lid will be replaced.\r\n"
        "Bob Jones,Flat 2,5 Mill Lane,York,YO1 7HH,Your kettle lid will be replaced.\r\n");
}

TEST_CASE("fields with commas, quotes and line breaks are quoted as RFC 4180 says") {
  PrintRoom room;
  Postcards postcards(room);
  auto& h = postcards.harness;
  REQUIRE(h.invoke("send", notification(1, "O'Neil, \"Pat\"", {"Unit 4, Dock Road", "Hull"},
                                        "Dear Pat,\nyour kettle lid will be replaced.\r\nThanks"))
              .ok());
  REQUIRE(h.invoke("close_batch", {{"campaign_id", "7"}, {"idempotency_key", "c"}}).ok());
  CHECK(room.read("campaign-7.csv") ==
        "name,address_line_1,address_line_2,message\r\n"
        "\"O'Neil, \"\"Pat\"\"\",\"Unit 4, Dock Road\",Hull,"
        "\"Dear Pat,\nyour kettle lid will be replaced.\r\nThanks\"\r\n");
}

TEST_CASE("a notification sent twice is printed once") {
  PrintRoom room;
  Postcards postcards(room);
  auto& h = postcards.harness;
  auto first = h.invoke("send", notification(1, "Ann Smith", {"1 High Street"}));
  auto again = h.invoke("send", notification(1, "Ann Smith", {"1 High Street"}));
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(first.response == again.response);
  CHECK(first.response.at("state") == "sent");
  auto closed = h.invoke("close_batch", {{"campaign_id", "7"}, {"idempotency_key", "c"}});
  CHECK(closed.response.at("rows") == 1);
}

TEST_CASE("a postcard spooled again after a lost acknowledgement is printed once") {
  PrintRoom room;
  Postcards postcards(room);
  auto& h = postcards.harness;
  REQUIRE(h.invoke("send", notification(1, "Ann Smith", {"1 High Street"})).ok());
  // As if the server died after the spool write but before the key was recorded, and the
  // outbox's retry spooled the same postcard again.
  const fs::path spool = room.directory / ".spool" / "campaign-7.jsonl";
  const std::string line = room.read(".spool/campaign-7.jsonl");
  REQUIRE_FALSE(line.empty());
  std::ofstream(spool, std::ios::app) << line;
  REQUIRE(h.invoke("send", notification(2, "Bob Jones", {"5 Mill Lane"})).ok());
  auto closed = h.invoke("close_batch", {{"campaign_id", "7"}, {"idempotency_key", "c"}});
  CHECK(closed.response.at("rows") == 2);
  CHECK(room.read("campaign-7.csv") ==
        "name,address_line_1,message\r\n"
        "Ann Smith,1 High Street,Your kettle lid will be replaced.\r\n"
        "Bob Jones,5 Mill Lane,Your kettle lid will be replaced.\r\n");
}

TEST_CASE("a torn spool line from a crash is skipped and the batch still closes") {
  PrintRoom room;
  Postcards postcards(room);
  auto& h = postcards.harness;
  REQUIRE(h.invoke("send", notification(1, "Ann Smith", {"1 High Street"})).ok());
  {
    std::ofstream spool(room.directory / ".spool" / "campaign-7.jsonl", std::ios::app);
    spool << "{\"key\":\"campaign/7/customer/9\",\"name\":\"Half";  // the crash
  }
  REQUIRE(h.invoke("send", notification(2, "Bob Jones", {"5 Mill Lane"})).ok());
  auto closed = h.invoke("close_batch", {{"campaign_id", "7"}, {"idempotency_key", "c"}});
  REQUIRE(closed.ok());
  CHECK(closed.response.at("rows") == 2);
  CHECK(room.read("campaign-7.csv") ==
        "name,address_line_1,message\r\n"
        "Ann Smith,1 High Street,Your kettle lid will be replaced.\r\n"
        "Bob Jones,5 Mill Lane,Your kettle lid will be replaced.\r\n");
}

TEST_CASE("the print file appears whole, with no temporary or spool file left beside it") {
  PrintRoom room;
  Postcards postcards(room);
  auto& h = postcards.harness;
  for (int i = 1; i <= 200; ++i) {
    REQUIRE(h.invoke("send", notification(i, "Customer " + std::to_string(i), {"Street 1"})).ok());
  }
  // Before the close, only the spool folder is there: the mail house sees no campaign file.
  CHECK(room.names() == std::vector<std::string>{".spool"});
  REQUIRE(h.invoke("close_batch", {{"campaign_id", "7"}, {"idempotency_key", "c"}}).ok());
  CHECK(room.names() == std::vector<std::string>{".spool", "campaign-7.csv"});
  CHECK(fs::is_empty(room.directory / ".spool"));
  const std::string file = room.read("campaign-7.csv");
  CHECK(std::count(file.begin(), file.end(), '\n') == 201);
}

TEST_CASE("closing a batch again returns the same file and leaves it untouched") {
  PrintRoom room;
  Postcards postcards(room);
  auto& h = postcards.harness;
  REQUIRE(h.invoke("send", notification(1, "Ann Smith", {"1 High Street"})).ok());
  auto first = h.invoke("close_batch", {{"campaign_id", "7"}, {"idempotency_key", "c"}});
  REQUIRE(first.ok());
  const std::string printed = room.read("campaign-7.csv");
  const auto written = fs::last_write_time(room.directory / "campaign-7.csv");
  auto again = h.invoke("close_batch", {{"campaign_id", "7"}, {"idempotency_key", "c"}});
  REQUIRE(again.ok());
  CHECK(again.response == first.response);
  CHECK(room.read("campaign-7.csv") == printed);
  CHECK(fs::last_write_time(room.directory / "campaign-7.csv") == written);

  auto late = h.invoke("send", notification(2, "Bob Jones", {"5 Mill Lane"}));
  CHECK(late.status == CXLOOP_ERR_INVALID);
  CHECK_THAT(late.error, Catch::Contains("closed"));
}

TEST_CASE("each campaign gets its own print file") {
  PrintRoom room;
  Postcards postcards(room);
  auto& h = postcards.harness;
  REQUIRE(h.invoke("send", notification(1, "Ann Smith", {"1 High Street"}, "Seven", "7")).ok());
  REQUIRE(h.invoke("send", notification(2, "Bob Jones", {"5 Mill Lane"}, "Eight", "8")).ok());
  REQUIRE(h.invoke("close_batch", {{"campaign_id", 8}, {"idempotency_key", "c8"}}).ok());
  REQUIRE(h.invoke("close_batch", {{"campaign_id", "7"}, {"idempotency_key", "c7"}}).ok());
  CHECK_THAT(room.read("campaign-7.csv"), Catch::Contains("Ann Smith,1 High Street,Seven"));
  CHECK_THAT(room.read("campaign-8.csv"), Catch::Contains("Bob Jones,5 Mill Lane,Eight"));
  CHECK(room.read("campaign-8.csv").find("Ann") == std::string::npos);
  auto empty = h.invoke("close_batch", {{"campaign_id", "9"}, {"idempotency_key", "c9"}});
  REQUIRE(empty.ok());
  CHECK(empty.response.at("rows") == 0);
  CHECK(room.read("campaign-9.csv") == "name,address_line_1,message\r\n");
}

TEST_CASE("a notification without a postal address is invalid and names what is missing") {
  PrintRoom room;
  Postcards postcards(room, json{{"max_address_lines", 3}});
  auto& h = postcards.harness;
  json no_address = notification(1, "Ann Smith", nullptr);
  no_address["recipient"].erase("postal_address");
  auto missing = h.invoke("send", no_address);
  CHECK(missing.status == CXLOOP_ERR_INVALID);
  CHECK_THAT(missing.error, Catch::Contains("postal_address"));
  CHECK_THAT(missing.error, Catch::Contains("Ann Smith"));
  CHECK(h.invoke("send", notification(2, "Bob Jones", json::array({"", "  "}))).status ==
        CXLOOP_ERR_INVALID);
  auto too_long = h.invoke("send", notification(3, "Cat", {"1", "2", "3", "4"}));
  CHECK(too_long.status == CXLOOP_ERR_INVALID);
  CHECK_THAT(too_long.error, Catch::Contains("max_address_lines"));
  auto no_name = h.invoke("send", notification(4, "", {"1 High Street"}));
  CHECK(no_name.status == CXLOOP_ERR_INVALID);
  CHECK_THAT(no_name.error, Catch::Contains("recipient.name"));
  json no_campaign = notification(5, "Dan", {"1 High Street"});
  no_campaign.erase("campaign_id");
  auto campaignless = h.invoke("send", no_campaign);
  CHECK(campaignless.status == CXLOOP_ERR_INVALID);
  CHECK_THAT(campaignless.error, Catch::Contains("campaign_id"));
  CHECK(h.invoke("send", notification(6, "Eve", {"1 High Street"}, "Hi", "../etc")).status ==
        CXLOOP_ERR_INVALID);
  CHECK(h.invoke("close_batch", {{"idempotency_key", "c"}}).status == CXLOOP_ERR_INVALID);
  auto closed = h.invoke("close_batch", {{"campaign_id", "7"}, {"idempotency_key", "c"}});
  CHECK(closed.response.at("rows") == 0);  // nothing refused was spooled
}

TEST_CASE("a missing or unusable directory stops the instance at init, naming the setting") {
  PrintRoom room;
  PluginHarness missing(CXLOOP_POSTCARD_DIR);
  const std::string absent = (room.directory / "nowhere").string();
  CHECK_THROWS_WITH(missing.create({{"directory", absent}}),
                    Catch::Contains("settings.directory") && Catch::Contains(absent) &&
                        Catch::Contains("does not exist"));

  std::ofstream(room.directory / "a-file") << "x";
  PluginHarness not_a_folder(CXLOOP_POSTCARD_DIR);
  CHECK_THROWS_WITH(not_a_folder.create({{"directory", (room.directory / "a-file").string()}}),
                    Catch::Contains("settings.directory") && Catch::Contains("not a directory"));

  PluginHarness uncreatable(CXLOOP_POSTCARD_DIR);
  CHECK_THROWS_WITH(uncreatable.create({{"directory", (room.directory / "a-file" / "sub").string()},
                                        {"create_directory", true}}),
                    Catch::Contains("settings.directory") && Catch::Contains("cannot be created"));

  PluginHarness created(CXLOOP_POSTCARD_DIR);
  created.create(
      {{"directory", (room.directory / "new" / "prints").string()}, {"create_directory", true}});
  CHECK(fs::is_directory(room.directory / "new" / "prints"));
}
