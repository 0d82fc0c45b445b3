import { Presets, SingleBar } from 'cli-progress';
import type { ReplayProgress } from '@receipts/application';

/** JSON for scripts: positions are 64-bit, so bigints are written as strings. */
export const printJson = (value: unknown): void => {
  console.log(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v), 2));
};

/** Failures of the command itself (not findings) exit 2, so scripts can tell the two apart. */
export const failed = (error: unknown): void => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
};

export type Progress = Readonly<{ update: (progress: ReplayProgress) => void; stop: () => void }>;

/**
 * A progress bar on stderr with events/s and an ETA, only when stderr is a terminal and the
 * output is not for a script; silent otherwise.
 */
export const replayProgress = (json: boolean, label: string): Progress => {
  if (json || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `${label} {bar} {percentage}% | {events} events | {rate} events/s | ETA {eta_formatted}`,
      etaBuffer: 50,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  let running = false;
  return {
    update: ({ position, target, events }) => {
      const rate = Math.round(events / Math.max((Date.now() - started) / 1000, 0.001));
      if (!running) bar.start(Number(target), 0, { events: 0, rate: 0 });
      running = true;
      bar.setTotal(Number(target));
      bar.update(Number(position), { events, rate });
    },
    stop: () => {
      if (running) bar.stop();
      running = false;
    },
  };
};
