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
  std::unique_ptr<mail::SmtpConnection> connection = acquire();
  try {
    connection->send(mail);
  } catch (...) {
    release(std::move(connection));  // kept only when still usable (after a 5xx refusal)
    throw;
  }
  release(std::move(connection));
}

std::unique_ptr<mail::SmtpConnection> SmtpPool::acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  available_.wait(lock, [this] { return !idle_.empty() || open_ < max_connections_; });
  if (!idle_.empty()) {
    std::unique_ptr<mail::SmtpConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    lock.unlock();
    if (connection->ready()) return connection;
    // The server closed it while it was idle: this slot gets a fresh connection below.
    connection.reset();
    lock.lock();
  } else {
    ++open_;
  }
  lock.unlock();
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
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
  }
  available_.notify_one();
  // An unusable connection is destroyed here, outside the lock.
}

}  // namespace cxloop::plugins::email_notifier
