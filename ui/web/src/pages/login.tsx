import { useState } from "preact/hooks";
import { call, errorText, read, type TokenInfo } from "../lib/api";
import { defaultMount, loginReady, loginRequest, type LoginFields, type LoginMethod } from "../lib/login";

const methods: { id: LoginMethod; label: string }[] = [
  { id: "token", label: "Token" },
  { id: "userpass", label: "Username" },
  { id: "approle", label: "AppRole" },
];

export function Login({ error, onLogin }: { error: string; onLogin: (token: string, info: TokenInfo) => void }) {
  const [f, setF] = useState<LoginFields>({ method: "token", mount: "", token: "", username: "", password: "", roleID: "", secretID: "" });
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(error);
  const set = (k: keyof LoginFields) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr("");
    try {
      let token = f.token.trim();
      const req = loginRequest(f);
      if (req) {
        const env = await call(req.path, { method: "POST", body: req.body, token: "" });
        const auth = env?.auth as { client_token?: string } | null;
        if (!auth?.client_token) throw new Error("the server answered the login without a token");
        token = auth.client_token;
      }
      const info = await read<TokenInfo>("auth/token/lookup-self", { token });
      if (!info) throw new Error("the server did not describe this token");
      onLogin(token, info);
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const field = (id: string, label: string, k: keyof LoginFields, secret = false) => (
    <>
      <label for={id}>{label}</label>
      {secret ? <input id={id} type="password" autocomplete="off" value={f[k]} onInput={set(k)} /> : <input id={id} type="text" autocomplete="off" value={f[k]} onInput={set(k)} />}
    </>
  );
  return (
    <div class="login">
      <form onSubmit={submit} id="login-form">
        <h1>
          <span class="logo">◆</span> Coffer
        </h1>
        <p class="muted">Sign in with a token, a username or an AppRole. The UI uses the same API, policies and audit trail as every other client.</p>
        <div class="tabs" role="tablist" id="login-method">
          {methods.map((m) => (
            <button type="button" role="tab" id={`login-method-${m.id}`} aria-selected={f.method === m.id} class={f.method === m.id ? "active" : ""} onClick={() => setF({ ...f, method: m.id, mount: "" })}>
              {m.label}
            </button>
          ))}
        </div>
        {f.method === "token" && (
          <>
            <label for="login-token">Token</label>
            <input id="login-token" type="password" autocomplete="off" value={f.token} onInput={set("token")} autofocus />
          </>
        )}
        {f.method === "userpass" && (
          <>
            {field("login-username", "Username", "username")}
            {field("login-password", "Password", "password", true)}
          </>
        )}
        {f.method === "approle" && (
          <>
            {field("login-role-id", "Role ID", "roleID")}
            {field("login-secret-id", "Secret ID", "secretID", true)}
          </>
        )}
        {f.method !== "token" && (
          <>
            <label for="login-mount">Mount path</label>
            <input id="login-mount" type="text" autocomplete="off" placeholder={defaultMount[f.method]} value={f.mount} onInput={set("mount")} />
          </>
        )}
        <button id="login-submit" type="submit" disabled={busy || !loginReady(f)}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {err && (
          <div class="error" role="alert" id="login-error">
            {err}
          </div>
        )}
      </form>
    </div>
  );
}
