/** Just enough of the Prometheus text format for the service's counters and histograms. */
export type Scrape = {
  values: Map<string, number>;
  buckets: Map<string, Map<number, number>>;
};

export const parseMetrics = (text: string): Scrape => {
  const values = new Map<string, number>();
  const buckets = new Map<string, Map<number, number>>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match) continue;
    const [, name = '', labels = '', raw = ''] = match;
    const value = Number(raw);
    values.set(name, (values.get(name) ?? 0) + value);
    if (name.endsWith('_bucket')) {
      const le = /le="([^"]+)"/.exec(labels)?.[1] ?? '+Inf';
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      const histogram = buckets.get(name) ?? new Map<number, number>();
      buckets.set(name, histogram);
      histogram.set(bound, (histogram.get(bound) ?? 0) + value);
    }
  }
  return { values, buckets };
};

/** The benchmarked service runs with the development identity: a service name reads /metrics. */
export const scrape = async (baseUrl: string): Promise<Scrape> =>
  parseMetrics(
    await (await fetch(`${baseUrl}/metrics`, { headers: { 'x-service-name': 'bench' } })).text(),
  );

export const delta = (before: Scrape, after: Scrape, name: string): number =>
  (after.values.get(name) ?? 0) - (before.values.get(name) ?? 0);

/**
 * Quantile of a histogram over the interval between two scrapes, interpolated within its bucket
 * (as Prometheus' histogram_quantile does). Infinity when it falls above the last finite bound.
 */
export const quantileBetween = (
  before: Scrape,
  after: Scrape,
  name: string,
  q: number,
): number | null => {
  const a = after.buckets.get(`${name}_bucket`);
  if (!a) return null;
  const b = before.buckets.get(`${name}_bucket`);
  const bounds = [...a.keys()].sort((x, y) => x - y);
  const cumulative = bounds.map((le) => (a.get(le) ?? 0) - (b?.get(le) ?? 0));
  const total = cumulative.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (cumulative[i]! < rank) continue;
    const upper = bounds[i]!;
    if (!Number.isFinite(upper)) return Number.POSITIVE_INFINITY;
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    const below = i === 0 ? 0 : cumulative[i - 1]!;
    const inBucket = cumulative[i]! - below;
    return inBucket === 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
  }
  return null;
};
