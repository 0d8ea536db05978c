// What the email connector writes to a department and how it recognises the answers: each
// pushed task gets a random token, carried in the subject ("[TSK-000012#3f9c0a7b21de] Title")
// and in the Message-ID ("<cxloop-task.TSK-000012.3f9c0a7b21de@example.com>"), so a reply
// is attributed by its subject or, when the subject was rewritten, by In-Reply-To/References.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cxloop::plugins::mail {
struct InboundEmail;
}

namespace cxloop::plugins::email_connector {

// 12 random lower-case hex digits.
std::string new_token();

// "[TSK-000012#token] title"
std::string task_subject(const std::string& task_number, const std::string& token,
                         const std::string& title);
// "<cxloop-task.TSK-000012.token@domain>"
std::string task_message_id(const std::string& task_number, const std::string& token,
                            const std::string& domain);

// The Message-ID of a follow-up mail about the task, unique per update key:
// "<cxloop-task.TSK-000012.token.<hash of key>@domain>".
std::string update_message_id(const std::string& task_number, const std::string& token,
                              const std::string& update_key, const std::string& domain);

// The plain-text mail for a task document (see docs/sdk.md, connector "push"): what to do,
// the problem behind it, the due date, and how to answer.
std::string task_body(const nlohmann::json& task, const std::string& token);

// How to answer, with the subject token to keep; ends every task mail.
std::string reply_instructions(const std::string& task_number, const std::string& token);

// What a change made in cxloop ({"status"?, "comment"?, "due_at"?}) says to the department,
// "" when it has nothing to say.
std::string change_text(const nlohmann::json& change);

// The token a reply carries in its subject, or else in In-Reply-To or References.
std::optional<std::string> token_of(const mail::InboundEmail& reply);

}  // namespace cxloop::plugins::email_connector
