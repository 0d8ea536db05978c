#include "workflow/message_templates.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <kainjow/mustache.hpp>

namespace cxloop::workflow {
namespace {

namespace mustache = kainjow::mustache;

// Built-in English templates. Keys: "<kind>.<medium>.<part>" then "<kind>.<part>".
const std::map<std::string, std::string>& builtin() {
  static const std::map<std::string, std::string> templates = {
      {"resolution.subject", "{{{case.number}}}: {{{problem.title}}} is fixed"},
      {"resolution.text",
       "Hello {{{customer.name}}},\n\n"
       "you told us about \"{{{problem.title}}}\"{{#case.number}} (case {{{case.number}}}){{/case.number}}. "
       "It is fixed now.\n\n{{{solution.customer_message}}}\n\n"
       "Please let us know you received this: {{{links.acknowledge}}}\n\n{{{sender}}}\n"},
      {"resolution.html",
       "<p>Hello {{customer.name}},</p><p>you told us about &ldquo;{{problem.title}}&rdquo;"
       "{{#case.number}} (case {{case.number}}){{/case.number}}. It is fixed now.</p>"
       "<p>{{solution.customer_message}}</p>"
       "<p><a href=\"{{links.acknowledge}}\">Let us know you received this</a></p>"
       "<p>{{sender}}</p>"},
      {"resolution.sms.text",
       "{{{sender}}}: \"{{{problem.title}}}\" is fixed. {{{solution.customer_message}}} "
       "Got it? {{{links.acknowledge}}}"},
      {"advisory.subject", "Important: {{{problem.title}}}"},
      {"advisory.text",
       "Hello {{{customer.name}}},\n\n"
       "some customers with products like yours have met \"{{{problem.title}}}\". "
       "We want you to know before it reaches you.\n\n{{{solution.customer_message}}}\n\n"
       "Please let us know you received this: {{{links.acknowledge}}}\n"
       "No more advisories: {{{links.unsubscribe}}}\n\n{{{sender}}}\n"},
      {"advisory.html",
       "<p>Hello {{customer.name}},</p><p>some customers with products like yours have met "
       "&ldquo;{{problem.title}}&rdquo;. We want you to know before it reaches you.</p>"
       "<p>{{solution.customer_message}}</p>"
       "<p><a href=\"{{links.acknowledge}}\">Let us know you received this</a> &middot; "
       "<a href=\"{{links.unsubscribe}}\">No more advisories</a></p><p>{{sender}}</p>"},
      {"advisory.sms.text",
       "{{{sender}}}: products like yours may meet \"{{{problem.title}}}\". "
       "{{{solution.customer_message}}} Got it? {{{links.acknowledge}}}"},
      {"advisory.notice.text", "{{{problem.title}}}: {{{solution.customer_message}}}"},
      {"resolution.notice.text", "Fixed: {{{problem.title}}}. {{{solution.customer_message}}}"},
      {"status_update.subject", "Update: {{{problem.title}}}"},
      {"status_update.text", "Hello {{{customer.name}}},\n\n{{{message}}}\n\n{{{sender}}}\n"},
  };
  return templates;
}

mustache::data to_data(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      mustache::data out{mustache::data::type::object};
      for (const auto& [key, item] : value.items()) out.set(key, to_data(item));
      return out;
    }
    case nlohmann::json::value_t::array: {
      mustache::data out{mustache::data::type::list};
      for (const auto& item : value) out.push_back(to_data(item));
      return out;
    }
    case nlohmann::json::value_t::string:
      return mustache::data(value.get<std::string>());
    case nlohmann::json::value_t::boolean:
      return mustache::data(value.get<bool>());
    case nlohmann::json::value_t::null:
      return mustache::data(false);  // absent: sections skip, variables render empty
    default:
      return mustache::data(value.dump());
  }
}

}  // namespace

struct MessageTemplates::Compiled {
  explicit Compiled(const std::string& source) : view(source) {}
  mustache::mustache view;
};

MessageTemplates::MessageTemplates(const std::string& directory) {
  if (directory.empty()) return;
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    throw std::runtime_error("campaigns.templates_dir '" + directory +
                             "' is not a readable folder; create it or remove the setting");
  }
  const std::string suffix = ".mustache";
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    mustache::mustache parsed(text.str());
    if (!parsed.is_valid()) {
      throw std::runtime_error("template " + entry.path().string() + ": " + parsed.error_message());
    }
    overrides_[name.substr(0, name.size() - suffix.size())] = text.str();
  }
}

MessageTemplates::~MessageTemplates() = default;

std::string MessageTemplates::source_for(const std::string& kind, const std::string& medium,
                                         const std::string& language,
                                         const std::string& part) const {
  std::vector<std::string> keys;
  if (!language.empty()) keys.push_back(kind + "." + medium + "." + language + "." + part);
  keys.push_back(kind + "." + medium + "." + part);
  if (!language.empty()) keys.push_back(kind + "." + language + "." + part);
  keys.push_back(kind + "." + part);
  for (const auto& key : keys) {
    auto it = overrides_.find(key);
    if (it != overrides_.end()) return it->second;
  }
  for (const auto& key : {kind + "." + medium + "." + part, kind + "." + part}) {
    auto it = builtin().find(key);
    if (it != builtin().end()) return it->second;
  }
  return "";
}

std::string MessageTemplates::render_part(const std::string& key, const std::string& source,
                                          const nlohmann::json& data) const {
  if (source.empty()) return "";
  std::lock_guard<std::mutex> lock(mutex_);
  auto& compiled = compiled_[key + "\n" + source];
  if (!compiled) compiled = std::make_unique<Compiled>(source);
  if (!compiled->view.is_valid()) {
    throw std::runtime_error("template " + key + ": " + compiled->view.error_message());
  }
  return compiled->view.render(to_data(data));
}

RenderedMessage MessageTemplates::render(const std::string& kind, const std::string& medium,
                                         const std::string& language,
                                         const nlohmann::json& data) const {
  RenderedMessage out;
  const std::string key = kind + "." + medium + "." + language;
  out.subject = render_part(key + ".subject", source_for(kind, medium, language, "subject"), data);
  out.text = render_part(key + ".text", source_for(kind, medium, language, "text"), data);
  if (medium == "email") {
    out.html = render_part(key + ".html", source_for(kind, medium, language, "html"), data);
  }
  return out;
}

}  // namespace cxloop::workflow
