// Campaigns: a problem's campaign (start, pause, resume, preview), its notifications, and the
// public links customers follow from a message (acknowledge, unsubscribe).
#include "api/routes.hpp"

#include "api/auth.hpp"
#include "api/domain_routes.hpp"
#include "api/request_body.hpp"
#include "api/rest_support.hpp"
#include "http/api_error.hpp"
#include "http/router.hpp"
#include "plugin_host/plugin_host.hpp"
#include "workflow/campaigns.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/domain_services.hpp"
#include "workflow/problems.hpp"

namespace cxloop::api {

namespace {

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A small, self-contained page for customers who follow a link from a message.
http::HttpResponse page(int status, const std::string& title, const std::string& body_html) {
  http::HttpResponse response;
  response.status = status;
  response.headers["content-type"] = "text/html; charset=utf-8";
  response.headers["cache-control"] = "no-store";
  response.headers["content-security-policy"] = "default-src 'none'; style-src 'unsafe-inline'";
  response.body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                  "content=\"width=device-width, initial-scale=1\"><title>" +
                  html_escape(title) +
                  "</title><style>body{font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 "
                  "1rem;line-height:1.5}</style></head><body><h1>" +
                  html_escape(title) + "</h1>" + body_html + "</body></html>";
  return response;
}

http::HttpResponse public_link(http::HttpRequest& request,
                               const std::function<http::HttpResponse(const std::string&)>& act) {
  try {
    return act(request.params.at("token"));
  } catch (const workflow::DomainError& error) {
    if (error.kind() != workflow::ErrorKind::not_found) throw;
    return page(404, "Link not recognised",
                "<p>" + html_escape(error.what()) + ". Please use the link from your message as it is.</p>");
  }
}

}  // namespace

void register_campaign_routes(ApiContext& context) {
  SecuredRoutes& routes = context.secured;
  auto& campaigns = context.domain.campaigns;
  auto& problems = context.domain.problems;

  routes.add("GET", "/api/v1/problems/{id}/campaign", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(200, campaigns.get(problem_path_id(request, problems)));
             });
  routes.add("POST", "/api/v1/problems/{id}/campaign", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               nlohmann::json body = request.body.empty() ? nlohmann::json::object() : parse_object_body(request);
               auto started = campaigns.start(problem_path_id(request, problems), body, "manual", actor_of(who));
               // The audience is written in the background (campaign.started); 202 says so.
               return json_response(started.at("created").get<bool>() ? 202 : 200, started.at("campaign"));
             });
  routes.add("POST", "/api/v1/problems/{id}/campaign/pause", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return json_response(200, campaigns.pause(problem_path_id(request, problems), actor_of(who)));
             });
  routes.add("POST", "/api/v1/problems/{id}/campaign/resume", {Role::agent},
             [&](http::HttpRequest& request, const Principal& who) {
               return json_response(200, campaigns.resume(problem_path_id(request, problems), actor_of(who)));
             });
  routes.add("GET", "/api/v1/problems/{id}/campaign/preview", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               std::optional<bool> advisory;
               auto it = request.query.find("advisory");
               if (it != request.query.end()) {
                 if (it->second != "true" && it->second != "false") {
                   throw http::ApiError::bad_request("advisory must be true or false", "/advisory");
                 }
                 advisory = it->second == "true";
               }
               const auto samples = query_integer(request, "samples", 3);
               if (samples > 20) throw http::ApiError::bad_request("samples must be at most 20", "/samples");
               return json_response(200, campaigns.preview(problem_path_id(request, problems), advisory,
                                                           static_cast<int>(samples)));
             });
  routes.add("GET", "/api/v1/problems/{id}/notifications", {Role::agent},
             [&](http::HttpRequest& request, const Principal&) {
               return json_response(
                   200, campaigns.notifications(problem_path_id(request, problems), query_object(request)));
             });

  routes.add_public("GET", "/public/notifications/{token}/ack", [&](http::HttpRequest& request) {
    return public_link(request, [&](const std::string& token) {
      campaigns.acknowledge(token);
      return page(200, "Thank you", "<p>We have noted that you received our message.</p>");
    });
  });
  routes.add_public("GET", "/public/notifications/{token}/unsubscribe", [&](http::HttpRequest& request) {
    // Following the link only asks; the form posts (mail scanners open links, and must not
    // unsubscribe anybody).
    return public_link(request, [&](const std::string& token) {
      campaigns.notification_for_token(token);  // 404 page for an unknown link
      return page(200, "Stop advisories",
                  "<p>Do you want to stop receiving advisories about problems that might affect "
                  "you? You will still hear about cases you report.</p><form method=\"post\"><button "
                  "type=\"submit\">Stop advisories</button></form>");
    });
  });
  routes.add_public("POST", "/public/notifications/{token}/unsubscribe", [&](http::HttpRequest& request) {
    // Also the RFC 8058 one-click target of List-Unsubscribe-Post.
    return public_link(request, [&](const std::string& token) {
      campaigns.unsubscribe(token);
      return page(200, "Unsubscribed", "<p>You will not receive advisories any more.</p>");
    });
  });
}

}  // namespace cxloop::api
