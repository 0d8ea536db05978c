// The HTTP request a plugin route receives and the response it returns, as the JSON documents
// that cross the ABI (request: method, path, params, query, headers, body, remote_addr;
// response: status, headers, body).
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cxloop/sdk/error.hpp"

namespace cxloop::sdk {

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> params;  // captures of the route pattern
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote_addr;

  static HttpRequest from_json(const nlohmann::json& j) {
    HttpRequest r;
    r.method = j.value("method", "");
    r.path = j.value("path", "");
    r.params = j.value("params", std::map<std::string, std::string>{});
    r.query = j.value("query", std::map<std::string, std::string>{});
    r.headers = j.value("headers", std::map<std::string, std::string>{});
    r.body = j.value("body", "");
    // The host base64-encodes bodies that are not valid UTF-8 (raw 8-bit mail, binary).
    if (j.value("body_encoding", "") == "base64") r.body = decode_base64(r.body);
    r.remote_addr = j.value("remote_addr", "");
    return r;
  }

  // Standard base64 (RFC 4648 section 4), padding optional; other characters are skipped.
  static std::string decode_base64(const std::string& text) {
    std::string out;
    unsigned int buffer = 0;
    int bits = 0;
    for (unsigned char c : text) {
      int value;
      if (c >= 'A' && c <= 'Z')
        value = c - 'A';
      else if (c >= 'a' && c <= 'z')
        value = c - 'a' + 26;
      else if (c >= '0' && c <= '9')
        value = c - '0' + 52;
      else if (c == '+')
        value = 62;
      else if (c == '/')
        value = 63;
      else
        continue;
      buffer = (buffer << 6) | static_cast<unsigned int>(value);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
      }
    }
    return out;
  }
  nlohmann::json to_json() const {
    return {{"method", method},   {"path", path}, {"params", params},          {"query", query},
            {"headers", headers}, {"body", body}, {"remote_addr", remote_addr}};
  }
  // The value of a header (name in lower case), or nullopt.
  std::optional<std::string> header(const std::string& name) const {
    auto it = headers.find(name);
    if (it == headers.end()) return std::nullopt;
    return it->second;
  }
  // The body parsed as JSON; a malformed body is the caller's mistake (CXLOOP_ERR_INVALID,
  // which the host answers with 400).
  nlohmann::json json_body() const;
};

struct Response {
  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;

  static Response json(int status, const nlohmann::json& body) {
    Response r;
    r.status = status;
    r.headers["content-type"] = "application/json";
    r.body = body.dump();
    return r;
  }
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8") {
    Response r;
    r.status = status;
    r.headers["content-type"] = std::move(content_type);
    r.body = std::move(body);
    return r;
  }
  static Response empty(int status) {
    Response r;
    r.status = status;
    return r;
  }
  nlohmann::json to_json() const {
    return {{"status", status}, {"headers", headers}, {"body", body}};
  }
};

inline nlohmann::json HttpRequest::json_body() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(CXLOOP_ERR_INVALID, std::string("request body is not valid JSON: ") + e.what());
  }
}

}  // namespace cxloop::sdk
