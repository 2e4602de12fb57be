import { describe, expect, it } from "vitest";
import { loginReady, loginRequest, type LoginFields } from "./login";

const blank: LoginFields = { method: "token", mount: "", token: "", username: "", password: "", roleID: "", secretID: "" };

describe("login", () => {
  it("sends a typed token nowhere but lookup-self", () => {
    expect(loginRequest({ ...blank, token: "hvs.x" })).toBeNull();
    expect(loginReady({ ...blank, token: "  " })).toBe(false);
    expect(loginReady({ ...blank, token: "hvs.x" })).toBe(true);
  });
  it("logs in with userpass at its mount, the name escaped", () => {
    const f: LoginFields = { ...blank, method: "userpass", username: "ann marie", password: "pw" };
    expect(loginRequest(f)).toEqual({ path: "auth/userpass/login/ann%20marie", body: { password: "pw" } });
    expect(loginRequest({ ...f, mount: "/auth/people/" })).toEqual({ path: "auth/people/login/ann%20marie", body: { password: "pw" } });
    expect(loginReady({ ...f, password: "" })).toBe(false);
  });
  it("logs in with AppRole, the secret id only when given", () => {
    const f: LoginFields = { ...blank, method: "approle", roleID: " r1 ", secretID: "s1" };
    expect(loginRequest(f)).toEqual({ path: "auth/approle/login", body: { role_id: "r1", secret_id: "s1" } });
    expect(loginRequest({ ...f, secretID: "" })).toEqual({ path: "auth/approle/login", body: { role_id: "r1" } });
    expect(loginReady({ ...f, roleID: "" })).toBe(false);
  });
});
