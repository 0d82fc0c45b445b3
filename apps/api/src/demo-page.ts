import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';

export const DEMO_PATH = '/demo';

/**
 * Where `npm run build` puts the demo page: dist/demo, found from this module in the build
 * (dist/apps/api/src) and from its source under jest (apps/api/src).
 */
export const demoDirectory = (): string => {
  const base = path.resolve(__dirname, '../../..');
  return path.basename(base) === 'dist' ? path.join(base, 'demo') : path.join(base, 'dist/demo');
};

/** Serves the demo page at /demo; only with the development identity, which it relies on. */
export const serveDemo = (app: NestExpressApplication, directory = demoDirectory()): boolean => {
  if (!fs.existsSync(path.join(directory, 'index.html'))) return false;
  app.useStaticAssets(directory, { prefix: DEMO_PATH, index: 'index.html' });
  return true;
};
