// The charts read GET /v1/sys/metrics?format=json. The UI understands the
// JSON shape Vault's sys/metrics answers with (go-metrics' in-memory sink:
// {"Gauges": [{Name, Value, Labels}], "Counters": [{Name, Count, Rate,
// Labels, Value?}]}). What it looks for is written down in docs/ui.md:
//
//   requests per second per mount: counters named *requests_total (or
//     Vault's vault.core.handle_request) with a "mount" label; a cumulative
//     Value is turned into a rate between two polls, an interval Rate is
//     used as it is;
//   lease expiries ahead: gauges named *leases_expiring with a "within"
//     label ("1m", "15m", "1h", "24h", ...).

export interface MetricsJSON {
  Gauges?: { Name: string; Value: number; Labels?: Record<string, string> }[];
  Counters?: { Name: string; Count?: number; Rate?: number; Value?: number; Sum?: number; Labels?: Record<string, string> }[];
}

export interface Snapshot {
  at: number; // ms since epoch
  /** cumulative request counts per mount, when the server gives totals */
  totals: Map<string, number>;
  /** per-second rates per mount, when the server gives interval rates */
  rates: Map<string, number>;
  expiring: { within: string; seconds: number; count: number }[];
}

const requestCounter = /(requests_total|core\.handle_request)$/;

export function snapshot(m: MetricsJSON, at: number): Snapshot {
  const totals = new Map<string, number>();
  const rates = new Map<string, number>();
  for (const c of m.Counters ?? []) {
    if (!requestCounter.test(c.Name)) continue;
    const mount = c.Labels?.mount ?? c.Labels?.mount_point ?? "(all)";
    if (typeof c.Value === "number") totals.set(mount, (totals.get(mount) ?? 0) + c.Value);
    else if (typeof c.Rate === "number") rates.set(mount, (rates.get(mount) ?? 0) + c.Rate);
  }
  const expiring: Snapshot["expiring"] = [];
  for (const g of m.Gauges ?? []) {
    if (!/leases_expiring$/.test(g.Name) || !g.Labels?.within) continue;
    expiring.push({ within: g.Labels.within, seconds: durationSeconds(g.Labels.within), count: g.Value });
  }
  expiring.sort((a, b) => a.seconds - b.seconds);
  return { at, totals, rates, expiring };
}

export function durationSeconds(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(s.trim());
  if (!m) return Number.POSITIVE_INFINITY;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "s" | "m" | "h" | "d"];
}

export interface RatePoint {
  at: number;
  perMount: Map<string, number>;
}

/**
 * RateHistory keeps requests/s per mount over a sliding window (an hour by
 * default), from successive snapshots. A counter that went down (a
 * restart) restarts its series instead of showing a negative rate.
 */
export class RateHistory {
  readonly points: RatePoint[] = [];
  private prev: Snapshot | null = null;

  constructor(private readonly windowMs = 3600_000) {}

  add(s: Snapshot): void {
    const perMount = new Map<string, number>(s.rates);
    if (this.prev && s.at > this.prev.at) {
      const dt = (s.at - this.prev.at) / 1000;
      for (const [mount, total] of s.totals) {
        const before = this.prev.totals.get(mount);
        if (before !== undefined && total >= before) perMount.set(mount, (total - before) / dt);
      }
    }
    this.prev = s;
    if (perMount.size > 0) this.points.push({ at: s.at, perMount });
    const cutoff = s.at - this.windowMs;
    while (this.points.length && this.points[0].at < cutoff) this.points.shift();
  }

  mounts(): string[] {
    const all = new Set<string>();
    for (const p of this.points) for (const k of p.perMount.keys()) all.add(k);
    return [...all].sort();
  }
}
