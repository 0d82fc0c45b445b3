import {
  type RecipientFacts,
  type RecipientReceipt,
  recipientReceipt,
  countReceipts,
  summarize,
} from './message-receipts.read-model';

const t = (minute: number): string => `2024-05-01T12:${String(minute).padStart(2, '0')}:00.000Z`;

const facts = (overrides: Partial<RecipientFacts> = {}): RecipientFacts => ({
  userId: 'bob',
  deliveredAt: null,
  deliveredDeviceId: null,
  sharedRead: null,
  anyReadAt: null,
  ...overrides,
});

describe('recipientReceipt', () => {
  describe('given neither a delivery nor a read', () => {
    it('shows the message as sent', () =>
      expect(recipientReceipt(facts())).toEqual({ userId: 'bob', status: 'sent' }));
  });

  describe('given a delivery', () => {
    it('shows the message as delivered, with its time and not the device', () =>
      expect(recipientReceipt(facts({ deliveredAt: t(1), deliveredDeviceId: 'phone' }))).toEqual({
        userId: 'bob',
        status: 'delivered',
        deliveredAt: t(1),
      }));
  });

  describe('given a shared read', () => {
    const read = { sharedRead: { at: t(5), deviceId: 'laptop' }, anyReadAt: t(5) };

    it('shows the message as read, delivered when it was delivered', () =>
      expect(
        recipientReceipt(facts({ deliveredAt: t(1), deliveredDeviceId: 'phone', ...read })),
      ).toEqual({
        userId: 'bob',
        status: 'read',
        deliveredAt: t(1),
        readAt: t(5),
        deviceId: 'laptop',
      }));

    it('counts the read as the delivery when no delivery was recorded', () =>
      expect(recipientReceipt(facts(read))).toMatchObject({
        status: 'read',
        deliveredAt: t(5),
        readAt: t(5),
      }));

    it('never shows a delivery later than the read when the delivery ACK came late', () =>
      expect(recipientReceipt(facts({ deliveredAt: t(9), ...read }))).toMatchObject({
        status: 'read',
        deliveredAt: t(5),
        readAt: t(5),
      }));
  });

  describe('given a read the reader did not share', () => {
    it('shows exactly a delivery at the time of the read, as any device that received the message', () =>
      expect(recipientReceipt(facts({ anyReadAt: t(5) }))).toEqual({
        userId: 'bob',
        status: 'delivered',
        deliveredAt: t(5),
      }));

    it('keeps the earlier delivery time, hiding that a read happened', () =>
      expect(
        recipientReceipt(facts({ deliveredAt: t(1), deliveredDeviceId: 'phone', anyReadAt: t(5) })),
      ).toEqual({ userId: 'bob', status: 'delivered', deliveredAt: t(1) }));
  });

  describe('given a private read followed by a shared one covering the message', () => {
    it('shows it read at the time of the shared read, delivered when the private read showed it delivered', () =>
      expect(
        recipientReceipt(facts({ anyReadAt: t(3), sharedRead: { at: t(7), deviceId: 'phone' } })),
      ).toEqual({
        userId: 'bob',
        status: 'read',
        deliveredAt: t(3),
        readAt: t(7),
        deviceId: 'phone',
      }));
  });
});

describe('summarize', () => {
  const message = { messageId: 'm1', sequence: 1, recipientCount: 3 };
  const sent = (userId: string): RecipientReceipt => ({ userId, status: 'sent' });
  const delivered = (userId: string): RecipientReceipt => ({
    userId,
    status: 'delivered',
    deliveredAt: t(1),
  });
  const read = (userId: string): RecipientReceipt => ({
    userId,
    status: 'read',
    deliveredAt: t(1),
    readAt: t(2),
    deviceId: 'phone',
  });
  const summary = (receipts: RecipientReceipt[]) => {
    const { status, deliveredCount, readCount } = summarize(message, countReceipts(receipts));
    return { status, deliveredCount, readCount };
  };

  describe('given a group of three recipients', () => {
    it('stays sent while nobody has the message', () =>
      expect(summary([sent('bob'), sent('carol'), sent('dave')])).toEqual({
        status: 'sent',
        deliveredCount: 0,
        readCount: 0,
      }));

    it('stays sent while one recipient still lacks it', () =>
      expect(summary([delivered('bob'), delivered('carol'), sent('dave')])).toEqual({
        status: 'sent',
        deliveredCount: 2,
        readCount: 0,
      }));

    it('turns delivered once every recipient has it', () =>
      expect(summary([delivered('bob'), delivered('carol'), delivered('dave')])).toEqual({
        status: 'delivered',
        deliveredCount: 3,
        readCount: 0,
      }));

    it('counts a read as delivered', () =>
      expect(summary([read('bob'), delivered('carol'), delivered('dave')])).toEqual({
        status: 'delivered',
        deliveredCount: 3,
        readCount: 1,
      }));

    it('stays sent when some read it but another recipient lacks it', () =>
      expect(summary([read('bob'), read('carol'), sent('dave')])).toEqual({
        status: 'sent',
        deliveredCount: 2,
        readCount: 2,
      }));

    it('stays delivered while one recipient has not read it', () =>
      expect(summary([read('bob'), read('carol'), delivered('dave')])).toEqual({
        status: 'delivered',
        deliveredCount: 3,
        readCount: 2,
      }));

    it('turns read only once every recipient read it', () =>
      expect(summary([read('bob'), read('carol'), read('dave')])).toEqual({
        status: 'read',
        deliveredCount: 3,
        readCount: 3,
      }));

    it('never turns read when one recipient read it privately', () => {
      const privately = recipientReceipt(facts({ userId: 'dave', anyReadAt: t(4) }));
      expect(summary([read('bob'), read('carol'), privately])).toEqual({
        status: 'delivered',
        deliveredCount: 3,
        readCount: 2,
      });
    });

    it('counts recipients without a receipt as sent', () =>
      expect(summary([read('bob'), read('carol')])).toEqual({
        status: 'sent',
        deliveredCount: 2,
        readCount: 2,
      }));

    it('reports the message and its number of recipients', () =>
      expect(summarize(message, countReceipts([]))).toMatchObject({
        messageId: 'm1',
        sequence: 1,
        totalRecipients: 3,
      }));
  });

  describe('given a one-to-one conversation', () => {
    const direct = { messageId: 'm2', sequence: 2, recipientCount: 1 };

    it.each([
      ['sent', sent('bob')],
      ['delivered', delivered('bob')],
      ['read', read('bob')],
    ])('shows %s as the recipient sees it', (status, receipt) =>
      expect(summarize(direct, countReceipts([receipt])).status).toBe(status),
    );
  });
});
