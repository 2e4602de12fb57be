import { describe, expect, it } from "vitest";
import { SSEParser } from "./sse";

describe("SSEParser", () => {
  it("parses the server's messages across chunk boundaries", () => {
    const p = new SSEParser();
    const stream = ': subscribed\n\nid: 7.0\nevent: kv-v2/data-write\ndata: {"a":1}\n\nid: 9\n\nid: 12.1\nevent: kv-v2/data-write\ndata: {"b":2}\n\n';
    const got = [];
    for (let i = 0; i < stream.length; i += 5) got.push(...p.push(stream.slice(i, i + 5)));
    expect(got).toEqual([
      { id: "7.0", event: "kv-v2/data-write", data: '{"a":1}' },
      { id: "12.1", event: "kv-v2/data-write", data: '{"b":2}' },
    ]);
    expect(p.lastId).toBe("12.1");
  });

  it("advances the cursor on id-only messages without dispatching", () => {
    const p = new SSEParser("3.0");
    expect(p.push("id: 40\n\n")).toEqual([]);
    expect(p.lastId).toBe("40");
  });

  it("joins multi-line data and handles CRLF split between chunks", () => {
    const p = new SSEParser();
    expect(p.push("data: a\r")).toEqual([]);
    expect(p.push("\ndata: b\r\n\r\n")).toEqual([{ id: "", event: "message", data: "a\nb" }]);
  });

  it("keeps the error event with its resume cursor", () => {
    const p = new SSEParser();
    const got = p.push('id: 5.2\nevent: error\ndata: {"error":"too slow","resume_after":"5.2"}\n\n');
    expect(got[0].event).toBe("error");
    expect(p.lastId).toBe("5.2");
  });
});
