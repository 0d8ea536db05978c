// The words customers receive: mustache templates (kainjow::mustache, from Debian) per
// notification kind, medium and language, rendered with the customer's, problem's and
// solution's fields. Built-in English templates cover every kind and medium; a folder of
// overrides (campaigns.templates_dir) replaces any part of them:
//
//   <kind>[.<medium>][.<language>].<part>.mustache     part: subject | text | html
//
// looked up most specific first (resolution.email.de.text.mustache, resolution.email.text,
// resolution.de.text, resolution.text, then the built-in). Plain-text parts use {{{triple}}}
// braces so nothing is HTML-escaped; HTML parts use {{double}} braces so everything is.
//
// A campaign renders the same templates for every customer with only a few fields changing
// (kPerRecipient), so render() keeps, per template and shared data, the output with markers
// where those fields go and substitutes each customer's values into it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cxloop::workflow {

struct RenderedMessage {
  std::string subject;
  std::string text;
  std::string html;  // empty when the medium has no HTML part (sms, postcard)
};

class MessageTemplates {
 public:
  // Reads every *.mustache file of directory (none when empty) and parses it; throws
  // std::runtime_error naming the file and the mustache error for one that does not parse.
  explicit MessageTemplates(const std::string& directory = "");
  ~MessageTemplates();
  MessageTemplates(const MessageTemplates&) = delete;
  MessageTemplates& operator=(const MessageTemplates&) = delete;

  // kind: resolution | advisory | status_update | escalation; medium: email | sms |
  // postcard | notice (broadcast feeds); language: the customer's ("" for the default).
  RenderedMessage render(const std::string& kind, const std::string& medium,
                         const std::string& language, const nlohmann::json& data) const;

 private:
  struct Compiled;
  struct Skeleton;
  RenderedMessage render_full(const std::string& kind, const std::string& medium,
                              const std::string& language, const nlohmann::json& data) const;
  std::string source_for(const std::string& kind, const std::string& medium,
                         const std::string& language, const std::string& part) const;
  std::string render_part(const std::string& key, const std::string& source,
                          const nlohmann::json& data) const;

  std::map<std::string, std::string> overrides_;  // file stem -> template text
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::unique_ptr<Compiled>> compiled_;
  mutable std::map<std::string, std::shared_ptr<const Skeleton>> skeletons_;
};

}  // namespace cxloop::workflow
