// One customer contact as the matcher sees it: the text and the attributes that say which
// product, batch and category it is about, and who sent it through which channel.
#pragma once

#include <cstdint>
#include <string>

namespace cxloop::analytics {

struct CaseRecord {
  std::int64_t id = 0;
  std::int64_t at = 0;  // creation time, seconds since the epoch
  std::string channel;
  std::string customer;  // any stable customer key; used to count distinct customers
  std::string sku;       // empty when unknown
  std::string batch;
  std::string category;
  std::string subject;
  std::string body;
};

}  // namespace cxloop::analytics
