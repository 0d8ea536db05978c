#include "rt_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <memory>

namespace cxloop::connectors::request_tracker {
namespace {

// RT answers errors as {"message": "..."}; anything else is quoted, shortened.
std::string rt_message(const std::string& body) {
  const auto parsed = sdk::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
    return parsed["message"].get<std::string>();
  }
  if (parsed.is_array() && !parsed.empty() && parsed.front().is_string()) {
    return parsed.front().get<std::string>();
  }
  return body.size() > 200 ? body.substr(0, 200) + "..." : body;
}

std::unique_ptr<Poco::Net::HTTPClientSession> session_for(const Poco::URI& uri) {
  if (uri.getScheme() == "https") {
    // Verifies RT's certificate against the system's CA store.
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                               Poco::Net::Context::VERIFY_RELAXED, 9, true);
    return std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context);
  }
  return std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
}

}  // namespace

RtClient::RtClient(RtSettings settings) : settings_(std::move(settings)) {}

sdk::json RtClient::get(const std::string& path, const std::string& what) const {
  return parse(send(Poco::Net::HTTPRequest::HTTP_GET, path, nullptr, what), what);
}

sdk::json RtClient::post(const std::string& path, const sdk::json& body,
                         const std::string& what) const {
  return parse(send(Poco::Net::HTTPRequest::HTTP_POST, path, &body, what), what);
}

sdk::json RtClient::put(const std::string& path, const sdk::json& body,
                        const std::string& what) const {
  return parse(send(Poco::Net::HTTPRequest::HTTP_PUT, path, &body, what), what);
}

std::optional<sdk::json> RtClient::find(const std::string& path, const std::string& what) const {
  Reply reply = send(Poco::Net::HTTPRequest::HTTP_GET, path, nullptr, what);
  if (reply.status == 404) return std::nullopt;
  return parse(reply, what);
}

std::string RtClient::ticket_url(const std::string& id) const {
  return settings_.url + "/Ticket/Display.html?id=" + id;
}

RtClient::Reply RtClient::send(const std::string& method, const std::string& path,
                               const sdk::json* body, const std::string& what) const {
  const std::string url = settings_.url + "/REST/2.0" + path;
  try {
    const Poco::URI uri(url);
    auto session = session_for(uri);
    session->setTimeout(Poco::Timespan(static_cast<long>(settings_.timeout.count()), 0));
    Poco::Net::HTTPRequest request(method, uri.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
    if (!settings_.token.empty()) {
      request.set("Authorization", "token " + settings_.token);
    } else {
      Poco::Net::HTTPBasicCredentials(settings_.username, settings_.password).authenticate(request);
    }
    request.set("Accept", "application/json");
    const std::string text = body == nullptr ? std::string() : body->dump();
    if (body != nullptr) request.setContentType("application/json; charset=utf-8");
    request.setContentLength(static_cast<std::streamsize>(text.size()));
    session->sendRequest(request) << text;
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    Reply reply;
    reply.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
  } catch (const Poco::Exception& e) {
    throw sdk::Error(CXLOOP_ERR_UNAVAILABLE, "Request Tracker at " + settings_.url +
                                                 " could not be reached while " + what + ": " +
                                                 e.displayText());
  }
}

sdk::json RtClient::parse(const Reply& reply, const std::string& what) const {
  if (reply.status >= 300) throw rt_error(reply.status, reply.body, what, settings_);
  auto parsed = sdk::json::parse(reply.body, nullptr, false);
  if (parsed.is_discarded()) {
    throw sdk::Error(CXLOOP_ERR_INVALID,
                     "Request Tracker at " + settings_.url + " answered " + what +
                         " with something that is not JSON; check that settings 'url' is RT's "
                         "base URL (its REST 2 API is <url>/REST/2.0/)");
  }
  return parsed;
}

sdk::Error rt_error(int status, const std::string& body, const std::string& what,
                    const RtSettings& settings) {
  const std::string answer = " (HTTP " + std::to_string(status) + ": " + rt_message(body) + ")";
  const std::string who = settings.token.empty()
                              ? "the RT user '" + settings.username + "' of settings 'auth'"
                              : "the owner of the token in settings 'auth/token'";
  if (status == 401) {
    return sdk::Error(CXLOOP_ERR_FORBIDDEN, "Request Tracker at " + settings.url +
                                                " refused the credentials in " +
                                                "settings 'auth' while " + what + answer +
                                                "; check the token, or the username and password");
  }
  if (status == 403) {
    return sdk::Error(CXLOOP_ERR_FORBIDDEN,
                      "Request Tracker refused " + what + answer + ": " + who +
                          " needs the rights listed in the connector's README on the queue, "
                          "and the queue must exist");
  }
  if (status == 404) {
    return sdk::Error(CXLOOP_ERR_NOT_FOUND, "Request Tracker found nothing while " + what + answer +
                                                "; check settings 'url'");
  }
  if (status >= 500) {
    return sdk::Error(CXLOOP_ERR_UNAVAILABLE,
                      "Request Tracker at " + settings.url + " failed while " + what + answer);
  }
  return sdk::Error(CXLOOP_ERR_INVALID, "Request Tracker rejected " + what + answer);
}

}  // namespace cxloop::connectors::request_tracker
