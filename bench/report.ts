import type { DurabilityCheck } from './data-files';
import type { DocsWritten } from './docs-per-read';
import type { Percentiles } from './load/stats';
import type { ProfileSummary } from './profile';
import type { RebuildResult } from './rebuild';
import type { RawAppendResult } from './baseline/raw-append';

export type PhaseSummary = {
  phase: string;
  /** Paced phases: the transitions per second offered. */
  offered: number | null;
  seconds: number;
  transitionsPerSecond: number;
  transitions: { delivered: number; readAck: number; readBySend: number };
  messagesPerSecond: number;
  /** From the metric receipts_events_appended_total. */
  eventsPerSecond: number | null;
  /** From the log head (positions appended), which counts each stored event once. */
  loggedEventsPerSecond: number | null;
  ackDurableMs: Percentiles;
  pushMs: Percentiles;
  pushDeliveredMs: Percentiles;
  pushReadMs: Percentiles;
  registrationMs: Percentiles;
  /** Latency by kind of conversation: where the tail comes from. */
  byKind: Record<string, { ackMs: Percentiles; pushMs: Percentiles }>;
  projectionLagP99Ms: number | null;
  serviceCpuPercent: number | null;
  generatorCpuPercent: number[];
  /** CPU used by processes outside this benchmark during the window (a noisy machine shows here). */
  otherCpuPercent: number;
  errors: Record<string, number>;
  registrationErrors: number;
  shortfall: number;
  drained: boolean;
};

export type Target = { name: string; goal: string; measured: string; pass: boolean };

export type BenchResult = {
  mode: 'quick' | 'full';
  machine: {
    nproc: number;
    memoryGb: number;
    cpu: string;
    node: string;
    loadAverageAtStart: number[];
  };
  load: { processes: number; users: number; devices: number; mix: string };
  relay: PhaseSummary;
  service: { max: PhaseSummary; at50: PhaseSummary; at80: PhaseSummary; soak: PhaseSummary };
  soakRss: {
    samplesMb: number[];
    startMb: number;
    endMb: number;
    growthMb: number;
    growthPercent: number;
    lastHalfMbPerMinute: number;
    /** With --trace-gc: the service's live heap after each full GC during the soak. */
    liveHeapAfterFullGcMb: number[];
  };
  memory: {
    servicePeakAtMaxMb: number;
    servicePeakMb: number;
    generatorPeakMb: number[];
    relayPeakMb: number;
  };
  durability: DurabilityCheck & {
    killedWith: string;
    ok: boolean;
    recovery: { readyAndCaughtUpSeconds: number; caughtUp: boolean };
  };
  docsPerRead: DocsWritten[];
  /** The faster of `rebuilds`. */
  rebuild: RebuildResult;
  /** The rebuild each way: applied in batches, and folded in memory. */
  rebuilds: RebuildResult[];
  rawAppend: RawAppendResult;
  ratios: { transitionsVsRelay: number; eventsVsRawAppend: number; rebuildVsRawAppend: number };
  targets: Target[];
  profile: ProfileSummary | null;
};

const int = (n: number | null | undefined): string =>
  n === null || n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US');
const ms = (n: number | null): string =>
  n === null ? 'n/a' : n === Number.POSITIVE_INFINITY ? '> 10 s' : n < 10 ? n.toFixed(1) : int(n);
const pair = (p: Percentiles): string => `${ms(p.p50)} / ${ms(p.p99)}`;
const pct = (r: number): string => `${(r * 100).toFixed(1)}%`;

const table = (header: string[], rows: string[][]): string =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const phaseRow = (p: PhaseSummary): string[] => [
  p.phase,
  p.offered === null ? 'max' : int(p.offered),
  int(p.transitionsPerSecond),
  int(p.messagesPerSecond),
  p.eventsPerSecond === null ? '-' : `${int(p.eventsPerSecond)} / ${int(p.loggedEventsPerSecond)}`,
  pair(p.ackDurableMs),
  pair(p.pushMs),
  p.projectionLagP99Ms === null ? '-' : ms(p.projectionLagP99Ms),
  p.serviceCpuPercent === null ? '-' : `${Math.round(p.serviceCpuPercent)}%`,
  p.generatorCpuPercent.map((c) => `${c}%`).join('+'),
  `${Math.round(p.otherCpuPercent)}%`,
  String(Object.values(p.errors).reduce((a, b) => a + b, p.registrationErrors + p.shortfall)),
];

