// Serves the files below one directory to HTTP GET requests: the web console's pages, modules
// and styles, and Debian's packaged JavaScript libraries. A request can never name a file
// outside the directory (every path segment is checked before the file system is asked);
// answers carry a content type from the file's extension, an ETag, Cache-Control and
// browser-hardening headers, and 304 when the browser's copy is still current.
#pragma once

#include <string>

#include "http/http_types.hpp"

namespace cxloop::console {

class StaticFiles {
 public:
  // directory: the root served; it need not exist yet (requests then answer 404 naming
  // config_key, the server config key that sets it).
  StaticFiles(std::string directory, std::string config_key);

  // relative: the URL-decoded path below the root, '/'-separated ("js/app.js"). Throws
  // http::ApiError 404 for a path that is not a servable file below the root.
  http::HttpResponse serve(const std::string& relative, const http::HttpRequest& request) const;

  const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
  std::string config_key_;
};

// The Content-Type for a file name, by extension; text types carry charset=utf-8.
std::string media_type(const std::string& file_name);

// True when path names a directory that can be looked into; never throws.
bool is_directory(const std::string& path);

// True when every '/'-separated segment of relative is a plain name: not empty, not "." or
// "..", not hidden (leading '.'), without '\' or NUL. Only such paths are looked up.
bool safe_relative_path(const std::string& relative);

}  // namespace cxloop::console
