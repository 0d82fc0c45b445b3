import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';

export type RunningApp = {
  app: NestExpressApplication;
  url: string;
  dataDir: string;
  close: () => Promise<void>;
};

/** Identity as most tests use it: the development headers and handshake ids. */
export const DEV_IDENTITY = { RECEIPTS_DEV_IDENTITY: 'on' };

/** Settings an earlier app of the same file may have set: identity, limits, edge. */
const LEFT_OVER =
  /^RECEIPTS_(JWT_|DEV_IDENTITY$|LIMIT_|MAX_|OPS_|LOG_SAMPLE_S$|CORS_ORIGINS$|SOCKET_CORS_ORIGINS$|FEED_|SYNC_)/;

/**
 * Starts the whole API in this process on a free port, on `dataDir` (a fresh one by default).
 * `identity` says how callers authenticate (the development identity unless told otherwise),
 * and may set limits too; such variables left over from an earlier app in this file are
 * cleared first.
 */
export const startApp = async (
  identity: Record<string, string> = DEV_IDENTITY,
  dataDir: string = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-e2e-')),
): Promise<RunningApp> => {
  for (const name of Object.keys(process.env)) {
    if (LEFT_OVER.test(name)) delete process.env[name];
  }
  Object.assign(process.env, {
    RECEIPTS_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    RECEIPTS_PUSH_WINDOW_MS: '10',
    LOG_LEVEL: 'silent',
    RECEIPTS_STORE: 'embedded',
    // Inline here: under jest a worker thread compiles its TypeScript as it loads, seconds under
    // load; the spawned processes (built code) and projection-thread.int-spec run the thread.
    RECEIPTS_PROJECTOR: 'inline',
    ...identity,
  });
  // Imported after the environment is set, in case configuration is read at module load.
  const { createApp } = await import('../../apps/api/src/create-app');
  const app = await createApp();
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    dataDir,
    close: async () => {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
