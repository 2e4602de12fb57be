import { useState } from "preact/hooks";
import { errorText, read, type TokenInfo } from "../lib/api";

export function Login({ error, onLogin }: { error: string; onLogin: (token: string, info: TokenInfo) => void }) {
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(error);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr("");
    try {
      const info = await read<TokenInfo>("auth/token/lookup-self", { token: token.trim() });
      if (!info) throw new Error("the server did not describe this token");
      onLogin(token.trim(), info);
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="login">
      <form onSubmit={submit} id="login-form">
        <h1>
          <span class="logo">◆</span> Coffer
        </h1>
        <p class="muted">Sign in with a token. The UI uses the same API, policies and audit trail as every other client.</p>
        <label for="login-token">Token</label>
        <input id="login-token" type="password" autocomplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} autofocus />
        <button id="login-submit" type="submit" disabled={busy || !token.trim()}>
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
