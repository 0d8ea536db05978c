#include "pop3_poller.hpp"

#include <chrono>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/Net/DialogSocket.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/POP3ClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include "charset_converter.hpp"
#include "inbound_email.hpp"
#include "mail_rejection.hpp"
#include "tls_client_context.hpp"

namespace cxloop::plugins::email {
namespace {

class Pop3Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void expect_ok(bool positive, const std::string& what, const std::string& response) {
  if (!positive) throw Pop3Failure(what + ": " + response);
}

// POP3 answers start with "+OK" or "-ERR".
bool positive(const std::string& response) { return response.rfind("+OK", 0) == 0; }

}  // namespace

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

std::unique_ptr<Poco::Net::POP3ClientSession> Pop3Poller::open_session() const {
  const auto& pop3 = settings_.pop3;
  const Poco::Net::SocketAddress address(pop3.host, static_cast<Poco::UInt16>(pop3.port));
  const Poco::Timespan timeout(pop3.timeout_s, 0);
  std::unique_ptr<Poco::Net::POP3ClientSession> session;
  std::string response;
  if (pop3.tls == Pop3Tls::none || pop3.tls == Pop3Tls::implicit) {
    if (pop3.tls == Pop3Tls::none) {
      Poco::Net::StreamSocket socket;
      socket.connect(address, timeout);
      session = std::make_unique<Poco::Net::POP3ClientSession>(socket);
    } else {
      Poco::Net::SecureStreamSocket socket(make_tls_client_context(settings_.tls));
      socket.setPeerHostName(pop3.host);
      socket.connect(address, timeout);
      session = std::make_unique<Poco::Net::POP3ClientSession>(socket);
    }
    session->setTimeout(timeout);
    session->login(pop3.username, pop3.password);
    return session;
  }
  // STLS: greeting and STLS on the plain connection, then TLS on the same socket, then the
  // session (which must not expect a second greeting) authenticates with USER/PASS.
  Poco::Net::StreamSocket plain;
  plain.connect(address, timeout);
  plain.setReceiveTimeout(timeout);
  Poco::Net::DialogSocket dialog(plain);
  dialog.receiveMessage(response);
  expect_ok(positive(response), "the POP3 server's greeting", response);
  dialog.sendMessage("STLS");
  dialog.receiveMessage(response);
  expect_ok(positive(response),
            "the POP3 server refused STLS (set pop3.tls to \"implicit\" or \"none\")", response);
  Poco::Net::SecureStreamSocket secure = Poco::Net::SecureStreamSocket::attach(
      dialog, pop3.host, make_tls_client_context(settings_.tls));
  session = std::make_unique<Poco::Net::POP3ClientSession>(secure);
  session->setTimeout(timeout);
  expect_ok(session->sendCommand("USER", pop3.username, response), "POP3 USER refused", response);
  expect_ok(session->sendCommand("PASS", pop3.password, response),
            "POP3 login refused (check pop3.username and pop3.password)", response);
  return session;
}

void Pop3Poller::take_message(Poco::Net::POP3ClientSession& session, int id, int size,
                              PollSummary& summary) {
  if (static_cast<std::size_t>(size) > settings_.max_message_bytes) {
    Poco::Net::MessageHeader header;
    session.retrieveHeader(id, header);
    const sdk::json headers = {{"from", to_utf8(header.get("From", ""), "")},
                               {"subject", to_utf8(header.get("Subject", ""), "")},
                               {"message_id", to_utf8(header.get("Message-ID", ""), "")},
                               {"date", to_utf8(header.get("Date", ""), "")}};
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
    const InboundEmail mail = parse_inbound_email(raw, settings_.max_message_bytes);
    const IntakeOutcome outcome = intake_.store(mail, "pop3");
    (outcome.duplicate ? summary.duplicates : summary.stored) += 1;
    host_.counter_add(
        "email_inbound_total", 1,
        {{"source", "pop3"}, {"outcome", outcome.duplicate ? "duplicate" : "stored"}});
  } catch (const MailRejection& rejection) {
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
    auto session = open_session();
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
