import { ensureBuilt } from './process';

/**
 * jest globalSetup of the e2e project: builds dist once, before any test file runs, so the files
 * that spawn built processes never run `npm run build` at the same time (one would start a
 * process while the other rewrites dist).
 */
export default function buildOnce(): void {
  ensureBuilt();
}
