import type { ClientSession, Collection, Db } from 'mongodb';
import type { GlobalPosition } from '@receipts/event-store';
import {
  type ParkedEvent,
  type ProjectionControl,
  type ProjectionState,
  type RebuildLease,
  defaultControl,
} from './projection-control';

export const CONTROL_COLLECTIONS = {
  control: 'projection_control',
  parked: 'parked_events',
} as const;

type ControlDoc = Omit<ProjectionControl, 'projection'> & { _id: string };
type ParkedDoc = ParkedEvent & { _id: string; projection: string };

const parkedId = (projection: string, position: GlobalPosition): string =>
  `${projection}@${position}`;

/** The control records and parked events of MongoReadStore: one document each. */
export class MongoProjectionControl {
  constructor(
    private readonly db: Db,
    private readonly suffix = '',
  ) {}

  private get controls(): Collection<ControlDoc> {
    return this.db.collection<ControlDoc>(`${CONTROL_COLLECTIONS.control}${this.suffix}`);
  }
  private get parked(): Collection<ParkedDoc> {
    return this.db.collection<ParkedDoc>(`${CONTROL_COLLECTIONS.parked}${this.suffix}`);
  }

  async init(): Promise<void> {
    await this.parked.createIndex({ projection: 1, position: 1 }, { name: 'projection_position' });
  }

  async load(projection: string): Promise<ProjectionControl> {
    const doc = await this.controls.findOne({ _id: projection });
    if (!doc) return defaultControl(projection);
    const { _id, ...control } = doc;
    return { ...defaultControl(projection), ...control, projection: _id };
  }

  /** Creates the record with its defaults, so that conditional updates find it. */
  private async ensure(projection: string): Promise<void> {
    const { projection: _, ...defaults } = defaultControl(projection);
    await this.controls.updateOne(
      { _id: projection },
      { $setOnInsert: defaults },
      { upsert: true },
    );
  }

  async setState(projection: string, state: ProjectionState, at: Date): Promise<void> {
    await this.ensure(projection);
    await this.controls.updateOne(
      { _id: projection },
      { $set: { state, updatedAt: at.toISOString() } },
    );
  }

  async recordError(projection: string, lastError: string, at: Date): Promise<void> {
    await this.ensure(projection);
    await this.controls.updateOne(
      { _id: projection },
      { $set: { lastError, lastErrorAt: at.toISOString() } },
    );
  }

  /** One conditional update: of two claims at once, the server lets one match. */
  async claimRebuild(
    projection: string,
    lease: RebuildLease,
    replacing: string | null,
  ): Promise<boolean> {
    await this.ensure(projection);
    const held = replacing === null ? { rebuild: null } : { 'rebuild.owner': replacing };
    const result = await this.controls.updateOne(
      { _id: projection, ...held },
      { $set: { rebuild: lease } },
    );
    return result.matchedCount === 1;
  }

  async renewRebuild(projection: string, lease: RebuildLease): Promise<boolean> {
    const result = await this.controls.updateOne(
      { _id: projection, 'rebuild.owner': lease.owner },
      { $set: { rebuild: lease } },
    );
    return result.matchedCount === 1;
  }

  async releaseRebuild(projection: string, owner: string): Promise<void> {
    await this.controls.updateOne(
      { _id: projection, 'rebuild.owner': owner },
      { $set: { rebuild: null } },
    );
  }

  async park(projection: string, event: ParkedEvent): Promise<void> {
    const _id = parkedId(projection, event.position);
    await this.parked.replaceOne({ _id }, { projection, ...event }, { upsert: true });
  }

  /** The projection's parked events become `events` (a rebuild's, switched in). */
  async replaceParked(projection: string, events: readonly ParkedEvent[]): Promise<void> {
    await this.parked.deleteMany({ projection });
    for (const event of events) await this.park(projection, event);
  }

  async parkedEvents(projection: string): Promise<ParkedEvent[]> {
    const docs = await this.parked.find({ projection }).sort({ position: 1 }).toArray();
    return docs.map(({ _id, projection: _, ...event }) => ({
      ...event,
      position: BigInt(event.position),
      revision: BigInt(event.revision),
    }));
  }

  countParked(projection: string): Promise<number> {
    return this.parked.countDocuments({ projection });
  }

  async isParked(
    projection: string,
    position: GlobalPosition,
    session?: ClientSession,
  ): Promise<boolean> {
    return (
      (await this.parked.findOne({ _id: parkedId(projection, position) }, { session })) !== null
    );
  }

  async unpark(
    projection: string,
    position: GlobalPosition,
    session?: ClientSession,
  ): Promise<void> {
    await this.parked.deleteOne({ _id: parkedId(projection, position) }, { session });
  }
}
