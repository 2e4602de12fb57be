// The UI's only way to the server: Coffer's public /v1 HTTP API, with the
// signed-in user's token, exactly as any other client. There is no private
// endpoint; what a token's policies deny, the UI cannot show.

export class APIError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(errors.length ? errors.join("; ") : `HTTP ${status}`);
  }
  get forbidden(): boolean {
    return this.status === 403;
  }
  get notFound(): boolean {
    return this.status === 404;
  }
}

/** Vault's response envelope. */
export interface Envelope<T = Record<string, unknown>> {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: T;
  warnings: string[] | null;
  auth: unknown;
}

export type Query = Record<string, string | number | undefined>;

const TOKEN_KEY = "coffer.token";

/** The session's token: kept in sessionStorage, gone when the tab closes. */
export const session = {
  get token(): string {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  },
  set token(t: string) {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

export function url(path: string, query?: Query): string {
  const p = "/v1/" + path.replace(/^\/+/, "");
  if (!query) return p;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${p}?${s}` : p;
}

export function headers(token = session.token): Record<string, string> {
  const h: Record<string, string> = { "X-Vault-Request": "true" };
  if (token) h["X-Vault-Token"] = token;
  return h;
}

async function errorOf(resp: Response): Promise<APIError> {
  let errors: string[] = [];
  try {
    const body = await resp.json();
    if (Array.isArray(body?.errors)) errors = body.errors.map(String);
  } catch {
    // Not JSON: the status says enough.
  }
  return new APIError(resp.status, errors);
}

export interface CallOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE" | "LIST";
  query?: Query;
  body?: unknown;
  token?: string;
  signal?: AbortSignal;
}

/**
 * call sends one request and returns the envelope, or null for 204. LIST
 * is sent as Vault's CLI does, GET with list=true.
 */
export async function call<T = Record<string, unknown>>(path: string, opts: CallOptions = {}): Promise<Envelope<T> | null> {
  let method = opts.method ?? "GET";
  let query = opts.query;
  if (method === "LIST") {
    method = "GET";
    query = { ...query, list: "true" };
  }
  const init: RequestInit = { method, headers: headers(opts.token), signal: opts.signal };
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  const resp = await fetch(url(path, query), init);
  if (resp.status === 204) return null;
  if (!resp.ok) throw await errorOf(resp);
  return (await resp.json()) as Envelope<T>;
}

/** read returns the envelope's data, or null when the path holds nothing. */
export async function read<T = Record<string, unknown>>(path: string, opts: CallOptions = {}): Promise<T | null> {
  try {
    const env = await call<T>(path, opts);
    return env ? env.data : null;
  } catch (e) {
    if (e instanceof APIError && e.notFound && e.errors.length === 0) return null;
    throw e;
  }
}

/** list returns the keys of a LIST, [] when there are none. */
export async function list(path: string, opts: CallOptions = {}): Promise<string[]> {
  const data = await read<{ keys?: string[] }>(path, { ...opts, method: "LIST" });
  return data?.keys ?? [];
}

export function errorText(e: unknown): string {
  if (e instanceof APIError) {
    const what = e.status === 403 ? "permission denied" : `HTTP ${e.status}`;
    return e.errors.length ? `${what}: ${e.errors.join("; ")}` : what;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

/** TokenInfo is what auth/token/lookup-self says about the session. */
export interface TokenInfo {
  accessor: string;
  display_name: string;
  policies: string[] | null;
  ttl: number;
  expire_time: string | null;
}

export function isRoot(t: TokenInfo | null): boolean {
  return !!t?.policies?.includes("root");
}
