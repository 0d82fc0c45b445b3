import { Module } from '@nestjs/common';
import { ConfigurationModule, StoresModule } from '@receipts/infrastructure';
import { ExplainMessageCommand } from './commands/explain-message.command';
import { ExplainUnreadCommand } from './commands/explain-unread.command';
import { PROJECTION_SUBCOMMANDS, ProjectionsCommand } from './commands/projections.command';
import { TokenCommand } from './commands/token.command';

/** The operator CLI's composition root. */
@Module({
  imports: [StoresModule],
  providers: [
    ProjectionsCommand,
    ...PROJECTION_SUBCOMMANDS,
    ExplainUnreadCommand,
    ExplainMessageCommand,
    TokenCommand,
  ],
})
export class CliModule {}

/** Minting a token needs no store, so `token` runs without opening (or creating) any. */
@Module({ imports: [ConfigurationModule], providers: [TokenCommand] })
export class TokenCliModule {}
