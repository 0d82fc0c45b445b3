import 'reflect-metadata';
import { ReceiptMetrics } from '@receipts/application';
import { loadVerificationKey } from '@receipts/identity';
import {
  RECEIPTS_CONFIG,
  type ReceiptsConfig,
  identitySettings,
  loadConfig,
} from '@receipts/infrastructure';

const main = async (): Promise<void> => {
  // Validated before the modules load, so a bad variable stops the start with its name only.
  const identity = identitySettings(loadConfig());
  // Likewise a key that does not load: named here, not inside Nest's trace from the module.
  if (identity.tokens) await loadVerificationKey(identity.tokens.key, identity.tokens.algorithm);
  if (identity.development) {
    console.warn(
      'WARNING: RECEIPTS_DEV_IDENTITY=on: this API trusts any user or service id a caller names ' +
        '(x-user-id, x-service-name, handshake userId); for a local try-out only, never on a network others reach',
    );
  }
  const { createApp } = await import('./create-app');
  const app = await createApp();
  app.get(ReceiptMetrics).collectProcessMetrics();
  const config = app.get<ReceiptsConfig>(RECEIPTS_CONFIG);
  await app.listen(config.PORT, config.HOST);
  const url = await app.getUrl();
  console.log(
    `receipts API listening on ${url} (REST, Socket.IO namespace /receipts, OpenAPI at ${url}/docs)`,
  );
  if (identity.development) console.log(`demo page (development identity): ${url}/demo/`);
  console.log(
    `store: ${config.RECEIPTS_STORE}, data in ${config.RECEIPTS_DATA_DIR}, projector: ${config.RECEIPTS_PROJECTOR}`,
  );
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
