// How a cxloop task reads as an RT ticket: the subject (task title and number, so RT users
// can find the task in cxloop), the plain-text content (description, then the problem the
// task fixes and its due date), and due dates in the form RT's REST 2 API accepts.
#pragma once

#include <string>

#include <cxloop/sdk.hpp>

namespace cxloop::connectors::request_tracker {

// "<title> [TSK-000012]"; the title alone when the task has no number.
std::string ticket_subject(const sdk::json& task);

// The task's description followed by a block naming the task, its problem (number, title,
// severity, root cause, scope) and the due date.
std::string ticket_content(const sdk::json& task);

// The JSON body of POST /REST/2.0/ticket for task in queue.
sdk::json ticket_create_body(const sdk::json& task, const std::string& queue);

// An RFC 3339 date ("2026-12-01T10:00:00Z", any offset, optional fraction) as RT's
// "YYYY-MM-DD HH:MM:SS" in UTC; null (no due date) as RT's unset date. RT's REST 2 API
// mis-reads ISO dates on updates, hence this form. Throws sdk::Error(CXLOOP_ERR_INVALID)
// naming field when the value is neither.
std::string rt_date(const sdk::json& value, const std::string& field);

}  // namespace cxloop::connectors::request_tracker
