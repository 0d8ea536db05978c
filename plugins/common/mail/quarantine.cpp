#include "mail/quarantine.hpp"

#include <cctype>
#include <sstream>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>
#include <Poco/StreamCopier.h>

#include "mail/charset_converter.hpp"

namespace cxloop::plugins::mail {
namespace {

// The index is for finding entries, not an archive; the entries themselves stay.
constexpr std::size_t kIndexLimit = 1000;

std::string now_iso() {
  return Poco::DateTimeFormatter::format(Poco::DateTime(), Poco::DateTimeFormat::ISO8601_FORMAT);
}

std::string base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

std::string unbase64(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in);
  std::string out;
  Poco::StreamCopier::copyToString(decoder, out);
  return out;
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

}  // namespace

std::string Quarantine::keep(const std::string& raw, const std::string& reason,
                             const std::string& source) const {
  Poco::SHA1Engine sha1;
  sha1.update(raw);
  const std::string id = Poco::DigestEngine::digestToHex(sha1.digest());
  const sdk::json entry = {{"id", id},
                           {"reason", to_utf8(reason, "")},
                           {"source", source},
                           {"quarantined_at", now_iso()},
                           {"size", raw.size()},
                           {"kept_in_mailbox", false},
                           {"raw_base64", base64(raw)}};
  host_.kv_put("quarantine/" + id, entry.dump());
  add_to_index(id);
  return id;
}

bool Quarantine::note_kept_in_mailbox(const std::string& identity, const std::string& reason,
                                      const sdk::json& headers, std::size_t size) const {
  Poco::SHA1Engine sha1;
  sha1.update(identity);
  const std::string id = "kept-" + Poco::DigestEngine::digestToHex(sha1.digest());
  if (host_.kv_get("quarantine/" + id)) return false;
  const sdk::json entry = {
      {"id", id},     {"reason", reason},        {"source", "pop3"},  {"quarantined_at", now_iso()},
      {"size", size}, {"kept_in_mailbox", true}, {"headers", headers}};
  host_.kv_put("quarantine/" + id, entry.dump());
  add_to_index(id);
  return true;
}

void Quarantine::add_to_index(const std::string& id) const {
  sdk::json index = sdk::json::array();
  if (auto text = host_.kv_get("quarantine/index")) {
    try {
      index = sdk::json::parse(*text);
    } catch (const sdk::json::parse_error&) {
      host_.warning("kv entry quarantine/index was not a JSON array; starting it afresh");
    }
    if (!index.is_array()) index = sdk::json::array();
  }
  for (const auto& known : index) {
    if (known == id) return;
  }
  index.push_back(id);
  while (index.size() > kIndexLimit) index.erase(index.begin());
  host_.kv_put("quarantine/index", index.dump());
}

sdk::json Quarantine::list() const {
  sdk::json items = sdk::json::array();
  const auto text = host_.kv_get("quarantine/index");
  if (!text) return items;
  const sdk::json index = sdk::json::parse(*text, nullptr, false);
  if (!index.is_array()) return items;
  for (const auto& id : index) {
    if (!id.is_string()) continue;
    if (auto entry = host_.kv_get("quarantine/" + id.get<std::string>())) {
      sdk::json item = sdk::json::parse(*entry, nullptr, false);
      if (item.is_discarded()) continue;
      item.erase("raw_base64");
      items.push_back(item);
    }
  }
  return items;
}

sdk::json Quarantine::get(const std::string& id) const {
  const auto text = valid_id(id) ? host_.kv_get("quarantine/" + id) : std::nullopt;
  if (!text) {
    throw sdk::Error(CXLOOP_ERR_NOT_FOUND,
                     "no quarantined message '" + id + "'; GET .../quarantine lists them");
  }
  sdk::json item = sdk::json::parse(*text);
  if (item.contains("raw_base64")) {
    item["raw"] = to_utf8(unbase64(item["raw_base64"].get<std::string>()), "");
  }
  return item;
}

}  // namespace cxloop::plugins::mail
