// The email notifier's SMTP connections: up to max_connections sessions kept open between
// messages, so a campaign of thousands of mails does not pay a TCP, TLS and AUTH handshake per
// mail. Senders on several outbox threads each borrow one connection at a time (waiting while
// all are busy); a connection that failed is dropped, and an idle one the server has closed
// in the meantime is noticed by its RSET and replaced by a fresh one before the message goes.
#pragma once

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

 private:
  std::unique_ptr<mail::SmtpConnection> acquire();
  void release(std::unique_ptr<mail::SmtpConnection> connection);

  const mail::SmtpSettings smtp_;
  const mail::TlsSettings tls_;
  const std::size_t max_connections_;
  const std::function<void()> on_connect_;

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<mail::SmtpConnection>> idle_;
  std::size_t open_ = 0;  // idle plus borrowed
};

}  // namespace cxloop::plugins::email_notifier
