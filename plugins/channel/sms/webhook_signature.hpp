// The signature that authenticates an inbound SMS webhook: HMAC-SHA256, keyed with the
// instance's webhook_secret, over the request path followed by every form parameter sorted by
// name, each written as name then value with no separators; sent base64-encoded in the
// X-Cxloop-Signature header. README.md spells the scheme out for gateway adapter authors.
#pragma once

#include <map>
#include <string>

#include "hmac_sha256.hpp"

namespace cxloop::channels::sms {

// The text that is signed: path + name1 + value1 + name2 + value2 ... (names sorted
// byte-wise, as std::map orders them).
std::string signing_text(const std::string& path, const std::map<std::string, std::string>& form);

// base64(HMAC-SHA256(secret, signing_text(path, form))).
std::string sign(const std::string& secret, const std::string& path,
                 const std::map<std::string, std::string>& form);

// The constant-time comparison shared with the other bundled plugins (plugins/common).
using plugins::signature_matches;

}  // namespace cxloop::channels::sms
