import type Database from 'better-sqlite3';
import type { GlobalPosition } from '@receipts/event-store';
import {
  type ParkedEvent,
  type ProjectionControl,
  type ProjectionState,
  type RebuildLease,
  defaultControl,
} from './projection-control';

export const PROJECTION_CONTROL_SCHEMA = `
  CREATE TABLE IF NOT EXISTS projection_control (
    projection    TEXT PRIMARY KEY,
    state         TEXT NOT NULL DEFAULT 'running',
    last_error    TEXT,
    last_error_at TEXT,
    updated_at    TEXT,
    rebuild       TEXT
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS parked_events (
    projection     TEXT    NOT NULL,
    position       INTEGER NOT NULL,
    event_id       TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    stream         TEXT    NOT NULL,
    revision       INTEGER NOT NULL,
    schema_version INTEGER NOT NULL,
    reason         TEXT    NOT NULL,
    parked_at      TEXT    NOT NULL,
    PRIMARY KEY (projection, position)
  ) WITHOUT ROWID;
`;

type ControlRow = {
  projection: string;
  state: ProjectionState;
  last_error: string | null;
  last_error_at: string | null;
  updated_at: string | null;
  rebuild: string | null;
};
type ParkedRow = {
  position: bigint;
  event_id: string;
  type: string;
  stream: string;
  revision: bigint;
  schema_version: bigint;
  reason: string;
  parked_at: string;
};

/** The control record and parked events of SqliteReadStore, on its connection. */
export class SqliteProjectionControl {
  private readonly sql;

  constructor(db: Database.Database) {
    const prepare = (sql: string) => db.prepare(sql);
    this.sql = {
      ensure: prepare(`INSERT OR IGNORE INTO projection_control (projection) VALUES (?)`),
      load: prepare(`SELECT * FROM projection_control WHERE projection = ?`),
      setState: prepare(
        `UPDATE projection_control SET state = ?, updated_at = ? WHERE projection = ?`,
      ),
      setError: prepare(
        `UPDATE projection_control SET last_error = ?, last_error_at = ? WHERE projection = ?`,
      ),
      claim: prepare(
        `UPDATE projection_control SET rebuild = ? WHERE projection = ?
         AND (rebuild IS NULL OR json_extract(rebuild, '$.owner') = ?)`,
      ),
      renew: prepare(
        `UPDATE projection_control SET rebuild = ? WHERE projection = ?
         AND json_extract(rebuild, '$.owner') = ?`,
      ),
      release: prepare(
        `UPDATE projection_control SET rebuild = NULL WHERE projection = ?
         AND json_extract(rebuild, '$.owner') = ?`,
      ),
      park: prepare(`INSERT OR REPLACE INTO parked_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      parked: prepare(
        `SELECT * FROM parked_events WHERE projection = ? ORDER BY position`,
      ).safeIntegers(true),
      isParked: prepare(`SELECT 1 FROM parked_events WHERE projection = ? AND position = ?`),
      countParked: prepare(`SELECT COUNT(*) FROM parked_events WHERE projection = ?`).pluck(),
      unpark: prepare(`DELETE FROM parked_events WHERE projection = ? AND position = ?`),
    };
  }

  load(projection: string): ProjectionControl {
    const row = this.sql.load.get(projection) as ControlRow | undefined;
    if (!row) return defaultControl(projection);
    return {
      projection,
      state: row.state,
      lastError: row.last_error,
      lastErrorAt: row.last_error_at,
      updatedAt: row.updated_at,
      rebuild: row.rebuild === null ? null : (JSON.parse(row.rebuild) as RebuildLease),
    };
  }

  setState(projection: string, state: ProjectionState, at: Date): void {
    this.sql.ensure.run(projection);
    this.sql.setState.run(state, at.toISOString(), projection);
  }

  recordError(projection: string, message: string, at: Date): void {
    this.sql.ensure.run(projection);
    this.sql.setError.run(message, at.toISOString(), projection);
  }

  claimRebuild(projection: string, lease: RebuildLease, replacing: string | null): boolean {
    this.sql.ensure.run(projection);
    return this.sql.claim.run(JSON.stringify(lease), projection, replacing).changes === 1;
  }

  renewRebuild(projection: string, lease: RebuildLease): boolean {
    return this.sql.renew.run(JSON.stringify(lease), projection, lease.owner).changes === 1;
  }

  releaseRebuild(projection: string, owner: string): void {
    this.sql.release.run(projection, owner);
  }

  park(projection: string, e: ParkedEvent): void {
    this.sql.park.run(
      projection,
      e.position,
      e.eventId,
      e.type,
      e.stream,
      e.revision,
      e.schemaVersion,
      e.reason,
      e.parkedAt,
    );
  }

  parkedEvents(projection: string): ParkedEvent[] {
    return (this.sql.parked.all(projection) as ParkedRow[]).map((row) => ({
      position: row.position,
      eventId: row.event_id,
      type: row.type,
      stream: row.stream,
      revision: row.revision,
      schemaVersion: Number(row.schema_version),
      reason: row.reason,
      parkedAt: row.parked_at,
    }));
  }

  countParked(projection: string): number {
    return Number(this.sql.countParked.get(projection));
  }

  /** Removes the parked record; false when it was not parked (already retried). */
  unpark(projection: string, position: GlobalPosition): boolean {
    return this.sql.unpark.run(projection, position).changes === 1;
  }
}
