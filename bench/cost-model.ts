import type { PhaseSummary } from './report';

/** One load shape a process was measured under: its rates and the CPU it used (all threads). */
export type CostShape = {
  phase: string;
  windowMs: number;
  framesPerSecond: number;
  transitionsPerSecond: number;
  cpuPercent: number;
};

/**
 * CPU = idle + a × frames + b × transitions, fitted to two load shapes that differ in frames per
 * transition (two batching windows at the same offered rate): two equations, two unknowns.
 * Registrations, pushes and projection scale with transitions, so they land in `b`; what each
 * frame costs whatever it carries (parsing, the answer, a socket write) lands in `a`.
 */
export type CostModel = {
  shapes: CostShape[];
  /** CPU with every device connected and no load, subtracted before the fit. */
  idleCpuPercent: number;
  /**
   * Frames per transition of the second shape over the first's: how far apart the two equations
   * are. Near 1 the fit cannot separate the costs (it is then not reported); the further from 1,
   * the less noise in CPU time moves the two costs.
   */
  separation: number | null;
  microsPerFrame: number | null;
  microsPerTransition: number | null;
  /** The whole CPU per transition at the SDK's default window, measured (no model). */
  measuredMicrosPerTransition: number | null;
  /** The model's CPU for that default-window phase against what was measured there. */
  check: { phase: string; predictedCpuPercent: number; measuredCpuPercent: number } | null;
};

const shapeOf = (p: PhaseSummary): CostShape => ({
  phase: p.phase,
  windowMs: p.windowMs,
  framesPerSecond: p.framesPerSecond,
  transitionsPerSecond: p.transitionsPerSecond,
  cpuPercent: p.serviceCpuPercent ?? 0,
});

/** CPU microseconds per second of wall time, above idle. */
const busyMicros = (s: CostShape, idle: number): number => ((s.cpuPercent - idle) / 100) * 1e6;

export const fitCostModel = (
  [first, second]: readonly [PhaseSummary, PhaseSummary],
  atDefaultWindow: PhaseSummary,
  idleCpuPercent: number,
): CostModel => {
  const [one, two] = [shapeOf(first), shapeOf(second)];
  const [c1, c2] = [busyMicros(one, idleCpuPercent), busyMicros(two, idleCpuPercent)];
  const det =
    one.framesPerSecond * two.transitionsPerSecond - two.framesPerSecond * one.transitionsPerSecond;
  const perT = (s: CostShape) =>
    s.transitionsPerSecond > 0 ? s.framesPerSecond / s.transitionsPerSecond : null;
  const [f1, f2] = [perT(one), perT(two)];
  const separation = f1 && f2 ? f1 / f2 : null;
  // Shapes with (almost) the same frames per transition cannot tell the two costs apart: the
  // error of the fit grows like 1 / (separation - 1), so below 1.1 nothing is reported.
  const solvable = separation !== null && det !== 0 && Math.max(separation, 1 / separation) >= 1.1;
  const perFrame = solvable
    ? (c1 * two.transitionsPerSecond - c2 * one.transitionsPerSecond) / det
    : null;
  const perTransition = solvable
    ? (one.framesPerSecond * c2 - two.framesPerSecond * c1) / det
    : null;
  const base = shapeOf(atDefaultWindow);
  const check =
    perFrame === null || perTransition === null
      ? null
      : {
          phase: base.phase,
          predictedCpuPercent:
            idleCpuPercent +
            ((perFrame * base.framesPerSecond + perTransition * base.transitionsPerSecond) / 1e6) *
              100,
          measuredCpuPercent: base.cpuPercent,
        };
  return {
    shapes: [one, two, base],
    idleCpuPercent,
    separation,
    microsPerFrame: perFrame,
    microsPerTransition: perTransition,
    measuredMicrosPerTransition:
      base.transitionsPerSecond > 0
        ? ((base.cpuPercent / 100) * 1e6) / base.transitionsPerSecond
        : null,
    check,
  };
};

const ratio = (a: number | null, b: number | null): number | null =>
  a === null || b === null || b <= 0 ? null : a / b;

/** The service's costs as multiples of the bare relay's, on the same population and rates. */
export const costRatios = (service: CostModel, relay: CostModel) => ({
  /** Whole CPU per transition at the SDK's window, same offered rate: the target's ratio. */
  perTransitionVsRelay: ratio(
    service.measuredMicrosPerTransition,
    relay.measuredMicrosPerTransition,
  ),
  modelPerTransitionVsRelay: ratio(service.microsPerTransition, relay.microsPerTransition),
  modelPerFrameVsRelay: ratio(service.microsPerFrame, relay.microsPerFrame),
});
export type CostRatios = ReturnType<typeof costRatios>;
