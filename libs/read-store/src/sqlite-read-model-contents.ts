import Database from 'better-sqlite3';
import { READ_MODEL_TABLES } from './sqlite-read-store.schema';

export type ReadModelTable = (typeof READ_MODEL_TABLES)[number];

/**
 * What each read-model table says, row by row in primary key order, for comparing two stores
 * (a rebuild against the live one). A user whose unread total is 0 reads the same with or
 * without a row, so only non-zero totals count.
 */
export const readModelContents = (file: string): Record<ReadModelTable, string[]> => {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = (table: ReadModelTable): string[] => {
      const where = table === 'user_unread' ? 'WHERE total != 0' : '';
      const columns = db.prepare(`SELECT * FROM ${table} LIMIT 0`).columns().length;
      const order = Array.from({ length: columns }, (_, i) => i + 1).join(', ');
      return db
        .prepare(`SELECT * FROM ${table} ${where} ORDER BY ${order}`)
        .raw()
        .all()
        .map((row) => JSON.stringify(row));
    };
    return Object.fromEntries(READ_MODEL_TABLES.map((t) => [t, rows(t)])) as Record<
      ReadModelTable,
      string[]
    >;
  } finally {
    db.close();
  }
};
