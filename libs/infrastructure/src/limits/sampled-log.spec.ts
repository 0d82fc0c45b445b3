import { SampledLog } from './sampled-log';

describe('a sampled log', () => {
  it('writes one line per key per interval, then says how many it left out', () => {
    let now = 0;
    const lines: string[] = [];
    const log = new SampledLog(
      (line) => lines.push(line),
      10_000,
      () => now,
    );
    for (let i = 0; i < 100; i++) log.note('VALIDATION_FAILED', 'VALIDATION_FAILED: bad');
    log.note('NOT_FOUND', 'NOT_FOUND: no route');
    expect(lines).toEqual(['VALIDATION_FAILED: bad', 'NOT_FOUND: no route']);
    now = 9_999;
    log.note('VALIDATION_FAILED', 'VALIDATION_FAILED: bad');
    expect(lines).toHaveLength(2);
    now = 10_000;
    log.note('VALIDATION_FAILED', 'VALIDATION_FAILED: again');
    expect(lines[2]).toBe('VALIDATION_FAILED: again (and 100 more like it since the last line)');
  });
});
