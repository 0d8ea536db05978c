// Polls the support mailbox over POP3 (Poco's POP3ClientSession) on a thread the plugin owns:
// started when the instance is created, stopped when it is destroyed, waking every
// interval_s. A message is deleted from the mailbox only after the kernel stored it; one that
// cannot be parsed (or that the kernel refuses as invalid) is put in the Quarantine first and
// deleted after that; one larger than max_message_bytes stays in the mailbox and is noted.
// Deletions take effect at QUIT, so a connection lost mid-poll leaves every message in place;
// the next poll takes them again and the Message-ID keeps that from making duplicates.
// The session itself (TLS, STLS, login) comes from mail::open_pop3_session.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <cxloop/sdk.hpp>

#include "email_settings.hpp"
#include "mail/quarantine.hpp"
#include "mail_intake.hpp"

namespace Poco::Net {
class POP3ClientSession;
}

namespace cxloop::plugins::email {

struct PollSummary {
  int listed = 0;
  int stored = 0;       // new cases or messages
  int duplicates = 0;   // stored before (deleted now)
  int quarantined = 0;  // kept aside in the kv store, then deleted
  int left = 0;         // left in the mailbox (too large, or not reached)
  std::string error;    // why the poll stopped early, "" when it finished

  sdk::json to_json() const;
};

class Pop3Poller {
 public:
  Pop3Poller(sdk::Host host, const EmailSettings& settings, const MailIntake& intake);
  ~Pop3Poller();
  Pop3Poller(const Pop3Poller&) = delete;
  Pop3Poller& operator=(const Pop3Poller&) = delete;

  void start();
  // Returns after the poll in progress (if any) has finished.
  void stop();

  // One poll now, on the calling thread; polls never overlap.
  PollSummary poll_once();

 private:
  void run();
  void take_message(Poco::Net::POP3ClientSession& session, int id, int size, PollSummary& summary);

  sdk::Host host_;
  const EmailSettings& settings_;
  const MailIntake& intake_;
  mail::Quarantine quarantine_;

  std::mutex poll_mutex_;  // one poll at a time
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cxloop::plugins::email
