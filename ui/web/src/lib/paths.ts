// What a path names, for the path-history view: the state-at endpoint
// answers for a KV v2 secret (<mount>/data/<path>), a policy, a token (by
// accessor) and a lease.

export type Subject =
  | { kind: "policy"; name: string; statePath: string }
  | { kind: "token"; accessor: string; statePath: string }
  | { kind: "lease"; id: string; statePath: string; issuedFrom: string }
  | { kind: "kv"; raw: string };

export function classify(input: string): Subject | null {
  const p = input.trim().replace(/^\/+|\/+$/g, "").replace(/^v1\//, "");
  if (!p) return null;
  for (const pre of ["sys/policies/acl/", "sys/policy/"]) {
    if (p.startsWith(pre) && p.length > pre.length) {
      const name = p.slice(pre.length);
      return { kind: "policy", name, statePath: `sys/policies/acl/${name}` };
    }
  }
  if (p.startsWith("auth/token/accessors/") && p.length > 21) {
    const accessor = p.slice(21);
    return { kind: "token", accessor, statePath: p };
  }
  for (const pre of ["sys/leases/lookup/", "sys/leases/"]) {
    if (p.startsWith(pre) && p.length > pre.length) {
      const id = p.slice(pre.length);
      const cut = id.lastIndexOf("/");
      return { kind: "lease", id, statePath: `sys/leases/${id}`, issuedFrom: cut > 0 ? id.slice(0, cut) : id };
    }
  }
  return { kind: "kv", raw: p };
}

export interface KVPaths {
  mount: string; // "secret/"
  secret: string; // "myapp/db"
  data: string; // "secret/data/myapp/db"
  metadata: string; // "secret/metadata/myapp/db"
}

/**
 * kvPaths splits a KV v2 path given either as the CLI writes it
 * ("secret/myapp/db") or as the API does ("secret/data/myapp/db",
 * "secret/metadata/myapp/db"), once the mount is known.
 */
export function kvPaths(mount: string, path: string): KVPaths {
  const m = mount.endsWith("/") ? mount : mount + "/";
  let rest = path.replace(/^\/+/, "");
  if (rest.startsWith(m)) rest = rest.slice(m.length);
  for (const pre of ["data/", "metadata/"]) {
    if (rest.startsWith(pre)) {
      rest = rest.slice(pre.length);
      break;
    }
  }
  rest = rest.replace(/\/+$/, "");
  return { mount: m, secret: rest, data: `${m}data/${rest}`, metadata: `${m}metadata/${rest}` };
}
