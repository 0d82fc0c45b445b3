import {
  AcknowledgeDeliveryHandler,
  AcknowledgeFrameHandler,
  MarkReadHandler,
} from './acknowledge.handlers';
import {
  ConversationUnreadHandler,
  MessageReceiptsHandler,
  MessageSummaryHandler,
  UserUnreadHandler,
} from './receipt-queries.handlers';
import { RegisterMessageHandler, RegisterMessagesHandler } from './register-messages.handlers';
import { SetReadReceiptsHandler } from './set-read-receipts.handler';
import { ChangeFeedHandler } from './change-feed.handler';

export * from './acknowledge.handlers';
export * from './receipt-queries.handlers';
export * from './register-messages.handlers';
export * from './set-read-receipts.handler';
export * from './change-feed.handler';

/** What a process answering commands and queries registers beside CqrsModule. */
export const RECEIPT_HANDLERS = [
  AcknowledgeDeliveryHandler,
  MarkReadHandler,
  AcknowledgeFrameHandler,
  RegisterMessageHandler,
  RegisterMessagesHandler,
  SetReadReceiptsHandler,
  MessageReceiptsHandler,
  MessageSummaryHandler,
  ConversationUnreadHandler,
  UserUnreadHandler,
  ChangeFeedHandler,
];
export * from './explain.handlers';
