import { describe, expect, it } from "vitest";
import { RateHistory, durationSeconds, snapshot } from "./metrics";

describe("metrics", () => {
  it("turns cumulative per-mount counters into rates between polls", () => {
    const h = new RateHistory(60_000);
    const poll = (at: number, kv: number, sys: number) =>
      h.add(snapshot({ Counters: [
        { Name: "coffer_http_requests_total", Value: kv, Labels: { mount: "secret/", operation: "read" } },
        { Name: "coffer_http_requests_total", Value: 1, Labels: { mount: "secret/", operation: "update" } },
        { Name: "coffer_http_requests_total", Value: sys, Labels: { mount: "sys/" } },
        { Name: "coffer_ledger_appends_total", Value: 999 },
      ] }, at));
    poll(0, 100, 10);
    expect(h.points).toEqual([]);
    poll(10_000, 300, 10);
    expect(h.points[0].perMount.get("secret/")).toBe(20);
    expect(h.points[0].perMount.get("sys/")).toBe(0);
    poll(20_000, 5, 20); // secret/ restarted: no negative rate
    expect(h.points[1].perMount.has("secret/")).toBe(false);
    expect(h.points[1].perMount.get("sys/")).toBe(1);
    poll(90_000, 10, 20);
    expect(h.points.map((p) => p.at)).toEqual([90_000]);
    expect(h.mounts()).toEqual(["secret/", "sys/"]);
  });

  it("uses Vault's interval rates as they are, and sorts expiry buckets", () => {
    const s = snapshot({
      Counters: [{ Name: "vault.core.handle_request", Count: 50, Rate: 5, Labels: { mount: "secret/" } }],
      Gauges: [
        { Name: "coffer_leases_expiring", Value: 7, Labels: { within: "1h" } },
        { Name: "coffer_leases_expiring", Value: 2, Labels: { within: "5m" } },
        { Name: "coffer_leases", Value: 9, Labels: { state: "active" } },
      ],
    }, 0);
    expect(s.rates.get("secret/")).toBe(5);
    expect(s.expiring.map((e) => [e.within, e.count])).toEqual([["5m", 2], ["1h", 7]]);
    expect(durationSeconds("24h")).toBe(86400);
  });
});
