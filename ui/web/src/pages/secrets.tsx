import { useEffect, useState } from "preact/hooks";
import { call, list, read } from "../lib/api";
import { kvPaths } from "../lib/paths";
import { href, navigate } from "../lib/router";
import { Card, ConfirmButton, ErrorBox, JSONView, Spinner, formatTime, useAsync } from "../components";

export interface MountInfo {
  type: string;
  description: string;
  accessor: string;
  options?: { version?: string } | null;
}

/** mounts lists what sys/internal/ui/mounts shows this token: only mounts its policies reach. */
export async function mounts(): Promise<Record<string, MountInfo>> {
  const d = await read<{ secret: Record<string, MountInfo> }>("sys/internal/ui/mounts");
  return d?.secret ?? {};
}

export function Secrets({ params }: { params: URLSearchParams }) {
  const mount = params.get("mount") ?? "";
  const path = params.get("path") ?? "";
  const all = useAsync(mounts, []);
  const info = all.value?.[mount];
  return (
    <div>
      <h1>Secrets</h1>
      <div class="columns narrow-left">
        <Card title="Mounts" id="mounts">
          {all.loading && <Spinner />}
          <ErrorBox error={all.error} />
          <ul class="list">
            {Object.entries(all.value ?? {})
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([p, m]) => (
                <li key={p} class={p === mount ? "active" : ""}>
                  <a href={m.type === "transit" ? href("transit", { mount: p }) : href("secrets", { mount: p })} data-mount={p}>
                    <span class="mono">{p}</span> <span class="tag other">{m.type === "kv" ? `kv v${m.options?.version ?? "1"}` : m.type}</span>
                  </a>
                </li>
              ))}
          </ul>
          {all.value && Object.keys(all.value).length === 0 && <p class="muted">Your token reaches no mount.</p>}
        </Card>
        <div>
          {!mount && <p class="muted">Choose a mount, or go straight to a path:</p>}
          <GoTo mount={mount} path={path} />
          {mount && info?.type === "kv" && info.options?.version === "2" && (path === "" || path.endsWith("/") ? <KVList mount={mount} prefix={path} /> : <KVSecret mount={mount} path={path} />)}
          {mount && info && !(info.type === "kv" && info.options?.version === "2") && (
            <Card title={mount}>
              <p class="muted">The browser handles KV v2 and transit mounts; this is a {info.type} mount.</p>
              <JSONView value={info} />
            </Card>
          )}
          {mount && all.value && !info && <ErrorBox error={new Error(`${mount} is not a mount your token reaches`)} />}
        </div>
      </div>
    </div>
  );
}

function GoTo({ mount, path }: { mount: string; path: string }) {
  const [v, setV] = useState(mount + path);
  useEffect(() => setV(mount + path), [mount, path]);
  return (
    <form
      class="filters"
      id="secrets-goto"
      onSubmit={async (e) => {
        e.preventDefault();
        const p = v.trim().replace(/^\/+/, "");
        // The preflight names the mount holding the path, for any mount layout.
        const m = await read<{ path: string }>(`sys/internal/ui/mounts/${p}`).catch(() => null);
        if (!m) {
          navigate("secrets", { mount: p.split("/")[0] + "/", path: p.split("/").slice(1).join("/") });
          return;
        }
        navigate("secrets", { mount: m.path, path: kvPaths(m.path, p).secret + (p.endsWith("/") ? "/" : "") });
      }}
    >
      <label class="wide">
        Path
        <input id="secrets-path" value={v} onInput={(e) => setV((e.target as HTMLInputElement).value)} placeholder="secret/myapp/ or secret/myapp/db" />
      </label>
      <button type="submit" id="secrets-go">
        Go
      </button>
    </form>
  );
}

function Breadcrumb({ mount, path }: { mount: string; path: string }) {
  const parts = path.split("/").filter(Boolean);
  return (
    <div class="crumbs">
      <a href={href("secrets", { mount })}>{mount}</a>
      {parts.map((p, i) => {
        const sub = parts.slice(0, i + 1).join("/") + (i < parts.length - 1 || path.endsWith("/") ? "/" : "");
        return (
          <span key={sub}>
            {" "}
            <a href={href("secrets", { mount, path: sub })}>{p}</a>
            {sub.endsWith("/") ? " /" : ""}
          </span>
        );
      })}
    </div>
  );
}

function KVList({ mount, prefix }: { mount: string; prefix: string }) {
  const keys = useAsync(() => list(`${mount}metadata/${prefix}`), [mount, prefix]);
  const [name, setName] = useState("");
  return (
    <Card title={<Breadcrumb mount={mount} path={prefix} />} id="kv-list">
      {keys.loading && <Spinner />}
      <ErrorBox error={keys.error} />
      <ul class="list keys">
        {(keys.value ?? []).map((k) => (
          <li key={k}>
            <a href={href("secrets", { mount, path: prefix + k })} data-key={prefix + k}>
              {k.endsWith("/") ? "📁 " : "🔑 "}
              {k}
            </a>
          </li>
        ))}
      </ul>
      {!keys.loading && !keys.error && keys.value?.length === 0 && <p class="muted">No secrets here.</p>}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) navigate("secrets", { mount, path: prefix + name.trim(), edit: "1" });
        }}
      >
        <input id="kv-new-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="new secret name" />
        <button type="submit" id="kv-new">
          Create
        </button>
      </form>
    </Card>
  );
}

