#include "smtp_pool.hpp"

#include "mail/smtp_connection.hpp"

namespace cxloop::plugins::email_notifier {

SmtpPool::SmtpPool(mail::SmtpSettings smtp, mail::TlsSettings tls, std::size_t max_connections,
                   std::function<void()> on_connect)
    : smtp_(std::move(smtp)),
      tls_(std::move(tls)),
      max_connections_(max_connections == 0 ? 1 : max_connections),
      on_connect_(std::move(on_connect)) {}

SmtpPool::~SmtpPool() = default;

void SmtpPool::send(const mail::OutboundEmail& mail) {
  bool checked = false;
  std::unique_ptr<mail::SmtpConnection> connection = acquire(false, checked);
  if (checked) return send_over(std::move(connection), mail);
  try {
    connection->send(mail);
  } catch (const mail::SmtpFailure& failure) {
    const bool dropped = !failure.permanent() && !connection->usable();
    release(std::move(connection));
    if (!dropped) throw;
    // The fresh connection was dropped after all: this is the attempt an RSET would have
    // spared, made now over a checked or new connection.
    return send_over(acquire(true, checked), mail);
  } catch (...) {
    release(std::move(connection));
    throw;
  }
  release(std::move(connection));
}

void SmtpPool::send_over(std::unique_ptr<mail::SmtpConnection> connection,
                         const mail::OutboundEmail& mail) {
  try {
    connection->send(mail);
  } catch (...) {
    release(std::move(connection));  // kept only when still usable (after a 5xx refusal)
    throw;
  }
  release(std::move(connection));
}

std::unique_ptr<mail::SmtpConnection> SmtpPool::acquire(bool always_check, bool& checked) {
  std::unique_lock<std::mutex> lock(mutex_);
  available_.wait(lock, [this] { return !idle_.empty() || open_ < max_connections_; });
  if (!idle_.empty()) {
    Idle idle = std::move(idle_.back());
    idle_.pop_back();
    lock.unlock();
    if (!always_check && std::chrono::steady_clock::now() - idle.since < fresh_for) {
      checked = false;
      return std::move(idle.connection);
    }
    checked = true;
    if (idle.connection->ready()) return std::move(idle.connection);
    // The server closed it while it was idle: this slot gets a fresh connection below.
    idle.connection.reset();
    lock.lock();
  } else {
    ++open_;
  }
  lock.unlock();
  checked = true;
  try {
    auto fresh = std::make_unique<mail::SmtpConnection>(smtp_, tls_);
    on_connect_();
    return fresh;
  } catch (...) {
    lock.lock();
    --open_;
    available_.notify_one();
    throw;
  }
}

void SmtpPool::release(std::unique_ptr<mail::SmtpConnection> connection) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (connection->usable()) {
      idle_.push_back({std::move(connection), std::chrono::steady_clock::now()});
    } else {
      --open_;
    }
  }
  available_.notify_one();
  // An unusable connection is destroyed here, outside the lock.
}

}  // namespace cxloop::plugins::email_notifier
