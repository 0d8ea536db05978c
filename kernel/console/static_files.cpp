#include "console/static_files.hpp"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Timestamp.h>

#include <fstream>
#include <iterator>
#include <map>

#include "http/api_error.hpp"

namespace cxloop::console {

namespace {

std::string extension(const std::string& file_name) {
  const auto slash = file_name.rfind('/');
  const auto dot = file_name.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = file_name.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// Size and modification time change whenever a file is replaced, and are cheap to read.
std::string entity_tag(const Poco::File& file) {
  return "\"" + std::to_string(file.getSize()) + "-" +
         std::to_string(file.getLastModified().epochMicroseconds()) + "\"";
}

void add_common_headers(http::HttpResponse& response, const std::string& etag) {
  response.headers["etag"] = etag;
  // The console has no build step, so its file names carry no content hash: the browser
  // must revalidate each file (a cheap 304), or an upgrade could mix old and new modules.
  response.headers["cache-control"] = "no-cache";
  response.headers["x-content-type-options"] = "nosniff";
  // The console keeps a bearer token in the page's session storage: nothing but its own
  // origin may run script in it, load into it, or frame it.
  response.headers["content-security-policy"] =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
      "frame-ancestors 'none'";
  response.headers["referrer-policy"] = "no-referrer";
}

}  // namespace

bool is_directory(const std::string& path) {
  try {
    Poco::File file(path);
    return file.exists() && file.isDirectory();
  } catch (const Poco::Exception&) {
    return false;  // a dangling symlink or a folder on the way that cannot be read
  }
}

StaticFiles::StaticFiles(std::string directory, std::string config_key)
    : directory_(std::move(directory)), config_key_(std::move(config_key)) {}

std::string media_type(const std::string& file_name) {
  static const std::map<std::string, std::string> types = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
  };
  const auto found = types.find(extension(file_name));
  return found == types.end() ? "application/octet-stream" : found->second;
}

bool safe_relative_path(const std::string& relative) {
  if (relative.empty()) return false;
  std::size_t start = 0;
  while (start <= relative.size()) {
    std::size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    const std::string segment = relative.substr(start, end - start);
    if (segment.empty() || segment.front() == '.' ||
        segment.find_first_of(std::string("\\\0", 2)) != std::string::npos) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

http::HttpResponse StaticFiles::serve(const std::string& relative,
                                      const http::HttpRequest& request) const {
  if (!is_directory(directory_)) {
    throw http::ApiError::not_found("the console files are not installed at '" + directory_ +
                                    "'; install them there or set " + config_key_ +
                                    " in the server config");
  }
  const auto missing = [&] {
    return http::ApiError::not_found("no console file at " + request.path);
  };
  if (!safe_relative_path(relative)) throw missing();
  Poco::File file(directory_ + "/" + relative);
  try {
    if (!file.exists() || !file.isFile() || !file.canRead()) throw missing();
  } catch (const Poco::Exception&) {
    throw missing();  // a dangling symlink or an unreadable folder on the way
  }

  http::HttpResponse response;
  const std::string etag = entity_tag(file);
  add_common_headers(response, etag);
  if (request.header("if-none-match") == etag) {
    response.status = 304;
    return response;
  }
  std::ifstream in(file.path(), std::ios::binary);
  if (!in) throw missing();
  response.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  response.headers["content-type"] = media_type(relative);
  return response;
}

}  // namespace cxloop::console
