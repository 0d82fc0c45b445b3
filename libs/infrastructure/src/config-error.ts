/** The one shape of a refused configuration: each problem on its own line, naming its variable. */
export const configurationError = (problems: readonly string[]): Error =>
  new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