interface KVMeta {
  current_version: number;
  oldest_version: number;
  versions: Record<string, { created_time: string; deletion_time: string; destroyed: boolean }>;
  custom_metadata?: Record<string, string> | null;
}

interface KVData {
  data: Record<string, unknown> | null;
  metadata: { version: number; created_time: string; deletion_time: string; destroyed: boolean };
}

function KVSecret({ mount, path }: { mount: string; path: string }) {
  const [version, setVersion] = useState<number | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const [actionError, setActionError] = useState<unknown>(null);
  const p = kvPaths(mount, path);
  const meta = useAsync(() => read<KVMeta>(p.metadata), [p.metadata, tick]);
  const data = useAsync(() => read<KVData>(p.data, { query: { version } }).catch((e) => {
    // A deleted or destroyed version answers 404 with its metadata.
    if (e?.status === 404) return null;
    throw e;
  }), [p.data, version, tick]);
  useEffect(() => setVersion(undefined), [p.data]);
  const act = async (what: "delete" | "undelete" | "destroy", versions: number[]) => {
    setActionError(null);
    try {
      await call(`${mount}${what}/${p.secret}`, { method: what === "destroy" ? "PUT" : "POST", body: { versions } });
      setTick((t) => t + 1);
    } catch (e) {
      setActionError(e);
    }
  };
  const versions = meta.value?.versions ?? {};
  return (
    <>
      <Card
        title={<Breadcrumb mount={mount} path={path} />}
        id="kv-secret"
        actions={
          <a class="button secondary" href={href("history", { path: p.data })}>
            History
          </a>
        }
      >
        <ErrorBox error={meta.error ?? data.error ?? actionError} />
        {data.loading && <Spinner />}
        {data.value?.data && <Values data={data.value.data} version={data.value.metadata?.version} />}
        {!data.loading && !data.error && !data.value?.data && meta.value && <p class="muted">This version is deleted or destroyed.</p>}
      </Card>
      <Editor key={p.data + tick} mount={mount} path={path} current={data.value?.data ?? null} onSaved={() => { setVersion(undefined); setTick((t) => t + 1); }} />
      {meta.value && (
        <Card title="Versions" id="kv-versions">
          <table class="grid">
            <thead>
              <tr>
                <th>Version</th>
                <th>Created</th>
                <th>State</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {Object.keys(versions)
                .map(Number)
                .sort((a, b) => b - a)
                .map((v) => {
                  const m = versions[String(v)];
                  const state = m.destroyed ? "destroyed" : m.deletion_time ? "deleted" : "live";
                  return (
                    <tr key={v} data-version={v} data-state={state}>
                      <td>
                        <button type="button" class="link" onClick={() => setVersion(v)}>
                          v{v}
                        </button>
                        {v === meta.value!.current_version && <span class="muted"> (current)</span>}
                      </td>
                      <td>{formatTime(m.created_time)}</td>
                      <td>{state}</td>
                      <td class="actions">
                        {state === "live" && (
                          <button type="button" class="secondary" onClick={() => act("delete", [v])}>
                            Delete
                          </button>
                        )}
                        {state === "deleted" && (
                          <button type="button" class="secondary" onClick={() => act("undelete", [v])}>
                            Undelete
                          </button>
                        )}
                        {state !== "destroyed" && <ConfirmButton label="Destroy" onConfirm={() => act("destroy", [v])} />}
                      </td>
                    </tr>
                  );
                })}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}

function Values({ data, version }: { data: Record<string, unknown>; version?: number }) {
  const [shown, setShown] = useState(false);
  return (
    <div id="kv-values" data-version={version}>
      <div class="row">
        <span class="muted">Version {version}</span>
        <button type="button" class="secondary" id="kv-reveal" onClick={() => setShown(!shown)}>
          {shown ? "Hide values" : "Reveal values"}
        </button>
      </div>
      <table class="kv">
        <tbody>
          {Object.entries(data).map(([k, v]) => (
            <tr key={k} data-key={k}>
              <th>{k}</th>
              <td class="mono secret-value">{shown ? (typeof v === "string" ? v : JSON.stringify(v)) : "••••••••"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Editor({ mount, path, current, onSaved }: { mount: string; path: string; current: Record<string, unknown> | null; onSaved: () => void }) {
  const [open, setOpen] = useState(new URLSearchParams(location.hash.split("?")[1] ?? "").get("edit") === "1");
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const start = () => {
    setText(JSON.stringify(current ?? { key: "value" }, null, 2));
    setOpen(true);
  };
  useEffect(() => {
    if (open && !text) setText(JSON.stringify(current ?? { key: "value" }, null, 2));
  }, [open]);
  const save = async () => {
    setError(null);
    let data: unknown;
    try {
      data = JSON.parse(text);
      if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Error("the secret must be a JSON object");
    } catch (e) {
      setError(e);
      return;
    }
    setBusy(true);
    try {
      await call(`${mount}data/${kvPaths(mount, path).secret}`, { method: "POST", body: { data } });
      setOpen(false);
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (!open)
    return (
      <div class="row">
        <button type="button" id="kv-edit" onClick={start}>
          Write a new version
        </button>
      </div>
    );
  return (
    <Card title="New version" id="kv-editor">
      <textarea id="kv-editor-text" rows={8} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} spellcheck={false} />
      <ErrorBox error={error} />
      <div class="row">
        <button type="button" id="kv-save" onClick={save} disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </Card>
  );
}
