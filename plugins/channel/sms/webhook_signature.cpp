#include "webhook_signature.hpp"

#include "hmac_sha256.hpp"

namespace cxloop::channels::sms {

std::string signing_text(const std::string& path, const std::map<std::string, std::string>& form) {
  std::string text = path;
  for (const auto& [name, value] : form) text += name + value;
  return text;
}

std::string sign(const std::string& secret, const std::string& path,
                 const std::map<std::string, std::string>& form) {
  return plugins::hmac_sha256_base64(secret, signing_text(path, form));
}

}  // namespace cxloop::channels::sms
