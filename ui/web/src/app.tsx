import { useEffect, useState } from "preact/hooks";
import { call, errorText, read, session, type TokenInfo } from "./lib/api";
import { href, useRoute } from "./lib/router";
import { Login } from "./pages/login";
import { Timeline } from "./pages/timeline";
import { Live } from "./pages/live";
import { History } from "./pages/history";
import { Integrity } from "./pages/integrity";
import { Secrets } from "./pages/secrets";
import { Transit } from "./pages/transit";
import { Leases } from "./pages/leases";
import { Policies } from "./pages/policies";
import { Charts } from "./pages/charts";

interface Page {
  id: string;
  title: string;
  /** A path whose capabilities decide whether the page is of any use. */
  probe?: string;
  group: "Ledger" | "Secrets" | "Operate";
}

const pages: Page[] = [
  { id: "timeline", title: "Timeline", probe: "sys/ledger/replay", group: "Ledger" },
  { id: "live", title: "Live events", group: "Ledger" },
  { id: "history", title: "Path history", probe: "sys/ledger/state-at", group: "Ledger" },
  { id: "integrity", title: "Integrity", probe: "sys/ledger/verify", group: "Ledger" },
  { id: "secrets", title: "Secrets", group: "Secrets" },
  { id: "transit", title: "Transit keys", group: "Secrets" },
  { id: "leases", title: "Leases", probe: "sys/leases/lookup", group: "Secrets" },
  { id: "policies", title: "Policies", probe: "sys/policies/acl", group: "Operate" },
  { id: "charts", title: "Charts", group: "Operate" },
];

export function App() {
  const [token, setToken] = useState<TokenInfo | null>(null);
  const [checking, setChecking] = useState(!!session.token);
  const [error, setError] = useState<string>("");

  // A reload keeps the session: check the stored token once.
  useEffect(() => {
    if (!session.token) return;
    read<TokenInfo>("auth/token/lookup-self")
      .then((t) => setToken(t))
      .catch((e) => {
        session.token = "";
        setError(errorText(e));
      })
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <div class="center">Checking your session…</div>;
  if (!token)
    return (
      <Login
        error={error}
        onLogin={(t, info) => {
          sessionStorage.clear();
          session.token = t;
          setError("");
          setToken(info);
        }}
      />
    );
  return (
    <Shell
      token={token}
      onLogout={() => {
        // Everything the tab kept for this user goes: the token, and the
        // live view's cursors and events (another user may sign in next).
        sessionStorage.clear();
        setToken(null);
      }}
    />
  );
}

function Shell({ token, onLogout }: { token: TokenInfo; onLogout: () => void }) {
  const route = useRoute();
  const caps = useCapabilities();
  const defaultPage = caps["sys/ledger/replay"] && !usable(caps["sys/ledger/replay"]) ? "secrets" : "timeline";
  const page = pages.some((p) => p.id === route.page) ? route.page : defaultPage;
  const groups = ["Ledger", "Secrets", "Operate"] as const;
  return (
    <div class="shell">
      <nav class="side">
        <a class="brand" href={href("timeline")}>
          <span class="logo">◆</span> Coffer
        </a>
        {groups.map((g) => (
          <div class="group" key={g}>
            <h3>{g}</h3>
            {pages
              .filter((p) => p.group === g)
              .map((p) => {
                const c = p.probe ? caps[p.probe] : undefined;
                const denied = c !== undefined && !usable(c);
                return (
                  <a key={p.id} id={`nav-${p.id}`} href={href(p.id)} class={(p.id === page ? "active " : "") + (denied ? "denied" : "")} title={denied ? "Your token's policies do not allow this" : ""}>
                    {p.title}
                    {denied && <span class="lock"> ⊘</span>}
                  </a>
                );
              })}
          </div>
        ))}
        <div class="who" id="whoami">
          <div class="name">{token.display_name || "token"}</div>
          <div class="policies">{(token.policies ?? []).join(", ")}</div>
          <button type="button" id="logout" onClick={onLogout}>
            Sign out
          </button>
        </div>
      </nav>
      <main id={`page-${page}`}>
        {page === "timeline" && <Timeline params={route.params} />}
        {page === "live" && <Live params={route.params} />}
        {page === "history" && <History params={route.params} />}
        {page === "integrity" && <Integrity />}
        {page === "secrets" && <Secrets params={route.params} />}
        {page === "transit" && <Transit params={route.params} />}
        {page === "leases" && <Leases params={route.params} />}
        {page === "policies" && <Policies params={route.params} />}
        {page === "charts" && <Charts />}
      </main>
    </div>
  );
}

function usable(caps: string[]): boolean {
  return caps.some((c) => c !== "deny");
}

/** useCapabilities asks sys/capabilities-self about the pages' paths once. */
function useCapabilities(): Record<string, string[]> {
  const [caps, setCaps] = useState<Record<string, string[]>>({});
  useEffect(() => {
    const paths = pages.filter((p) => p.probe).map((p) => p.probe!);
    call<Record<string, string[]>>("sys/capabilities-self", { method: "POST", body: { paths } })
      .then((env) => {
        if (!env) return;
        const out: Record<string, string[]> = {};
        for (const p of paths) if (Array.isArray(env.data[p])) out[p] = env.data[p];
        setCaps(out);
      })
      .catch(() => setCaps({}));
  }, []);
  return caps;
}
