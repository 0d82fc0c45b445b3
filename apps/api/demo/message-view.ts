import type { MessageReceipts } from '@receipts/client';
import type { ChatMessage } from './demo-chat';
import { h, time } from './dom';
import { nameOf } from './people';

const TICKS = { sent: '✓', delivered: '✓✓', read: '✓✓' } as const;

/**
 * One message in a conversation; the user's own carry their ticks (with "read by n of m" in a
 * group) and, once the ticks are clicked, every member's receipt.
 */
export const messageView = (
  m: ChatMessage,
  receipts: MessageReceipts | undefined,
  showDetail: boolean,
  toggleDetail: (receipts: MessageReceipts) => void,
): HTMLElement =>
  h(
    'li',
    {
      class: receipts ? 'message own' : 'message',
      'data-message-id': m.messageId,
      'data-status': receipts?.status ?? '',
    },
    h('span', { class: 'from' }, receipts ? 'you' : nameOf(m.senderId)),
    h('span', { class: 'text' }, m.text),
    receipts ? ticks(receipts, toggleDetail) : null,
    receipts && showDetail ? detail(receipts) : null,
  );

const ticks = (r: MessageReceipts, toggle: (r: MessageReceipts) => void): HTMLElement =>
  h(
    'span',
    { class: `ticks ${r.status}`, title: 'who has it', onclick: () => toggle(r) },
    TICKS[r.status],
    r.totalRecipients > 1
      ? h('span', { class: 'read-by' }, ` read by ${r.readCount} of ${r.totalRecipients}`)
      : null,
  );

const detail = (r: MessageReceipts): HTMLElement =>
  h(
    'ul',
    { class: 'detail' },
    ...r.members.map((member) =>
      h(
        'li',
        { 'data-member': nameOf(member.userId), 'data-status': member.status },
        `${nameOf(member.userId)}: ${member.status}`,
        member.deliveredAt ? ` · delivered ${time(member.deliveredAt)}` : '',
        member.readAt ? ` · read ${time(member.readAt)}` : '',
      ),
    ),
  );
