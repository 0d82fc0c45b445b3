import { type ReceiptCommand, ReceiptError } from '@receipts/domain';
import { AckLimits } from '../ack-limits';
import type { CommandOutcome, ReceiptCommandService } from '../receipt-command.service';
import {
  AcknowledgeFrameCommand,
  AcknowledgeFrameHandler,
  MarkReadCommand,
  MarkReadHandler,
} from './acknowledge.handlers';

const NOW = '2025-01-02T03:04:05.000Z';
const device = { userId: 'u1', deviceId: 'phone' };

/** A command service that records what it was asked and answers from `answer`. */
const fakeService = (answer: (command: ReceiptCommand) => Promise<CommandOutcome>) => {
  const calls: Array<{ command: ReceiptCommand; causation: unknown }> = [];
  const service = {
    now: () => NOW,
    acknowledge: (command: ReceiptCommand, causation: unknown) => {
      calls.push({ command, causation });
      return answer(command);
    },
  } as unknown as ReceiptCommandService;
  return { service, calls };
};

const appliedOnce = (): Promise<CommandOutcome> => Promise.resolve({ applied: 1, duplicates: 0 });

describe('MarkReadHandler', () => {
  it('sends the read as the device, at the service clock, and returns its outcome', async () => {
    const { service, calls } = fakeService(() => Promise.resolve({ applied: 0, duplicates: 1 }));

    const outcome = await new MarkReadHandler(service).execute(
      new MarkReadCommand({ conversationId: 'c1', upToSequence: 7 }, device),
    );

    expect(outcome).toEqual({ applied: 0, duplicates: 1 });
    expect(calls).toEqual([
      {
        command: {
          type: 'MarkConversationRead',
          data: { userId: 'u1', deviceId: 'phone', conversationId: 'c1', upToSequence: 7 },
          metadata: { now: NOW },
        },
        causation: { deviceId: 'phone' },
      },
    ]);
  });
});

describe('AcknowledgeFrameHandler', () => {
  const limits = new AckLimits(3, 2);

  it('sends each item as its own ACK, in order, and answers each with its outcome', async () => {
    const { service, calls } = fakeService(() =>
      Promise.resolve({ applied: calls.length, duplicates: 0 }),
    );

    const outcomes = await new AcknowledgeFrameHandler(service, limits).execute(
      new AcknowledgeFrameCommand(
        [
          { type: 'delivered', conversationId: 'c1', messageIds: ['m1', 'm2'] },
          { type: 'delivered_up_to', conversationId: 'c2', upToSequence: 4 },
          { type: 'read', conversationId: 'c1', upToSequence: 2 },
        ],
        device,
      ),
    );

    expect(calls.map(({ command }) => command.type)).toEqual([
      'AcknowledgeDelivery',
      'AcknowledgeDeliveryUpTo',
      'MarkConversationRead',
    ]);
    expect(calls.every(({ command }) => command.metadata.now === NOW)).toBe(true);
    expect(outcomes).toEqual(
      [1, 2, 3].map((applied) => ({ status: 'fulfilled', value: { applied, duplicates: 0 } })),
    );
  });

  it('answers a failing item with its error and still applies the others', async () => {
    const { service, calls } = fakeService((command) =>
      command.data.conversationId === 'c2'
        ? Promise.reject(new ReceiptError('NOT_YET_REGISTERED', 'not yet'))
        : appliedOnce(),
    );

    const outcomes = await new AcknowledgeFrameHandler(service, limits).execute(
      new AcknowledgeFrameCommand(
        [
          { type: 'delivered', conversationId: 'c1', messageIds: ['m1', 'm2', 'm3'] },
          { type: 'read', conversationId: 'c2', upToSequence: 1 },
          { type: 'read', conversationId: 'c3', upToSequence: 1 },
        ],
        device,
      ),
    );

    const codes = outcomes.map((outcome) =>
      outcome.status === 'rejected' ? (outcome.reason as ReceiptError).code : 'ok',
    );
    expect(codes).toEqual(['BATCH_TOO_LARGE', 'NOT_YET_REGISTERED', 'ok']);
    expect(calls.map(({ command }) => command.data.conversationId)).toEqual(['c2', 'c3']);
  });

  it('refuses a frame with more items than the limit, applying none of them', async () => {
    const { service, calls } = fakeService(appliedOnce);
    const read = { type: 'read', conversationId: 'c1', upToSequence: 1 } as const;

    const refused = new AcknowledgeFrameHandler(service, limits).execute(
      new AcknowledgeFrameCommand([read, read, read, read], device),
    );

    await expect(refused).rejects.toMatchObject({
      code: 'BATCH_TOO_LARGE',
      details: { limit: 3, received: 4 },
    });
    expect(calls).toEqual([]);
  });
});