export const renderReport = (r: BenchResult): string => {
  const s = r.service;
  const out: string[] = [];
  out.push(
    `## receipts benchmark (${r.mode}) — ${r.machine.nproc} cores, ${r.machine.memoryGb} GB, node ${r.machine.node}, load average at start ${r.machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  out.push(
    `load: ${r.load.processes} load process(es), ${r.load.users} users, ${r.load.devices} devices; mix (share of transitions): ${r.load.mix}`,
  );
  out.push('');
  out.push(
    table(
      ['target', 'goal', 'measured', 'result'],
      r.targets.map((t) => [t.name, t.goal, t.measured, t.pass ? 'pass' : 'MISS']),
    ),
  );
  out.push('');
  out.push(
    table(
      [
        'phase',
        'offered t/s',
        'transitions/s',
        'messages/s',
        'events/s metric / log',
        'ACK→durable p50/p99 ms',
        'ACK→push p50/p99 ms',
        'proj. lag p99 ms',
        'service CPU',
        'load CPU',
        'other CPU',
        'errors',
      ],
      [r.relay, s.max, s.at50, s.at80, s.soak].map(phaseRow),
    ),
  );
  out.push('');
  out.push(
    table(
      ['limit', 'limit value', 'ours', 'ratio'],
      [
        [
          'bare Socket.IO relay, transitions/s',
          int(r.relay.transitionsPerSecond),
          int(s.max.transitionsPerSecond),
          pct(r.ratios.transitionsVsRelay),
        ],
        [
          'raw SQLite durable append, events/s',
          int(r.rawAppend.eventsPerSecond),
          int(s.max.loggedEventsPerSecond),
          pct(r.ratios.eventsVsRawAppend),
        ],
        [
          'rebuild vs raw append, events/s',
          int(r.rawAppend.eventsPerSecond),
          int(r.rebuild.eventsPerSecond),
          pct(r.ratios.rebuildVsRawAppend),
        ],
      ],
    ),
  );
  out.push('');
  out.push(
    table(
      [
        'group size',
        'msgs per read ACK',
        'docs per read ACK',
        'read_steps',
        'read_cursors',
        'user_unread',
        'recipient_receipts',
        'docs per registration',
        'docs per delivered ACK',
      ],
      r.docsPerRead.map((d) => [
        String(d.groupSize),
        String(d.messagesPerReadAck),
        d.perReadAck.total.toFixed(2),
        d.perReadAck.read_steps.toFixed(2),
        d.perReadAck.read_cursors.toFixed(2),
        d.perReadAck.user_unread.toFixed(2),
        d.perReadAck.recipient_receipts.toFixed(2),
        d.perRegistration.toFixed(1),
        d.perDeliveredAck.toFixed(1),
      ]),
    ),
  );
  out.push('');
  out.push(
    `raw append by batch: ${r.rawAppend.byBatch.map((b) => `${b.batch}/tx ${int(b.eventsPerSecond)} ev/s`).join(', ')}`,
  );
  out.push(
    ...r.rebuilds.map(
      (b) =>
        `rebuild via ${b.via}: ${int(b.events)} events in ${b.seconds.toFixed(1)} s = ${int(b.eventsPerSecond)} events/s (${int(b.rowsPerSecond)} read-model rows/s), peak RSS ${int(b.peakRssMb)} MB; rebuilt tables match live row by row: ${String(b.matchesLive)}`,
    ),
  );
  out.push(
    `memory: service peak ${int(r.memory.servicePeakAtMaxMb)} MB at max, ${int(r.memory.servicePeakMb)} MB overall; soak RSS ${int(r.soakRss.startMb)} → ${int(r.soakRss.endMb)} MB (last half ${r.soakRss.lastHalfMbPerMinute.toFixed(1)} MB/min); load processes ${r.memory.generatorPeakMb.map(int).join(', ')} MB; relay ${int(r.memory.relayPeakMb)} MB`,
  );
  const heap = r.soakRss.liveHeapAfterFullGcMb;
  if (heap.length > 0)
    out.push(
      `soak live heap after full GCs (--trace-gc): ${heap.map((mb) => mb.toFixed(0)).join(', ')} MB`,
    );
  const d = r.durability;
  out.push(
    `durability (${d.killedWith === 'SIGKILL' ? 'SIGKILL under load' : 'SIGTERM after the load stopped'}): ${int(d.checkedAcks)} sampled answered ACKs (${int(d.checkedMessages)} messages), missing from the log: ${d.missing}${d.examples.length ? ` e.g. ${d.examples.join('; ')}` : ''}; restart ready and caught up in ${d.recovery.readyAndCaughtUpSeconds.toFixed(1)} s`,
  );
  out.push(
    `pushes at 50%: delivered p50/p99 ${pair(s.at50.pushDeliveredMs)} ms, read ${pair(s.at50.pushReadMs)} ms; at 80%: delivered ${pair(s.at80.pushDeliveredMs)} ms, read ${pair(s.at80.pushReadMs)} ms`,
  );
  out.push('');
  const kinds = ['direct', 'group5', 'group50', 'group500'];
  const byKind = (p: PhaseSummary, k: string) => {
    const h = p.byKind[k];
    return h ? `${pair(h.ackMs)} · ${pair(h.pushMs)}` : '-';
  };
  out.push(
    table(
      ['phase: ACK→durable · ACK→push p50/p99 ms', ...kinds],
      [s.max, s.at50, s.at80, s.soak].map((p) => [p.phase, ...kinds.map((k) => byKind(p, k))]),
    ),
  );
  if (r.profile) {
    out.push('');
    out.push(
      `service CPU profile during the max phase (${int(r.profile.totalMs)} ms sampled over the main and writer threads), time by role:`,
    );
    out.push(
      table(
        ['role', 'ms', '%'],
        r.profile.byRole.map((l) => [l.name, int(l.selfMs), String(l.percent)]),
      ),
    );
    out.push('self time by area:');
    out.push(
      table(
        ['area', 'self ms', '%'],
        r.profile.byArea.map((l) => [l.name, int(l.selfMs), String(l.percent)]),
      ),
    );
    out.push('top functions by self time:');
    out.push(
      table(
        ['function', 'self ms', '%'],
        r.profile.topFunctions.map((l) => [l.name, int(l.selfMs), String(l.percent)]),
      ),
    );
    out.push('our code paths by inclusive time:');
    out.push(
      table(
        ['function', 'inclusive ms', '%'],
        r.profile.ownInclusive.map((l) => [l.name, int(l.selfMs), String(l.percent)]),
      ),
    );
  }
  return out.join('\n');
};

/** RSS samples taken every `intervalS` during the soak: growth of the last third over the first. */
export const soakRssOf = (
  samplesMb: number[],
  intervalS: number,
  liveHeapAfterFullGcMb: number[],
): BenchResult['soakRss'] => {
  const third = Math.max(1, Math.floor(samplesMb.length / 3));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const startMb = mean(samplesMb.slice(0, third));
  const endMb = mean(samplesMb.slice(-third));
  const half = samplesMb.slice(Math.floor(samplesMb.length / 2));
  const lastHalfMbPerMinute =
    half.length > 1 ? ((half.at(-1)! - half[0]!) / ((half.length - 1) * intervalS)) * 60 : 0;
  return {
    samplesMb: samplesMb.map(Math.round),
    startMb,
    endMb,
    growthMb: endMb - startMb,
    growthPercent: ((endMb - startMb) / startMb) * 100,
    lastHalfMbPerMinute,
    liveHeapAfterFullGcMb,
  };
};

const fmtMs = (value: number | null): string =>
  value === null
    ? 'n/a'
    : value === Number.POSITIVE_INFINITY
      ? '> 10 s'
      : `${Math.round(value)} ms`;
const below = (value: number | null, limit: number): boolean => value !== null && value <= limit;

/** The issue's targets, each with the measured figure and pass or miss. */
export const targetsOf = (r: Omit<BenchResult, 'targets'>, soakSeconds: number): Target[] => {
  const { max, at50, at80 } = r.service;
  const d = r.durability;
  const docs = r.docsPerRead.map((x) => x.perReadAck.total);
  return [
    {
      name: 'receipt transitions/s sustained',
      goal: '≥ 58,000',
      measured: int(max.transitionsPerSecond),
      pass: max.transitionsPerSecond >= 58_000,
    },
    {
      name: 'durable before answered',
      goal: `every sampled answered ACK in the log after ${d.killedWith === 'SIGKILL' ? 'SIGKILL under load' : 'SIGTERM (profile run)'}`,
      measured: `${d.checkedAcks - d.missing}/${d.checkedAcks} ACKs (${d.checkedMessages} messages)`,
      pass: d.ok,
    },
    {
      name: 'projection lag p99 at max',
      goal: '< 1 s',
      measured: fmtMs(max.projectionLagP99Ms),
      pass: below(max.projectionLagP99Ms, 999.999),
    },
    {
      name: 'ACK → sender push p99 at 50%',
      goal: '≤ 100 ms',
      measured: fmtMs(at50.pushMs.p99),
      pass: below(at50.pushMs.p99, 100),
    },
    {
      name: 'ACK → sender push p99 at 80%',
      goal: '≤ 300 ms',
      measured: fmtMs(at80.pushMs.p99),
      pass: below(at80.pushMs.p99, 300),
    },
    {
      name: 'rebuild rate',
      goal: '≥ 150,000 events/s',
      measured: `${int(r.rebuild.eventsPerSecond)} events/s (via ${r.rebuild.via})`,
      pass: r.rebuild.eventsPerSecond >= 150_000,
    },
    {
      name: 'docs written per read ACK (G = 5, 50, 500)',
      goal: 'independent of group size',
      measured: docs.map((x) => x.toFixed(2)).join(', '),
      pass: docs.every((x) => x === docs[0]),
    },
    {
      name: 'service peak RSS at max load',
      goal: '≤ 512 MB',
      measured: `${int(r.memory.servicePeakAtMaxMb)} MB`,
      pass: r.memory.servicePeakAtMaxMb <= 512,
    },
    {
      name: `service RSS growth over ${soakSeconds} s soak at 50%`,
      goal: '≤ 10% (last third vs first third)',
      measured: `${r.soakRss.growthMb.toFixed(1)} MB (${r.soakRss.growthPercent.toFixed(1)}%)`,
      pass: r.soakRss.growthPercent <= 10,
    },
  ];
};
