/**
 * Plays a chat server, a sender (alice) and two recipients (bob on two devices, carol) against
 * a running service, and prints what each device is pushed. Usage: npm run walkthrough [-- URL]
 *
 * With RECEIPTS_JWT_SECRET, RECEIPTS_JWT_ISSUER and RECEIPTS_JWT_AUDIENCE set (the API's values)
 * it mints bearer tokens; otherwise it names itself through the development identity.
 */
import { type DeviceCredentials, ReceiptsClient } from '@receipts/client';
import type { ReceiptUpdate } from '@receipts/contracts';
import { type TokenSubject, mintToken } from '@receipts/identity';

const url = process.argv[2] ?? process.env.RECEIPTS_URL ?? 'http://127.0.0.1:3000';
const run = Date.now().toString(36);
const direct = `dm-${run}`;
const group = `group-${run}`;

const { RECEIPTS_JWT_SECRET: secret, RECEIPTS_JWT_ISSUER: issuer } = process.env;
const audience = process.env.RECEIPTS_JWT_AUDIENCE;
const signing = secret && issuer && audience ? { secret, issuer, audience, ttlSeconds: 600 } : null;
const mint = (subject: TokenSubject): Promise<string> =>
  mintToken(subject, { ...signing!, now: new Date() });

const as = async (subject: TokenSubject): Promise<Record<string, string>> => {
  if (signing) return { authorization: `Bearer ${await mint(subject)}` };
  return subject.kind === 'service'
    ? { 'x-service-name': subject.name }
    : { 'x-user-id': subject.userId };
};

const register = async (body: Record<string, unknown>): Promise<void> => {
  const response = await fetch(`${url}/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(await as({ kind: 'service', name: 'chat-server' })),
    },
    body: JSON.stringify({ sentAt: new Date().toISOString(), ...body }),
  });
  console.log(
    `chat server registers ${String(body.messageId)}: HTTP ${response.status}`,
    await response.json(),
  );
};

const get = async (path: string, userId: string): Promise<unknown> =>
  (await fetch(`${url}${path}`, { headers: await as({ kind: 'user', userId }) })).json();

const device = async (userId: string, deviceId: string): Promise<ReceiptsClient> => {
  const credentials: DeviceCredentials = signing
    ? { token: () => mint({ kind: 'user', userId, deviceId }) }
    : { userId, deviceId };
  const client = new ReceiptsClient({ url, ...credentials });
  client.on('receipts', (updates: ReceiptUpdate[]) =>
    console.log(`  push -> ${userId}/${deviceId}:`, JSON.stringify(updates)),
  );
  await client.connect();
  return client;
};

const pause = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

const main = async (): Promise<void> => {
  const alice = await device('alice', 'phone');
  const bobPhone = await device('bob', 'phone');
  const bobLaptop = await device('bob', 'laptop');
  const carol = await device('carol', 'phone');

  await register({
    messageId: `m1-${run}`,
    conversationId: direct,
    senderId: 'alice',
    sequence: 1,
    recipientIds: ['bob'],
  });
  await register({
    messageId: `g1-${run}`,
    conversationId: group,
    senderId: 'alice',
    sequence: 1,
    recipientIds: ['bob', 'carol'],
  });

  console.log("bob's phone ACKs delivery of the direct message (a batch of ids):");
  console.log('  answer:', await bobPhone.markDelivered(direct, [`m1-${run}`]));
  await pause();
  console.log('the same ACK again, from the laptop (a duplicate, still success):');
  console.log('  answer:', await bobLaptop.markDelivered(direct, [`m1-${run}`]));
  await pause();
  console.log("bob's phone reads the direct conversation up to 1:");
  console.log('  answer:', await bobPhone.markRead(direct, 1));
  await pause();
  console.log('in the group, bob and carol ACK delivery cumulatively, then carol reads:');
  console.log('  bob:', await bobPhone.markDeliveredUpTo(group, 1));
  console.log('  carol:', await carol.markDeliveredUpTo(group, 1));
  console.log('  carol reads:', await carol.markRead(group, 1));
  await pause();
  console.log('a read cursor moving back is ignored:', await carol.markRead(group, 1));
  console.log('bad input gets a typed error:', await carol.markRead(group, 0));

  console.log('alice asks for the group message detail:');
  console.log(
    JSON.stringify(
      await get(`/conversations/${group}/messages/g1-${run}/receipts`, 'alice'),
      null,
      2,
    ),
  );
  console.log("bob's unread counts:", JSON.stringify(await get('/users/bob/unread', 'bob')));

  for (const client of [alice, bobPhone, bobLaptop, carol]) client.close();
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
