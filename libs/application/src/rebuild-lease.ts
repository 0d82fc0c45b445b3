import { hostname } from 'node:os';
import type { RebuildLease } from '@receipts/read-store';

/** A lease whose holder has not renewed it for this long is taken to be dead. */
export const LEASE_STALE_AFTER_MS = 30_000;

/**
 * Whether a rebuild's holder is gone: on this host, when its process no longer exists (a SIGKILL
 * is seen at once, and a long copy that cannot beat is not mistaken for death); on another
 * host, when its heartbeat is too old.
 */
export const isLeaseStale = (lease: RebuildLease, now = Date.now()): boolean =>
  lease.host === hostname()
    ? !processExists(lease.pid)
    : now - Date.parse(lease.heartbeatAt) > LEASE_STALE_AFTER_MS;

const processExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};
