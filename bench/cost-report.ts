import type { CostModel, CostShape } from './cost-model';
import { int, num, table } from './format';
import type { BenchResult } from './report';

const shape = (s: CostShape | undefined): string =>
  s
    ? `${int(s.framesPerSecond)} · ${int(s.transitionsPerSecond)} · ${s.cpuPercent.toFixed(0)}%`
    : '-';

const row = (name: string, m: CostModel): string[] => [
  name,
  `${m.idleCpuPercent.toFixed(1)}%`,
  shape(m.shapes[0]),
  shape(m.shapes[1]),
  num(m.separation),
  num(m.microsPerFrame),
  num(m.microsPerTransition),
  num(m.measuredMicrosPerTransition),
  m.check
    ? `${m.check.predictedCpuPercent.toFixed(0)}% / ${m.check.measuredCpuPercent.toFixed(0)}%`
    : 'n/a',
];

/** The CPU cost model of the service and of the bare relay, fitted in the same run. */
export const renderCostModel = (r: BenchResult): string => {
  const { service, relay } = r.costModel;
  const [a, b] = r.load.costWindowsMs;
  const ratio = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(2)}×`);
  return [
    `CPU cost model (all threads of the process; same population, same offered rate, ${int(r.service.at50.offered)} t/s, for both): CPU − idle = µs/frame × frames/s + µs/transition × transitions/s, from the ${String(a)} ms and ${String(b)} ms windows`,
    table(
      [
        'process',
        'idle CPU',
        `${String(a)} ms: frames/s · t/s · CPU`,
        `${String(b)} ms: frames/s · t/s · CPU`,
        'separation',
        'µs per frame',
        'µs per transition',
        `µs per transition measured at ${r.load.windowMs} ms`,
        `model at ${r.load.windowMs} ms: predicted / measured CPU`,
      ],
      [
        row('service', service),
        row('bare relay', relay),
        [
          'service ÷ relay',
          '',
          '',
          '',
          '',
          ratio(r.costModel.modelPerFrameVsRelay),
          ratio(r.costModel.modelPerTransitionVsRelay),
          ratio(r.costModel.perTransitionVsRelay),
          '',
        ],
      ],
    ),
  ].join('\n');
};
