// The web form channel: serves an embeddable contact form and takes its posts (form-encoded
// from the plain HTML form, JSON from a page's own script) as cases. Public and
// unauthenticated, so it defends itself: a per-address rate limit, a honeypot field, a size
// limit and CORS only for configured origins. It has no way back to the customer, so its
// manifest does not claim "deliver": the kernel routes agents' replies on web cases to a
// channel that reaches the customer (email by address, or SMS).
#include <cxloop/sdk.hpp>

#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <string>
#include <vector>

#include "form_fields.hpp"
#include "form_page.hpp"
#include "rate_limiter.hpp"
#include "text.hpp"

namespace cxloop::channels::web {
namespace {

using cxloop::sdk::HostError;
using cxloop::sdk::HttpRequest;
using cxloop::sdk::json;
using cxloop::sdk::Response;

const std::vector<std::string> kFields = {"name",        "email",         "phone",
                                          "product",     "order_number",  "description",
                                          "case_number", "submission_id", "website"};

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

// A refusal the submitter can act on: which field, what to do.
struct Refusal {
  int status;
  std::string reason;
  std::string field;  // form field name, or empty
};

// The fields of one submission, from either encoding.
struct Submission {
  std::map<std::string, std::string> fields;
  bool html = false;  // a browser form post: answer with a page, not JSON

  std::string get(const std::string& name) const {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : trimmed(it->second);
  }
};

}  // namespace

class WebChannel : public cxloop::sdk::ChannelPlugin {
 public:
  explicit WebChannel(cxloop::sdk::Host host)
      : ChannelPlugin(host), limiter_(host.config().value("rate_limit_per_minute", 10)) {
    const json settings = host.config();
    page_.title = settings.value("title", page_.title);
    page_.max_description_bytes =
        settings.value("max_description_bytes", page_.max_description_bytes);
    for (const auto& product : settings.value("products", json::array())) {
      page_.products.push_back({product.at("sku").get<std::string>(),
                                product.value("name", product.at("sku").get<std::string>())});
    }
    cors_origins_ = settings.value("cors_origins", std::vector<std::string>{});
    host.register_route("GET", "/form", true);
    host.register_route("POST", "/submissions", true);
    host.register_route("OPTIONS", "/submissions", true);
  }

  Response handle_http(const HttpRequest& request) override {
    const bool submissions = ends_with(request.path, "/submissions");
    if (request.method == "GET") return form(request);
    if (request.method == "OPTIONS" && submissions) return preflight(request);
    return with_cors(request, submit(request));
  }

 private:
  static bool ends_with(const std::string& text, const std::string& tail) {
    return text.size() >= tail.size() &&
           text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
  }

  static std::string channel_of(const std::string& path) {
    // /hooks/channel/<instance>/submissions: the instance is the channel cases record.
    const std::string prefix = "/hooks/channel/";
    if (path.rfind(prefix, 0) != 0) return "web";
    const std::size_t end = path.find('/', prefix.size());
    return path.substr(prefix.size(),
                       end == std::string::npos ? std::string::npos : end - prefix.size());
  }

  Response form(const HttpRequest& request) const {
    auto it = request.query.find("case");
    const std::string case_number = it == request.query.end() ? "" : it->second;
    Response page = Response::text(
        200,
        render_form(page_, Poco::UUIDGenerator::defaultGenerator().createRandom().toString(),
                    case_number),
        "text/html; charset=utf-8");
    // Each rendering carries its own submission id.
    page.headers["cache-control"] = "no-store";
    return page;
  }

  bool origin_allowed(const std::string& origin) const {
    return std::find(cors_origins_.begin(), cors_origins_.end(), origin) != cors_origins_.end() ||
           std::find(cors_origins_.begin(), cors_origins_.end(), "*") != cors_origins_.end();
  }

  Response preflight(const HttpRequest& request) const {
    const std::string origin = request.header("origin").value_or("");
    if (origin.empty() || !origin_allowed(origin)) {
      return problem(403, "Origin not allowed",
                     "origin '" + origin +
                         "' may not post to this form; an admin adds it to the channel's "
                         "settings.cors_origins",
                     "");
    }
    Response r = Response::empty(204);
    r.headers["access-control-allow-origin"] = origin;
    r.headers["access-control-allow-methods"] = "POST, OPTIONS";
    r.headers["access-control-allow-headers"] = "Content-Type, Idempotency-Key";
    r.headers["access-control-max-age"] = "600";
    r.headers["vary"] = "Origin";
    return r;
  }

  Response with_cors(const HttpRequest& request, Response response) const {
    const std::string origin = request.header("origin").value_or("");
    if (!origin.empty() && origin_allowed(origin)) {
      response.headers["access-control-allow-origin"] = origin;
      response.headers["vary"] = "Origin";
    }
    return response;
  }

