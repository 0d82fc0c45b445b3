import type { LoadFleet } from './load-fleet';
import { type Measured, measureIdle, measurePhase } from './phases';
import type { PhaseSummary } from './report';

export type CostPlan = {
  windowsMs: readonly [number, number];
  /** Messages in a row per conversation (bench/load/bursts.ts). */
  burst: number;
  warmupS: number;
  measureS: number;
  idleS: number;
};

/**
 * The two load shapes the CPU cost model is fitted to: the same offered rate, in bursts, at two
 * batching windows (docs/BENCHMARKS.md, "The CPU cost model").
 */
export const costPhases = async (
  fleet: LoadFleet,
  target: Measured,
  name: string,
  offered: number,
  plan: CostPlan,
  log: (line: string) => void,
): Promise<[PhaseSummary, PhaseSummary]> => {
  const at = (windowMs: number) =>
    measurePhase(
      fleet,
      target,
      {
        phase: `${name} cost ${windowMs} ms, bursts of ${plan.burst}`,
        mode: 'paced',
        offered,
        perMessage: fleet.transitionsPerMessage,
        windowMs,
        burst: plan.burst,
        // The longer window needs a few of its own windows to reach its steady state.
        warmupS: Math.max(plan.warmupS, (3 * windowMs) / 1000),
        measureS: plan.measureS,
      },
      log,
    );
  const [a, b] = plan.windowsMs;
  return [await at(a), await at(b)];
};

/** CPU of the target with every device connected and no load yet: the cost model's fixed part. */
export const idleOf = async (
  fleet: LoadFleet,
  target: Measured,
  name: string,
  plan: CostPlan,
  log: (line: string) => void,
): Promise<number> => {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle = await measureIdle(target.pid, plan.idleS);
  log(`${name} idle with ${fleet.devices} devices connected: ${idle.toFixed(1)}% CPU`);
  return idle;
};
