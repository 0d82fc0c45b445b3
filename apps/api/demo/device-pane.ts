import { type MessageReceipts, ReceiptsClient } from '@receipts/client';
import type { ChatMessage, DemoChat } from './demo-chat';
import { h } from './dom';
import { messageView } from './message-view';
import { type Conversation, nameOf } from './people';

/** The read side counts a message shortly after it is registered: ask for the badges again then. */
const BADGE_RECHECK_MS = [150, 1000];

/**
 * One device of one user: its own SDK client, its conversations with their unread badges, the
 * open conversation's messages with the ticks of the user's own, and an online switch.
 */
export class DevicePane {
  readonly element = h('section', { class: 'pane' });
  private readonly client: ReceiptsClient;
  private open: Conversation | null = null;
  private readonly details = new Set<string>();
  private readonly acked = new Set<string>();

  constructor(
    private readonly chat: DemoChat,
    private readonly userId: string,
    private readonly deviceId: string,
    private readonly conversations: readonly Conversation[],
    private readonly memberId: (name: string) => string,
  ) {
    this.element.dataset['user'] = nameOf(userId);
    this.element.dataset['device'] = deviceId;
    this.client = new ReceiptsClient({ url: location.origin, userId, deviceId });
    this.client.on('change', () => this.render());
    // Back online: the SDK sends what was queued and reloads its snapshots; the pane takes in
    // the messages the chat server held for it meanwhile.
    this.client.on('connection', (status) => {
      if (status === 'online') this.catchUp();
      this.render();
    });
    chat.onMessage((message) => this.received(message));
    this.render();
  }

  connect(): Promise<void> {
    return this.client.connect();
  }

  private received(message: ChatMessage): void {
    if (message.senderId === this.userId) {
      this.client.trackSent(
        message.conversationId,
        message.messageId,
        message.sequence,
        message.recipientIds.length,
      );
    }
    if (!this.client.online) return this.render();
    if (message.recipientIds.includes(this.userId)) this.take([message]);
    this.render();
  }

  /** ACKs delivery of what reached this device, reads it if its conversation is open. */
  private take(messages: readonly ChatMessage[]): void {
    const fresh = messages.filter(
      (m) => m.recipientIds.includes(this.userId) && !this.acked.has(m.messageId),
    );
    for (const m of fresh) {
      this.acked.add(m.messageId);
      void this.client.markDelivered(m.conversationId, [m.messageId]);
    }
    if (fresh.length > 0) {
      for (const ms of BADGE_RECHECK_MS)
        setTimeout(() => void this.client.refreshUnread().catch(() => undefined), ms);
    }
    this.readOpen();
  }

  private catchUp(): void {
    for (const c of this.conversations) this.take(this.chat.messages(c.id));
  }

  private readOpen(): void {
    if (!this.open || !this.client.online) return;
    const last = this.chat.lastSequence(this.open.id);
    if (last > 0) void this.client.markRead(this.open.id, last);
  }

  private select(conversation: Conversation | null): void {
    this.open = conversation;
    this.readOpen();
    this.render();
  }

  private toggleConnection(): void {
    if (this.client.online) this.client.disconnect();
    else void this.client.connect();
    this.render();
  }

  private render(): void {
    const online = this.client.online;
    this.element.classList.toggle('offline', !online);
    this.element.replaceChildren(
      h(
        'header',
        {},
        h('strong', {}, `${nameOf(this.userId)} · ${this.deviceId}`),
        h(
          'span',
          { class: 'total', 'data-unread': this.client.state.totalUnread },
          `unread ${this.client.state.totalUnread}`,
        ),
        h(
          'button',
          {
            class: 'connection',
            'data-online': String(online),
            onclick: () => this.toggleConnection(),
          },
          online ? 'online' : 'offline',
        ),
      ),
      this.open ? this.conversationView(this.open) : this.list(),
    );
  }

  private list(): HTMLElement {
    return h(
      'ul',
      { class: 'conversations' },
      ...this.conversations.map((c) => {
        const unread = this.client.state.unread(c.id);
        return h(
          'li',
          { class: 'conversation', 'data-conversation': c.key, onclick: () => this.select(c) },
          h('span', {}, c.title),
          h(
            'span',
            { class: 'badge', 'data-unread': unread, hidden: unread === 0 },
            String(unread),
          ),
        );
      }),
    );
  }

  private conversationView(c: Conversation): HTMLElement {
    const input = h('input', {
      placeholder: 'message',
      'aria-label': 'message',
    }) as HTMLInputElement;
    const send = (event: Event): void => {
      event.preventDefault();
      const text = input.value.trim() || 'hello';
      input.value = '';
      const recipients = c.members.map(this.memberId).filter((id) => id !== this.userId);
      void this.chat.send(c, this.userId, text, recipients);
    };
    return h(
      'div',
      { class: 'open', 'data-conversation': c.key },
      h('button', { class: 'back', onclick: () => this.select(null) }, `← ${c.title}`),
      h('ol', { class: 'messages' }, ...this.chat.messages(c.id).map((m) => this.message(m))),
      h(
        'form',
        { class: 'composer', onsubmit: send },
        input,
        h('button', { type: 'submit' }, 'send'),
      ),
    );
  }

  private message(m: ChatMessage): HTMLElement {
    const own = m.senderId === this.userId;
    const receipts = own ? this.client.state.message(m.conversationId, m.messageId) : undefined;
    const toggle = (r: MessageReceipts): void => {
      if (this.details.delete(r.messageId)) return this.render();
      this.details.add(r.messageId);
      void this.client.loadDetail(r.conversationId, r.messageId).catch(() => undefined);
    };
    return messageView(m, receipts, this.details.has(m.messageId), toggle);
  }
}
