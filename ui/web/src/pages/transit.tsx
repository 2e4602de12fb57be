import { useState } from "preact/hooks";
import { call, list, read } from "../lib/api";
import { href, navigate } from "../lib/router";
import { Card, ConfirmButton, ErrorBox, KeyValues, Spinner, formatTime, useAsync } from "../components";
import { mounts } from "./secrets";

interface TransitKey {
  name: string;
  type: string;
  latest_version: number;
  min_decryption_version: number;
  min_encryption_version: number;
  deletion_allowed: boolean;
  exportable: boolean;
  supports_encryption: boolean;
  keys: Record<string, number | string>;
}

export function Transit({ params }: { params: URLSearchParams }) {
  const all = useAsync(mounts, []);
  const transits = Object.entries(all.value ?? {}).filter(([, m]) => m.type === "transit").map(([p]) => p).sort();
  const mount = params.get("mount") || transits[0] || "";
  const key = params.get("key") ?? "";
  return (
    <div>
      <h1>Transit keys</h1>
      <ErrorBox error={all.error} />
      {all.value && transits.length === 0 && <p class="muted">Your token reaches no transit mount. Enable one with <code>coffer secrets enable transit</code>.</p>}
      {transits.length > 1 && (
        <div class="tabs">
          {transits.map((t) => (
            <a key={t} href={href("transit", { mount: t })} class={t === mount ? "active" : ""}>
              {t}
            </a>
          ))}
        </div>
      )}
      {mount && (
        <div class="columns narrow-left">
          <KeyList mount={mount} selected={key} />
          {key ? <KeyView key={mount + key} mount={mount} name={key} /> : <p class="muted">Choose a key.</p>}
        </div>
      )}
    </div>
  );
}

function KeyList({ mount, selected }: { mount: string; selected: string }) {
  const keys = useAsync(() => list(`${mount}keys`), [mount]);
  const [name, setName] = useState("");
  const [type, setType] = useState("aes256-gcm96");
  const [error, setError] = useState<unknown>(null);
  return (
    <Card title={mount} id="transit-keys">
      {keys.loading && <Spinner />}
      <ErrorBox error={keys.error ?? error} />
      <ul class="list">
        {(keys.value ?? []).map((k) => (
          <li key={k} class={k === selected ? "active" : ""}>
            <a href={href("transit", { mount, key: k })}>🔐 {k}</a>
          </li>
        ))}
      </ul>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            await call(`${mount}keys/${name.trim()}`, { method: "POST", body: { type } });
            navigate("transit", { mount, key: name.trim() });
            keys.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="new key name" />
        <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
          {["aes256-gcm96", "aes128-gcm96", "chacha20-poly1305", "ed25519", "ecdsa-p256", "rsa-2048", "hmac"].map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <button type="submit" disabled={!name.trim()}>
          Create key
        </button>
      </form>
    </Card>
  );
}

function KeyView({ mount, name }: { mount: string; name: string }) {
  const key = useAsync(() => read<TransitKey>(`${mount}keys/${name}`), [mount, name]);
  const [error, setError] = useState<unknown>(null);
  const [cfg, setCfg] = useState<Record<string, string | boolean>>({});
  const k = key.value;
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      key.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card
      title={`Key ${name}`}
      id="transit-key"
      actions={
        <>
          <button type="button" id="transit-rotate" onClick={() => act(() => call(`${mount}keys/${name}/rotate`, { method: "POST" }))}>
            Rotate
          </button>
          {k?.deletion_allowed && (
            <ConfirmButton
              label="Delete"
              onConfirm={() =>
                act(async () => {
                  await call(`${mount}keys/${name}`, { method: "DELETE" });
                  navigate("transit", { mount });
                })
              }
            />
          )}
        </>
      }
    >
      {key.loading && <Spinner />}
      <ErrorBox error={key.error ?? error} />
      {k && (
        <>
          <KeyValues
            id="transit-key-info"
            data={{
              type: k.type, latest_version: k.latest_version, min_decryption_version: k.min_decryption_version,
              min_encryption_version: k.min_encryption_version, deletion_allowed: k.deletion_allowed, exportable: k.exportable,
            }}
          />
          <h3>Versions</h3>
          <table class="grid">
            <tbody>
              {Object.entries(k.keys ?? {})
                .sort(([a], [b]) => Number(b) - Number(a))
                .map(([v, t]) => (
                  <tr key={v}>
                    <td>v{v}</td>
                    <td>{typeof t === "number" ? formatTime(new Date(t * 1000).toISOString()) : String(t)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          <h3>Configuration</h3>
          <form
            class="filters"
            onSubmit={(e) => {
              e.preventDefault();
              const body: Record<string, unknown> = {};
              for (const [f, v] of Object.entries(cfg)) body[f] = typeof v === "boolean" ? v : Number(v);
              act(() => call(`${mount}keys/${name}/config`, { method: "POST", body }));
            }}
          >
            <label>
              min_decryption_version
              <input type="number" min={0} placeholder={String(k.min_decryption_version)} onInput={(e) => setCfg({ ...cfg, min_decryption_version: (e.target as HTMLInputElement).value })} />
            </label>
            <label>
              min_encryption_version
              <input type="number" min={0} placeholder={String(k.min_encryption_version)} onInput={(e) => setCfg({ ...cfg, min_encryption_version: (e.target as HTMLInputElement).value })} />
            </label>
            <label class="check">
              <input type="checkbox" checked={(cfg.deletion_allowed as boolean | undefined) ?? k.deletion_allowed} onChange={(e) => setCfg({ ...cfg, deletion_allowed: (e.target as HTMLInputElement).checked })} /> deletion_allowed
            </label>
            <button type="submit">Save configuration</button>
          </form>
        </>
      )}
    </Card>
  );
}
