import { type CaughtUp, type MessageReceipts, ReceiptsClient } from '@receipts/client';
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
  private caughtUp: (CaughtUp & { resynced: boolean }) | null = null;
  private resynced = false;

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
    // Back online: the SDK sends what was queued and catches up from the change feed (the
    // ticks and badges it missed); the pane takes in the messages the chat server held for it.
    this.client.on('caughtUp', (caughtUp) => {
      this.caughtUp = { ...caughtUp, resynced: this.resynced };
      this.resynced = false;
      this.render();
    });
    this.client.on('resync', () => (this.resynced = true));
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
    // A conversation opened before it had any message could not be synced yet.
    if (this.open?.id === message.conversationId) this.sync(message.conversationId);
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

  /** The open chat's per-member progress streams while it is open (stopped on closing it). */
  private sync(conversationId: string): void {
    if (this.client.syncing.includes(conversationId)) return;
    this.client.startReceiptSync(conversationId).catch(() => undefined);
  }

  private select(conversation: Conversation | null): void {
    if (this.open) this.client.stopReceiptSync(this.open.id).catch(() => undefined);
    if (conversation) this.sync(conversation.id);
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
      ...(this.caughtUp ? [this.feedLine(this.caughtUp)] : []),
      this.open ? this.conversationView(this.open) : this.list(),
    );
  }

  private feedLine(c: CaughtUp & { resynced: boolean }): HTMLElement {
    const how = c.resynced
      ? 'resynced from the snapshots'
      : `${c.entries} change${c.entries === 1 ? '' : 's'} from the feed`;
    return h(
      'p',
      { class: 'caught-up', 'data-position': c.position, 'data-entries': c.entries },
      `caught up to position ${c.position} (${how})`,
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
