import { parseDuration, subjectOf } from './token.command';

describe('token command options', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['30m', 1800],
    ['1h', 3600],
    ['7d', 604_800],
  ])('reads the duration %s as %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['0', '-1h', '1w', 'soon', '366d', ''])('refuses the duration %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/^--ttl must be a duration/);
  });

  it('mints for a user, with or without a device, or for a service', () => {
    expect(subjectOf({ user: 'bob', device: 'phone' })).toEqual({
      kind: 'user',
      userId: 'bob',
      deviceId: 'phone',
    });
    expect(subjectOf({ user: 'bob' })).toEqual({ kind: 'user', userId: 'bob' });
    expect(subjectOf({ service: 'chat-server' })).toEqual({ kind: 'service', name: 'chat-server' });
  });

  it.each([
    {},
    { device: 'phone' },
    { user: 'bob', service: 'chat' },
    { service: 'chat', device: 'x' },
  ])('refuses the ambiguous options %j', (options) => {
    expect(() => subjectOf(options)).toThrow(
      'Give either --user <id> [--device <id>] or --service <name>',
    );
  });

  it('refuses ids that are not ids, naming the flag', () => {
    expect(() => subjectOf({ user: 'b o b' })).toThrow(/^--user must be an id/);
  });
});
