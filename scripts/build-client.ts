import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';

/**
 * Builds libs/client as its own package (libs/client/dist): the SDK with the shared contract
 * bundled in, as CommonJS and ESM, and its declarations with the contract's beside them.
 * Its dependencies stay imports: socket.io-client, exponential-backoff and zod (the contract's).
 */
const ROOT = path.resolve(__dirname, '../..');
const CLIENT = path.join(ROOT, 'libs/client');
const { dependencies } = JSON.parse(fs.readFileSync(path.join(CLIENT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

const main = async (): Promise<void> => {
  fs.rmSync(path.join(CLIENT, 'dist'), { recursive: true, force: true });
  const common = {
    entryPoints: [path.join(CLIENT, 'src/index.ts')],
    bundle: true,
    platform: 'neutral' as const,
    target: 'es2022',
    external: Object.keys(dependencies),
    sourcemap: true,
  };
  await build({ ...common, format: 'cjs', outfile: path.join(CLIENT, 'dist/index.js') });
  await build({ ...common, format: 'esm', outfile: path.join(CLIENT, 'dist/index.mjs') });
  const bin = (name: string) => path.join(ROOT, 'node_modules/.bin', name);
  const project = path.join(CLIENT, 'tsconfig.build.json');
  execFileSync(bin('tsc'), ['-p', project], { stdio: 'inherit' });
  execFileSync(bin('tsc-alias'), ['-p', project], { stdio: 'inherit' });
  console.log(`built ${path.relative(process.cwd(), path.join(CLIENT, 'dist'))}`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
