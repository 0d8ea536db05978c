#include "mail_intake.hpp"

#include <regex>

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

#include "mail/charset_converter.hpp"

namespace cxloop::plugins::email {
namespace {

// Field limits of the kernel's intake (bytes).
constexpr std::size_t kMaxBody = 100000;
constexpr std::size_t kMaxSubject = 500;
constexpr std::size_t kMaxName = 200;
constexpr std::size_t kMaxExternalId = 300;

std::string body_of(const mail::InboundEmail& mail) {
  std::string body = mail.text;
  if (body.empty()) {
    std::string names;
    for (const auto& a : mail.attachments) {
      if (!names.empty()) names += ", ";
      names += a.name.empty() ? a.content_type : a.name;
    }
    body = names.empty() ? "(empty message)" : "(no text; attachments: " + names + ")";
  }
  if (body.size() > kMaxBody) {
    const std::string marker = "\n[message cut at 100000 bytes]";
    body = mail::truncate_utf8(body, kMaxBody - marker.size()) + marker;
  }
  return body;
}

sdk::json attributes_of(const mail::InboundEmail& mail, const std::string& source) {
  sdk::json email = mail.attributes();
  email["source"] = source;
  return {{"email", email}};
}

}  // namespace

std::string MailIntake::storable_id(const std::string& message_id) {
  if (message_id.size() <= kMaxExternalId) return message_id;
  Poco::SHA1Engine sha1;
  sha1.update(message_id);
  return "<" + Poco::DigestEngine::digestToHex(sha1.digest()) + ".long-id@cxloop.invalid>";
}

std::string MailIntake::message_id_key(const std::string& message_id) {
  return "msgid/" + storable_id(message_id);
}

std::optional<std::int64_t> MailIntake::case_from_subject(const std::string& subject) const {
  static const std::regex token(R"(\[(CS-[0-9]{1,18})\])");
  std::smatch match;
  if (!std::regex_search(subject, match, token)) return std::nullopt;
  try {
    const sdk::json found = host_.call("case.find_by_number", {{"number", match[1].str()}});
    return found.at("id").get<std::int64_t>();
  } catch (const sdk::HostError& e) {
    // A token of a case that does not exist (a typo, another system's numbers): not ours.
    if (e.status() == CXLOOP_ERR_NOT_FOUND || e.status() == CXLOOP_ERR_INVALID) {
      return std::nullopt;
    }
    throw;
  }
}

std::optional<std::int64_t> MailIntake::case_from_headers(const mail::InboundEmail& mail) const {
  std::vector<std::string> candidates = mail.in_reply_to;
  // The newest reference is the most specific; References lists the oldest first.
  candidates.insert(candidates.end(), mail.references.rbegin(), mail.references.rend());
  for (const auto& id : candidates) {
    if (auto case_id = host_.kv_get(message_id_key(id))) {
      try {
        return std::stoll(*case_id);
      } catch (const std::exception&) {
        host_.warning("kv entry " + message_id_key(id) + " holds '" + *case_id +
                      "', not a case id; ignored for threading");
      }
    }
  }
  return std::nullopt;
}

IntakeOutcome MailIntake::store(const mail::InboundEmail& mail, const std::string& source) const {
  const std::string external_id = storable_id(mail.message_id);
  const std::string body = body_of(mail);
  const sdk::json attributes = attributes_of(mail, source);
  const std::string author = mail::truncate_utf8(mail.from_address, 300);

  IntakeOutcome outcome;
  std::optional<std::int64_t> existing = case_from_subject(mail.subject);
  if (!existing) existing = case_from_headers(mail);
  std::optional<std::int64_t> follows_closed_case;
  if (existing) {
    try {
      const sdk::json appended = host_.call("case.append_message", {{"case_id", *existing},
                                                                    {"direction", "inbound"},
                                                                    {"channel", channel_},
                                                                    {"author", author},
                                                                    {"body", body},
                                                                    {"external_id", external_id},
                                                                    {"attributes", attributes}});
      outcome.case_id = appended.at("case").at("id").get<std::int64_t>();
      outcome.case_number = appended.at("case").at("number").get<std::string>();
      outcome.message_id = appended.at("message").at("id").get<std::int64_t>();
      outcome.duplicate = appended.value("duplicate", false);
    } catch (const sdk::HostError& e) {
      // A closed case takes no more messages; the customer's mail starts a new case instead.
      if (e.status() != CXLOOP_ERR_CONFLICT && e.status() != CXLOOP_ERR_NOT_FOUND) throw;
      if (e.status() == CXLOOP_ERR_CONFLICT) follows_closed_case = existing;
      existing.reset();
    }
  }
  if (!existing) {
    sdk::json customer = {{"email", mail.from_address}};
    if (!mail.from_name.empty()) customer["name"] = mail::truncate_utf8(mail.from_name, kMaxName);
    sdk::json request = {{"channel", channel_},
                         {"external_ref", external_id},
                         {"customer", customer},
                         {"subject", mail::truncate_utf8(mail.subject, kMaxSubject)},
                         {"body", body},
                         {"author", author},
                         {"attributes", attributes}};
    if (follows_closed_case) request["attributes"]["follows_case_id"] = *follows_closed_case;
    const sdk::json taken = host_.call("case.intake", request);
    outcome.case_id = taken.at("case").at("id").get<std::int64_t>();
    outcome.case_number = taken.at("case").at("number").get<std::string>();
    if (taken.contains("message") && taken.at("message").is_object()) {
      outcome.message_id = taken.at("message").at("id").get<std::int64_t>();
    }
    outcome.duplicate = taken.value("duplicate", false);
    outcome.new_case = true;
  }
  // A later reply that quotes this mail in References threads onto the same case.
  host_.kv_put(message_id_key(mail.message_id), std::to_string(outcome.case_id));
  return outcome;
}

}  // namespace cxloop::plugins::email
