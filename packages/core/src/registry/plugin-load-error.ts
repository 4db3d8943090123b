/**
 * A plugin that was found but could not be loaded: its file throws while it runs, or does not parse. The message
 * names the plugin as the spec wrote it and the file it resolved to; node's own error (often only "Unexpected end of
 * input") is kept as `cause`.
 */
export class PluginLoadError extends Error {
  constructor(
    readonly plugin: string,
    readonly file: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? `${cause.name === 'Error' ? '' : `${cause.name}: `}${cause.message}` : String(cause);
    super(`plugin "${plugin}" (${file}) failed to load: ${why}`, { cause });
    this.name = 'PluginLoadError';
  }
}
