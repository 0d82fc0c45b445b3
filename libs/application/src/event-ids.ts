import { parse as parseUuid, v5 as uuidv5 } from 'uuid';
import { type DomainEvent, eventKey, schemaVersionOf } from '@receipts/domain';
import type { EventToAppend } from '@receipts/event-store';

/** Parsed once: given as a string, uuid parses the namespace twice on every call. */
const NAMESPACE = parseUuid('6f1c3c8e-7a52-4b4e-9d43-0d7f5a1c2b90');

export type Causation = Readonly<{ correlationId?: string; deviceId?: string | null }>;

/** The same fact always gets the same event id, so the store recognises a retried append. */
export const toEventToAppend = (event: DomainEvent, causation: Causation): EventToAppend => ({
  // The key's UTF-8 bytes, as uuid would make them from the string, in one copy.
  id: uuidv5(Buffer.from(eventKey(event)), NAMESPACE),
  type: event.type,
  data: event.data,
  metadata: {
    schemaVersion: schemaVersionOf(event.type),
    correlationId: causation.correlationId,
    causationId: causation.correlationId,
    deviceId: causation.deviceId ?? null,
  },
});
