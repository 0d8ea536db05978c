// How the email connector reads a department's reply text: quoted parts dropped, a command on
// the first line turned into a task state through the StatusMap, the rest kept as comment.
#include <catch2/catch.hpp>

#include "reply_command.hpp"

using cxloop::plugins::email_connector::read_reply;
using cxloop::plugins::email_connector::reply_status_map;
using cxloop::plugins::email_connector::without_quoted_text;

TEST_CASE("Quoted lines, attributions, Outlook separators and signatures are dropped",
          "[connector][email]") {
  CHECK(without_quoted_text("Looks good.\r\n\r\nOn Mon, 23 Nov 2026 at 10:00, cxloop "
                            "<tasks@example.com> wrote:\r\n> TSK-000012\r\n") == "Looks good.");
  CHECK(without_quoted_text("Gut.\nAm 23.11.2026 um 10:00 schrieb cxloop:\n> alt\n") == "Gut.");
  CHECK(without_quoted_text("Fine\n-----Original Message-----\nFrom: cxloop\n") == "Fine");
  CHECK(without_quoted_text("Fine\n________________________________\nFrom: cxloop\n") == "Fine");
  CHECK(without_quoted_text("Fine\n-- \nMia Meier\nManufacturing\n") == "Fine");
  CHECK(without_quoted_text("> only quoted\n>> deeper\n") == "");
  CHECK(without_quoted_text("first\n> quoted in between\nsecond\n") == "first\nsecond");
}

TEST_CASE("The first words of a reply choose the task state", "[connector][email]") {
  const auto commands = reply_status_map(nullptr);
  const auto done = read_reply("DONE.\nShipped with 2.3.1", commands);
  CHECK(done.status == std::optional<std::string>("done"));
  CHECK(done.comment == "Shipped with 2.3.1");

  const auto progress = read_reply("In progress: waiting for parts", commands);
  CHECK(progress.status == std::optional<std::string>("in_progress"));
  CHECK(progress.comment == "waiting for parts");

  const auto started = read_reply("started", commands);
  CHECK(started.status == std::optional<std::string>("in_progress"));
  CHECK(started.comment.empty());

  const auto rejected = read_reply("Rejected - not our product\n> quoted", commands);
  CHECK(rejected.status == std::optional<std::string>("rejected"));
  CHECK(rejected.comment == "not our product");
}

TEST_CASE("A reply without a command word is only a comment", "[connector][email]") {
  const auto commands = reply_status_map(nullptr);
  const auto reply = read_reply("Donemark? Which batch do you mean?", commands);
  CHECK_FALSE(reply.status);
  CHECK(reply.comment == "Donemark? Which batch do you mean?");
  CHECK_FALSE(read_reply("", commands).status);
}

TEST_CASE("The instance's status_map adds and overrides command words", "[connector][email]") {
  const auto commands = reply_status_map({{"erledigt", "done"}, {"started", "open"}});
  CHECK(read_reply("Erledigt", commands).status == std::optional<std::string>("done"));
  CHECK(read_reply("started", commands).status == std::optional<std::string>("open"));
  CHECK_THROWS_WITH(reply_status_map({{"fixed", "closed"}}),
                    Catch::Contains("'closed' is not a task state"));
}
