#include <catch2/catch.hpp>

#include "repository/migration_script.hpp"

using namespace cxloop::repository;

TEST_CASE("A migration script splits at semicolons that end a line") {
  const auto s = split_migration_script(
      "-- leading comment;\n"
      "CREATE TABLE a (x TEXT DEFAULT 'a;b');\n"
      "\n"
      "CREATE INDEX a_x\n"
      "  ON a (x);   -- trailing comment\n"
      "INSERT INTO a VALUES ('last')");
  REQUIRE(s.size() == 3);
  CHECK(s[0].sql == "CREATE TABLE a (x TEXT DEFAULT 'a;b')");
  CHECK(s[0].line == 2);
  CHECK(s[1].sql == "CREATE INDEX a_x\n  ON a (x)");
  CHECK(s[1].line == 4);
  CHECK(s[2].sql == "INSERT INTO a VALUES ('last')");
  CHECK(s[2].line == 6);
}

TEST_CASE("Comment-only and empty scripts hold no statements") {
  CHECK(split_migration_script("").empty());
  CHECK(split_migration_script("-- nothing here;\n\n   \n-- still nothing\n").empty());
}

TEST_CASE("Comment lines inside a statement do not end it") {
  const auto s =
      split_migration_script("CREATE TABLE b (\n  -- why this column;\n  y INTEGER\r\n);\n");
  REQUIRE(s.size() == 1);
  CHECK(s[0].sql == "CREATE TABLE b (\n  -- why this column;\n  y INTEGER\n)");
}

TEST_CASE("A SQLite trigger body with its own semicolons stays one statement") {
  const auto s = split_migration_script(
      "CREATE TRIGGER t_ins AFTER INSERT ON a BEGIN\n"
      "  INSERT INTO log VALUES (CASE WHEN new.x > 0 THEN 'pos' ELSE 'neg' END);\n"
      "  DELETE FROM b WHERE y = new.x;\n"
      "END;\n"
      "CREATE TEMP TRIGGER t_del AFTER DELETE ON a BEGIN DELETE FROM b; END;\n"
      "SELECT CASE WHEN 1 THEN 2\n"
      "  END;\n");
  REQUIRE(s.size() == 3);
  CHECK(s[0].sql.rfind("CREATE TRIGGER t_ins", 0) == 0);
  CHECK(s[0].sql.substr(s[0].sql.size() - 3) == "END");
  CHECK(s[1].line == 5);
  CHECK(s[2].sql == "SELECT CASE WHEN 1 THEN 2\n  END");
}

TEST_CASE("A PostgreSQL dollar-quoted body with semicolons stays one statement") {
  const auto s = split_migration_script(
      "CREATE FUNCTION touch() RETURNS trigger AS $body$\n"
      "BEGIN\n"
      "  NEW.updated_at := now();\n"
      "\n"
      "  -- a comment line inside the body;\n"
      "  RETURN NEW;\n"
      "END;\n"
      "$body$ LANGUAGE plpgsql;\n"
      "CREATE TRIGGER touch BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION touch();\n"
      "SELECT $1;\n");
  REQUIRE(s.size() == 3);
  CHECK(s[0].sql.substr(s[0].sql.size() - 23) == "$body$ LANGUAGE plpgsql");
  CHECK(s[1].line == 9);
  CHECK(s[2].sql == "SELECT $1");
}
