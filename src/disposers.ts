/**
 * What to close when a process (or a test rig) stops: each part registers its close as it is
 * started, and close() runs them newest first, once. A close that throws does not keep the
 * older parts open: the rest still run and the first error is thrown at the end.
 */
export class Disposers {
  private readonly stack: Array<() => unknown> = [];
  private closing: Promise<void> | null = null;

  /** Registers a close; it runs before every close registered earlier. */
  add(close: () => unknown): void {
    if (this.closing) throw new Error('cannot register a close on a stack that is closing');
    this.stack.push(close);
  }

  /** Closes everything registered, newest first; later calls return the same promise. */
  close(): Promise<void> {
    this.closing ??= this.run();
    return this.closing;
  }

  private async run(): Promise<void> {
    let first: { error: unknown } | null = null;
    for (const close of this.stack.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        first ??= { error };
      }
    }
    if (first) throw first.error;
  }
}
