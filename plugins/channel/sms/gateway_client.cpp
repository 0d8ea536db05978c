#include "gateway_client.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/URI.h>

#include <sstream>
#include <stdexcept>

#include "http_post.hpp"

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

// RFC 7617 basic credentials: "Basic " + base64(account ":" secret).
std::string basic_authorization(const std::string& account, const std::string& secret) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << account << ':' << secret;
  encoder.close();
  return "Basic " + out.str();
}

}  // namespace

GatewayReply post_message(const GatewaySettings& gateway,
                          const std::map<std::string, std::string>& fields,
                          const std::string& idempotency_key) {
  try {
    const plugins::HttpPostReply answer =
        plugins::http_post(gateway.url, "application/x-www-form-urlencoded", form_encode(fields),
                           {{"Authorization", basic_authorization(gateway.account, gateway.secret)},
                            {"Idempotency-Key", idempotency_key},
                            {"Accept", "application/json"}},
                           gateway.timeout);
    return {answer.status, answer.body};
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("SMS gateway: ") + e.what());
  }
}

}  // namespace cxloop::channels::sms
