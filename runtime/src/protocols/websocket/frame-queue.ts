/**
 * Incoming request frames of one WebSocket, as an async iterable the prefetch pipeline pulls
 * from. WebSocket has no flow control of its own, so when more than `highWater` frames wait here
 * the socket is paused (TCP then pushes back on the client) and resumed once they are taken:
 * a client flooding the gateway costs at most prefetch + highWater frames of memory.
 */
export class FrameQueue implements AsyncIterable<Buffer> {
  private readonly frames: Buffer[] = [];
  private ended = false;
  private paused = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly highWater: number,
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  /** Whether `end()` was called (end-of-input byte, client gone, or shutdown). */
  get isEnded(): boolean {
    return this.ended;
  }

  push(frame: Buffer): void {
    if (this.ended) return;
    this.frames.push(frame);
    if (!this.paused && this.frames.length >= this.highWater) {
      this.paused = true;
      this.pause();
    }
    this.notify();
  }

  /** No more frames are taken; frames already queued are still handed out. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /**
   * A hand-written iterator rather than a generator: `return()` (the pipeline stopping early on a
   * failure) must end a `next()` that is waiting for a frame, which a suspended generator cannot.
   */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: () => this.next(),
      return: () => {
        this.end();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  private async next(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      const frame = this.frames.shift();
      if (frame !== undefined) {
        if (this.paused && this.frames.length < Math.max(1, this.highWater >> 1)) {
          this.paused = false;
          this.resume();
        }
        return { done: false, value: frame };
      }
      if (this.ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const resolve = this.wake;
    this.wake = undefined;
    resolve?.();
  }
}
