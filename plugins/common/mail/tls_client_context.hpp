// The OpenSSL client context of the SMTP and POP3 clients, built from the instance's tls
// settings and passed explicitly to each session, so the plugin never touches the process-wide
// SSLManager defaults that the kernel or other plugins may rely on.
#pragma once

#include <Poco/Net/Context.h>

#include "mail/mail_settings.hpp"

namespace cxloop::plugins::mail {

Poco::Net::Context::Ptr make_tls_client_context(const TlsSettings& settings);

}  // namespace cxloop::plugins::mail
