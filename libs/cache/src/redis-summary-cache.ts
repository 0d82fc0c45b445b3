import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CacheLookup, SummaryCache } from './summary-cache';

/**
 * A hit answers the value; a miss takes the field's lease unless another reader holds it, and
 * starts the group's clock: the hash expires `ttl` after its first entry, never later.
 */
const GET_OR_LEASE = `
local value = redis.call('HGET', KEYS[1], 'v:' .. ARGV[1])
if value then return value end
if redis.call('HSETNX', KEYS[1], 'l:' .. ARGV[1], ARGV[2]) == 1 and redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return false`;

/** Stores the value only for the lease holder: an invalidation deletes the hash, leases included. */
const SET_WITH_LEASE = `
if redis.call('HGET', KEYS[1], 'l:' .. ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'v:' .. ARGV[1], ARGV[3])
return 1`;

/** Keys deleted per command, so one invalidation of a large group fan-out never blocks Redis long. */
const UNLINK_CHUNK = 500;

/** The shared cache of every API node and the projector: one Redis hash per group. */
export class RedisSummaryCache implements SummaryCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'receipts:cache:',
  ) {}

  async get<T>(group: string, field: string, ttlMs: number): Promise<CacheLookup<T>> {
    const lease = randomUUID();
    const value = (await this.redis.eval(GET_OR_LEASE, 1, this.key(group), field, lease, ttlMs)) as
      string | null;
    return value === null ? { hit: false, lease } : { hit: true, value: JSON.parse(value) as T };
  }

  async set(group: string, field: string, value: unknown, lease: string): Promise<boolean> {
    const json = JSON.stringify(value);
    return (await this.redis.eval(SET_WITH_LEASE, 1, this.key(group), field, lease, json)) === 1;
  }

  async invalidate(groups: readonly string[]): Promise<void> {
    const keys = [...new Set(groups)].map((group) => this.key(group));
    for (let i = 0; i < keys.length; i += UNLINK_CHUNK) {
      await this.redis.unlink(...keys.slice(i, i + UNLINK_CHUNK));
    }
  }

  private key(group: string): string {
    return `${this.prefix}${group}`;
  }
}
