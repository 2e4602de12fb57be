import { useState } from "preact/hooks";
import { call, list } from "../lib/api";
import { href, navigate } from "../lib/router";
import { Card, ConfirmButton, ErrorBox, KeyValues, Spinner, useAsync } from "../components";

export function Leases({ params }: { params: URLSearchParams }) {
  const prefix = params.get("prefix") ?? "";
  const id = params.get("id") ?? "";
  return (
    <div>
      <h1>Leases</h1>
      <p class="muted">Browse lease ids by prefix (sys/leases/lookup, sudo), look one up, renew or revoke it. Every step is an event in the ledger.</p>
      <div class="columns">
        <Browse prefix={prefix} />
        {id ? <Lease key={id} id={id} /> : <Lookup />}
      </div>
    </div>
  );
}

function Browse({ prefix }: { prefix: string }) {
  const keys = useAsync(() => list(`sys/leases/lookup/${prefix}`), [prefix]);
  return (
    <Card title={`sys/leases/lookup/${prefix}`} id="lease-list">
      {keys.loading && <Spinner />}
      <ErrorBox error={keys.error} />
      {prefix && (
        <p>
          <a href={href("leases", { prefix: prefix.split("/").slice(0, -2).join("/") + (prefix.split("/").length > 2 ? "/" : "") })}>↑ up</a>
        </p>
      )}
      <ul class="list">
        {(keys.value ?? []).map((k) => (
          <li key={k}>
            <a href={k.endsWith("/") ? href("leases", { prefix: prefix + k }) : href("leases", { prefix, id: prefix + k })}>{k}</a>
          </li>
        ))}
      </ul>
      {!keys.loading && !keys.error && keys.value?.length === 0 && <p class="muted">No leases here.</p>}
    </Card>
  );
}

function Lookup() {
  const [id, setId] = useState("");
  return (
    <Card title="Look up a lease">
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          navigate("leases", { id: id.trim() });
        }}
      >
        <input value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} placeholder="database/creds/readonly/…" />
        <button type="submit">Look up</button>
      </form>
    </Card>
  );
}

function Lease({ id }: { id: string }) {
  const lease = useAsync(() => call("sys/leases/lookup", { method: "PUT", body: { lease_id: id } }).then((e) => e?.data ?? null), [id]);
  const [increment, setIncrement] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState("");
  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    setNote("");
    try {
      await fn();
      setNote(done);
      lease.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card
      title={`Lease ${id}`}
      id="lease"
      actions={
        <a class="button secondary" href={href("history", { path: `sys/leases/${id}` })}>
          History
        </a>
      }
    >
      {lease.loading && <Spinner />}
      <ErrorBox error={lease.error ?? error} />
      {note && <p class="ok">{note}</p>}
      {lease.value && <KeyValues data={lease.value} />}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          act(() => call("sys/leases/renew", { method: "PUT", body: { lease_id: id, increment: increment || undefined } }), "Renewed.");
        }}
      >
        <input value={increment} onInput={(e) => setIncrement((e.target as HTMLInputElement).value)} placeholder="increment, e.g. 1h" />
        <button type="submit">Renew</button>
        <ConfirmButton label="Revoke" onConfirm={() => act(() => call("sys/leases/revoke", { method: "PUT", body: { lease_id: id } }), "Revoked.")} />
      </form>
    </Card>
  );
}
