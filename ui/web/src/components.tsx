import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { errorText } from "./lib/api";

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      {errorText(error)}
    </div>
  );
}

export function Spinner({ label = "Loading" }: { label?: string }) {
  return (
    <span class="spinner" role="status">
      <span class="dot" /> {label}…
    </span>
  );
}

export function JSONView({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function Card({ title, actions, children, id }: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={id}>
      {(title || actions) && (
        <header>
          <h2>{title}</h2>
          <div class="actions">{actions}</div>
        </header>
      )}
      {children}
    </section>
  );
}

export function KeyValues({ data, id }: { data: Record<string, unknown>; id?: string }) {
  const keys = Object.keys(data).sort();
  return (
    <table class="kv" id={id}>
      <tbody>
        {keys.map((k) => (
          <tr key={k} data-key={k} data-value={show(data[k])}>
            <th>{k}</th>
            <td>{show(data[k])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function show(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export function shortActor(a?: string): string {
  if (!a) return "";
  const m = /^hmac-sha256:([0-9a-f]{12})/.exec(a);
  return m ? `hmac:${m[1]}` : a;
}

export function formatTime(t?: string): string {
  if (!t) return "";
  const d = new Date(t);
  if (isNaN(d.getTime()) || d.getUTCFullYear() < 1971) return t;
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** useAsync runs fn when deps change and keeps its result, error and state. */
export function useAsync<T>(fn: () => Promise<T>, deps: unknown[]): { value: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    fn().then(
      (value) => live && setState({ value, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { value: state.value, error: state.error, loading: state.loading, reload: () => setTick((t) => t + 1) };
}

/** Confirm wraps a destructive button: the first click arms it. */
export function ConfirmButton({ label, onConfirm, id, disabled }: { label: string; onConfirm: () => void; id?: string; disabled?: boolean }) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const t = setTimeout(() => setArmed(false), 4000);
    return () => clearTimeout(t);
  }, [armed]);
  return (
    <button
      type="button"
      id={id}
      class={armed ? "danger armed" : "danger"}
      disabled={disabled}
      onClick={() => {
        if (armed) {
          setArmed(false);
          onConfirm();
        } else setArmed(true);
      }}
    >
      {armed ? `Really ${label.toLowerCase()}?` : label}
    </button>
  );
}
