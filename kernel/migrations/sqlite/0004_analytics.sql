-- Analytics: the problems and links that analytics plugins propose for agents to accept or
-- dismiss, the new cases that match a known problem's signature (the contacts recurrence
-- verification counts), and the verdict of each fix's verification window.
-- Kept equivalent to postgresql/0004_analytics.sql.

-- kind 'problem': a cluster of cases that may be a new problem; problem_id is set to the
-- problem created on acceptance. kind 'link': cases that may belong to problem_id.
-- A signature is the proposer's stable name for a cluster: one suggestion per problem
-- signature, one per link signature and target problem. A dismissed row stays, so the same
-- cluster is not proposed again.
CREATE TABLE suggestions (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT NOT NULL CHECK (kind IN ('problem', 'link')),
  signature     TEXT NOT NULL,
  state         TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'dismissed')),
  title         TEXT NOT NULL DEFAULT '',
  category      TEXT,
  department    TEXT,
  scope         TEXT NOT NULL DEFAULT '{}',
  case_ids      TEXT NOT NULL DEFAULT '[]',
  evidence      TEXT NOT NULL DEFAULT '{}',
  problem_id    INTEGER REFERENCES problems (id),
  proposed_by   TEXT NOT NULL,
  decided_by    TEXT,
  decided_at    TEXT,
  decision_note TEXT,
  revision      INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX suggestions_problem_signature ON suggestions (signature)
  WHERE kind = 'problem';
CREATE UNIQUE INDEX suggestions_link_signature ON suggestions (signature, problem_id)
  WHERE kind = 'link';
CREATE INDEX suggestions_state ON suggestions (state, created_at);
CREATE INDEX suggestions_created ON suggestions (created_at, id);

-- A case an analytics plugin found matching a problem's signature, linked or not.
CREATE TABLE problem_matches (
  problem_id INTEGER NOT NULL REFERENCES problems (id),
  case_id    INTEGER NOT NULL REFERENCES cases (id),
  score      REAL NOT NULL,
  matched_at TEXT NOT NULL,
  PRIMARY KEY (problem_id, case_id)
);

-- One verdict per delivered fix (a problem delivered again after recurring gets a new one):
-- 'recurring' when contacts did not fall, 'verifiable' when the window passed and they did.
CREATE TABLE problem_verifications (
  problem_id       INTEGER NOT NULL REFERENCES problems (id),
  fix_delivered_at TEXT NOT NULL,
  outcome          TEXT NOT NULL CHECK (outcome IN ('recurring', 'verifiable')),
  rate_before      REAL NOT NULL,
  rate_after       REAL NOT NULL,
  contacts_after   INTEGER NOT NULL,
  decided_at       TEXT NOT NULL,
  PRIMARY KEY (problem_id, fix_delivered_at)
);
