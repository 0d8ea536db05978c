-- The domain tables: customers and their install base, cases and their messages, problems,
-- solutions, knowledge articles, departments, tasks, notifications, API tokens and the
-- REST idempotency records. Kept equivalent to postgresql/0002_domain.sql.
--
-- Timestamps are TEXT in RFC 3339 UTC with microseconds (2026-01-31T09:15:00.000000Z),
-- written by the kernel on both backends: fixed width, so text order is time order and the
-- (created_at, id) pagination cursor compares the same way everywhere.
-- JSON documents are TEXT here and JSONB on PostgreSQL; the kernel validates them.

CREATE TABLE customers (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  name              TEXT NOT NULL DEFAULT '',
  email             TEXT,
  phone             TEXT,
  preferred_channel TEXT,
  region            TEXT,
  tier              TEXT,
  language          TEXT,
  opt_outs          TEXT NOT NULL DEFAULT '[]',
  attributes        TEXT NOT NULL DEFAULT '{}',
  revision          INTEGER NOT NULL DEFAULT 1,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX customers_email ON customers (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX customers_phone ON customers (phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_created ON customers (created_at, id);

CREATE TABLE assets (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id   INTEGER NOT NULL REFERENCES customers (id),
  sku           TEXT NOT NULL,
  batch         TEXT,
  serial        TEXT,
  purchase_date TEXT,
  region        TEXT,
  attributes    TEXT NOT NULL DEFAULT '{}',
  created_at    TEXT NOT NULL
);
CREATE INDEX assets_sku_batch ON assets (sku, batch);
CREATE INDEX assets_customer ON assets (customer_id);

CREATE TABLE departments (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  name               TEXT NOT NULL UNIQUE,
  connector_instance TEXT,
  connector_settings TEXT NOT NULL DEFAULT '{}',
  ola_hours          INTEGER NOT NULL DEFAULT 72,
  escalation_contact TEXT NOT NULL DEFAULT '{}',
  revision           INTEGER NOT NULL DEFAULT 1,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);

CREATE TABLE problems (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  number           TEXT UNIQUE,
  title            TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  category         TEXT,
  scope            TEXT NOT NULL DEFAULT '{}',
  root_cause       TEXT,
  department_id    INTEGER REFERENCES departments (id),
  priority         TEXT NOT NULL DEFAULT 'normal',
  severity         TEXT NOT NULL DEFAULT 'minor',
  state            TEXT NOT NULL DEFAULT 'proposed',
  revision         INTEGER NOT NULL DEFAULT 1,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  root_cause_at    TEXT,
  fix_delivered_at TEXT,
  verified_at      TEXT
);
CREATE INDEX problems_state ON problems (state);
CREATE INDEX problems_created ON problems (created_at, id);

CREATE TABLE cases (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  number       TEXT UNIQUE,
  customer_id  INTEGER NOT NULL REFERENCES customers (id),
  channel      TEXT NOT NULL,
  subject      TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  category     TEXT,
  sku          TEXT,
  batch        TEXT,
  priority     TEXT NOT NULL DEFAULT 'normal',
  state        TEXT NOT NULL DEFAULT 'new',
  problem_id   INTEGER REFERENCES problems (id),
  external_ref TEXT,
  revision     INTEGER NOT NULL DEFAULT 1,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  resolved_at  TEXT
);
CREATE UNIQUE INDEX cases_channel_external_ref ON cases (channel, external_ref)
  WHERE external_ref IS NOT NULL;
CREATE INDEX cases_state ON cases (state, created_at);
CREATE INDEX cases_category ON cases (category, created_at);
CREATE INDEX cases_sku ON cases (sku, batch);
CREATE INDEX cases_customer ON cases (customer_id);
CREATE INDEX cases_problem ON cases (problem_id, customer_id);
CREATE INDEX cases_created ON cases (created_at, id);
CREATE INDEX cases_channel ON cases (channel, created_at);

CREATE TABLE case_messages (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id        INTEGER NOT NULL REFERENCES cases (id),
  direction      TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  channel        TEXT NOT NULL,
  author         TEXT NOT NULL DEFAULT '',
  body           TEXT NOT NULL,
  external_id    TEXT,
  delivery_state TEXT,
  attributes     TEXT NOT NULL DEFAULT '{}',
  created_at     TEXT NOT NULL
);
CREATE INDEX case_messages_case ON case_messages (case_id, id);
CREATE UNIQUE INDEX case_messages_external ON case_messages (case_id, external_id)
  WHERE external_id IS NOT NULL;

CREATE TABLE articles (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  title      TEXT NOT NULL,
  body       TEXT NOT NULL,
  products   TEXT NOT NULL DEFAULT '[]',
  published  INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
  revision   INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Full-text index over title and body, an external-content FTS5 table that the triggers
-- below keep in step with articles (porter stemming, like the 'english' configuration the
-- PostgreSQL migration uses).
CREATE VIRTUAL TABLE articles_fts USING fts5(
  title, body, content = 'articles', content_rowid = 'id', tokenize = 'porter unicode61');
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN
  INSERT INTO articles_fts (articles_fts, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
  INSERT INTO articles_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

CREATE TABLE solutions (
  problem_id       INTEGER PRIMARY KEY REFERENCES problems (id),
  type             TEXT NOT NULL,
  summary          TEXT NOT NULL,
  customer_message TEXT NOT NULL DEFAULT '',
  article_id       INTEGER REFERENCES articles (id),
  agreed_at        TEXT,
  revision         INTEGER NOT NULL DEFAULT 1,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);

CREATE TABLE tasks (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  problem_id    INTEGER NOT NULL REFERENCES problems (id),
  department_id INTEGER NOT NULL REFERENCES departments (id),
  title         TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  due_at        TEXT,
  external_ref  TEXT,
  status        TEXT NOT NULL DEFAULT 'queued',
  overdue       INTEGER NOT NULL DEFAULT 0 CHECK (overdue IN (0, 1)),
  last_sync_at  TEXT,
  revision      INTEGER NOT NULL DEFAULT 1,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX tasks_problem ON tasks (problem_id);
CREATE INDEX tasks_department_status ON tasks (department_id, status);
CREATE INDEX tasks_due ON tasks (status, due_at);

CREATE TABLE task_history (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id     INTEGER NOT NULL REFERENCES tasks (id),
  from_status TEXT,
  to_status   TEXT NOT NULL,
  note        TEXT NOT NULL DEFAULT '',
  actor       TEXT NOT NULL,
  at          TEXT NOT NULL
);
CREATE INDEX task_history_task ON task_history (task_id, id);

CREATE TABLE notifications (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  problem_id      INTEGER REFERENCES problems (id),
  case_id         INTEGER REFERENCES cases (id),
  customer_id     INTEGER NOT NULL REFERENCES customers (id),
  kind            TEXT NOT NULL,
  channel         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending',
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  idempotency_key TEXT NOT NULL UNIQUE,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE INDEX notifications_problem ON notifications (problem_id, state);
CREATE INDEX notifications_customer ON notifications (customer_id);

CREATE TABLE tokens (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'department', 'ingest')),
  department_id INTEGER REFERENCES departments (id),
  hash          TEXT NOT NULL UNIQUE,
  created_at    TEXT NOT NULL,
  revoked_at    TEXT,
  last_used_at  TEXT
);

CREATE TABLE idempotency_keys (
  key           TEXT NOT NULL,
  principal     TEXT NOT NULL,
  method        TEXT NOT NULL,
  path          TEXT NOT NULL,
  request_hash  TEXT NOT NULL,
  status        INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
