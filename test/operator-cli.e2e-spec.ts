/**
 * The operator CLI as an operator runs it: the built `dist/apps/cli/src/main.js`, as its own
 * process, against the data dir of a running API. Drift is planted in the read-model file by
 * hand (as a bad migration or a restored backup might leave it); verify finds it and exits 1,
 * repair fixes exactly it, verify is clean again, the API's metrics count the repair, and the
 * explain commands answer as the API's operator endpoints do.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHAT_SERVER, OPERATOR, asUser, get, registerOk, unreadTotal } from './support/http';
import { ROOT, type NodeProcess, freePort, killAllApps, spawnApp } from './support/node-processes';
import { eventually } from './support/wait';

jest.setTimeout(90_000);

let api: NodeProcess;
let dataDir: string;

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs the built CLI with the data dir, never waiting longer than 30 s. */
const cli = (...args: string[]): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/apps/cli/src/main.js', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', RECEIPTS_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

const json = <T = Record<string, unknown>>(run: Run): T => JSON.parse(run.stdout) as T;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-cli-'));
  const port = await freePort();
  api = await spawnApp(
    'API',
    'api',
    {
      RECEIPTS_STORE: 'embedded',
      RECEIPTS_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      RECEIPTS_DEV_IDENTITY: 'on',
      LOG_LEVEL: 'warn',
    },
    port,
  );
  for (const sequence of [1, 2, 3]) {
    await registerOk(api.url, {
      messageId: `m${sequence}`,
      conversationId: 'c1',
      senderId: 'alice',
      sequence,
      recipientIds: ['bob', 'carol'],
      sentAt: `2026-01-01T10:0${sequence}:00Z`,
    });
  }
  await eventually(
    'the three messages projected',
    async () => {
      expect((await unreadTotal(api.url, 'bob')).body.totalUnread).toBe(3);
    },
    { timeoutMs: 10_000 },
  );
}, 120_000);

afterAll(async () => {
  await killAllApps();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

it('verify finds planted drift and exits 1, repair fixes exactly it, verify is clean again', async () => {
  expect(await cli('projections', 'verify')).toMatchObject({ code: 0 });

  const db = new Database(path.join(dataDir, 'read-models.sqlite'));
  db.pragma('busy_timeout = 5000');
  db.exec(`
    DELETE FROM recipient_receipts WHERE conversation_id = 'c1' AND sequence = 2 AND user_id = 'carol';
    INSERT INTO messages VALUES ('c1', 9, 'ghost', 'mallory', '2026-01-01T10:09:00Z', 1);
    UPDATE read_cursors SET unread = 0 WHERE user_id = 'carol' AND conversation_id = 'c1';
    UPDATE user_unread SET total = 7 WHERE user_id = 'bob';
    DELETE FROM read_steps WHERE conversation_id = 'c1' AND user_id = 'alice' AND up_to = 2;
  `);
  db.close();

  const plain = await cli('projections', 'verify');
  expect(plain.code).toBe(1);
  expect(plain.stdout).toContain('drift: 5 documents');
  expect(plain.stdout).toContain('extra messages c1/9');
  expect(plain.stdout).toContain('differs user_unread bob: total live 7, replayed 3');
  expect(plain.stdout).not.toContain('\u001b['); // no terminal codes in a pipe

  const found = await cli('projections', 'verify', '--json');
  expect(found.code).toBe(1);
  expect(json(found)).toMatchObject({
    projection: 'receipts',
    drifted: 5,
    byModel: {
      messages: { missing: 0, extra: 1, differs: 0 },
      recipient_receipts: { missing: 1, extra: 0, differs: 0 },
      read_cursors: { missing: 0, extra: 0, differs: 1 },
      read_steps: { missing: 1, extra: 0, differs: 0 },
      user_unread: { missing: 0, extra: 0, differs: 1 },
    },
  });

  const repaired = await cli('projections', 'repair', '--operator', 'e2e-operator', '--json');
  expect(repaired.code).toBe(0);
  const report = json<{
    repaired: unknown[];
    record: Record<string, unknown>;
    afterwards: unknown;
  }>(repaired);
  expect(report.repaired).toHaveLength(5);
  expect(report.record).toMatchObject({
    operator: 'e2e-operator',
    documents: {
      messages: 1,
      recipient_receipts: 1,
      read_cursors: 1,
      read_steps: 1,
      user_unread: 1,
    },
  });
  expect(report.afterwards).toMatchObject({ drifted: 0 });

  const clean = await cli('projections', 'verify');
  expect(clean.code).toBe(0);
  expect(clean.stdout).toContain('no drift');
  expect((await unreadTotal(api.url, 'bob')).body.totalUnread).toBe(3);

  // The API reads the CLI's repair records (at start, then every 15 s).
  await eventually(
    'the repair counted in the API metrics',
    async () => {
      const metrics = String((await get(api.url, '/metrics', OPERATOR)).body);
      expect(metrics).toContain('receipts_projection_drift_repaired_total{model="user_unread"} 1');
      expect(metrics).toContain('receipts_projection_drift_repaired_total{model="messages"} 1');
    },
    { timeoutMs: 25_000, intervalMs: 500 },
  );
});

it('explains unread counts and a message as the operator endpoints do, for service identities only', async () => {
  const unread = await cli('explain-unread', 'bob', '--json');
  expect(unread.code).toBe(0);
  const explanation = json<{ conversations: { messages: { messageId: string }[] }[] }>(unread);
  expect(explanation).toMatchObject({ userId: 'bob', totalUnread: 3, sumOfConversations: 3 });
  expect(explanation.conversations[0]).toMatchObject({
    conversationId: 'c1',
    readUpTo: 0,
    unread: 3,
    consistent: true,
  });
  expect(explanation.conversations[0]!.messages.map((m) => m.messageId)).toEqual([
    'm1',
    'm2',
    'm3',
  ]);
  const rest = await get(api.url, '/ops/explain/unread/bob?limit=50', CHAT_SERVER);
  expect(rest.status).toBe(200);
  expect(rest.body).toEqual(explanation);
  expect((await get(api.url, '/ops/explain/unread/bob', asUser('bob'))).status).toBe(403);

  const message = await cli('explain-message', 'c1', 'm2', '--json');
  expect(message.code).toBe(0);
  const behind = json<{ recipients: { userId: string; shown: unknown; events: unknown[] }[] }>(
    message,
  );
  expect(behind).toMatchObject({ message: { messageId: 'm2', sequence: 2 }, inReadModels: true });
  expect(behind.recipients.map((r) => [r.userId, r.shown, r.events])).toEqual([
    ['bob', { userId: 'bob', status: 'sent' }, []],
    ['carol', { userId: 'carol', status: 'sent' }, []],
  ]);
  const restMessage = await get(api.url, '/ops/explain/conversations/c1/messages/m2', CHAT_SERVER);
  expect(restMessage.body).toEqual(behind);

  const plain = await cli('explain-unread', 'bob');
  expect(plain.stdout).toContain('c1: 3 unread, counted above the cursor at 0');
  expect((await cli('explain-message', 'c1', 'nope')).code).toBe(2);
  expect(
    (await get(api.url, '/ops/explain/conversations/c1/messages/nope', CHAT_SERVER)).status,
  ).toBe(404);
});

it('refuses an unknown projection with exit code 2 and changes nothing', async () => {
  const refused = await cli('projections', 'verify', 'nope');
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('unknown projection "nope"');
});
