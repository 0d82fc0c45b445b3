import type { CostModel, CostRatios } from './cost-model';
import type { DurabilityCheck } from './data-files';
import type { AckShape } from './load/protocol';
import type { DocsWritten } from './docs-per-read';
import { renderCostModel } from './cost-report';
import { int, ms, num, pair, pct, table } from './format';
import type { Percentiles } from './load/stats';
import type { ProfileLine, ProfileSummary } from './profile';
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
  /** The devices' batching window of the phase. */
  windowMs: number;
  /** ACK frames answered per second (`receipt:ack` frames, or single events in that shape). */
  framesPerSecond: number;
  itemsPerFrame: number | null;
  /** Transitions of the devices' ACKs (delivered + read) per frame. */
  transitionsPerFrame: number | null;
  /** Events appended to the service's log per transition (null for the relay: it has no log). */
  eventsPerTransition: number | null;
  /** How long an item waited in its device's window before its frame went out (the client's choice). */
  batchWaitMs: Percentiles;
  /** From the frame's emit: every item of a frame counts once and shares the frame's answer time. */
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
  load: {
    processes: number;
    users: number;
    devices: number;
    mix: string;
    ackShape: AckShape;
    windowMs: number;
    costWindowsMs: number[];
    /** Messages in a row per conversation in the cost phases. */
    costBurst: number;
  };
  relay: PhaseSummary;
  /** The relay paced at the service's 50% rate: at the default window, then the two cost windows. */
  relayPaced: PhaseSummary[];
  service: { max: PhaseSummary; at50: PhaseSummary; at80: PhaseSummary; soak: PhaseSummary };
  /** The service at its 50% rate under the two cost windows. */
  serviceCost: PhaseSummary[];
  costModel: { service: CostModel; relay: CostModel } & CostRatios;
  /** Events in the service's log per transition over all its measured phases. */
  logEventsPerTransition: number | null;
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

/** Nothing is pinned: the kernel spreads the service, the load and the rest over every core. */
const cpuSplitLine = (r: BenchResult): string => {
  const line = (p: PhaseSummary) =>
    `${p.phase}: ${p.serviceCpuPercent === null ? '-' : Math.round(p.serviceCpuPercent)}% target + ${p.generatorCpuPercent.reduce((a, b) => a + b, 0)}% load (${p.generatorCpuPercent.map((c) => `${c}%`).join(' + ')}) + ${Math.round(p.otherCpuPercent)}% other`;
  return `CPU split over the ${r.machine.nproc} cores (${r.machine.nproc * 100}%; one process's threads are summed, nothing pinned): ${[r.relay, r.service.max, r.service.at50].map(line).join('; ')}`;
};

const phaseRow = (p: PhaseSummary): string[] => [
  p.phase,
  p.offered === null ? 'max' : int(p.offered),
  int(p.transitionsPerSecond),
  int(p.messagesPerSecond),
  String(p.windowMs),
  int(p.framesPerSecond),
  num(p.transitionsPerFrame),
  p.eventsPerSecond === null ? '-' : `${int(p.eventsPerSecond)} / ${int(p.loggedEventsPerSecond)}`,
  p.eventsPerTransition === null ? '-' : num(p.eventsPerTransition),
  pair(p.batchWaitMs),
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
    `load: ${r.load.processes} load process(es), ${r.load.users} users, ${r.load.devices} devices; mix (share of transitions): ${r.load.mix}; ACKs: ${r.load.ackShape === 'frame' ? 'one receipt:ack frame per device per window' : 'one receipt:delivered / receipt:read per ACK'}, window ${r.load.windowMs} ms (cost model: ${r.load.costWindowsMs.join(' and ')} ms, bursts of ${r.load.costBurst} messages per conversation)`,
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
        'window ms',
        'ACK frames/s',
        'transitions/frame',
        'events/s metric / log',
        'events/transition',
        'wait in window p50/p99 ms',
        'frame→durable p50/p99 ms',
        'frame→push p50/p99 ms',
        'proj. lag p99 ms',
        'service (or relay) CPU',
        'load CPU',
        'other CPU',
        'errors',
      ],
      [r.relay, ...r.relayPaced, s.max, s.at50, s.at80, s.soak, ...r.serviceCost].map(phaseRow),
    ),
  );
  out.push('');
  out.push(cpuSplitLine(r));
  out.push('');
  out.push(renderCostModel(r));
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
    out.push(renderProfile(r.profile, 'the max phase'));
  }
  return out.join('\n');
};

/** A CPU profile's summary: time by role, by area, top functions, our code paths. */
export const renderProfile = (profile: ProfileSummary, during: string): string => {
  const lines = (
    title: string,
    columns: [string, string],
    rows: readonly ProfileLine[],
  ): string[] => [
    title,
    table(
      [...columns, '%'],
      rows.map((l) => [l.name, int(l.selfMs), String(l.percent)]),
    ),
  ];
  return [
    ...lines(
      `service CPU profile during ${during} (${int(profile.totalMs)} ms sampled over all its threads: main, event-store writer and checkpoints, projection), time by role:`,
      ['role', 'ms'],
      profile.byRole,
    ),
    ...lines('self time by area:', ['area', 'self ms'], profile.byArea),
    ...lines('top functions by self time:', ['function', 'self ms'], profile.topFunctions),
    ...lines(
      'our code paths by inclusive time:',
      ['function', 'inclusive ms'],
      profile.ownInclusive,
    ),
  ].join('\n');
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