  static Response problem(int status, const std::string& title, const std::string& detail,
                          const std::string& field) {
    json body = {{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}};
    if (!field.empty()) body["field"] = field;
    Response r = Response::json(status, body);
    r.headers["content-type"] = "application/problem+json";
    return r;
  }

  Response refuse(const Submission& submission, const Refusal& refusal) const {
    if (submission.html) {
      return Response::text(refusal.status, render_refusal(page_, refusal.reason),
                            "text/html; charset=utf-8");
    }
    return problem(refusal.status, "Submission refused", refusal.reason, refusal.field);
  }

  Response accepted(const Submission& submission, const json& answer) const {
    if (submission.html) {
      return Response::text(200, render_thanks(page_, answer.value("case_number", "")),
                            "text/html; charset=utf-8");
    }
    return Response::json(201, answer);
  }

  Response submit(const HttpRequest& request) {
    Submission submission;
    const std::string type = media_type(request.header("content-type").value_or(""));
    submission.html = type == "application/x-www-form-urlencoded";

    if (auto wait = limiter_.take(client_host(request.remote_addr))) {
      count("webform_refused_total", "rate_limited");
      Response r = refuse(submission, {429,
                                       "too many submissions from your address; try again in " +
                                           std::to_string(*wait) + " seconds",
                                       ""});
      r.headers["retry-after"] = std::to_string(*wait);
      return r;
    }
    // Field overhead (name, email, ...) on top of the longest description allowed.
    const std::size_t max_body = page_.max_description_bytes * 3 + 8192;
    if (request.body.size() > max_body) {
      count("webform_refused_total", "too_large");
      return refuse(submission, {413,
                                 "the submission is " + std::to_string(request.body.size()) +
                                     " bytes; the limit is " + std::to_string(max_body),
                                 ""});
    }
    if (auto refusal = read_fields(request, type, submission)) {
      count("webform_refused_total", "malformed");
      return refuse(submission, *refusal);
    }
    if (!submission.get("website").empty()) {
      // A bot filled the field people cannot see: look successful, store nothing.
      count("webform_bot_submissions_total", "honeypot");
      return accepted(submission, {{"received", true}});
    }
    if (auto refusal = check(submission)) {
      count("webform_refused_total", "invalid");
      return refuse(submission, *refusal);
    }
    try {
      json answer = store(channel_of(request.path), submission,
                          request.header("idempotency-key").value_or(""));
      count("webform_submissions_total",
            answer.at("duplicate").get<bool>() ? "duplicate" : "accepted");
      return accepted(submission, answer);
    } catch (const HostError& e) {
      if (e.status() != CXLOOP_ERR_INVALID) throw;
      // The kernel's own rules (an email address it cannot use, ...) name the field.
      count("webform_refused_total", "invalid");
      return refuse(submission, {400, e.what(), ""});
    }
  }

  std::optional<Refusal> read_fields(const HttpRequest& request, const std::string& type,
                                     Submission& submission) const {
    if (type == "application/x-www-form-urlencoded") {
      try {
        submission.fields = parse_form(request.body);
      } catch (const FormEncodingError& e) {
        return Refusal{400, e.what(), ""};
      }
      return std::nullopt;
    }
    if (type == "application/json") {
      const json doc = json::parse(request.body, nullptr, false);
      if (!doc.is_object()) {
        return Refusal{400, "the body must be a JSON object with the form's fields", ""};
      }
      for (const auto& [name, value] : doc.items()) {
        if (value.is_null()) continue;
        if (!value.is_string()) {
          return Refusal{400, "field '" + name + "' must be a string", name};
        }
        submission.fields[name] = value.get<std::string>();
      }
      return std::nullopt;
    }
    return Refusal{415, "send the form as application/x-www-form-urlencoded or application/json",
                   ""};
  }

  std::optional<Refusal> check(const Submission& s) const {
    for (const auto& [name, value] : s.fields) {
      if (std::find(kFields.begin(), kFields.end(), name) == kFields.end()) {
        return Refusal{400,
                       "unknown field '" + name +
                           "'; the form has name, email, phone, product, "
                           "order_number, description and case_number",
                       name};
      }
    }
    const std::string email = s.get("email");
    if (email.empty()) return Refusal{400, "enter your email address so we can reply", "email"};
    if (email.find('@') == std::string::npos || email.size() > 300) {
      return Refusal{400, "'" + email + "' is not an email address", "email"};
    }
    const std::string description = s.get("description");
    if (description.empty()) {
      return Refusal{400, "describe what happened in the description field", "description"};
    }
    if (description.size() > page_.max_description_bytes) {
      return Refusal{413,
                     "the description is " + std::to_string(description.size()) +
                         " bytes; shorten it to at most " +
                         std::to_string(page_.max_description_bytes),
                     "description"};
    }
    if (s.get("name").size() > 200)
      return Refusal{400, "the name is longer than 200 bytes", "name"};
    if (s.get("order_number").size() > 100) {
      return Refusal{400, "the order number is longer than 100 bytes", "order_number"};
    }
    const std::string product = s.get("product");
    if (!product.empty() && !page_.products.empty() && !product_name(product)) {
      return Refusal{400, "'" + product + "' is not one of the products on the form", "product"};
    }
    if (product.size() > 100)
      return Refusal{400, "the product is longer than 100 bytes", "product"};
    return std::nullopt;
  }

