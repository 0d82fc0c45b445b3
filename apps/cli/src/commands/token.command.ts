import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { ID_PATTERN } from '@receipts/domain';
import { type TokenSubject, mintToken } from '@receipts/identity';
import { RECEIPTS_CONFIG, type ReceiptsConfig, signingSettings } from '@receipts/infrastructure';

type TokenOptions = { user?: string; device?: string; service?: string; ttl?: number };

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `30m`, `1h`, `7d` or plain seconds, up to a year. */
export const parseDuration = (value: string): number => {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * (UNITS[match[2] || 's'] ?? 1) : NaN;
  if (!(seconds > 0 && seconds <= 365 * 86_400)) {
    throw new Error(
      `--ttl must be a duration such as 90s, 30m, 1h or 7d (at most 365d), not ${value}`,
    );
  }
  return seconds;
};

export const subjectOf = ({ user, device, service }: TokenOptions): TokenSubject => {
  for (const [flag, value] of Object.entries({
    '--user': user,
    '--device': device,
    '--service': service,
  })) {
    if (value !== undefined && !ID_PATTERN.test(value)) {
      throw new Error(`${flag} must be an id (1-64 of A-Z a-z 0-9 _ -), not ${value}`);
    }
  }
  if (service !== undefined && user === undefined && device === undefined) {
    return { kind: 'service', name: service };
  }
  if (user !== undefined && service === undefined) {
    return device === undefined
      ? { kind: 'user', userId: user }
      : { kind: 'user', userId: user, deviceId: device };
  }
  throw new Error('Give either --user <id> [--device <id>] or --service <name>');
};

@Command({
  name: 'token',
  description:
    'Print a bearer token signed with RECEIPTS_JWT_SECRET (HS256): --user <id> [--device <id>] for a device, --service <name> for a service such as the chat server',
})
export class TokenCommand extends CommandRunner {
  constructor(@Inject(RECEIPTS_CONFIG) private readonly config: ReceiptsConfig) {
    super();
  }

  async run(_: string[], options: TokenOptions = {}): Promise<void> {
    const subject = subjectOf(options);
    const signing = signingSettings(this.config);
    const token = await mintToken(subject, {
      ...signing,
      ttlSeconds: options.ttl ?? 3600,
      now: new Date(),
    });
    process.stdout.write(`${token}\n`);
  }

  @Option({ flags: '--user <id>', description: "the user's id (sub)" })
  parseUser(value: string): string {
    return value;
  }

  @Option({ flags: '--device <id>', description: "the device's id (did); a socket needs one" })
  parseDevice(value: string): string {
    return value;
  }

  @Option({ flags: '--service <name>', description: 'a service token (scope receipts:service)' })
  parseService(value: string): string {
    return value;
  }

  @Option({ flags: '--ttl <duration>', description: 'lifetime: 90s, 30m, 1h, 7d (default 1h)' })
  parseTtl(value: string): number {
    return parseDuration(value);
  }
}
