import { useEffect, useState } from "preact/hooks";
import { errorText } from "../lib/api";
import { stream } from "../lib/sse";
import { href, navigate } from "../lib/router";
import { Card, formatTime, shortActor } from "../components";
import { tagClass } from "./timeline";

interface LiveEvent {
  cursor: string;
  type: string;
  time: string;
  path: string;
  actor: string;
  metadata: Record<string, string>;
}

const maxRows = 200;

/**
 * The cursor to resume after, and the events shown, are kept per filter
 * for the tab's session (sessionStorage: gone when the tab closes; events
 * hold names and versions, never values). A reload shows what was seen and
 * resumes right after it.
 */
function cursorKey(type: string, prefix: string): string {
  return `coffer.live.${type}\u0000${prefix}`;
}

function savedEvents(key: string): LiveEvent[] {
  try {
    return JSON.parse(sessionStorage.getItem(key + ".events") ?? "[]");
  } catch {
    return [];
  }
}

export function Live({ params }: { params: URLSearchParams }) {
  const type = params.get("type") || "*";
  const prefix = params.get("path_prefix") ?? "";
  const [events, setEvents] = useState<LiveEvent[]>(() => savedEvents(cursorKey(type, prefix)));
  const [status, setStatus] = useState<{ state: "connecting" | "live" | "retrying" | "stopped" | "failed"; detail?: string }>({ state: "connecting" });
  const [cursor, setCursor] = useState("");
  const [paused, setPaused] = useState(false);
  const resumed = sessionStorage.getItem(cursorKey(type, prefix)) ?? "";

  useEffect(() => {
    if (paused) {
      setStatus({ state: "stopped" });
      return;
    }
    const ctl = new AbortController();
    const key = cursorKey(type, prefix);
    setEvents(savedEvents(key));
    setStatus({ state: "connecting" });
    stream(
      {
        path: `sys/events/subscribe/${type}`,
        query: prefix ? { path_prefix: prefix } : {},
        lastEventId: sessionStorage.getItem(key) ?? "",
        signal: ctl.signal,
      },
      {
        onOpen: () => setStatus({ state: "live" }),
        onMessage: (m) => {
          try {
            const ce = JSON.parse(m.data);
            const meta: Record<string, string> = ce?.data?.event?.metadata ?? {};
            const ev: LiveEvent = {
              cursor: m.id, type: ce.type ?? m.event, time: ce.time, actor: ce?.data?.actor ?? "",
              path: meta.path ?? meta.data_path ?? "", metadata: meta,
            };
            setEvents((es) => {
              const next = [ev, ...es].slice(0, maxRows);
              sessionStorage.setItem(key + ".events", JSON.stringify(next));
              return next;
            });
          } catch {
            /* a message that is not an event: ignore it */
          }
        },
        onCursor: (id) => {
          sessionStorage.setItem(key, id);
          setCursor(id);
        },
        onRetry: (e, ms) => setStatus({ state: "retrying", detail: `${e.message}; reconnecting in ${Math.round(ms / 100) / 10}s` }),
        onFatal: (e) => setStatus({ state: "failed", detail: errorText(e) }),
      },
    );
    return () => ctl.abort();
  }, [type, prefix, paused]);

  const submit = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    navigate("live", { type: String(f.get("type") || "*"), path_prefix: String(f.get("path_prefix") ?? "") });
  };

  return (
    <div>
      <h1>Live events</h1>
      <p class="muted">
        The event stream (sys/events/subscribe, Server-Sent Events), filtered by your policies: you see events for paths you may read. After a reload it resumes right after the last event seen{resumed ? ` (cursor ${resumed})` : ""}, without a gap.
      </p>
      <form class="filters" onSubmit={submit} id="live-filters" key={type + "\u0000" + prefix}>
        <label>
          Type
          <input name="type" id="live-type" defaultValue={type} placeholder="* or kv-v2/*" />
        </label>
        <label>
          Path prefix
          <input name="path_prefix" id="live-prefix" defaultValue={prefix} placeholder="secret/data/myapp/" />
        </label>
        <button type="submit">Subscribe</button>
        <button type="button" class="secondary" onClick={() => setPaused(!paused)} id="live-toggle">
          {paused ? "Resume" : "Pause"}
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            sessionStorage.removeItem(cursorKey(type, prefix) + ".events");
            setEvents([]);
          }}
        >
          Clear
        </button>
      </form>
      <div class={`status ${status.state}`} id="live-status" data-state={status.state}>
        <span class="dot" /> {status.state}
        {status.detail ? `: ${status.detail}` : ""}
        {cursor && <span class="muted"> · cursor {cursor}</span>}
      </div>
      <Card title={`${events.length} event${events.length === 1 ? "" : "s"}`}>
        <table class="grid" id="live-events">
          <thead>
            <tr>
              <th>Time (UTC)</th>
              <th>Cursor</th>
              <th>Type</th>
              <th>Path</th>
              <th>Details</th>
              <th>Actor</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.cursor} class="event" data-path={e.path} data-type={e.type}>
                <td class="nowrap">{formatTime(e.time)}</td>
                <td class="mono">{e.cursor}</td>
                <td>
                  <span class={"tag " + tagClass(e.type)}>{e.type}</span>
                </td>
                <td class="mono path">
                  <a href={href("history", { path: e.path })}>{e.path}</a>
                </td>
                <td class="meta">
                  {Object.entries(e.metadata)
                    .filter(([k]) => !["path", "data_path", "operation"].includes(k))
                    .map(([k, v]) => `${k}=${v}`)
                    .join("  ")}
                </td>
                <td class="mono">{shortActor(e.actor)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {events.length === 0 && <p class="muted empty">Waiting for events…</p>}
      </Card>
    </div>
  );
}
