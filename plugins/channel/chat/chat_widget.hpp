// The chat widget page served at GET /chat: a self-contained HTML page whose script speaks the
// chat protocol over ws(s)://<same host>/chat/ws, keeps the conversation token in the
// browser's localStorage and resumes with it after a reload.
#pragma once

#include <string>

namespace cxloop::plugins::chat {

// title is HTML-escaped into the page heading.
std::string chat_widget_html(const std::string& title);

}  // namespace cxloop::plugins::chat
