import { useEffect, useRef, useState } from "preact/hooks";
import { read } from "../lib/api";
import { NewestFirst, toRFC3339, type ReplayEntry, type ReplayFilter, type ReplayPage } from "../lib/replay";
import { href, navigate } from "../lib/router";
import { Card, ErrorBox, JSONView, Spinner, formatTime, shortActor } from "../components";

const filterKeys = ["since", "until", "path", "actor", "type", "operation"] as const;

export function replayFetch(q: Record<string, string | number | undefined>): Promise<ReplayPage> {
  return read<ReplayPage>("sys/ledger/replay", { query: q }).then((p) => p ?? { entries: [], from: 1, to: 0 });
}

export function Timeline({ params }: { params: URLSearchParams }) {
  const filter: ReplayFilter = {};
  for (const k of filterKeys) filter[k] = params.get(k) ?? "";
  const key = filterKeys.map((k) => filter[k]).join("\u0000");

  const pager = useRef<NewestFirst | null>(null);
  const [rows, setRows] = useState<ReplayEntry[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [progress, setProgress] = useState({ scanned: 0, total: 0, done: false });

  const more = async () => {
    const p = pager.current;
    if (!p) return;
    setBusy(true);
    try {
      const page = await p.next();
      if (pager.current !== p) return; // the filter changed meanwhile
      setRows((r) => [...r, ...page]);
      setProgress({ scanned: p.scanned, total: p.total, done: p.done });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    pager.current = new NewestFirst(replayFetch, { ...filter, since: toRFC3339(filter.since ?? ""), until: toRFC3339(filter.until ?? "") });
    setRows([]);
    setError(null);
    setProgress({ scanned: 0, total: 0, done: false });
    more();
  }, [key]);

  return (
    <div>
      <h1>Ledger timeline</h1>
      <p class="muted">The audit trail and the events, newest first, read from the ledger with sys/ledger/replay (sudo). Values are never shown: audit records are HMAC'd.</p>
      <FilterForm key={key} filter={filter} />
      <ErrorBox error={error} />
      <Card
        title={`${rows.length} record${rows.length === 1 ? "" : "s"}`}
        actions={<span class="muted" id="timeline-progress">{progress.total > 0 ? `read ${progress.scanned} of ${progress.total} ledger messages${progress.done ? " (all)" : ""}` : ""}</span>}
      >
        <table class="grid" id="timeline">
          <thead>
            <tr>
              <th>Time (UTC)</th>
              <th>Cursor</th>
              <th>Type</th>
              <th>Operation</th>
              <th>Path</th>
              <th>Actor</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <Row key={e.cursor} e={e} />
            ))}
          </tbody>
        </table>
        <div class="more">
          {busy ? (
            <Spinner label="Reading the ledger" />
          ) : progress.done ? (
            <span class="muted">Beginning of the range.</span>
          ) : (
            <button type="button" id="timeline-more" onClick={more}>
              Load older
            </button>
          )}
        </div>
      </Card>
    </div>
  );
}

// The inputs are uncontrolled (defaultValue, and a key that remounts the
// form when the filter changes): a re-render while the user types must not
// reset what was typed.
function FilterForm({ filter }: { filter: ReplayFilter }) {
  const submit = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const p: Record<string, string> = {};
    for (const k of filterKeys) p[k] = String(f.get(k) ?? "").trim();
    navigate("timeline", p);
  };
  const field = (name: keyof ReplayFilter, label: string, placeholder: string) => (
    <label>
      {label}
      <input name={name} id={`filter-${name}`} type="text" placeholder={placeholder} defaultValue={filter[name]} />
    </label>
  );
  return (
    <form class="filters" onSubmit={submit} id="timeline-filters">
      {field("since", "From", "index or RFC 3339 time")}
      {field("until", "To", "index or RFC 3339 time")}
      {field("path", "Path prefix", "secret/data/myapp/")}
      {field("actor", "Actor", "accessor or hmac-sha256:…")}
      {field("type", "Type", "kv-v2/* or audit.*")}
      {field("operation", "Operation", "read, create, data-write…")}
      <button type="submit" id="filter-apply">
        Apply
      </button>
      <a class="button secondary" href={href("timeline")}>
        Clear
      </a>
    </form>
  );
}

function Row({ e }: { e: ReplayEntry }) {
  const [open, setOpen] = useState(false);
  const record = e.audit ?? e.event ?? null;
  return (
    <>
      <tr class={"entry" + (e.error ? " failed" : "") + (open ? " open" : "")} data-path={e.path ?? ""} data-type={e.type} data-cursor={e.cursor} onClick={() => setOpen(!open)}>
        <td class="nowrap">{formatTime(e.time)}</td>
        <td class="mono">{e.cursor}</td>
        <td>
          <span class={"tag " + tagClass(e.type)}>{e.type}</span>
        </td>
        <td>{e.operation}</td>
        <td class="mono path">{e.path}</td>
        <td class="mono" title={e.actor}>
          {shortActor(e.actor)}
        </td>
      </tr>
      {open && (
        <tr class="detail">
          <td colSpan={6}>
            {e.error && <div class="error">{e.error}</div>}
            <div class="detail-actions">
              {e.path && (
                <a href={href("history", { path: e.path, at: e.ledger_index })} onClick={(ev) => ev.stopPropagation()}>
                  History of this path at index {e.ledger_index} →
                </a>
              )}
              {e.actor && (
                <a href={href("timeline", { actor: e.actor })} onClick={(ev) => ev.stopPropagation()}>
                  Everything this actor did →
                </a>
              )}
            </div>
            {record ? <JSONView value={record} /> : <JSONView value={e} />}
          </td>
        </tr>
      )}
    </>
  );
}

export function tagClass(t: string): string {
  if (t.startsWith("audit.")) return "audit";
  if (t.startsWith("kv")) return "kv";
  if (t.startsWith("lease") || t.startsWith("database")) return "lease";
  if (t.startsWith("token") || t.startsWith("auth")) return "token";
  return "other";
}
