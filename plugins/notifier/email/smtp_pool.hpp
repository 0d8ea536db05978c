// The email notifier's SMTP connections: up to max_connections sessions kept open between
// messages, so a campaign of thousands of mails does not pay a TCP, TLS and AUTH handshake per
// mail. Senders on several outbox threads each borrow one connection at a time (waiting while
// all are busy); a connection that failed is dropped, and an idle one the server has closed
// in the meantime is noticed by its RSET and replaced by a fresh one before the message goes.
// A connection that finished a message moments ago (fresh_for) skips the RSET, one round trip
// per mail during a campaign; should the server have dropped it all the same, the message goes
// once more over a checked or new connection (with its same Message-ID).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "mail/mail_settings.hpp"
#include "mail/outbound_email.hpp"

namespace cxloop::plugins::mail {
class SmtpConnection;
}

namespace cxloop::plugins::email_notifier {

class SmtpPool {
 public:
  // on_connect is called each time a new connection has been opened (for a metric).
  SmtpPool(mail::SmtpSettings smtp, mail::TlsSettings tls, std::size_t max_connections,
           std::function<void()> on_connect);
  // Closes the idle connections (QUIT).
  ~SmtpPool();
  SmtpPool(const SmtpPool&) = delete;
  SmtpPool& operator=(const SmtpPool&) = delete;

  // Sends over a pooled connection. Throws mail::SmtpFailure like mail::send_mail.
  void send(const mail::OutboundEmail& mail);

  // How long after its last message an idle connection is reused without an RSET.
  static constexpr std::chrono::seconds fresh_for{2};

 private:
  struct Idle {
    std::unique_ptr<mail::SmtpConnection> connection;
    std::chrono::steady_clock::time_point since;
  };
  // A usable connection; checked says whether it is new or answered an RSET just now (false
  // when it was reused unchecked because it is fresh). always_check skips no RSET.
  std::unique_ptr<mail::SmtpConnection> acquire(bool always_check, bool& checked);
  void release(std::unique_ptr<mail::SmtpConnection> connection);
  // Sends over connection and gives it back to the pool, whatever happens.
  void send_over(std::unique_ptr<mail::SmtpConnection> connection, const mail::OutboundEmail& mail);

  const mail::SmtpSettings smtp_;
  const mail::TlsSettings tls_;
  const std::size_t max_connections_;
  const std::function<void()> on_connect_;

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Idle> idle_;
  std::size_t open_ = 0;  // idle plus borrowed
};

}  // namespace cxloop::plugins::email_notifier
