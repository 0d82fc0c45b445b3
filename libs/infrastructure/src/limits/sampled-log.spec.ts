import { SampledLog } from './sampled-log';

describe('a sampled log', () => {
  it('writes one line per key per interval, then says how many it left out', () => {
    let now = 0;
    const lines: string[] = [];
    const log = new SampledLog(10_000, () => now);
    const note = (key: string, line: string) =>
      log.note(key, (leftOut) => lines.push(`${line} +${leftOut}`));
    for (let i = 0; i < 100; i++) note('VALIDATION_FAILED', 'bad');
    note('NOT_FOUND', 'no route');
    expect(lines).toEqual(['bad +0', 'no route +0']);
    now = 9_999;
    note('VALIDATION_FAILED', 'bad');
    expect(lines).toHaveLength(2);
    now = 10_000;
    note('VALIDATION_FAILED', 'again');
    expect(lines[2]).toBe('again +100');
  });
});
