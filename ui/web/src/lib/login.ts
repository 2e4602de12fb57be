// How the login page turns what a person typed into a login request. The
// auth methods answer Vault's shape (auth.client_token); the token is then
// looked up like a typed one, so every way in ends the same.

export type LoginMethod = "token" | "userpass" | "approle";

export interface LoginFields {
  method: LoginMethod;
  /** The auth mount's path without auth/ ("userpass", "approle" by default). */
  mount: string;
  token: string;
  username: string;
  password: string;
  roleID: string;
  secretID: string;
}

export const defaultMount: Record<LoginMethod, string> = { token: "token", userpass: "userpass", approle: "approle" };

/** The request a method's login sends, or null for a typed token. */
export function loginRequest(f: LoginFields): { path: string; body: Record<string, string> } | null {
  const mount = (f.mount.trim() || defaultMount[f.method]).replace(/^\/+|\/+$/g, "").replace(/^auth\//, "");
  switch (f.method) {
    case "token":
      return null;
    case "userpass":
      return { path: `auth/${mount}/login/${encodeURIComponent(f.username.trim())}`, body: { password: f.password } };
    case "approle":
      return { path: `auth/${mount}/login`, body: f.secretID ? { role_id: f.roleID.trim(), secret_id: f.secretID.trim() } : { role_id: f.roleID.trim() } };
  }
}

/** Whether the form has what its method needs. */
export function loginReady(f: LoginFields): boolean {
  switch (f.method) {
    case "token":
      return f.token.trim() !== "";
    case "userpass":
      return f.username.trim() !== "" && f.password !== "";
    case "approle":
      return f.roleID.trim() !== "";
  }
}
