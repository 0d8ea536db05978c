-- Case search (the "q" of the case list, kernel/workflow/case_search.hpp): a GIN index on the
-- words of cases' subject and description. The expression must stay exactly the one
-- case_search.cpp compares with, or the planner cannot use the index. ASCII punctuation
-- becomes a space first so that the parser splits words the way SQLite's unicode61 does;
-- 'simple' lower-cases and neither stems nor drops stop words. Existing cases are indexed as
-- the index is built. Also an index for problem impact (below). Kept equivalent to
-- sqlite/0006_case_search.sql.

CREATE INDEX cases_search ON cases USING GIN (
  to_tsvector('simple', regexp_replace(subject || ' ' || description, '[[:punct:]]', ' ', 'g')));

-- A problem's impact (kernel/workflow/impact.cpp) counts the distinct owners of the assets in
-- its affected scope. This index covers every scope dimension and the owner, so the count
-- reads no asset row, and a scope of one SKU gets its owners in customer order (no sort for
-- DISTINCT; the advisory audience pages through them in that order too).
CREATE INDEX assets_scope ON assets (sku, customer_id, batch, region, purchase_date);
