import 'reflect-metadata';
import { ReceiptMetrics } from '@receipts/application';
import { loadConfig } from '@receipts/infrastructure';

const main = async (): Promise<void> => {
  // Validated before the modules load, so a bad variable stops the start with its name only.
  const config = loadConfig();
  const { createApp } = await import('./create-app');
  const app = await createApp();
  app.get(ReceiptMetrics).collectProcessMetrics();
  await app.listen(config.PORT, config.HOST);
  const url = await app.getUrl();
  console.log(
    `receipts API listening on ${url} (REST, Socket.IO namespace /receipts, OpenAPI at ${url}/docs)`,
  );
  console.log(
    `store: ${config.RECEIPTS_STORE}, data in ${config.RECEIPTS_DATA_DIR}, projector: ${config.RECEIPTS_PROJECTOR}`,
  );
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
