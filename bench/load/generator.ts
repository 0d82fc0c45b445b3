/**
 * A load process: hundreds of devices of simulated users plus the chat server that registers
 * their messages, driven phase by phase by the orchestrator (bench/run.ts) over the IPC channel.
 */
import { Command } from 'commander';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ChatServer, type RegisteredMessage } from './chat-server';
import { type AckSettings, Device } from './devices';
import { Inboxes } from './inboxes';
import {
  type ControlMessage,
  DEFAULT_BATCH_WINDOW_MS,
  type LoadReport,
  type RunCommand,
} from './protocol';
import { Recorder } from './recorder';
import { buildUniverse } from './universe';

const options = new Command()
  .requiredOption('--url <url>', 'service (or relay) base URL')
  .requiredOption('--tag <tag>', 'prefix of this process users and conversations')
  .option('--users <n>', 'simulated users', (v) => Number(v), 520)
  .option('--seed <n>', 'population seed', (v) => Number(v), 1)
  .option(
    '--conversation-length <n>',
    'messages before a slot moves to a new conversation',
    (v) => Number(v),
    100,
  )
  .option('--inflight-posts <n>', 'registrations in flight', (v) => Number(v), 64)
  .option('--pending-deliveries <n>', 'delivered ACK window (messages)', (v) => Number(v), 20_000)
  .option(
    '--outstanding-pushes <n>',
    'push window (applied deliveries not pushed yet)',
    (v) => Number(v),
    20_000,
  )
  .option('--ack-shape <shape>', 'frame (one receipt:ack per window) or single', 'frame')
  .option('--debug', 'print the backlog every second')
  .parse()
  .opts<{
    url: string;
    tag: string;
    users: number;
    seed: number;
    conversationLength: number;
    inflightPosts: number;
    pendingDeliveries: number;
    outstandingPushes: number;
    ackShape: string;
    debug?: boolean;
  }>();

const report = (message: LoadReport): void => {
  process.send?.(message);
};

const recorder = new Recorder();
const universe = buildUniverse(options.tag, options.users, options.seed);
const devices = new Map<string, Device[]>();
const settings: AckSettings = {
  windowMs: DEFAULT_BATCH_WINDOW_MS,
  shape: options.ackShape === 'single' ? 'single' : 'frame',
};
const inboxes = new Inboxes((userId) => devices.get(userId) ?? [], recorder, universe.random);

for (const user of universe.users.values()) {
  devices.set(
    user.id,
    user.devices.map(
      (deviceId) =>
        new Device(options.url, user, deviceId, recorder, settings, (conversationId, ids, upTo) =>
          inboxes.delivered(user.id, conversationId, ids, upTo),
        ),
    ),
  );
}

const deliver = (message: RegisteredMessage): void => {
  const { conversationId, messageId, senderId, sequence } = message;
  inboxes.sent(senderId, conversationId, sequence);
  for (const recipientId of message.recipientIds) {
    inboxes.arrived(recipientId, conversationId, { sequence, messageId, senderId });
    for (const device of devices.get(recipientId) ?? []) {
      device.received(conversationId, messageId, sequence);
    }
  }
};

const chat = new ChatServer(
  options.url,
  options.tag,
  universe,
  recorder,
  {
    inflightPosts: options.inflightPosts,
    pendingDeliveries: options.pendingDeliveries,
    outstandingPushes: options.outstandingPushes,
  },
  options.conversationLength,
  deliver,
);

if (options.debug) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  setInterval(() => {
    const { pendingDeliveries, outstandingPushes } = recorder;
    console.error(
      `[${options.tag}] pending ${pendingDeliveries} pushes ${outstandingPushes} inboxes ${inboxes.backlog} ` +
        `loop p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms max ${(loop.max / 1e6).toFixed(0)} ms ${chat.describe()}`,
    );
    loop.reset();
  }, 1000).unref();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const connectAll = async (): Promise<number> => {
  const all = [...devices.values()].flat();
  for (let i = 0; i < all.length; i += 100)
    await Promise.all(all.slice(i, i + 100).map((d) => d.connect()));
  return all.length;
};

/** Stops registering and waits until every handed-over message is ACKed and read (or a timeout). */
const drain = async (timeoutMs: number): Promise<boolean> => {
  chat.setRate(0);
  inboxes.active = false;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!chat.busy && recorder.pendingDeliveries === 0 && inboxes.backlog === 0) return true;
    await sleep(50);
  }
  return false;
};

const run = async (command: RunCommand): Promise<void> => {
  settings.windowMs = command.windowMs;
  inboxes.active = true;
  chat.setRate(
    command.mode === 'saturate'
      ? null
      : command.transitionsPerSecond / command.transitionsPerMessage,
    command.burst,
  );
  const start = performance.now() + command.warmupMs;
  const end = start + command.measureMs;
  recorder.startWindow(start, end);
  await sleep(command.warmupMs);
  const cpuBefore = process.cpuUsage();
  await sleep(command.measureMs);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuPercent = ((cpu.user + cpu.system) / 1000 / command.measureMs) * 100;
  const drained = command.drain ? await drain(30_000) : false;
  recorder.prune(60_000);
  report({
    type: 'result',
    result: recorder.result(command.phase, command.measureMs / 1000, cpuPercent, drained),
  });
};

const stop = async (): Promise<void> => {
  chat.stop();
  for (const device of [...devices.values()].flat()) device.close();
  await sleep(200);
  // Disconnect (and so exit) only once the report has been handed to the IPC channel.
  process.send?.(
    {
      type: 'stopped',
      maxRssKb: process.resourceUsage().maxRSS,
      samples: recorder.samples,
    } satisfies LoadReport,
    () => process.disconnect?.(),
  );
};

process.on('message', (message: ControlMessage) => {
  const work = message.type === 'run' ? run(message) : stop();
  work.catch((error: unknown) => report({ type: 'error', message: String(error) }));
});
process.on('disconnect', () => process.exit(0));

connectAll()
  .then((count) =>
    report({
      type: 'ready',
      devices: count,
      users: universe.users.size,
      transitionsPerMessage: universe.transitionsPerMessage,
    }),
  )
  .catch((error: unknown) => {
    report({ type: 'error', message: `connect failed: ${String(error)}` });
    process.exit(1);
  });
