#include "mail/tls_client_context.hpp"

#include <mutex>

#include <Poco/Net/NetSSL.h>

namespace cxloop::plugins::mail {

Poco::Net::Context::Ptr make_tls_client_context(const TlsSettings& settings) {
  static std::once_flag initialised;
  std::call_once(initialised, [] { Poco::Net::initializeSSL(); });
  Poco::Net::Context::Params params;
  params.verificationMode =
      settings.verify ? Poco::Net::Context::VERIFY_RELAXED : Poco::Net::Context::VERIFY_NONE;
  params.loadDefaultCAs = settings.ca_file.empty();
  if (!settings.ca_file.empty()) params.caLocation = settings.ca_file;
  // A certificate that fails verification makes the handshake fail: no InvalidCertificateHandler
  // is registered by this plugin, so Poco's verification event finds nobody to override it.
  return new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
}

}  // namespace cxloop::plugins::mail
