import { useEffect, useRef, useState } from "preact/hooks";
import { APIError, call } from "../lib/api";
import { RateHistory, snapshot, type MetricsJSON, type Snapshot } from "../lib/metrics";
import { Card, ErrorBox } from "../components";

const pollMs = 5000;
const palette = ["#2f6fde", "#d9822b", "#1f9d55", "#a23bcf", "#d64545", "#0f9fb0", "#8a6d3b"];

export function Charts() {
  const history = useRef(new RateHistory());
  const [latest, setLatest] = useState<Snapshot | null>(null);
  const [absent, setAbsent] = useState<string>("");
  const [error, setError] = useState<unknown>(null);
  const [, setTick] = useState(0);

  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        // Vault's sys/metrics answers with the metrics themselves, not in
        // the envelope's "data"; both shapes are read.
        const body = (await call<MetricsJSON>("sys/metrics", { query: { format: "json" } })) as unknown as (MetricsJSON & { data?: MetricsJSON }) | null;
        const m = body?.Gauges || body?.Counters ? body : body?.data;
        const s = snapshot(m ?? {}, Date.now());
        history.current.add(s);
        setLatest(s);
        setError(null);
        setTick((t) => t + 1);
      } catch (e) {
        if (e instanceof APIError && (e.notFound || e.status === 400 || e.status === 405 || e.status === 501)) {
          setAbsent(e.errors.join("; ") || `HTTP ${e.status}`);
          return; // not served: stop polling
        }
        setError(e);
      }
      if (!stop) timer = setTimeout(poll, pollMs);
    };
    poll();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, []);

  if (absent)
    return (
      <div>
        <h1>Charts</h1>
        <Card title="Metrics not available" id="metrics-unavailable">
          <p>
            This server does not serve <code>GET /v1/sys/metrics?format=json</code> ({absent}). The charts — requests per second per mount over the last hour and lease expiries ahead — appear once it does.
          </p>
        </Card>
      </div>
    );
  const h = history.current;
  return (
    <div>
      <h1>Charts</h1>
      <p class="muted">From sys/metrics, polled every {pollMs / 1000}s while this page is open; the last hour is kept in the page.</p>
      <ErrorBox error={error} />
      <Card title="Requests per second, per mount" id="chart-requests">
        <LineChart history={h} />
      </Card>
      <Card title="Lease expiries ahead" id="chart-expiries">
        {latest && latest.expiring.length > 0 ? <Bars data={latest.expiring.map((e) => ({ label: `≤ ${e.within}`, value: e.count }))} /> : <p class="muted">No lease expiry figures in the metrics.</p>}
      </Card>
    </div>
  );
}

function LineChart({ history }: { history: RateHistory }) {
  const pts = history.points;
  const mounts = history.mounts();
  if (pts.length < 1) return <p class="muted">Collecting: a rate needs two polls.</p>;
  const W = 720, H = 220, L = 48, B = 24;
  const t1 = pts[pts.length - 1].at, t0 = Math.min(pts[0].at, t1 - 60_000);
  let max = 1;
  for (const p of pts) for (const v of p.perMount.values()) max = Math.max(max, v);
  const x = (t: number) => L + ((t - t0) / (t1 - t0 || 1)) * (W - L - 8);
  const y = (v: number) => H - B - (v / max) * (H - B - 8);
  return (
    <div>
      <svg viewBox={`0 0 ${W} ${H}`} class="chart" role="img" aria-label="requests per second per mount">
        <line x1={L} y1={H - B} x2={W - 8} y2={H - B} class="axis" />
        <line x1={L} y1={8} x2={L} y2={H - B} class="axis" />
        <text x={L - 6} y={12} class="label" text-anchor="end">{max.toFixed(1)}</text>
        <text x={L - 6} y={H - B} class="label" text-anchor="end">0</text>
        <text x={L} y={H - 6} class="label">{new Date(t0).toISOString().slice(11, 19)}</text>
        <text x={W - 8} y={H - 6} class="label" text-anchor="end">{new Date(t1).toISOString().slice(11, 19)} UTC</text>
        {mounts.map((m, i) => {
          const d = pts.filter((p) => p.perMount.has(m)).map((p, j) => `${j ? "L" : "M"}${x(p.at).toFixed(1)},${y(p.perMount.get(m)!).toFixed(1)}`).join(" ");
          return <path key={m} d={d} fill="none" stroke={palette[i % palette.length]} stroke-width="2" />;
        })}
      </svg>
      <div class="legend">
        {mounts.map((m, i) => (
          <span key={m}>
            <i style={{ background: palette[i % palette.length] }} /> {m} {pts[pts.length - 1].perMount.get(m)?.toFixed(2) ?? "–"}/s
          </span>
        ))}
      </div>
    </div>
  );
}

function Bars({ data }: { data: { label: string; value: number }[] }) {
  const W = 720, row = 28;
  const max = Math.max(1, ...data.map((d) => d.value));
  return (
    <svg viewBox={`0 0 ${W} ${data.length * row + 8}`} class="chart" role="img" aria-label="lease expiries ahead">
      {data.map((d, i) => (
        <g key={d.label} transform={`translate(0 ${i * row + 4})`}>
          <text x={70} y={row / 2 + 4} class="label" text-anchor="end">{d.label}</text>
          <rect x={80} y={4} height={row - 10} width={((W - 140) * d.value) / max} fill={palette[0]} rx="3" />
          <text x={86 + ((W - 140) * d.value) / max} y={row / 2 + 4} class="label">{d.value}</text>
        </g>
      ))}
    </svg>
  );
}
