import type { LoadFleet, MergedResult } from './load-fleet';
import { percentiles } from './load/stats';
import { logHead } from './data-files';
import { type Scrape, delta, quantileBetween, scrape } from './metrics';
import { cpuSecondsOf, machineBusySeconds } from './processes';
import type { PhaseSummary } from './report';

export type PhaseSpec = {
  phase: string;
  mode: 'saturate' | 'paced';
  offered: number;
  perMessage: number;
  /** The devices' batching window (ms). */
  windowMs: number;
  /** Messages in a row to one conversation (1 unless said). */
  burst?: number;
  warmupS: number;
  measureS: number;
};
export type Measured = { url: string; pid: number; dataDir: string | null };

/** What is read at each end of a measurement window; each rate uses its own elapsed time. */
type Mark = {
  at: number;
  head: number;
  cpu: number;
  machine: number;
  own: number;
  metrics: Scrape | null;
  metricsAt: number;
};

const mark = async (target: Measured): Promise<Mark> => {
  const at = performance.now();
  const own = process.cpuUsage();
  const result = {
    at,
    head: target.dataDir ? logHead(target.dataDir) : 0,
    cpu: cpuSecondsOf(target.pid),
    machine: machineBusySeconds(),
    own: (own.user + own.system) / 1e6,
  };
  const metrics = target.dataDir ? await scrape(target.url) : null;
  return { ...result, metrics, metricsAt: performance.now() };
};

/** Runs a phase on the load processes; reads the service's metrics, log head and CPU time around the measurement window. */
export const measurePhase = async (
  fleet: LoadFleet,
  target: Measured,
  spec: PhaseSpec,
  log: (line: string) => void,
  onTick?: () => void,
): Promise<PhaseSummary> => {
  log(
    `${spec.phase}: ${spec.mode === 'saturate' ? 'saturating' : `${Math.round(spec.offered)} transitions/s`} for ${spec.measureS} s`,
  );
  const started = performance.now();
  const running = fleet.run({
    phase: spec.phase,
    mode: spec.mode,
    transitionsPerSecond: spec.offered,
    transitionsPerMessage: spec.perMessage,
    windowMs: spec.windowMs,
    burst: spec.burst ?? 1,
    warmupMs: spec.warmupS * 1000,
    measureMs: spec.measureS * 1000,
    drain: true,
  });
  await sleep(spec.warmupS * 1000);
  const before = await mark(target);
  const ticker = onTick ? setInterval(onTick, 5000) : null;
  await sleep(Math.max(0, started + (spec.warmupS + spec.measureS) * 1000 - performance.now()));
  if (ticker) clearInterval(ticker);
  const after = await mark(target);
  return summarize(await running, spec, before, after);
};

const summarize = (m: MergedResult, spec: PhaseSpec, before: Mark, after: Mark): PhaseSummary => {
  const seconds = m.measuredSeconds;
  const elapsed = (after.at - before.at) / 1000;
  const metricsElapsed = (after.metricsAt - before.metricsAt) / 1000;
  const total = m.transitions.delivered + m.transitions.readAck + m.transitions.readBySend;
  const byAck = m.transitions.delivered + m.transitions.readAck;
  const [a, b] = [before.metrics, after.metrics];
  const loggedEvents = a ? after.head - before.head : null;
  const lag = a && b ? quantileBetween(a, b, 'receipts_projection_lag_seconds', 0.99) : null;
  const serviceCpu = ((after.cpu - before.cpu) / elapsed) * 100;
  const generatorCpu = m.generatorCpuPercent.reduce((x, y) => x + y, 0);
  const machine = ((after.machine - before.machine) / elapsed) * 100;
  const own = ((after.own - before.own) / elapsed) * 100;
  return {
    phase: spec.phase,
    offered: spec.mode === 'paced' ? spec.offered : null,
    seconds,
    transitionsPerSecond: total / seconds,
    transitions: m.transitions,
    messagesPerSecond: m.registrations / seconds,
    eventsPerSecond: a && b ? delta(a, b, 'receipts_events_appended_total') / metricsElapsed : null,
    loggedEventsPerSecond: loggedEvents === null ? null : loggedEvents / elapsed,
    windowMs: spec.windowMs,
    framesPerSecond: m.acks.frames / seconds,
    itemsPerFrame: m.acks.frames > 0 ? m.acks.items / m.acks.frames : null,
    transitionsPerFrame: m.acks.frames > 0 ? byAck / m.acks.frames : null,
    // Both rates over the same window: the log's growth against the transitions answered.
    eventsPerTransition:
      loggedEvents === null || total === 0 ? null : loggedEvents / elapsed / (total / seconds),
    batchWaitMs: percentiles(m.batchWait),
    ackDurableMs: percentiles(m.ackDurable),
    pushMs: percentiles(m.push),
    pushDeliveredMs: percentiles(m.pushDelivered),
    pushReadMs: percentiles(m.pushRead),
    registrationMs: percentiles(m.registration),
    byKind: Object.fromEntries(
      [...m.byKind].map(([kind, h]) => [
        kind,
        { ackMs: percentiles(h.ack), pushMs: percentiles(h.push) },
      ]),
    ),
    projectionLagP99Ms: lag === null ? null : lag * 1000,
    serviceCpuPercent: serviceCpu,
    generatorCpuPercent: m.generatorCpuPercent,
    otherCpuPercent: Math.max(0, machine - serviceCpu - generatorCpu - own),
    errors: m.acks.errors,
    registrationErrors: m.registrationErrors,
    shortfall: m.shortfall,
    drained: m.drained,
  };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU a process uses with every device connected and no load (heartbeats, timers), in % of a core. */
export const measureIdle = async (pid: number, seconds: number): Promise<number> => {
  const at = performance.now();
  const cpu = cpuSecondsOf(pid);
  await sleep(seconds * 1000);
  return ((cpuSecondsOf(pid) - cpu) / ((performance.now() - at) / 1000)) * 100;
};

/** Events logged per transition over several phases, each weighted by its transitions. */
export const eventsPerTransitionOf = (phases: readonly PhaseSummary[]): number | null => {
  let events = 0;
  let transitions = 0;
  for (const p of phases) {
    if (p.eventsPerTransition === null) continue;
    const t = p.transitionsPerSecond * p.seconds;
    events += p.eventsPerTransition * t;
    transitions += t;
  }
  return transitions > 0 ? events / transitions : null;
};
