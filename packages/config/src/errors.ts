// The error configuration raises when the environment does not describe a runnable process: the
// process stops at start-up with its message (loadConfig's lists every invalid variable at once).

export class ConfigError extends Error {
  override name = 'ConfigError';
}
