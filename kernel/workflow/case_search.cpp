#include "workflow/case_search.hpp"

#include "workflow/cursor_page.hpp"
#include "workflow/domain_error.hpp"
#include "workflow/search_words.hpp"
#include "workflow/sql_rows.hpp"

namespace cxloop::workflow {
namespace {

// Exactly the expression of the GIN index cases_search in
// migrations/postgresql/0006_case_search.sql, or PostgreSQL does not use the index. ASCII
// punctuation becomes a space first, so that PostgreSQL's parser splits "ann@example.com" or
// "KTL-220" into words the way SQLite's unicode61 tokenizer does, instead of keeping them as
// one e-mail or hyphenated token.
const char* const kPostgresVector =
    "to_tsvector('simple', regexp_replace(subject || ' ' || description, '[[:punct:]]', ' ', "
    "'g'))";

// The matches of the FTS5 index in rowid (= case id) order, joined to their cases. The
// index's hidden column is exposed as search_text so that the condition can name it from
// outside; CROSS JOIN keeps the index as the outer loop, which streams matches newest first
// and stops at the page's end instead of sorting every match.
const char* const kSqliteMatches =
    "(SELECT cases_fts.rowid AS search_rowid, cases_fts.cases_fts AS search_text, c.* "
    "FROM cases_fts CROSS JOIN cases c ON c.id = cases_fts.rowid) AS matches";

}  // namespace

CaseTextSearch::CaseTextSearch(const std::string& text, bool postgresql)
    : words_(search_words(text)), postgresql_(postgresql) {
  if (words_.empty()) {
    throw DomainError(ErrorKind::invalid,
                      "'q' is '" + text +
                          "', which has no word to search for; send letters or digits "
                          "(punctuation only separates words)",
                      "/q");
  }
}

std::string CaseTextSearch::from() const { return postgresql_ ? "cases" : kSqliteMatches; }

std::string CaseTextSearch::id_column(const Page& counted) const {
  if (!postgresql_) return "search_rowid";
  // PostgreSQL's planner has no statistics for rare words (an order number) and then walks
  // the primary key backwards, computing the text vector of every case until the page is
  // full: 3.9 s for one match in 300,000 cases. When few cases match, "id + 0" hides the key
  // order, so the matches come from the GIN index and only they are sorted (0.1 ms). With
  // many matches the key walk fills the page sooner than sorting them all would (a word in
  // every case: 2.5 s sorted); between the two (a thousand matches in a million cases) it is
  // still slow, which a stored tsvector column would fix (the filter would not recompute it).
  return counted.total < kTotalCap ? "(id + 0)" : "id";
}

void CaseTextSearch::add_condition(SqlQuery& query) const {
  // Words hold no quote or backslash (search_words keeps letters and digits only), so each
  // quoted word is a plain term: an FTS5 string or a tsquery lexeme, never an operator.
  std::string terms;
  for (const auto& word : words_) {
    if (!terms.empty()) terms += postgresql_ ? " & " : " ";
    terms += postgresql_ ? "'" + word + "'" : "\"" + word + "\"";
  }
  if (postgresql_) {
    query.where(std::string(kPostgresVector) + " @@ to_tsquery('simple', $)", terms);
  } else {
    query.where("search_text MATCH $", terms);
  }
}

}  // namespace cxloop::workflow
