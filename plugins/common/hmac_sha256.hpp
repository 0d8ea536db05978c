// HMAC-SHA256 for the bundled plugins that sign or verify webhooks (the SMS channel's inbound
// hook, the webhook connector's deliveries and callbacks), with the encodings they send and a
// comparison that does not leak where two signatures differ. Header-only over Poco Foundation
// so each plugin stays one self-contained library.
#pragma once

#include <Poco/Base64Encoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <sstream>
#include <string>

namespace cxloop::plugins {

// Poco 1.11's SHA2Engine does not publish the block and digest sizes HMACEngine needs.
class Sha256Engine : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

// The raw 32-byte HMAC-SHA256 of text keyed with key.
inline Poco::DigestEngine::Digest hmac_sha256(const std::string& key, const std::string& text) {
  Poco::HMACEngine<Sha256Engine> hmac(key);
  hmac.update(text);
  return hmac.digest();
}

// Lower-case hex, as `openssl dgst -sha256 -hmac <key>` prints it.
inline std::string hmac_sha256_hex(const std::string& key, const std::string& text) {
  return Poco::DigestEngine::digestToHex(hmac_sha256(key, text));
}

// Standard base64 with padding and no line breaks.
inline std::string hmac_sha256_base64(const std::string& key, const std::string& text) {
  const Poco::DigestEngine::Digest digest = hmac_sha256(key, text);
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(reinterpret_cast<const char*>(digest.data()),
                static_cast<std::streamsize>(digest.size()));
  encoder.close();
  return out.str();
}

// Compares in time independent of where the texts differ, so a forger learns nothing from
// how long a refusal takes.
inline bool signature_matches(const std::string& expected, const std::string& given) {
  unsigned char difference = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const char other = i < given.size() ? given[i] : '\0';
    difference |= static_cast<unsigned char>(expected[i] ^ other);
  }
  return difference == 0;
}

}  // namespace cxloop::plugins
