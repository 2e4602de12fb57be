import { describe, expect, it } from "vitest";
import { classify, kvPaths } from "./paths";

describe("paths", () => {
  it("classifies what state-at can answer for", () => {
    expect(classify("sys/policy/app")).toEqual({ kind: "policy", name: "app", statePath: "sys/policies/acl/app" });
    expect(classify("/auth/token/accessors/abc")).toMatchObject({ kind: "token", accessor: "abc" });
    expect(classify("sys/leases/lookup/database/creds/ro/xyz")).toEqual({
      kind: "lease", id: "database/creds/ro/xyz", statePath: "sys/leases/database/creds/ro/xyz", issuedFrom: "database/creds/ro",
    });
    expect(classify("secret/myapp/db")).toEqual({ kind: "kv", raw: "secret/myapp/db" });
    expect(classify("  ")).toBeNull();
  });
  it("splits KV paths in the CLI's and the API's shapes", () => {
    const want = { mount: "kv/team/", secret: "a/b", data: "kv/team/data/a/b", metadata: "kv/team/metadata/a/b" };
    expect(kvPaths("kv/team/", "kv/team/a/b")).toEqual(want);
    expect(kvPaths("kv/team", "kv/team/data/a/b")).toEqual(want);
    expect(kvPaths("kv/team/", "kv/team/metadata/a/b/")).toEqual(want);
  });
});
