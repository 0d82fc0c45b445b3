import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type CpuProfile = {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
};

export type ProfileLine = { name: string; selfMs: number; percent: number };
export type ProfileSummary = {
  totalMs: number;
  /** Each sample given to the innermost frame of the stack that belongs to one of ROLES. */
  byRole: ProfileLine[];
  topFunctions: ProfileLine[];
  byArea: ProfileLine[];
  /** Our own functions (libs/, apps/) by inclusive time: which code paths the time is spent under. */
  ownInclusive: ProfileLine[];
};

/** What the service spends its time on, by the code the time is spent under (first match from the leaf up). */
const ROLES: Array<[role: string, frame: RegExp]> = [
  [
    'event store: reads (stream tails, subscription)',
    /^(readStream|readAll|toRecorded|subscribeToAll|nextAppendOrPoll) .*sqlite-event-store/,
  ],
  [
    'event store: append, main thread side (encode, post, answer)',
    /sqlite-event-(store|writer)\.js/,
  ],
  [
    'projection: read-model writes',
    /^(apply|loadBase|loadReads|write|insertMessage|insertStep|writeCursor) .*sqlite-read-store|project-stored|projection\/|projection-runner\.js/,
  ],
  [
    'notifier: queries, summaries, pushes',
    /receipt-notifier|projection-effects|receipt-queries|coalescing-push-channel|libs\/cache\/|sqlite-read-store/,
  ],
  [
    'command side: load, decide, event ids',
    /receipt-command\.service|stream-state-cache|event-ids/,
  ],
  [
    'HTTP: Express, body parsing, pino-http',
    /express\/|router\/|body-parser|pino-http|messages\.controller|_http_(server|common|incoming|outgoing)/,
  ],
  ['Socket.IO, engine.io, ws', /socket\.io|engine\.io| ws\/|receipts\.gateway/],
  ['API edge: ACK handlers, controllers, validation', /apps\/api\/src|\/zod\//],
  ['Nest (interceptors, pipes, rxjs, async context)', /@nestjs\/|rxjs|async_hooks/],
  ['garbage collector', /^\(garbage collector\)/],
  ['idle (main thread)', /^\(idle\)/],
];

/** The event store's writer thread runs only appends: its samples are that, or its idle time. */
const writerRole = (functionName: string): string =>
  functionName === '(idle)'
    ? 'idle (writer thread)'
    : 'writer thread: appends (SQL, commit, fsync)';

/** The projection thread follows the log and commits read models: that, or its idle time. */
const projectionRole = (functionName: string): string =>
  functionName === '(idle)'
    ? 'idle (projection thread)'
    : 'projection thread: log reads, fold, read-model commits';

/** Checkpoint threads copy a file's write-ahead log back into it (event log, read models). */
const checkpointRole = (functionName: string): string =>
  functionName === '(idle)' ? 'idle (checkpoint thread)' : 'checkpoint thread: WAL checkpoints';

/** Where a frame's code lives: a package, one of our libs or apps, Node itself, or V8. */
const areaOf = (url: string, functionName: string): string => {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /dist\/(libs|apps)\/([^/]+)/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url.startsWith('node:') ? 'node core' : url;
};

const frameName = ({ callFrame: { functionName, url, lineNumber } }: ProfileNode): string =>
  `${functionName || '(anonymous)'}${url ? ` ${shortUrl(url)}:${lineNumber + 1}` : ''}`;

const shortUrl = (url: string): string =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*?node_modules\//, '')
    .replace(/^.*?\/dist\//, '');

const top = (totals: Map<string, number>, totalMs: number, n: number): ProfileLine[] =>
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({
      name,
      selfMs: Math.round(us / 1000),
      percent: Number(((us / 1000 / totalMs) * 100).toFixed(1)),
    }));

/**
 * Self time by function and by area, from the .cpuprofile files `node --cpu-prof` wrote in `dir`
 * (one per thread), counting only samples taken within `window` when given: ms since the first
 * thread's profile started (worker threads start later; all share the process's clock).
 */
export const summarizeProfiles = (
  dir: string,
  n = 20,
  window?: { fromMs: number; toMs: number },
): ProfileSummary | null => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return null;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const ownInclusive = new Map<string, number>();
  const byRole = new Map<string, number>();
  let totalUs = 0;
  const profiles = files.map(
    (file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile,
  );
  const firstStart = Math.min(...profiles.map((p) => p.startTime));
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const parents = new Map<number, number>();
    for (const node of profile.nodes)
      for (const child of node.children ?? []) parents.set(child, node.id);
    const thread = (name: string) =>
      profile.nodes.some((node) => node.callFrame.url.includes(name));
    const threadRole = thread('sqlite-event-writer.worker')
      ? writerRole
      : thread('projection.worker')
        ? projectionRole
        : thread('sqlite-checkpoint.worker')
          ? checkpointRole
          : undefined;
    let clockUs = profile.startTime - firstStart;
    profile.samples.forEach((id, i) => {
      const { functionName, url } = nodes.get(id)!.callFrame;
      const us = profile.timeDeltas[i] ?? 0;
      clockUs += us;
      if (window && (clockUs < window.fromMs * 1000 || clockUs > window.toMs * 1000)) return;
      const name = frameName(nodes.get(id)!);
      let role: string | undefined = threadRole?.(functionName);
      for (let at: number | undefined = id; at !== undefined && !role; at = parents.get(at)) {
        const frame = frameName(nodes.get(at)!);
        role = ROLES.find(([, pattern]) => pattern.test(frame))?.[0];
      }
      byRole.set(
        role ?? 'other (Node core, V8, native)',
        (byRole.get(role ?? 'other (Node core, V8, native)') ?? 0) + us,
      );
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
        const frame = nodes.get(at)!;
        if (!/\/dist\/(libs|apps)\//.test(frame.callFrame.url)) continue;
        const own = frameName(frame);
        if (!seen.has(own)) ownInclusive.set(own, (ownInclusive.get(own) ?? 0) + us);
        seen.add(own);
      }
      byFunction.set(name, (byFunction.get(name) ?? 0) + us);
      const area = areaOf(url, functionName);
      byArea.set(area, (byArea.get(area) ?? 0) + us);
      totalUs += us;
    });
  }
  const totalMs = totalUs / 1000;
  return {
    totalMs: Math.round(totalMs),
    byRole: top(byRole, totalMs, ROLES.length + 3),
    topFunctions: top(byFunction, totalMs, n),
    byArea: top(byArea, totalMs, 12),
    ownInclusive: top(ownInclusive, totalMs, n),
  };
};
