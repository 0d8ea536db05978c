#include "gateway_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <memory>
#include <stdexcept>

namespace cxloop::channels::sms {
namespace {

std::string form_encode(const std::map<std::string, std::string>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    std::string encoded_name, encoded_value;
    Poco::URI::encode(name, "!#$&'()*+,/:;=?@[]", encoded_name);
    Poco::URI::encode(value, "!#$&'()*+,/:;=?@[]", encoded_value);
    body += (body.empty() ? "" : "&") + encoded_name + "=" + encoded_value;
  }
  return body;
}

std::unique_ptr<Poco::Net::HTTPClientSession> open_session(const Poco::URI& uri) {
  if (uri.getScheme() == "https") {
    // Verifies the gateway's certificate against the system's CA store.
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                               Poco::Net::Context::VERIFY_RELAXED, 9, true);
    return std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context);
  }
  if (uri.getScheme() != "http") {
    throw std::runtime_error("gateway_url '" + uri.toString() +
                             "' must start with http:// or https://");
  }
  return std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
}

}  // namespace

GatewayReply post_message(const GatewaySettings& gateway,
                          const std::map<std::string, std::string>& fields,
                          const std::string& idempotency_key) {
  try {
    const Poco::URI uri(gateway.url);
    auto session = open_session(uri);
    session->setTimeout(Poco::Timespan(static_cast<long>(gateway.timeout.count()), 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathAndQuery(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    Poco::Net::HTTPBasicCredentials(gateway.account, gateway.secret).authenticate(request);
    request.setContentType("application/x-www-form-urlencoded");
    request.set("Idempotency-Key", idempotency_key);
    request.set("Accept", "application/json");
    const std::string body = form_encode(fields);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session->sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    GatewayReply reply;
    reply.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("SMS gateway " + gateway.url +
                             " could not be reached: " + e.displayText());
  }
}

}  // namespace cxloop::channels::sms
