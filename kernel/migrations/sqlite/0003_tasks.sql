-- Department tasks routed through connector plugins: which connector instance a task went
-- to (fixed when it is created, so re-pointing a department does not orphan open tasks),
-- where it lives in the department's system, when it opened, finished and escalated, and
-- the comments the department wrote there. Kept equivalent to postgresql/0003_tasks.sql.

ALTER TABLE tasks ADD COLUMN number TEXT;
ALTER TABLE tasks ADD COLUMN connector_instance TEXT;
ALTER TABLE tasks ADD COLUMN external_url TEXT;
ALTER TABLE tasks ADD COLUMN opened_at TEXT;
ALTER TABLE tasks ADD COLUMN closed_at TEXT;
ALTER TABLE tasks ADD COLUMN escalated_at TEXT;
ALTER TABLE tasks ADD COLUMN push_error TEXT;

CREATE UNIQUE INDEX tasks_number ON tasks (number);
CREATE UNIQUE INDEX tasks_external_ref ON tasks (connector_instance, external_ref);
CREATE INDEX tasks_created ON tasks (created_at, id);

CREATE TABLE task_comments (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id     INTEGER NOT NULL REFERENCES tasks (id),
  external_id TEXT NOT NULL,
  author      TEXT NOT NULL DEFAULT '',
  body        TEXT NOT NULL,
  source      TEXT NOT NULL,
  at          TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX task_comments_external ON task_comments (task_id, external_id);
