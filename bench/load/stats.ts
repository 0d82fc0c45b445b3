/** Latency histogram with ~2% wide logarithmic buckets: cheap to record, mergeable across processes. */
const BASE_MS = 0.05;
const GROWTH = Math.log(1.02);

export type HistogramData = Array<[bucket: number, count: number]>;

export class Histogram {
  private readonly counts = new Map<number, number>();
  count = 0;

  record(ms: number): void {
    const bucket = ms <= BASE_MS ? 0 : Math.ceil(Math.log(ms / BASE_MS) / GROWTH);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.count++;
  }

  merge(data: HistogramData): this {
    for (const [bucket, n] of data) {
      this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + n);
      this.count += n;
    }
    return this;
  }

  /** The upper bound of the bucket holding the p-th quantile (0 < p <= 1), in ms; null if empty. */
  quantile(p: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.ceil(p * this.count);
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket)!;
      if (seen >= rank) return BASE_MS * Math.exp(bucket * GROWTH);
    }
    return null;
  }

  toJSON(): HistogramData {
    return [...this.counts.entries()];
  }
}

export type Percentiles = { count: number; p50: number | null; p99: number | null };

export const percentiles = (h: Histogram): Percentiles => ({
  count: h.count,
  p50: round(h.quantile(0.5)),
  p99: round(h.quantile(0.99)),
});

export const round = (value: number | null, digits = 1): number | null =>
  value === null ? null : Number(value.toFixed(digits));
