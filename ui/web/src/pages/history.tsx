import { useEffect, useState } from "preact/hooks";
import { call, read } from "../lib/api";
import { classify, kvPaths, type Subject } from "../lib/paths";
import { NewestFirst, toRFC3339, type ReplayEntry, type ReplayFilter } from "../lib/replay";
import { href, navigate } from "../lib/router";
import { Card, ErrorBox, JSONView, KeyValues, Spinner, formatTime, shortActor, useAsync } from "../components";
import { replayFetch, tagClass } from "./timeline";

/** Resolved is a subject with everything needed to read its past. */
interface Resolved {
  subject: Subject;
  label: string;
  statePath: string;
  filter: ReplayFilter;
  keep: (e: ReplayEntry) => boolean;
  current: () => Promise<unknown>;
}

async function resolve(input: string): Promise<Resolved> {
  const s = classify(input);
  if (!s) throw new Error("enter a path");
  switch (s.kind) {
    case "policy":
      return {
        subject: s, label: `policy ${s.name}`, statePath: s.statePath, filter: { path: s.statePath }, keep: () => true,
        current: () => read(`sys/policies/acl/${s.name}`),
      };
    case "token":
      return {
        subject: s, label: `token ${s.accessor}`, statePath: s.statePath, filter: { actor: s.accessor }, keep: () => true,
        current: () => call("auth/token/lookup-accessor", { method: "POST", body: { accessor: s.accessor } }).then((e) => e?.data),
      };
    case "lease":
      return {
        subject: s, label: `lease ${s.id}`, statePath: s.statePath, filter: { path: s.issuedFrom },
        keep: (e) => (e.event as any)?.data?.event?.metadata?.lease_id === s.id || (e.path ?? "").includes(s.id),
        current: () => call("sys/leases/lookup", { method: "PUT", body: { lease_id: s.id } }).then((e) => e?.data),
      };
    case "kv": {
      const m = await read<{ path: string; options?: { version?: string } | null; type: string }>(`sys/internal/ui/mounts/${s.raw}`);
      if (!m) throw new Error(`no mount holds ${s.raw}`);
      if (m.type !== "kv" || m.options?.version !== "2") {
        throw new Error(`${m.path} is a ${m.type} mount${m.type === "kv" ? " (version 1)" : ""}: path history covers KV v2 secrets, policies (sys/policies/acl/NAME), tokens (auth/token/accessors/ACCESSOR) and leases (sys/leases/ID)`);
      }
      const p = kvPaths(m.path, s.raw);
      const own = new Set([p.data, p.metadata, `${p.mount}delete/${p.secret}`, `${p.mount}undelete/${p.secret}`, `${p.mount}destroy/${p.secret}`]);
      return {
        subject: s, label: p.data, statePath: p.data, filter: { path: p.data },
        keep: (e) => own.has(e.path ?? "") || (e.event as any)?.data?.event?.metadata?.data_path === p.data,
        current: () => read(p.metadata),
      };
    }
  }
}

export function History({ params }: { params: URLSearchParams }) {
  const path = params.get("path") ?? "";
  const at = params.get("at") ?? "";
  const [input, setInput] = useState(path);
  useEffect(() => setInput(path), [path]);
  const resolved = useAsync(() => (path ? resolve(path) : Promise.resolve(null)), [path]);

  return (
    <div>
      <h1>Path history</h1>
      <p class="muted">What a KV v2 secret's metadata (never its values), a policy, a token or a lease looked like at any moment, replayed from the ledger with sys/ledger/state-at (sudo).</p>
      <form
        class="filters"
        id="history-form"
        onSubmit={(e) => {
          e.preventDefault();
          navigate("history", { path: input.trim() });
        }}
      >
        <label class="wide">
          Path
          <input id="history-path" value={input} onInput={(e) => setInput((e.target as HTMLInputElement).value)} placeholder="secret/myapp/db, sys/policies/acl/NAME, auth/token/accessors/ACC, sys/leases/ID" />
        </label>
        <button type="submit" id="history-show">
          Show
        </button>
      </form>
      {resolved.loading && path && <Spinner />}
      <ErrorBox error={resolved.error} />
      {resolved.value && <Subject r={resolved.value} at={at} path={path} />}
    </div>
  );
}

function Subject({ r, at, path }: { r: Resolved; at: string; path: string }) {
  return (
    <div class="columns">
      <div>
        <AtMoment r={r} at={at} path={path} />
        <Current r={r} />
      </div>
      <Changes r={r} path={path} />
    </div>
  );
}

