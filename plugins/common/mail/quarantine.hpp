// Mail the POP3 poller could not store, kept aside in the instance's kv store instead of
// being lost: "quarantine/<sha1 of the raw message>" holds the reason and the raw message
// (base64, since raw mail need not be UTF-8), and "quarantine/index" lists the keys, newest
// last, for the admin routes GET /plugins/<instance>/quarantine[/<id>].
#pragma once

#include <cstddef>
#include <string>

#include <cxloop/sdk.hpp>

namespace cxloop::plugins::mail {

class Quarantine {
 public:
  explicit Quarantine(sdk::Host host) : host_(host) {}

  // Keeps raw with its reason and returns the entry's id. Throws sdk::HostError when the kv
  // store refuses, in which case the caller must keep the message in the mailbox.
  std::string keep(const std::string& raw, const std::string& reason,
                   const std::string& source) const;
  // Records a message left in the mailbox (too large to take) without its content; true when
  // it was not recorded before.
  bool note_kept_in_mailbox(const std::string& identity, const std::string& reason,
                            const sdk::json& headers, std::size_t size) const;

  // The entries without their raw content, oldest first.
  sdk::json list() const;
  // One entry with its raw message decoded; throws sdk::Error NOT_FOUND.
  sdk::json get(const std::string& id) const;

 private:
  void add_to_index(const std::string& id) const;
  sdk::Host host_;
};

}  // namespace cxloop::plugins::mail
