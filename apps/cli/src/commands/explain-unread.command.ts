import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { type UnreadExplanation, explainUnread } from '@receipts/application';
import { READ_STORE, type ReadStore } from '@receipts/read-store';
import { failed, printJson } from './cli-output';

type Options = { json?: boolean; limit?: number };

@Command({
  name: 'explain-unread',
  arguments: '<user> [conversation]',
  description:
    "Which messages make a user's unread count, and the cursor each is counted from; exit 1 when the counts disagree",
})
export class ExplainUnreadCommand extends CommandRunner {
  constructor(@Inject(READ_STORE) private readonly reads: ReadStore) {
    super();
  }

  async run([user, conversation]: string[], { json = false, limit = 50 }: Options): Promise<void> {
    try {
      const explanation = await explainUnread(this.reads, user!, conversation, limit);
      if (json) printJson(explanation);
      else for (const line of unreadLines(explanation)) console.log(line);
      if (!agrees(explanation, conversation === undefined)) process.exitCode = 1;
    } catch (error) {
      failed(error);
    }
  }

  @Option({ flags: '--json', description: 'Print one JSON document for scripts' })
  parseJson(): boolean {
    return true;
  }

  @Option({ flags: '--limit <n>', description: 'Messages listed per conversation (default 50)' })
  parseLimit(value: string): number {
    const limit = Number(value);
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`--limit must be a positive integer`);
    return limit;
  }
}

const agrees = (e: UnreadExplanation, whole: boolean): boolean =>
  e.conversations.every((c) => c.consistent !== false) &&
  (!whole || e.totalUnread === e.sumOfConversations);

const unreadLines = (e: UnreadExplanation): string[] => {
  const lines = [
    `${e.userId}: ${e.totalUnread} unread in total; the conversations add up to ${e.sumOfConversations}`,
  ];
  if (e.conversations.length === 0) lines.push('no conversation with unread messages');
  for (const c of e.conversations) {
    lines.push(
      `${c.conversationId}: ${c.unread} unread, counted above the cursor at ${c.readUpTo}` +
        ` (shared ${c.sharedReadUpTo}, last read ${c.lastReadAt ?? 'never'})` +
        (c.consistent === false ? `; ${c.messages.length} messages found above it` : ''),
    );
    for (const m of c.messages) {
      lines.push(
        `  ${m.messageId} #${m.sequence} from ${m.senderId}, sent ${m.sentAt}, ` +
          (m.deliveredAt ? `delivered ${m.deliveredAt}` : 'not delivered'),
      );
    }
    if (!c.complete) lines.push(`  … more than ${c.messages.length}; see --limit`);
  }
  return lines;
};
