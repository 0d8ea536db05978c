// A campaign's print batch for the mail house, on disk under the configured directory:
// postcards are appended to a spool (<directory>/.spool/campaign-<id>.jsonl, one JSON line
// each, synced) as they are sent, and closing the batch writes campaign-<id>.csv atomically
// (a temporary file, fsync, rename, fsync of the directory), so the mail house never picks up
// half a file and a crash at any point leaves either no file or the whole one.
#pragma once

#include <cstddef>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace cxloop::plugins::postcard {

struct Postcard {
  std::string key;  // the notification's idempotency key: a row is printed once per key
  std::string name;
  std::vector<std::string> address;  // postal address lines
  std::string message;
};

struct ClosedBatch {
  std::filesystem::path file;
  std::size_t rows = 0;
};

class PrintBatches {
 public:
  // Checks that directory exists (creating it when create is true) and that files can be
  // written there; throws std::runtime_error naming the directory and what is wrong.
  PrintBatches(std::filesystem::path directory, bool create);

  // Appends the postcard to the campaign's spool.
  void append(const std::string& campaign_id, const Postcard& card);
  // Writes campaign-<id>.csv from the spool (a key spooled twice counts once, in its first
  // place) with columns name, address_line_1..N (N: the longest address), message, and
  // leaves the spool for discard_spool(). A campaign with no postcards gets a file with the header
  // only.
  ClosedBatch close(const std::string& campaign_id);
  // Removes the campaign's spool once its closing is on record (closing again would then
  // find no postcards, so the caller keeps the first result).
  void discard_spool(const std::string& campaign_id);

  const std::filesystem::path& directory() const { return directory_; }
  std::filesystem::path file_of(const std::string& campaign_id) const;

 private:
  std::filesystem::path spool_of(const std::string& campaign_id) const;

  std::filesystem::path directory_;
  std::mutex mutex_;  // appends and closes of the instance, one at a time
};

}  // namespace cxloop::plugins::postcard
