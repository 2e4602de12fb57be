import { useEffect, useRef, useState } from "preact/hooks";
import { APIError, call, list, read } from "../lib/api";
import { errorPosition, type Position } from "../lib/hcl";
import { href, navigate } from "../lib/router";
import { Card, ConfirmButton, ErrorBox, Spinner, useAsync } from "../components";

export function Policies({ params }: { params: URLSearchParams }) {
  const name = params.get("name") ?? "";
  const names = useAsync(() => list("sys/policies/acl"), []);
  const [newName, setNewName] = useState("");
  return (
    <div>
      <h1>Policies</h1>
      <div class="columns narrow-left">
        <Card title="ACL policies" id="policy-list">
          {names.loading && <Spinner />}
          <ErrorBox error={names.error} />
          <ul class="list">
            {(names.value ?? []).map((n) => (
              <li key={n} class={n === name ? "active" : ""}>
                <a href={href("policies", { name: n })}>{n}</a>
              </li>
            ))}
          </ul>
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              if (newName.trim()) navigate("policies", { name: newName.trim() });
            }}
          >
            <input id="policy-new-name" value={newName} onInput={(e) => setNewName((e.target as HTMLInputElement).value)} placeholder="new policy name" />
            <button type="submit">New</button>
          </form>
        </Card>
        {name ? <PolicyEditor key={name} name={name} onSaved={names.reload} /> : <p class="muted">Choose a policy.</p>}
      </div>
    </div>
  );
}

function PolicyEditor({ name, onSaved }: { name: string; onSaved: () => void }) {
  const policy = useAsync(() => read<{ name: string; policy: string }>(`sys/policies/acl/${name}`), [name]);
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pos, setPos] = useState<Position | null>(null);
  const [saved, setSaved] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const readOnly = name === "root";
  useEffect(() => {
    if (policy.value !== undefined) setText(policy.value?.policy ?? `path "secret/data/${name}/*" {\n  capabilities = ["read", "list"]\n}\n`);
  }, [policy.value]);
  const value = text ?? "";
  const lines = value.split("\n").length;

  const save = async () => {
    setError(null);
    setPos(null);
    setSaved(false);
    try {
      await call(`sys/policies/acl/${name}`, { method: "PUT", body: { policy: value } });
      setSaved(true);
      onSaved();
    } catch (e) {
      setError(e);
      const p = e instanceof APIError ? errorPosition(e.errors.join("\n")) : null;
      setPos(p);
      if (p && area.current) {
        // Put the caret on the offending line and column.
        const before = value.split("\n").slice(0, p.line - 1).join("\n").length + (p.line > 1 ? 1 : 0);
        area.current.focus();
        area.current.setSelectionRange(before + p.column - 1, before + p.column - 1);
      }
    }
  };

  return (
    <Card
      title={`Policy ${name}`}
      id="policy-editor"
      actions={
        !readOnly && (
          <>
            <button type="button" id="policy-save" onClick={save}>
              Save
            </button>
            {policy.value && name !== "default" && (
              <ConfirmButton
                label="Delete"
                onConfirm={async () => {
                  try {
                    await call(`sys/policies/acl/${name}`, { method: "DELETE" });
                    onSaved();
                    navigate("policies");
                  } catch (e) {
                    setError(e);
                  }
                }}
              />
            )}
          </>
        )
      }
    >
      {policy.loading && <Spinner />}
      <ErrorBox error={policy.error} />
      {pos && (
        <div class="error" id="policy-error-position" data-line={pos.line} data-column={pos.column}>
          Line {pos.line}, column {pos.column}: {pos.message}
        </div>
      )}
      {!pos && <ErrorBox error={error} />}
      {saved && <p class="ok">Saved.</p>}
      {policy.value === null && <p class="muted">A new policy: it is created when you save.</p>}
      <div class="editor">
        <div class="gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => (
            <div key={i} class={pos?.line === i + 1 ? "bad" : ""}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          id="policy-text"
          ref={area}
          value={value}
          readOnly={readOnly || text === null}
          data-loaded={text !== null ? "true" : "false"}
          spellcheck={false}
          rows={Math.max(12, lines + 1)}
          onInput={(e) => {
            setText((e.target as HTMLTextAreaElement).value);
            setSaved(false);
          }}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = (e.target as HTMLTextAreaElement).scrollTop;
          }}
        />
      </div>
    </Card>
  );
}
