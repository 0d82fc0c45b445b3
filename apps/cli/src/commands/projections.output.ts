import { Presets, SingleBar } from 'cli-progress';

export type Row = Readonly<Record<string, string | number | boolean | null>>;

/** JSON for scripts: positions are 64-bit, so bigints are written as strings. */
export const printJson = (value: unknown): void => {
  console.log(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v), 2));
};

/**
 * A table on a terminal; otherwise one line per row of `key=value` pairs (values with spaces
 * quoted), for grep and awk.
 */
export const printRows = (rows: readonly Row[]): void => {
  if (process.stdout.isTTY) {
    console.table(rows);
    return;
  }
  for (const row of rows) {
    console.log(
      Object.entries(row)
        .map(([key, value]) => `${key}=${plain(value)}`)
        .join(' '),
    );
  }
};

const plain = (value: Row[string]): string => {
  const text = value === null ? '-' : String(value);
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text;
};

/** Failures of the command itself (not findings) exit 2, so scripts can tell the two apart. */
export const failed = (error: unknown): void => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
};

/** A finding (parked events, a refused rebuild) exits 1. */
export const found = (): void => {
  process.exitCode = 1;
};

export type RebuildBar = Readonly<{
  update: (position: bigint, target: bigint, events: number) => void;
  stop: () => void;
}>;

/**
 * A progress bar on stderr with events/s and an ETA, only when stderr is a terminal and the
 * output is not for a script; silent otherwise.
 */
export const progressBar = (json: boolean, label: string): RebuildBar => {
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
    update: (position, target, events) => {
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
