import type { Conversation } from './people';

export type ChatMessage = Readonly<{
  conversationId: string;
  messageId: string;
  senderId: string;
  sequence: number;
  recipientIds: string[];
  sentAt: string;
  text: string;
}>;

type Listener = (message: ChatMessage) => void;

/**
 * The chat server's part, played by the page: it registers each message with the receipts
 * service (the development identity's `x-service-name`) and hands it to every device, in this
 * tab and, over a BroadcastChannel, in the other tabs of the same room.
 */
export class DemoChat {
  private readonly log = new Map<string, ChatMessage>();
  private readonly listeners = new Set<Listener>();
  private readonly channel: BroadcastChannel;

  constructor(room: string) {
    this.channel = new BroadcastChannel(`receipts-demo-${room}`);
    this.channel.onmessage = (event: MessageEvent<ChatMessage>) => this.hand(event.data);
  }

  onMessage(listener: Listener): void {
    this.listeners.add(listener);
  }

  messages(conversationId: string): ChatMessage[] {
    return [...this.log.values()]
      .filter((m) => m.conversationId === conversationId)
      .sort((a, b) => a.sequence - b.sequence);
  }

  lastSequence(conversationId: string): number {
    return this.messages(conversationId).at(-1)?.sequence ?? 0;
  }

  async send(conversation: Conversation, senderId: string, text: string, recipientIds: string[]) {
    // Another tab may take the same sequence first: the service says so, and we take the next.
    for (let sequence = this.lastSequence(conversation.id) + 1; ; sequence += 1) {
      const message: ChatMessage = {
        conversationId: conversation.id,
        messageId: `m${sequence}-${Math.random().toString(36).slice(2, 8)}`,
        senderId,
        sequence,
        recipientIds,
        sentAt: new Date().toISOString(),
        text,
      };
      const { text: _, ...registration } = message;
      const response = await fetch('/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-service-name': 'demo-chat' },
        body: JSON.stringify(registration),
      });
      if (response.ok) {
        this.hand(message);
        this.channel.postMessage(message);
        return message;
      }
      const problem = (await response.json()) as { code?: string; message?: string };
      if (problem.code !== 'SEQUENCE_CONFLICT') {
        throw new Error(problem.message ?? `registration answered ${response.status}`);
      }
    }
  }

  private hand(message: ChatMessage): void {
    if (this.log.has(message.messageId)) return;
    this.log.set(message.messageId, message);
    for (const listener of this.listeners) listener(message);
  }
}
