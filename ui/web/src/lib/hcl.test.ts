import { describe, expect, it } from "vitest";
import { errorPosition } from "./hcl";

describe("errorPosition", () => {
  it("reads the server's policy parse errors", () => {
    expect(errorPosition("failed to parse policy: 3:1: Missing item separator; Expected a comma")).toEqual({
      line: 3, column: 1, message: "Missing item separator; Expected a comma",
    });
    expect(errorPosition("acl: invalid policy: policy.hcl:12:7: Unsupported argument")).toEqual({
      line: 12, column: 7, message: "Unsupported argument",
    });
  });
  it("returns null when there is no position", () => {
    expect(errorPosition("permission denied")).toBeNull();
    expect(errorPosition("at 10:30 the server stopped")).toBeNull();
  });
});
