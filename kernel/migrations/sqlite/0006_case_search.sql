-- Case search (the "q" of the case list, kernel/workflow/case_search.hpp): an external-content
-- FTS5 index over cases' subject and description, kept in step by triggers and filled from
-- the cases already stored. unicode61 folds case and keeps accents (remove_diacritics 0), like
-- PostgreSQL's 'simple' configuration. Also an index for problem impact (below). Kept
-- equivalent to postgresql/0006_case_search.sql.

CREATE VIRTUAL TABLE cases_fts USING fts5(
  subject, description, content = 'cases', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 0');
CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
  INSERT INTO cases_fts (rowid, subject, description)
    VALUES (new.id, new.subject, new.description);
END;
CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN
  INSERT INTO cases_fts (cases_fts, rowid, subject, description)
    VALUES ('delete', old.id, old.subject, old.description);
END;
CREATE TRIGGER cases_fts_update AFTER UPDATE OF subject, description ON cases BEGIN
  INSERT INTO cases_fts (cases_fts, rowid, subject, description)
    VALUES ('delete', old.id, old.subject, old.description);
  INSERT INTO cases_fts (rowid, subject, description)
    VALUES (new.id, new.subject, new.description);
END;
INSERT INTO cases_fts (cases_fts) VALUES ('rebuild');

-- A problem's impact (kernel/workflow/impact.cpp) counts the distinct owners of the assets in
-- its affected scope. This index covers every scope dimension and the owner, so the count
-- reads no asset row, and a scope of one SKU gets its owners in customer order (no sort for
-- DISTINCT; the advisory audience pages through them in that order too).
CREATE INDEX assets_scope ON assets (sku, customer_id, batch, region, purchase_date);
