-- The audit log: one row per operator action, written before the action
-- runs (BeginAudit) and completed with its outcome (FinishAudit). seq is the
-- listing's order and cursor; the keys serve its filters, newest first.
CREATE TABLE audit_entries (
  seq            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id             VARCHAR(64)  NOT NULL,
  at             DATETIME(6)  NOT NULL,
  actor_id       VARCHAR(64)  NOT NULL,
  actor_username VARCHAR(64)  NOT NULL DEFAULT '',
  procedure_name VARCHAR(200) NOT NULL,
  action         VARCHAR(100) NOT NULL,
  request_json   MEDIUMTEXT   NOT NULL,
  target         VARCHAR(200) NOT NULL DEFAULT '',
  outcome_code   VARCHAR(32)  NOT NULL DEFAULT '',
  outcome_reason VARCHAR(64)  NOT NULL DEFAULT '',
  before_json    MEDIUMTEXT   NULL,
  after_json     MEDIUMTEXT   NULL,
  finished_at    DATETIME(6)  NULL,
  UNIQUE KEY uq_audit_entries_id (id),
  KEY idx_audit_entries_at (at, seq),
  KEY idx_audit_entries_actor (actor_id, seq),
  KEY idx_audit_entries_username (actor_username, seq),
  KEY idx_audit_entries_action (action, seq),
  KEY idx_audit_entries_procedure (procedure_name, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- Items of the attention list an operator marked handled, by item id (a
-- digest of the item's kind, subject and since: a new occurrence of the
-- same trouble is a new item).
CREATE TABLE attention_marks (
  item_id     CHAR(32)     NOT NULL PRIMARY KEY,
  kind        TINYINT      NOT NULL,
  order_id    VARCHAR(64)  NOT NULL DEFAULT '',
  workflow_id VARCHAR(255) NOT NULL DEFAULT '',
  note        VARCHAR(500) NOT NULL,
  handled_by  VARCHAR(64)  NOT NULL,
  handled_at  DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
