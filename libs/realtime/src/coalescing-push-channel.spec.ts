import type { ProgressUpdate, ReceiptUpdate } from '@receipts/contracts';
import { CoalescingPushChannel, type RoomEmitter } from './coalescing-push-channel';

/** Records each emit as the rooms it went to (minus the excepted ones) and what it held. */
const recordingEmitter = () => {
  const frames: Array<{
    to: string[];
    except: string[];
    event?: string;
    updates: Array<ReceiptUpdate | ProgressUpdate>;
  }> = [];
  const room = (to: string[], except: string[]): RoomEmitter => ({
    to: (r) => room([...to, r], except),
    except: (r) => room(to, [...except, r]),
    emit: (event, ...args) =>
      frames.push({ to, except, updates: args[0], ...(event === 'receipts' ? {} : { event }) }),
  });
  return { emitter: room([], []), frames };
};

const readSync = (position: number) =>
  ({
    type: 'read_sync',
    position,
    conversationId: 'c1',
    readUpToSequence: position,
    unread: 0,
    totalUnread: 0,
  }) as const;
const delivered = (position: number) =>
  ({
    type: 'delivered',
    position,
    conversationId: 'c1',
    messageId: `m${position}`,
    sequence: position,
    recipientId: 'bob',
    deliveredAt: 't',
  }) as const;

describe('CoalescingPushChannel', () => {
  it("sends each user's updates of a window in one frame", () => {
    const { emitter, frames } = recordingEmitter();
    const channel = new CoalescingPushChannel(emitter, 1000);
    channel.push({ userId: 'ann' }, delivered(1));
    channel.push({ userId: 'sam' }, delivered(1));
    channel.push({ userId: 'ann' }, delivered(2));
    channel.flush();
    expect(frames).toEqual([
      { to: ['user:ann'], except: [], updates: [delivered(1), delivered(2)] },
      { to: ['user:sam'], except: [], updates: [delivered(1)] },
    ]);
  });

  it('keeps feed order across updates for all devices and a read sync, and tells the reading device its positions', () => {
    const { emitter, frames } = recordingEmitter();
    const channel = new CoalescingPushChannel(emitter, 1000);
    channel.push({ userId: 'ann' }, delivered(1));
    channel.push({ userId: 'ann', exceptDeviceId: 'phone' }, readSync(2));
    channel.push({ userId: 'ann', exceptDeviceId: 'phone' }, readSync(3));
    channel.push({ userId: 'ann' }, delivered(4));
    channel.flush();
    expect(frames).toEqual([
      { to: ['user:ann'], except: [], updates: [delivered(1)] },
      {
        to: ['device:ann:phone'],
        except: [],
        updates: [
          { type: 'position', position: 2 },
          { type: 'position', position: 3 },
        ],
      },
      { to: ['user:ann'], except: ['device:ann:phone'], updates: [readSync(2), readSync(3)] },
      { to: ['user:ann'], except: [], updates: [delivered(4)] },
    ]);
  });

  it("sends a conversation's progress to the devices syncing it, at once", () => {
    const { emitter, frames } = recordingEmitter();
    const channel = new CoalescingPushChannel(emitter, 1000);
    const counts: ProgressUpdate = {
      type: 'counts',
      conversationId: 'c1',
      messageId: 'm1',
      sequence: 1,
      summary: {
        messageId: 'm1',
        sequence: 1,
        totalRecipients: 3,
        deliveredCount: 1,
        readCount: 0,
        status: 'sent',
      },
    };
    channel.progress('ann', 'c1', [counts]);
    expect(frames).toEqual([
      { to: ['sync:ann:c1'], except: [], event: 'receipt:progress', updates: [counts] },
    ]);
  });

  it('flushes by itself when the window ends', async () => {
    const { emitter, frames } = recordingEmitter();
    const channel = new CoalescingPushChannel(emitter, 5);
    channel.push({ userId: 'ann' }, delivered(1));
    expect(frames).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(frames).toHaveLength(1);
  });
});
