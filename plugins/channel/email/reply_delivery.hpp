// Delivers an agent's reply (outbox work "deliver": {case, message, customer}) as a mail over
// SMTP: From the support address, To the customer, Subject "Re: <subject> [CS-000123]", a
// fresh Message-ID, and In-Reply-To/References pointing at the customer's last mail on the
// case, so the reply threads in the customer's mail client and the customer's answer threads
// back onto the case. The outcome is reported with the host operation message.set_delivery.
//
// Repeats are safe: the Message-ID is chosen once per cxloop message and kept in the kv store
// ("outbound/<message id>") before sending, and a message already sent is not sent again.
#pragma once

#include <string>

#include <cxloop/sdk.hpp>

#include "email_settings.hpp"

namespace cxloop::plugins::email {

class ReplyDelivery {
 public:
  ReplyDelivery(sdk::Host host, const EmailSettings& settings) : host_(host), settings_(settings) {}

  // Returns {"external_ref": Message-ID, "state": "sent"}. Throws sdk::Error UNAVAILABLE when
  // the SMTP server cannot take the mail now (the outbox retries) and INVALID when it never
  // will (no customer address, a permanent SMTP refusal), after recording the failure.
  sdk::json deliver(const sdk::json& work) const;

 private:
  struct Thread {
    std::string in_reply_to;
    std::vector<std::string> references;
  };
  Thread thread_of(std::int64_t case_id) const;
  std::string new_message_id(const std::string& case_number, std::int64_t message_id) const;
  void set_delivery(std::int64_t message_id, const std::string& state,
                    const std::string& external_id, const std::string& error) const;

  sdk::Host host_;
  const EmailSettings& settings_;
};

// "Re: <subject> [CS-000123]" without piling up "Re:" prefixes or repeating the token.
std::string reply_subject(const std::string& case_subject, const std::string& case_number);

}  // namespace cxloop::plugins::email