function AtMoment({ r, at, path }: { r: Resolved; at: string; path: string }) {
  const [input, setInput] = useState(at);
  useEffect(() => setInput(at), [at]);
  const state = useAsync(() => (at ? read<Record<string, unknown>>("sys/ledger/state-at", { query: { at: toRFC3339(at), path: r.statePath } }) : Promise.resolve(null)), [at, r.statePath]);
  const data = state.value;
  return (
    <Card title="At a moment" id="state-at">
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          navigate("history", { path, at: input.trim() });
        }}
      >
        <input id="state-at-input" value={input} onInput={(e) => setInput((e.target as HTMLInputElement).value)} placeholder="2026-11-27T03:33:46Z or a ledger index" />
        <button type="submit" id="state-at-show">
          Show state
        </button>
      </form>
      {state.loading && at && <Spinner label="Replaying the ledger" />}
      <ErrorBox error={state.error} />
      {at && !state.loading && !state.error && !data && <p class="muted" id="state-at-none">{r.label} did not exist at that moment.</p>}
      {data && (
        <div id="state-at-result" data-version={String(data.current_version ?? "")}>
          <p class="muted">
            As of ledger index <b>{String(data.at_index)}</b>
            {data.at_time ? ` (${formatTime(String(data.at_time))})` : ""}
          </p>
          {data.kind === "kv" ? <KVState data={data} /> : <KeyValues data={data} />}
        </div>
      )}
    </Card>
  );
}

function KVState({ data }: { data: Record<string, unknown> }) {
  const versions = (data.versions ?? {}) as Record<string, { created_time: string; deletion_time: string; destroyed: boolean; deleted?: boolean }>;
  const rest = { ...data };
  delete rest.versions;
  return (
    <>
      <table class="grid versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Created</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {Object.keys(versions)
            .sort((a, b) => Number(b) - Number(a))
            .map((v) => (
              <tr key={v} data-version={v}>
                <td>{v}</td>
                <td>{formatTime(versions[v].created_time)}</td>
                <td>{versions[v].destroyed ? "destroyed" : versions[v].deletion_time ? "deleted" : "live"}</td>
              </tr>
            ))}
        </tbody>
      </table>
      <KeyValues data={rest} />
    </>
  );
}

function Current({ r }: { r: Resolved }) {
  const cur = useAsync(r.current, [r.statePath]);
  return (
    <Card title="Now">
      {cur.loading && <Spinner />}
      <ErrorBox error={cur.error} />
      {!cur.loading && !cur.error && !cur.value && <p class="muted">Nothing there now.</p>}
      {cur.value != null && <JSONView value={cur.value} />}
    </Card>
  );
}

function Changes({ r, path }: { r: Resolved; path: string }) {
  const [withAudit, setWithAudit] = useState(false);
  const [rows, setRows] = useState<ReplayEntry[]>([]);
  const [pager, setPager] = useState<NewestFirst | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const load = async (p: NewestFirst) => {
    setBusy(true);
    try {
      const page = await p.next();
      setRows((rs) => [...rs, ...page.filter(r.keep)]);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    const p = new NewestFirst(replayFetch, { ...r.filter, type: withAudit ? "" : r.filter.type }, 50);
    setRows([]);
    setError(null);
    setPager(p);
    load(p);
  }, [r.statePath, withAudit]);
  const shown = withAudit ? rows : rows.filter((e) => !e.type.startsWith("audit."));
  return (
    <Card
      title="Changes"
      id="history-changes"
      actions={
        <label class="check">
          <input type="checkbox" checked={withAudit} onChange={() => setWithAudit(!withAudit)} /> reads and requests too
        </label>
      }
    >
      <ErrorBox error={error} />
      <table class="grid">
        <tbody>
          {shown.map((e) => (
            <tr key={e.cursor} class="change" data-type={e.type} data-index={e.ledger_index}>
              <td class="nowrap">{formatTime(e.time)}</td>
              <td>
                <span class={"tag " + tagClass(e.type)}>{e.type}</span>
                {(e.event as any)?.data?.event?.metadata?.current_version && <span class="muted"> v{(e.event as any).data.event.metadata.current_version}</span>}
              </td>
              <td class="mono">{shortActor(e.actor)}</td>
              <td class="nowrap">
                <a class="state-here" href={href("history", { path, at: e.ledger_index })}>
                  state here
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {busy ? (
        <Spinner label="Reading the ledger" />
      ) : pager && !pager.done ? (
        <button type="button" onClick={() => load(pager)}>
          Load older
        </button>
      ) : (
        shown.length === 0 && <p class="muted">No changes recorded.</p>
      )}
    </Card>
  );
}
