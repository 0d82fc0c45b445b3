import { int, num } from './format';
import type { BenchResult, Target } from './report';

const fmtMs = (value: number | null): string =>
  value === null ? 'n/a' : value === Number.POSITIVE_INFINITY ? '> 10 s' : `${int(value)} ms`;
const below = (value: number | null, limit: number): boolean => value !== null && value <= limit;

/** The engine rework's targets, each with the measured figure and pass or miss. */
export const targetsOf = (r: Omit<BenchResult, 'targets'>, soakSeconds: number): Target[] => {
  const { max, at50, at80 } = r.service;
  const d = r.durability;
  const docs = r.docsPerRead.map((x) => x.perReadAck.total);
  const perRelay = r.costModel.perTransitionVsRelay;
  const rebuildTransitions =
    r.logEventsPerTransition === null || r.logEventsPerTransition <= 0
      ? null
      : r.rebuild.eventsPerSecond / r.logEventsPerTransition;
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
      goal: '≤ 250 ms',
      measured: fmtMs(max.projectionLagP99Ms),
      pass: below(max.projectionLagP99Ms, 250),
    },
    {
      name: 'service CPU per transition vs the bare relay (same load, SDK window)',
      goal: '≤ 1.5×',
      measured:
        perRelay === null
          ? 'n/a'
          : `${perRelay.toFixed(2)}× (${num(r.costModel.service.measuredMicrosPerTransition)} vs ${num(r.costModel.relay.measuredMicrosPerTransition)} µs)`,
      pass: perRelay !== null && perRelay <= 1.5,
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
      name: 'rebuild rate (transitions of log replayed)',
      goal: '≥ 1,000,000 transitions/s',
      measured:
        rebuildTransitions === null
          ? 'n/a'
          : `${int(rebuildTransitions)} transitions/s (${int(r.rebuild.eventsPerSecond)} events/s via ${r.rebuild.via}, ${num(r.logEventsPerTransition)} events per transition)`,
      pass: rebuildTransitions !== null && rebuildTransitions >= 1_000_000,
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
