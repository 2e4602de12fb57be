// Server-Sent Events over fetch. The browser's EventSource cannot send the
// X-Vault-Token header, and a token in the URL would land in logs, so the
// stream is read with fetch and parsed here, with the same rules
// (https://html.spec.whatwg.org/multipage/server-sent-events.html).

import { headers, url, APIError } from "./api";

export interface SSEMessage {
  /** The last event id after this message (Last-Event-ID to resume). */
  id: string;
  event: string;
  data: string;
}

/**
 * SSEParser turns chunks of the stream into messages. It keeps the last
 * event id across messages, as EventSource does: an id-only message (the
 * server's way of advancing the cursor past filtered events) updates it
 * without dispatching anything.
 */
export class SSEParser {
  private buf = "";
  private data: string[] = [];
  private event = "";
  private sawData = false;
  lastId = "";

  constructor(lastId = "") {
    this.lastId = lastId;
  }

  push(chunk: string): SSEMessage[] {
    this.buf += chunk;
    const out: SSEMessage[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      // A lone \r at the end may be the first half of \r\n.
      if (m[0] === "\r" && m.index === this.buf.length - 1) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    return out;
  }

  private line(line: string): SSEMessage | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // comment (keepalive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.data.push(value);
        this.sawData = true;
        break;
      case "event":
        this.event = value;
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
    }
    return null;
  }

  private dispatch(): SSEMessage | null {
    const msg = this.sawData ? { id: this.lastId, event: this.event || "message", data: this.data.join("\n") } : null;
    this.data = [];
    this.event = "";
    this.sawData = false;
    return msg;
  }
}

export interface StreamHandlers {
  onMessage(m: SSEMessage): void;
  /** Called whenever the cursor moves, even without a message. */
  onCursor?(id: string): void;
  /** The subscription is registered: from now on nothing is missed. */
  onOpen?(): void;
  /** A fatal error: the stream is not retried (403, bad request). */
  onFatal?(e: Error): void;
  /** The connection dropped; it is retried after delayMs. */
  onRetry?(e: Error, delayMs: number): void;
}

export interface StreamOptions {
  path: string;
  query?: Record<string, string>;
  lastEventId?: string;
  signal: AbortSignal;
}

/**
 * stream subscribes and keeps subscribing: after a dropped connection it
 * reconnects with Last-Event-ID, so nothing is missed and nothing repeats.
 * It returns when signal aborts or on a fatal error.
 */
export async function stream(opts: StreamOptions, h: StreamHandlers): Promise<void> {
  let lastId = opts.lastEventId ?? "";
  let delay = 500;
  while (!opts.signal.aborted) {
    try {
      const hs: Record<string, string> = { ...headers(), Accept: "text/event-stream" };
      if (lastId) hs["Last-Event-ID"] = lastId;
      const resp = await fetch(url(opts.path, opts.query), { headers: hs, signal: opts.signal, cache: "no-store" });
      if (!resp.ok) {
        let errors: string[] = [];
        try {
          errors = (await resp.json()).errors ?? [];
        } catch {
          /* not JSON */
        }
        const err = new APIError(resp.status, errors);
        if (resp.status >= 400 && resp.status < 500 && resp.status !== 429) {
          h.onFatal?.(err);
          return;
        }
        throw err;
      }
      delay = 500;
      const parser = new SSEParser(lastId);
      // The server registers the subscription and only then sends its
      // first id (the cursor it starts from): that, not the response
      // headers, is the moment from which no event can be missed.
      let opened = false;
      const reader = resp.body!.pipeThrough(new TextDecoderStream()).getReader();
      let ended: Error | null = null;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const msgs = parser.push(value);
        if (!opened && (parser.lastId !== lastId || msgs.length > 0)) {
          opened = true;
          h.onOpen?.();
        }
        for (const m of msgs) {
          if (m.event === "error") {
            // The server's last word: why it ends the stream, and the
            // cursor to resume after (a slow reader, a seal).
            ended = new Error(endReason(m.data));
            continue;
          }
          h.onMessage(m);
        }
        if (parser.lastId !== lastId) {
          lastId = parser.lastId;
          h.onCursor?.(lastId);
        }
      }
      if (ended && /revoked|expired|permission/i.test(ended.message)) {
        h.onFatal?.(ended);
        return;
      }
      throw ended ?? new Error("stream closed by the server");
    } catch (e) {
      if (opts.signal.aborted) return;
      const err = e instanceof Error ? e : new Error(String(e));
      h.onRetry?.(err, delay);
      await sleep(delay, opts.signal);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

function endReason(data: string): string {
  try {
    return JSON.parse(data).error ?? data;
  } catch {
    return data;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });
}
