import { Module } from '@nestjs/common';
import { StoresModule } from '@receipts/infrastructure';
import { ProjectionsCommand } from './commands/projections.command';

/** The operator CLI's composition root. */
@Module({ imports: [StoresModule], providers: [ProjectionsCommand] })
export class CliModule {}
