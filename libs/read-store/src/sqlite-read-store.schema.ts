export const READ_STORE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS messages (
    conversation_id TEXT    NOT NULL,
    sequence        INTEGER NOT NULL,
    message_id      TEXT    NOT NULL,
    sender_id       TEXT    NOT NULL,
    sent_at         TEXT    NOT NULL,
    recipient_count INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, sequence),
    UNIQUE (conversation_id, message_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS recipient_receipts (
    conversation_id  TEXT    NOT NULL,
    sequence         INTEGER NOT NULL,
    user_id          TEXT    NOT NULL,
    delivered_at     TEXT,
    delivered_device TEXT,
    PRIMARY KEY (conversation_id, sequence, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS recipient_receipts_by_user
    ON recipient_receipts (conversation_id, user_id, sequence);
  CREATE TABLE IF NOT EXISTS read_cursors (
    user_id           TEXT    NOT NULL,
    conversation_id   TEXT    NOT NULL,
    read_up_to        INTEGER NOT NULL,
    shared_read_up_to INTEGER NOT NULL,
    unread            INTEGER NOT NULL,
    last_read_at      TEXT,
    PRIMARY KEY (user_id, conversation_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS read_steps (
    conversation_id TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    up_to           INTEGER NOT NULL,
    read_at         TEXT    NOT NULL,
    device_id       TEXT,
    shared          INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id, up_to)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS message_counts (
    conversation_id TEXT    NOT NULL,
    sequence        INTEGER NOT NULL,
    delivered       INTEGER NOT NULL,
    read            INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, sequence)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS user_unread (
    user_id TEXT    PRIMARY KEY,
    total   INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS feed_entries (
    user_id   TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    device_id TEXT,
    change    TEXT    NOT NULL,
    PRIMARY KEY (user_id, position)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS feed_heads (
    user_id TEXT    PRIMARY KEY,
    head    INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS checkpoints (
    projection TEXT    PRIMARY KEY,
    position   INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS drift_repairs (
    id          INTEGER PRIMARY KEY,
    projection  TEXT    NOT NULL,
    repaired_at TEXT    NOT NULL,
    operator    TEXT    NOT NULL,
    checkpoint  INTEGER,
    documents   TEXT    NOT NULL
  );
`;

export const READ_MODEL_TABLES = [
  'messages',
  'recipient_receipts',
  'read_cursors',
  'read_steps',
  'user_unread',
  'message_counts',
  'feed_entries',
  'feed_heads',
] as const;

/**
 * Files written before message counts were kept have messages and no counts: count them once
 * from the recipients and their cursors (the join every summary used to run).
 */
export const BACKFILL_MESSAGE_COUNTS = `
  INSERT INTO message_counts
  SELECT conversation_id, sequence, delivered, read FROM (
    SELECT r.conversation_id, r.sequence,
      SUM(r.delivered_at IS NOT NULL OR IFNULL(c.read_up_to, 0) >= r.sequence) AS delivered,
      SUM(IFNULL(c.shared_read_up_to, 0) >= r.sequence) AS read
    FROM recipient_receipts r LEFT JOIN read_cursors c
      ON c.user_id = r.user_id AND c.conversation_id = r.conversation_id
    GROUP BY r.conversation_id, r.sequence
  ) WHERE delivered > 0 OR read > 0
`;
export const NEEDS_COUNT_BACKFILL = `
  SELECT EXISTS (SELECT 1 FROM recipient_receipts) AND NOT EXISTS (SELECT 1 FROM message_counts)
`;
