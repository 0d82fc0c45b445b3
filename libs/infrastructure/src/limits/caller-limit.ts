import type { Principal } from '@receipts/application';
import type { RateLimit } from './rate-limit';
import { rateLimited } from './rate-limit';

/** Who a REST request is counted against: its user, its service, or its address. */
export type Caller = Readonly<{ kind: 'user' | 'service' | 'anonymous'; key: string }>;

export const callerOf = (principal: Principal | null, address: string): Caller => {
  if (principal === null) return { kind: 'anonymous', key: `ip:${address}` };
  return principal.kind === 'service'
    ? { kind: 'service', key: `service:${principal.name}` }
    : { kind: 'user', key: `user:${principal.userId}` };
};

/** Requests per caller, with a budget per kind of caller. */
export class CallerRateLimit {
  constructor(private readonly budgets: Readonly<Record<Caller['kind'], RateLimit>>) {}

  async admit(caller: Caller): Promise<void> {
    const decision = await this.budgets[caller.kind].take(caller.key);
    if (!decision.admitted) throw rateLimited('caller', decision.retryAfterMs);
  }
}

/** Requests of one caller in progress at once, in this process. */
export class ConcurrencyLimit {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly limits: Readonly<Record<Caller['kind'], number>>) {}

  /** Returns the release to call when the request ends; throws RATE_LIMITED when it is one too many. */
  enter(caller: Caller): () => void {
    const limit = this.limits[caller.kind];
    const current = this.inFlight.get(caller.key) ?? 0;
    if (current >= limit) throw rateLimited('concurrent', 1000, { limit });
    this.inFlight.set(caller.key, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(caller.key) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(caller.key);
      else this.inFlight.set(caller.key, left);
    };
  }
}
