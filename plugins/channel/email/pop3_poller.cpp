#include "pop3_poller.hpp"

#include <chrono>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/POP3ClientSession.h>

#include "mail/charset_converter.hpp"
#include "mail/inbound_email.hpp"
#include "mail/mail_rejection.hpp"
#include "mail/pop3_session.hpp"

namespace cxloop::plugins::email {

sdk::json PollSummary::to_json() const {
  sdk::json out = {{"listed", listed},
                   {"stored", stored},
                   {"duplicates", duplicates},
                   {"quarantined", quarantined},
                   {"left", left}};
  out["error"] = error.empty() ? sdk::json(nullptr) : sdk::json(error);
  return out;
}

Pop3Poller::Pop3Poller(sdk::Host host, const EmailSettings& settings, const MailIntake& intake)
    : host_(host), settings_(settings), intake_(intake), quarantine_(host) {}

Pop3Poller::~Pop3Poller() { stop(); }

void Pop3Poller::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void Pop3Poller::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Pop3Poller::run() {
  const auto interval = std::chrono::seconds(settings_.pop3.interval_s);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const PollSummary summary = poll_once();
    if (!summary.error.empty()) {
      host_.warning(
          "POP3 poll of " + settings_.pop3.username + "@" + settings_.pop3.host +
          " stopped early (messages stay in the mailbox until the next poll): " + summary.error);
    }
    lock.lock();
    wake_.wait_for(lock, interval, [this] { return stopping_; });
  }
}

void Pop3Poller::take_message(Poco::Net::POP3ClientSession& session, int id, int size,
                              PollSummary& summary) {
  if (static_cast<std::size_t>(size) > settings_.max_message_bytes) {
    Poco::Net::MessageHeader header;
    session.retrieveHeader(id, header);
    const sdk::json headers = {{"from", mail::to_utf8(header.get("From", ""), "")},
                               {"subject", mail::to_utf8(header.get("Subject", ""), "")},
                               {"message_id", mail::to_utf8(header.get("Message-ID", ""), "")},
                               {"date", mail::to_utf8(header.get("Date", ""), "")}};
    const std::string reason =
        "the message has " + std::to_string(size) + " bytes, more than max_message_bytes (" +
        std::to_string(settings_.max_message_bytes) + "); it stays in the mailbox";
    if (quarantine_.note_kept_in_mailbox(headers.dump(), reason, headers,
                                         static_cast<std::size_t>(size))) {
      host_.warning("POP3 message " + headers["message_id"].get<std::string>() + ": " + reason);
    }
    ++summary.left;
    return;
  }
  std::ostringstream raw_stream;
  session.retrieveMessage(id, raw_stream);
  const std::string raw = raw_stream.str();

  std::string refusal;
  try {
    const mail::InboundEmail mail = mail::parse_inbound_email(raw, settings_.max_message_bytes);
    const IntakeOutcome outcome = intake_.store(mail, "pop3");
    (outcome.duplicate ? summary.duplicates : summary.stored) += 1;
    host_.counter_add(
        "email_inbound_total", 1,
        {{"source", "pop3"}, {"outcome", outcome.duplicate ? "duplicate" : "stored"}});
  } catch (const mail::MailRejection& rejection) {
    refusal = rejection.what();
  } catch (const sdk::HostError& e) {
    // Invalid stays invalid however often it is retried; anything else may pass later.
    if (e.status() != CXLOOP_ERR_INVALID) throw;
    refusal = std::string("cxloop refused it: ") + e.what();
  }
  if (!refusal.empty()) {
    const std::string entry = quarantine_.keep(raw, refusal, "pop3");
    host_.warning("POP3 message quarantined as " + entry + ": " + refusal);
    host_.counter_add("email_inbound_total", 1, {{"source", "pop3"}, {"outcome", "quarantined"}});
    ++summary.quarantined;
  }
  // Only now is the message safe elsewhere: stored by the kernel or kept in the quarantine.
  session.deleteMessage(id);
}

PollSummary Pop3Poller::poll_once() {
  std::lock_guard<std::mutex> one_poll(poll_mutex_);
  PollSummary summary;
  Poco::Net::POP3ClientSession::MessageInfoVec messages;
  std::size_t done = 0;
  try {
    auto session = mail::open_pop3_session(settings_.pop3, settings_.tls);
    session->listMessages(messages);
    summary.listed = static_cast<int>(messages.size());
    for (const auto& info : messages) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) break;
      }
      take_message(*session, info.id, info.size, summary);
      ++done;
    }
    session->close();  // QUIT: the deletions take effect now
  } catch (const sdk::HostError& e) {
    // The session's destructor still QUITs, committing the deletions of stored messages.
    summary.error = std::string("cxloop could not store a message: ") + e.what();
  } catch (const Poco::Exception& e) {
    summary.error = "POP3 server " + settings_.pop3.host + ":" +
                    std::to_string(settings_.pop3.port) + ": " + e.displayText();
  } catch (const std::exception& e) {
    summary.error = e.what();
  }
  summary.left += static_cast<int>(messages.size() - done);
  host_.counter_add("email_pop3_polls_total", 1,
                    {{"outcome", summary.error.empty() ? "ok" : "failed"}});
  return summary;
}

}  // namespace cxloop::plugins::email
