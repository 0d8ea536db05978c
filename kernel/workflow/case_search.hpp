// Full-text search over cases' subject and description: the "q" of the case list.
//
// Semantics, the same on both backends as far as their tokenizers allow:
// - q is split into words (search_words.hpp): letters and digits form words, spaces and
//   ASCII punctuation separate them, so "KTL-220" is the two words "ktl" and "220";
// - every word must occur as a whole word in the subject or the description, in any order;
//   no prefix matching (a prefix reads every indexed word it starts, 150 ms for "order*"
//   over a million cases, against under a millisecond for "order");
// - case-insensitive; accents count ("café" does not find "cafe"), because PostgreSQL's
//   language-neutral "simple" configuration keeps them;
// - q with only spaces is no filter; q with characters but no word is refused.
// Matches come newest first by case id (arrival order), the order the SQLite index yields
// them in.
//
// Indexes (migration 0006): SQLite keeps an external-content FTS5 table cases_fts (tokenizer
// unicode61) in step with cases by triggers; PostgreSQL has a GIN index on the to_tsvector
// expression this search compares with (case_search.cpp and the migration spell it alike).
#pragma once

#include <string>
#include <vector>

namespace cxloop::workflow {

class SqlQuery;
struct Page;

class CaseTextSearch {
 public:
  // Throws DomainError invalid at /q when text has no word to look for.
  CaseTextSearch(const std::string& text, bool postgresql);

  // The rows to page over: the cases table, or on SQLite the matches of the index joined to
  // their cases; either way the cases' own columns, unqualified.
  std::string from() const;
  // The column that orders matches newest first, given the page's counted total.
  std::string id_column(const Page& counted) const;
  // Adds the match condition to query.
  void add_condition(SqlQuery& query) const;

 private:
  std::vector<std::string> words_;
  bool postgresql_ = false;
};

}  // namespace cxloop::workflow
