// Why an inbound message cannot be taken: the reason a sender or an admin reads, and the HTTP
// status the mailgate answers with (400 malformed, 413 too large, 422 unusable content such
// as an unknown charset). The POP3 poller keeps such a message aside with the same reason.
#pragma once

#include <stdexcept>
#include <string>

namespace cxloop::plugins::mail {

class MailRejection : public std::runtime_error {
 public:
  MailRejection(int http_status, const std::string& reason)
      : std::runtime_error(reason), http_status_(http_status) {}
  int http_status() const noexcept { return http_status_; }

 private:
  int http_status_;
};

}  // namespace cxloop::plugins::mail
