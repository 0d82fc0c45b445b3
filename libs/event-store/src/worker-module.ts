import { extname, join } from 'node:path';

export type WorkerModule = Readonly<{ file: string; execArgv: string[] | undefined }>;

/**
 * A worker thread's module beside the module that starts it, in the same form: the compiled .js
 * in dist; the .ts source where nothing was built (jest), which tsx (a devDependency) compiles
 * as the thread loads it.
 */
export const workerModule = (starterFile: string, stem: string): WorkerModule => {
  const extension = extname(starterFile);
  return {
    file: join(starterFile, '..', `${stem}${extension}`),
    execArgv:
      extension === '.ts'
        ? [...process.execArgv, '--require', require.resolve('tsx/cjs')]
        : undefined,
  };
};
