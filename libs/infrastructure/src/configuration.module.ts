import { Global, Module } from '@nestjs/common';
import { ConfigModule, registerAs } from '@nestjs/config';
import { RECEIPTS_CONFIG, type ReceiptsConfig, loadConfig } from './config';

/** Every setting, validated by the zod schema of config.ts, loaded once per application. */
export const receiptsConfig = registerAs('receipts', (): ReceiptsConfig => loadConfig());

/**
 * Configuration for every process, through @nestjs/config: modules inject RECEIPTS_CONFIG (the
 * validated, typed settings). Only the variables of the environment count; there is no .env file.
 */
@Global()
@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [receiptsConfig] })],
  providers: [
    {
      provide: RECEIPTS_CONFIG,
      inject: [receiptsConfig.KEY],
      useFactory: (config: ReceiptsConfig): ReceiptsConfig => config,
    },
  ],
  exports: [RECEIPTS_CONFIG],
})
export class ConfigurationModule {}
