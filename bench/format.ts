import type { Percentiles } from './load/stats';

/** How the report prints numbers and tables (Markdown). */
export const int = (n: number | null | undefined): string =>
  n === null || n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US');
export const ms = (n: number | null): string =>
  n === null ? 'n/a' : n === Number.POSITIVE_INFINITY ? '> 10 s' : n < 10 ? n.toFixed(1) : int(n);
export const pair = (p: Percentiles): string => `${ms(p.p50)} / ${ms(p.p99)}`;
export const pct = (r: number): string => `${(r * 100).toFixed(1)}%`;
/** Two decimals for small ratios, none for large ones; n/a when missing. */
export const num = (n: number | null | undefined): string =>
  n === null || n === undefined ? 'n/a' : Math.abs(n) < 100 ? n.toFixed(2) : int(n);

export const table = (header: string[], rows: string[][]): string =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
