#include "webhook_signature.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <sstream>

namespace cxloop::channels::sms {
namespace {

// Poco 1.11's SHA2Engine does not publish the block and digest sizes HMACEngine needs.
class Sha256Engine : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

}  // namespace

std::string signing_text(const std::string& path, const std::map<std::string, std::string>& form) {
  std::string text = path;
  for (const auto& [name, value] : form) text += name + value;
  return text;
}

std::string sign(const std::string& secret, const std::string& path,
                 const std::map<std::string, std::string>& form) {
  Poco::HMACEngine<Sha256Engine> hmac(secret);
  hmac.update(signing_text(path, form));
  const Poco::DigestEngine::Digest& digest = hmac.digest();
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(reinterpret_cast<const char*>(digest.data()),
                static_cast<std::streamsize>(digest.size()));
  encoder.close();
  return out.str();
}

bool signature_matches(const std::string& expected, const std::string& given) {
  unsigned char difference = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const char other = i < given.size() ? given[i] : '\0';
    difference |= static_cast<unsigned char>(expected[i] ^ other);
  }
  return difference == 0;
}

}  // namespace cxloop::channels::sms
