// What an RT ticket says back to cxloop when it is polled: its status as a task state and
// the department's correspondence and comments, from RT's REST 2 documents. Kept apart from
// the HTTP calls so the rules read (and are tested) on their own.
#pragma once

#include <string>

#include <cxloop/sdk.hpp>

namespace cxloop::connectors::request_tracker {

// {"external_ref": id, "status": <task state>} for an RT status the map knows. For one it
// does not know (a custom lifecycle's state), the entry has no "status" but a
// "status_error" naming the RT state and the setting that maps it, so the task keeps its
// state and the reason is visible instead of silently dropped.
sdk::json status_entry(const sdk::StatusMap& map, const std::string& id,
                       const std::string& rt_status);

// The comments of one ticket, oldest first: [{"id", "author", "body", "at"}] for each
// Correspond or Comment transaction in history (GET /ticket/<id>/history with fields
// Type,Creator,Created) not made by own_user (the RT user the connector acts as, so that
// cxloop's own comments do not come back), with the body taken from attachments (GET
// /ticket/<id>/attachments with fields TransactionId,ContentType,Content): the transaction's
// text/plain part, else its text/html part as plain text. The id is RT's transaction id.
sdk::json ticket_comments(const sdk::json& history_items, const sdk::json& attachment_items,
                          const std::string& own_user);

// The RT status an update to task state asks for: done -> resolved, rejected -> rejected,
// open and in_progress -> open, queued -> new. Throws sdk::Error(CXLOOP_ERR_INVALID) for
// anything else.
std::string rt_status_for(const std::string& task_state);

}  // namespace cxloop::connectors::request_tracker
