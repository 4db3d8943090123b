/** A PyTorch checkpoint that cannot be read, or holds something the reader refuses to build. */
export class PthError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'PthError';
  }
}
