/**
 * In-process fan-out of one run's stream parts to its subscribers (the streaming client of `runs/stream`, and
 * any `join-stream` clients). Live only: a subscriber sees the parts published after it subscribed. Resumable
 * streams and cross-process fan-out are the run-queue issue's job.
 */
import type { JsonValue } from "../../engine/index.js";

/** One stream part: SSE `event`, `data`, `id` (agent-api.md §7). */
export interface RunPart {
  event: string;
  data: JsonValue;
  id: string;
}

/** A subscription: an async iterator of parts that ends when the run's stream closes. */
export interface RunSubscription extends AsyncIterable<RunPart> {
  /** Stops receiving; pending `next()` calls resolve as done. */
  close(): void;
}

/** Publisher side of a run's stream. */
export interface RunChannel {
  /** Sends a part to every current subscriber, numbering it ("0", "1", ...). */
  publish(event: string, data: JsonValue): void;
  /** Ends every subscription (after the parts already published). Idempotent. */
  close(): void;
  /** Subscribes from now on. A subscription made after `close()` is empty. */
  subscribe(): RunSubscription;
}

/** Creates a channel. */
export function createRunChannel(): RunChannel {
  const subscribers = new Set<Subscriber>();
  let seq = 0;
  let closed = false;
  return {
    publish(event, data) {
      if (closed) return;
      const part: RunPart = { event, data, id: String(seq++) };
      for (const s of subscribers) s.push(part);
    },
    close() {
      closed = true;
      for (const s of subscribers) s.end();
      subscribers.clear();
    },
    subscribe() {
      const s = new Subscriber(() => subscribers.delete(s));
      if (closed) s.end();
      else subscribers.add(s);
      return s;
    },
  };
}

class Subscriber implements RunSubscription {
  private readonly queue: RunPart[] = [];
  private waiting: ((r: IteratorResult<RunPart>) => void) | undefined;
  private ended = false;

  constructor(private readonly onClose: () => void) {}

  push(part: RunPart): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: part, done: false });
    } else this.queue.push(part);
  }

  end(): void {
    this.ended = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }

  close(): void {
    this.queue.length = 0;
    this.end();
    this.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<RunPart> {
    return {
      next: () => {
        const part = this.queue.shift();
        if (part) return Promise.resolve({ value: part, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiting = resolve;
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
