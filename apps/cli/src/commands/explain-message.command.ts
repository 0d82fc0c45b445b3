import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { type MessageExplanation, explainMessage } from '@receipts/application';
import { EVENT_STORE, type EventStore } from '@receipts/event-store';
import type { RecipientReceipt } from '@receipts/read-models';
import { READ_STORE, type ReadStore } from '@receipts/read-store';
import { failed, printJson } from './cli-output';

type Options = { json?: boolean };

@Command({
  name: 'explain-message',
  arguments: '<conversation> <message>',
  description:
    "The events behind each recipient's state of a message, beside what the read models show",
})
export class ExplainMessageCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
  ) {
    super();
  }

  async run([conversation, message]: string[], { json = false }: Options): Promise<void> {
    try {
      const explanation = await explainMessage(this.events, this.reads, conversation!, message!);
      if (json) printJson(explanation);
      else for (const line of messageLines(explanation)) console.log(line);
    } catch (error) {
      failed(error);
    }
  }

  @Option({ flags: '--json', description: 'Print one JSON document for scripts' })
  parseJson(): boolean {
    return true;
  }
}

const shown = (r: RecipientReceipt | null): string => {
  if (r === null) return 'no row in the read models';
  switch (r.status) {
    case 'sent':
      return 'sent';
    case 'delivered':
      return `delivered ${r.deliveredAt}`;
    case 'read':
      return `read ${r.readAt}${r.deviceId ? ` on ${r.deviceId}` : ''} (delivered ${r.deliveredAt})`;
  }
};

const messageLines = ({ message, inReadModels, recipients }: MessageExplanation): string[] => {
  const lines = [
    `${message.messageId} in ${message.conversationId}: #${message.sequence} from ` +
      `${message.senderId}, sent ${message.sentAt}, to ${message.recipientIds.join(', ')} ` +
      `(log position ${message.position}; ${inReadModels ? 'in' : 'NOT in'} the read models)`,
  ];
  for (const r of recipients) {
    lines.push(`${r.userId}: shown as ${shown(r.shown)}`);
    if (r.events.length === 0) lines.push('  no delivered ACK or read covers it yet');
    for (const e of r.events) {
      lines.push(
        `  position ${e.position} ${e.type} at ${e.at}${e.deviceId ? ` on ${e.deviceId}` : ''}: ${e.effect}`,
      );
    }
  }
  return lines;
};
