// Turns a parsed inbound mail into a case or a case message through the host operations,
// with the email threading rules:
//   1. a case token "[CS-000123]" in the subject names the case;
//   2. else a Message-ID in In-Reply-To or References that cxloop sent (or received) for a
//      case, recorded in the kv store as "msgid/<Message-ID>" -> case id;
//   3. else (or when that case is closed) a new case through case.intake.
// The mail's Message-ID is the external_ref of a new case and the external_id of an appended
// message, so delivering the same mail twice stores it once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <cxloop/sdk.hpp>

#include "mail/inbound_email.hpp"

namespace cxloop::plugins::email {

struct IntakeOutcome {
  std::int64_t case_id = 0;
  std::string case_number;
  std::int64_t message_id = 0;
  bool new_case = false;   // created by this mail (or by its earlier delivery)
  bool duplicate = false;  // this mail had been stored before
};

class MailIntake {
 public:
  MailIntake(sdk::Host host, std::string channel) : host_(host), channel_(std::move(channel)) {}

  // source: "mailgate" or "pop3", kept in the message attributes. Throws sdk::HostError when
  // the kernel refuses or is unavailable (nothing is stored then).
  IntakeOutcome store(const mail::InboundEmail& mail, const std::string& source) const;

  // The kv key that maps a Message-ID to its case.
  static std::string message_id_key(const std::string& message_id);
  // message_id as stored in external_ref/external_id (at most 300 bytes; longer ones hashed).
  static std::string storable_id(const std::string& message_id);

 private:
  std::optional<std::int64_t> case_from_subject(const std::string& subject) const;
  std::optional<std::int64_t> case_from_headers(const mail::InboundEmail& mail) const;

  sdk::Host host_;
  std::string channel_;
};

}  // namespace cxloop::plugins::email
