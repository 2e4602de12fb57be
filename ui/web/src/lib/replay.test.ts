import { describe, expect, it } from "vitest";
import type { Query } from "./api";
import { NewestFirst, type ReplayEntry, type ReplayPage } from "./replay";

// A ledger of n messages, each holding entries of its own: message i has
// i%3+1 entries; every 10th is a write to secret/data/app.
function ledger(n: number): ReplayEntry[] {
  const out: ReplayEntry[] = [];
  for (let i = 1; i <= n; i++) {
    for (let p = 0; p <= i % 3; p++) {
      const app = i % 10 === 0;
      out.push({
        cursor: `${i}.${p}`, ledger_index: i, time: new Date(i * 1000).toISOString(),
        type: app ? "kv-v2/data-write" : "audit.request", ledger_type: "x",
        path: app ? "secret/data/app" : "sys/health", operation: app ? "data-write" : "read",
      });
    }
  }
  return out;
}

// fakeReplay answers like sys/ledger/replay: indexes since..until
// inclusive, path prefix and type filters, limit and after.
function fakeReplay(all: ReplayEntry[], calls: Query[]) {
  const last = all[all.length - 1].ledger_index;
  return async (q: Query): Promise<ReplayPage> => {
    calls.push(q);
    const from = q.since ? Number(q.since) : 1;
    const to = Math.min(q.until ? Number(q.until) : last, last);
    let es = all.filter((e) => e.ledger_index >= from && e.ledger_index <= to);
    if (q.path) es = es.filter((e) => e.path?.startsWith(String(q.path)));
    if (q.after) {
      const i = es.findIndex((e) => e.cursor === q.after);
      es = es.slice(i + 1);
    }
    const limit = Number(q.limit ?? 1000);
    const page = es.slice(0, limit);
    return { entries: page, next: es.length > limit ? page[page.length - 1].cursor : undefined, from, to };
  };
}

describe("NewestFirst", () => {
  it("pages the whole ledger newest first without gaps or repeats", async () => {
    const all = ledger(500);
    const calls: Query[] = [];
    const p = new NewestFirst(fakeReplay(all, calls), {}, 40, 16);
    const seen: string[] = [];
    while (!p.done) seen.push(...(await p.next()).map((e) => e.cursor));
    expect(seen).toEqual(all.map((e) => e.cursor).reverse());
    expect(p.scanned).toBe(500);
  });

  it("widens windows for a sparse path and never reads past the first page's need", async () => {
    const all = ledger(5000);
    const calls: Query[] = [];
    const p = new NewestFirst(fakeReplay(all, calls), { path: "secret/data/app" }, 5, 4);
    const first = await p.next();
    expect(first.map((e) => e.ledger_index)).toEqual([5000, 5000, 5000, 4990, 4990, 4980]);
    expect(first.every((e) => e.path === "secret/data/app")).toBe(true);
    expect(p.scanned).toBeLessThan(200);
    expect(p.done).toBe(false);
  });

  it("filters by operation client-side and respects since/until", async () => {
    const all = ledger(300);
    const calls: Query[] = [];
    const p = new NewestFirst(fakeReplay(all, calls), { since: "101", until: "200", operation: "data-write" }, 100);
    const got = await p.next();
    expect(new Set(got.map((e) => e.ledger_index))).toEqual(new Set([200, 190, 180, 170, 160, 150, 140, 130, 120, 110]));
    expect(p.done).toBe(true);
    expect(calls.every((q) => q.since === undefined || Number(q.since) >= 101)).toBe(true);
  });
});