  std::optional<std::string> product_name(const std::string& sku) const {
    for (const auto& p : page_.products) {
      if (p.sku == sku) return p.name;
    }
    return std::nullopt;
  }

  // A follow-up names its case; otherwise a new case. Returns {case_number, duplicate,
  // threaded}.
  json store(const std::string& channel, const Submission& s, const std::string& header_key) {
    const std::string email = s.get("email");
    const std::string description = s.get("description");
    std::string submission_id = s.get("submission_id");
    if (submission_id.empty()) submission_id = trimmed(header_key);
    if (submission_id.size() > 200) submission_id.clear();
    json attributes = {{"source", "web form"}};
    if (!s.get("order_number").empty()) attributes["order_number"] = s.get("order_number");
    if (!s.get("product").empty()) attributes["product"] = s.get("product");

    if (const std::string number = s.get("case_number"); !number.empty()) {
      if (auto followed =
              follow_up(channel, number, email, description, submission_id, attributes)) {
        return *followed;
      }
    }
    std::string subject = first_line(description, 80);
    if (auto name = product_name(s.get("product"))) subject = *name + ": " + subject;
    std::string case_description = description;
    if (!s.get("order_number").empty()) {
      case_description += "\n\nOrder number: " + s.get("order_number");
    }
    json request = {
        {"channel", channel},      {"customer", {{"email", email}}},  {"subject", subject},
        {"body", description},     {"description", case_description}, {"author", email},
        {"attributes", attributes}};
    if (!s.get("name").empty()) request["customer"]["name"] = s.get("name");
    // A phone number joins this customer to their SMS contacts (the kernel fills it in on a
    // known customer that has none).
    if (!s.get("phone").empty()) request["customer"]["phone"] = s.get("phone");
    if (!s.get("product").empty()) request["sku"] = s.get("product");
    if (!submission_id.empty()) request["external_ref"] = "submission:" + submission_id;
    const json created = host().call("case.intake", request);
    return {{"case_number", created.at("case").at("number")},
            {"duplicate", created.at("duplicate")},
            {"threaded", false}};
  }

  // Adds the text to the named case when it is the submitter's own and not closed; a
  // closed case gets a new one (nullopt). A number that is not the submitter's is refused
  // without saying whether it exists.
  std::optional<json> follow_up(const std::string& channel, const std::string& number,
                                const std::string& email, const std::string& description,
                                const std::string& submission_id, const json& attributes) {
    const auto not_yours = [&] {
      return cxloop::sdk::Error(
          CXLOOP_ERR_INVALID,
          "case number '" + number + "' does not belong to " + email +
              "; check the number, use the email address you wrote from, or leave the case "
              "number empty to open a new case");
    };
    json found;
    try {
      found = host().call("case.find_by_number", {{"number", number}});
    } catch (const HostError& e) {
      if (e.status() == CXLOOP_ERR_NOT_FOUND || e.status() == CXLOOP_ERR_INVALID) {
        throw HostError(CXLOOP_ERR_INVALID, not_yours().what());
      }
      throw;
    }
    const json owner = host().call("customer.get", {{"id", found.at("customer_id")}});
    if (!owner.at("email").is_string() ||
        lower(owner.at("email").get<std::string>()) != lower(email)) {
      throw HostError(CXLOOP_ERR_INVALID, not_yours().what());
    }
    if (found.at("state") == "closed") return std::nullopt;
    json message = {{"case_id", found.at("id")}, {"direction", "inbound"},
                    {"body", description},       {"channel", channel},
                    {"author", email},           {"attributes", attributes}};
    if (!submission_id.empty()) message["external_id"] = "submission:" + submission_id;
    const json appended = host().call("case.append_message", message);
    return json{{"case_number", appended.at("case").at("number")},
                {"duplicate", appended.at("duplicate")},
                {"threaded", true}};
  }

  void count(const std::string& metric, const std::string& outcome) const {
    host().counter_add(metric, 1.0, {{"outcome", outcome}});
  }

  FormPage page_;
  std::vector<std::string> cors_origins_;
  RateLimiter limiter_;
};

}  // namespace cxloop::channels::web

CXLOOP_PLUGIN(cxloop::channels::web::WebChannel, "web", "channel", "1.0.0")
