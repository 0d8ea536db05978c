// The web notice notifier: a broadcast notifier that keeps the advisories and resolutions the
// kernel publishes (NoticeBoard) and serves them to the company's website as a public JSON
// feed, GET /public/notices?product=SKU, and as an embeddable banner script,
// GET /public/notices/banner.js?product=SKU. See README.md.
#include <cxloop/sdk.hpp>

#include <algorithm>
#include <vector>

#include "json_text.hpp"
#include "notice_board.hpp"
#include "text.hpp"

namespace cxloop::plugins::web_notice {
namespace {

using notices::NoticeBoard;
using sdk::HttpRequest;
using sdk::json;
using sdk::Response;

// The feed's view of a notice: what a website shows, not the problem's scope.
json feed_entry(const json& notice) {
  const json problem = notice.value("problem", json::object());
  json entry = {{"id", notice.value("id", "")},
                {"kind", notice.value("kind", "advisory")},
                {"problem_number", problem.value("number", "")},
                {"title", problem.value("title", "")},
                {"subject", notice.value("subject", "")},
                {"text", notice.value("text", "")},
                {"published_at", notice.value("published_at", "")}};
  if (notice.contains("language")) entry["language"] = notice["language"];
  return entry;
}

// JSON that is safe inside a <script> element and a JavaScript source: no "<", ">" or "&"
// (so no "</script>" or "<!--"), and non-ASCII (U+2028 and U+2029 included) as \u escapes.
std::string script_literal(const json& value) {
  const std::string text = value.dump(-1, ' ', true);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

// The banner: builds its elements with textContent only, so notice text is never markup.
std::string banner_script(const json& entries, const std::string& label) {
  return "/* cxloop service notices banner: GET /public/notices/banner.js?product=SKU */\n"
         "(function () {\n"
         "  \"use strict\";\n"
         "  var notices = " +
         script_literal(entries) +
         ";\n"
         "  var label = " +
         script_literal(label) +
         ";\n"
         "  if (!notices.length) return;\n"
         "  var here = document.currentScript;\n"
         "  var box = document.createElement(\"section\");\n"
         "  box.className = \"cxloop-notices\";\n"
         "  box.setAttribute(\"role\", \"region\");\n"
         "  box.setAttribute(\"aria-label\", label);\n"
         "  box.style.cssText = \"border:2px solid #8a6d00;background:#fff8db;color:#2b2200;"
         "padding:0.75em 1em;margin:0.5em 0;font:inherit\";\n"
         "  notices.forEach(function (notice) {\n"
         "    var item = document.createElement(\"article\");\n"
         "    item.className = \"cxloop-notice cxloop-notice-\" + notice.kind;\n"
         "    if (notice.language) item.lang = notice.language;\n"
         "    var heading = document.createElement(\"h2\");\n"
         "    heading.style.cssText = \"font-size:1.1em;margin:0 0 0.25em\";\n"
         "    heading.textContent = notice.subject || notice.title;\n"
         "    var body = document.createElement(\"p\");\n"
         "    body.style.cssText = \"margin:0 0 0.5em;white-space:pre-line\";\n"
         "    body.textContent = notice.text;\n"
         "    item.appendChild(heading);\n"
         "    item.appendChild(body);\n"
         "    box.appendChild(item);\n"
         "  });\n"
         "  var dismiss = document.createElement(\"button\");\n"
         "  dismiss.type = \"button\";\n"
         "  dismiss.textContent = \"Dismiss\";\n"
         "  dismiss.setAttribute(\"aria-label\", \"Dismiss \" + label);\n"
         "  dismiss.addEventListener(\"click\", function () { box.remove(); });\n"
         "  box.appendChild(dismiss);\n"
         "  var target = document.getElementById(\"cxloop-notices\");\n"
         "  if (target) target.appendChild(box);\n"
         "  else if (here && here.parentNode) here.parentNode.insertBefore(box, here);\n"
         "  else document.body.insertBefore(box, document.body.firstChild);\n"
         "})();\n";
}

}  // namespace

class WebNoticeNotifier : public sdk::NotifierPlugin {
 public:
  explicit WebNoticeNotifier(sdk::Host host) : NotifierPlugin(host), board_(host) {
    const json settings = host.config();
    origins_ = settings.value("cors_origins", std::vector<std::string>{});
    cache_seconds_ = settings.value("cache_seconds", 60);
    label_ = settings.value("banner_label", std::string("Service notices"));
    host.register_route("GET", "/public/notices", true);
    host.register_route("OPTIONS", "/public/notices", true);
    host.register_route("GET", "/public/notices/banner.js", true);
  }

  json send(const json& notification) override {
    (void)notification;
    throw sdk::Error(CXLOOP_ERR_UNSUPPORTED,
                     "the web notice notifier is a broadcast notifier (capability \"broadcast\"): "
                     "campaigns reach it through \"publish\", not per-customer \"send\"");
  }

  json invoke(const std::string& operation, const json& request) override {
    if (operation == "publish") return board_.publish(request);
    if (operation == "withdraw") return board_.withdraw(request);
    return NotifierPlugin::invoke(operation, request);
  }

  Response handle_http(const HttpRequest& request) override {
    if (request.method == "OPTIONS") return preflight(request);
    const std::string product = channels::trimmed(
        request.query.count("product") > 0 ? request.query.at("product") : std::string());
    json entries = json::array();
    for (const auto& notice : board_.active()) {
      if (product.empty() || NoticeBoard::lists_sku(notice, product)) {
        entries.push_back(feed_entry(notice));
      }
    }
    Response response;
    if (request.path == "/public/notices/banner.js") {
      response = Response::text(200, banner_script(entries, label_),
                                "application/javascript; charset=utf-8");
    } else {
      response = Response::json(
          200, {{"product", product.empty() ? json() : json(product)}, {"notices", entries}});
    }
    response.headers["cache-control"] = "public, max-age=" + std::to_string(cache_seconds_);
    response.headers["x-content-type-options"] = "nosniff";
    return with_cors(request, std::move(response));
  }

 private:
  bool origin_allowed(const std::string& origin) const {
    return !origin.empty() && std::any_of(origins_.begin(), origins_.end(),
                                          [&](const auto& o) { return o == "*" || o == origin; });
  }

  // A website on another origin reads the feed with fetch(); only configured origins may.
  Response preflight(const HttpRequest& request) const {
    const std::string origin = request.header("origin").value_or("");
    if (!origin_allowed(origin)) {
      Response refused = Response::json(
          403, {{"type", "about:blank"},
                {"title", "Origin not allowed"},
                {"status", 403},
                {"detail", "origin '" + origin +
                               "' may not read the notice feed; an admin adds it to the "
                               "web notice instance's settings.cors_origins"}});
      refused.headers["content-type"] = "application/problem+json";
      return refused;
    }
    Response allowed = Response::empty(204);
    allowed.headers["access-control-allow-methods"] = "GET, OPTIONS";
    allowed.headers["access-control-max-age"] = "600";
    return with_cors(request, std::move(allowed));
  }

  Response with_cors(const HttpRequest& request, Response response) const {
    const std::string origin = request.header("origin").value_or("");
    response.headers["vary"] = "Origin";
    if (origin_allowed(origin)) response.headers["access-control-allow-origin"] = origin;
    return response;
  }

  NoticeBoard board_;
  std::vector<std::string> origins_;
  int cache_seconds_ = 60;
  std::string label_;
};

}  // namespace cxloop::plugins::web_notice

CXLOOP_PLUGIN(cxloop::plugins::web_notice::WebNoticeNotifier, "web_notice", "notifier", "1.0.0")
