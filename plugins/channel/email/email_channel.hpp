// The email channel plugin: the pieces of plugins/channel/email wired to the host.
//   POST /hooks/channel/<instance>/inbound       mailgate: a raw RFC 5322 message from an MTA
//   POST /plugins/<instance>/pop3/poll           poll the POP3 mailbox now (admin)
//   GET  /plugins/<instance>/quarantine[/{id}]   mail kept aside by the POP3 poller (admin)
//   invoke "deliver"                             an agent reply, sent over SMTP
//   invoke "poll"                                one POP3 poll, like the route
#pragma once

#include <memory>

#include <cxloop/sdk.hpp>

#include "email_settings.hpp"
#include "mail/quarantine.hpp"
#include "mail_intake.hpp"
#include "pop3_poller.hpp"
#include "reply_delivery.hpp"

namespace cxloop::plugins::email {

class EmailChannel : public sdk::ChannelPlugin {
 public:
  explicit EmailChannel(sdk::Host host);
  ~EmailChannel() override;

  sdk::Response handle_http(const sdk::HttpRequest& request) override;
  sdk::json deliver(const sdk::json& work) override;
  sdk::json poll(const sdk::json& request) override;

 private:
  sdk::Response mailgate(const sdk::HttpRequest& request);

  EmailSettings settings_;
  MailIntake intake_;
  ReplyDelivery replies_;
  mail::Quarantine quarantine_;
  std::unique_ptr<Pop3Poller> poller_;
};

}  // namespace cxloop::plugins::email
