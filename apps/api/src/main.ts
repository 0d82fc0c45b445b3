import 'reflect-metadata';
import { loadConfig } from '@receipts/infrastructure';
import { createApp } from './create-app';

const main = async (): Promise<void> => {
  const config = loadConfig();
  const app = await createApp();
  await app.listen(config.PORT, config.HOST);
  const url = await app.getUrl();
  console.log(`receipts API listening on ${url} (REST, Socket.IO namespace /receipts, OpenAPI at ${url}/docs)`);
  console.log(`store: ${config.RECEIPTS_STORE}, data in ${config.RECEIPTS_DATA_DIR}, projector: ${config.RECEIPTS_PROJECTOR}`);
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
