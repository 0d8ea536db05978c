-- Campaigns: telling every affected customer that a problem is fixed (resolution) and
-- warning the likely affected before they hit it (advisory). One campaign per problem; its
-- notifications are unique per (problem, customer, kind), which is what makes a campaign
-- resumable after a crash without telling anybody twice. Kept equivalent to
-- postgresql/0005_campaigns.sql.

ALTER TABLE problems ADD COLUMN advisory INTEGER NOT NULL DEFAULT 0;

CREATE TABLE campaigns (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  problem_id        INTEGER NOT NULL REFERENCES problems (id),
  trigger_kind      TEXT NOT NULL,
  advisory          INTEGER NOT NULL DEFAULT 0,
  state             TEXT NOT NULL DEFAULT 'running'
                    CHECK (state IN ('running', 'paused', 'completed')),
  audience_complete INTEGER NOT NULL DEFAULT 0,
  started_by        TEXT NOT NULL,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  completed_at      TEXT
);
CREATE UNIQUE INDEX campaigns_problem ON campaigns (problem_id);

ALTER TABLE notifications ADD COLUMN campaign_id INTEGER REFERENCES campaigns (id);
ALTER TABLE notifications ADD COLUMN address TEXT;
ALTER TABLE notifications ADD COLUMN subject TEXT;
ALTER TABLE notifications ADD COLUMN language TEXT;
ALTER TABLE notifications ADD COLUMN external_ref TEXT;
ALTER TABLE notifications ADD COLUMN ack_token TEXT;
ALTER TABLE notifications ADD COLUMN sent_at TEXT;
ALTER TABLE notifications ADD COLUMN delivered_at TEXT;
ALTER TABLE notifications ADD COLUMN acknowledged_at TEXT;

CREATE UNIQUE INDEX notifications_once ON notifications (problem_id, customer_id, kind);
CREATE UNIQUE INDEX notifications_ack ON notifications (ack_token);
CREATE INDEX notifications_campaign ON notifications (campaign_id, state);
