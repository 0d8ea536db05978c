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
       "you told us about \"{{{problem.title}}}\"{{#case.number}} (case "
       "{{{case.number}}}){{/case.number}}. "
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

// The fields that differ from one recipient to the next: the skeleton of a message holds a
// marker where each goes. Marker i is "\x01<" + ('A' + i) + "\x02"; an HTML-escaping tag turns
// its '<' into "&lt;", which tells an escaped occurrence from a raw one.
const std::vector<nlohmann::json::json_pointer>& per_recipient() {
  static const std::vector<nlohmann::json::json_pointer> paths = {
      nlohmann::json::json_pointer("/customer/name"),
      nlohmann::json::json_pointer("/customer/email"), nlohmann::json::json_pointer("/case/number"),
      nlohmann::json::json_pointer("/links/acknowledge"),
      nlohmann::json::json_pointer("/links/unsubscribe")};
  return paths;
}

std::string marker(std::size_t field) {
  return std::string("\x01<") + static_cast<char>('A' + field) + "\x02";
}

}  // namespace

// One rendered message with markers: literal pieces and the fields between them.
struct MessageTemplates::Skeleton {
  struct Piece {
    std::string literal;
    int field = -1;  // >= 0: the value of per_recipient()[field] goes here
    bool escaped = false;
  };
  std::vector<Piece> parts[3];  // subject, text, html

  // Splits rendered at its markers; false when it holds a \x01 that is not one (then the
  // message is rendered in full each time).
  static bool split(const std::string& rendered, std::vector<Piece>& out) {
    std::size_t from = 0;
    for (std::size_t at = rendered.find('\x01'); at != std::string::npos;
         at = rendered.find('\x01', from)) {
      bool escaped = rendered.compare(at + 1, 4, "&lt;") == 0;
      bool raw = !escaped && rendered.compare(at + 1, 1, "<") == 0;
      std::size_t letter = at + (escaped ? 5 : 2);
      if ((!escaped && !raw) || letter + 1 >= rendered.size() || rendered[letter + 1] != '\x02' ||
          rendered[letter] < 'A' ||
          static_cast<std::size_t>(rendered[letter] - 'A') >= per_recipient().size()) {
        return false;
      }
      if (at > from) out.push_back({rendered.substr(from, at - from)});
      out.push_back({"", rendered[letter] - 'A', escaped});
      from = letter + 2;
    }
    if (from < rendered.size()) out.push_back({rendered.substr(from)});
    return true;
  }

  static std::string fill(const std::vector<Piece>& pieces,
                          const std::vector<std::string>& values) {
    std::string out;
    for (const auto& piece : pieces) {
      if (piece.field < 0) {
        out += piece.literal;
      } else if (piece.escaped) {
        out += mustache::html_escape<std::string>(values[static_cast<std::size_t>(piece.field)]);
      } else {
        out += values[static_cast<std::size_t>(piece.field)];
      }
    }
    return out;
  }
};

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
  if (!data.is_object()) return render_full(kind, medium, language, data);
  // The data with a marker in place of each per-recipient value that is present: messages
  // whose shared data and present fields are the same share one skeleton.
  nlohmann::json shared = data;
  std::vector<std::string> values(per_recipient().size());
  std::string key = kind + "\n" + medium + "\n" + language + "\n";
  std::size_t markers = 0;
  for (std::size_t i = 0; i < per_recipient().size(); ++i) {
    const auto& path = per_recipient()[i];
    if (!shared.contains(path) || shared.at(path).is_null()) {
      key += '0';
      continue;
    }
    nlohmann::json& value = shared.at(path);
    if (value.is_string()) {
      values[i] = value.get<std::string>();
    } else if (value.is_number()) {
      values[i] = value.dump();
    } else {
      return render_full(kind, medium, language, data);  // sections over it: render each time
    }
    value = marker(i);
    key += '1';
    ++markers;
  }
  key += "\n" + shared.dump();
  // A \x01 in the shared data could pass for a marker.
  std::size_t escapes = 0;
  for (std::size_t at = key.find("\\u0001"); at != std::string::npos;
       at = key.find("\\u0001", at + 1)) {
    ++escapes;
  }
  if (escapes != markers) return render_full(kind, medium, language, data);

  std::shared_ptr<const Skeleton> skeleton;
  bool known = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = skeletons_.find(key);
    if (it != skeletons_.end()) {
      skeleton = it->second;
      known = true;
    }
  }
  if (!known) {
    RenderedMessage rendered = render_full(kind, medium, language, shared);
    auto built = std::make_shared<Skeleton>();
    if (Skeleton::split(rendered.subject, built->parts[0]) &&
        Skeleton::split(rendered.text, built->parts[1]) &&
        Skeleton::split(rendered.html, built->parts[2])) {
      skeleton = built;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (skeletons_.size() >= 256) skeletons_.clear();  // one campaign needs a handful
    skeletons_[key] = skeleton;
  }
  if (!skeleton) return render_full(kind, medium, language, data);
  RenderedMessage out;
  out.subject = Skeleton::fill(skeleton->parts[0], values);
  out.text = Skeleton::fill(skeleton->parts[1], values);
  out.html = Skeleton::fill(skeleton->parts[2], values);
  return out;
}

RenderedMessage MessageTemplates::render_full(const std::string& kind, const std::string& medium,
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
