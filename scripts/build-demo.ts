import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';

/**
 * Builds the demo page (apps/api/demo) into dist/demo: the page's script bundled with the SDK
 * for the browser, beside its HTML and CSS. The API serves it at /demo in development.
 */
const ROOT = path.resolve(__dirname, '../..');
const SOURCE = path.join(ROOT, 'apps/api/demo');
const OUT = path.join(ROOT, 'dist/demo');

const main = async (): Promise<void> => {
  fs.rmSync(OUT, { recursive: true, force: true });
  await build({
    entryPoints: [path.join(SOURCE, 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    tsconfig: path.join(SOURCE, 'tsconfig.json'),
    outfile: path.join(OUT, 'demo.js'),
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'demo.css']) {
    fs.copyFileSync(path.join(SOURCE, file), path.join(OUT, file));
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
