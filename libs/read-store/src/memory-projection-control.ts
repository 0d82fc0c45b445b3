import type { GlobalPosition } from '@receipts/event-store';
import {
  type ParkedEvent,
  type ProjectionControl,
  type ProjectionState,
  type RebuildLease,
  defaultControl,
} from './projection-control';

/** The control records and parked events of MemoryReadStore. */
export class MemoryProjectionControl {
  private readonly controls = new Map<string, ProjectionControl>();
  /** Projection -> position -> parked event. */
  private readonly parked = new Map<string, Map<GlobalPosition, ParkedEvent>>();

  load(projection: string): ProjectionControl {
    return this.controls.get(projection) ?? defaultControl(projection);
  }

  private update(projection: string, change: Partial<ProjectionControl>): void {
    this.controls.set(projection, { ...this.load(projection), ...change });
  }

  setState(projection: string, state: ProjectionState, at: Date): void {
    this.update(projection, { state, updatedAt: at.toISOString() });
  }

  recordError(projection: string, lastError: string, at: Date): void {
    this.update(projection, { lastError, lastErrorAt: at.toISOString() });
  }

  claimRebuild(projection: string, lease: RebuildLease, replacing: string | null): boolean {
    const held = this.load(projection).rebuild;
    if (held !== null && held.owner !== replacing) return false;
    this.update(projection, { rebuild: lease });
    return true;
  }

  renewRebuild(projection: string, lease: RebuildLease): boolean {
    if (this.load(projection).rebuild?.owner !== lease.owner) return false;
    this.update(projection, { rebuild: lease });
    return true;
  }

  releaseRebuild(projection: string, owner: string): void {
    if (this.load(projection).rebuild?.owner === owner) this.update(projection, { rebuild: null });
  }

  park(projection: string, event: ParkedEvent): void {
    let own = this.parked.get(projection);
    if (!own) this.parked.set(projection, (own = new Map<GlobalPosition, ParkedEvent>()));
    own.set(event.position, event);
  }

  parkedEvents(projection: string): ParkedEvent[] {
    const own = [...(this.parked.get(projection)?.values() ?? [])];
    return own.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  }

  countParked(projection: string): number {
    return this.parked.get(projection)?.size ?? 0;
  }

  unpark(projection: string, position: GlobalPosition): boolean {
    return this.parked.get(projection)?.delete(position) ?? false;
  }
}
