#include "print_batch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "csv_record.hpp"

namespace cxloop::plugins::postcard {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::runtime_error io_error(const std::string& what, const fs::path& path) {
  return std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

// Writes all of text to fd, or throws.
void write_all(int fd, const std::string& text, const fs::path& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("cannot write", path);
    done += static_cast<std::size_t>(n);
  }
}

// Closes a descriptor on every path out of a function.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

void sync_directory(const fs::path& directory) {
  Descriptor dir{::open(directory.c_str(), O_RDONLY | O_DIRECTORY)};
  if (dir.fd < 0 || ::fsync(dir.fd) != 0) throw io_error("cannot sync directory", directory);
}

}  // namespace

PrintBatches::PrintBatches(fs::path directory, bool create) : directory_(std::move(directory)) {
  const std::string named = "settings.directory '" + directory_.string() + "'";
  std::error_code error;
  if (!fs::exists(directory_, error)) {
    if (!create) {
      throw std::runtime_error(named +
                               " does not exist; create it (writable by the server) or set "
                               "settings.create_directory to true");
    }
    if (!fs::create_directories(directory_, error) && error) {
      throw std::runtime_error(named + " cannot be created: " + error.message());
    }
  }
  if (!fs::is_directory(directory_, error)) {
    throw std::runtime_error(named + " is not a directory; name the folder print files go to");
  }
  fs::create_directories(directory_ / ".spool", error);
  if (error) {
    throw std::runtime_error(named + " is not writable (cannot create its .spool folder: " +
                             error.message() + "); let the server's user write there");
  }
  const fs::path probe = directory_ / ".spool" / (".probe-" + std::to_string(::getpid()));
  Descriptor fd{::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600)};
  if (fd.fd < 0) {
    throw std::runtime_error(named + " is not writable (" + std::strerror(errno) +
                             "); let the server's user write there");
  }
  fs::remove(probe, error);
}

fs::path PrintBatches::file_of(const std::string& campaign_id) const {
  return directory_ / ("campaign-" + campaign_id + ".csv");
}

fs::path PrintBatches::spool_of(const std::string& campaign_id) const {
  return directory_ / ".spool" / ("campaign-" + campaign_id + ".jsonl");
}

void PrintBatches::append(const std::string& campaign_id, const Postcard& card) {
  const std::string line = json{{"key", card.key},
                                {"name", card.name},
                                {"address", card.address},
                                {"message", card.message}}
                               .dump() +
                           "\n";
  const fs::path spool = spool_of(campaign_id);
  std::lock_guard<std::mutex> lock(mutex_);
  Descriptor fd{::open(spool.c_str(), O_RDWR | O_CREAT | O_APPEND, 0600)};
  if (fd.fd < 0) throw io_error("cannot open the print spool", spool);
  // A crash in the middle of an earlier append may have left a line without its end; start
  // on a fresh line so that torn line stays alone (close() skips it).
  const off_t size = ::lseek(fd.fd, 0, SEEK_END);
  if (size > 0) {
    char last = '\n';
    if (::pread(fd.fd, &last, 1, size - 1) == 1 && last != '\n') write_all(fd.fd, "\n", spool);
  }
  write_all(fd.fd, line, spool);
  if (::fsync(fd.fd) != 0) throw io_error("cannot sync the print spool", spool);
}

ClosedBatch PrintBatches::close(const std::string& campaign_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  const fs::path spool = spool_of(campaign_id);
  std::vector<Postcard> cards;
  std::set<std::string> keys;
  std::ifstream in(spool);
  for (std::string line; std::getline(in, line);) {
    const json row = json::parse(line, nullptr, false);
    if (row.is_discarded() || !row.is_object()) continue;  // a torn line from a crash
    Postcard card{row.value("key", ""), row.value("name", ""),
                  row.value("address", std::vector<std::string>{}), row.value("message", "")};
    if (!keys.insert(card.key).second) continue;  // spooled again after a crash
    cards.push_back(std::move(card));
  }
  in.close();

  std::size_t lines = 1;
  for (const auto& card : cards) lines = std::max(lines, card.address.size());
  std::vector<std::string> header{"name"};
  for (std::size_t i = 1; i <= lines; ++i) header.push_back("address_line_" + std::to_string(i));
  header.push_back("message");
  std::string text = csv_record(header);
  for (const auto& card : cards) {
    std::vector<std::string> fields{card.name};
    for (std::size_t i = 0; i < lines; ++i) {
      fields.push_back(i < card.address.size() ? card.address[i] : std::string());
    }
    fields.push_back(card.message);
    text += csv_record(fields);
  }

  const fs::path file = file_of(campaign_id);
  const fs::path temporary = directory_ / ("." + file.filename().string() + ".tmp");
  {
    Descriptor fd{::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644)};
    if (fd.fd < 0) throw io_error("cannot create", temporary);
    write_all(fd.fd, text, temporary);
    if (::fsync(fd.fd) != 0) throw io_error("cannot sync", temporary);
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) throw io_error("cannot rename to", file);
  sync_directory(directory_);
  return {fs::absolute(file), cards.size()};
}

void PrintBatches::discard_spool(const std::string& campaign_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::error_code ignored;  // a spool left behind is only disk space
  fs::remove(spool_of(campaign_id), ignored);
}

}  // namespace cxloop::plugins::postcard
