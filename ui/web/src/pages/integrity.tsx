import { useEffect, useState } from "preact/hooks";
import { read } from "../lib/api";
import { Card, ErrorBox, KeyValues, formatTime, useAsync } from "../components";

interface Checkpoint {
  tree_size: number;
  root_hash: string;
  time: string;
  note: string;
}

interface Problem {
  kind: string;
  index?: number;
  exact: boolean;
  through?: number;
  with?: number;
  detail: string;
}

interface Report {
  ok: boolean;
  messages: number;
  first_index?: number;
  last_index?: number;
  checkpoints: number;
  covered: number;
  latest_checkpoint?: Checkpoint;
  first_bad?: Problem;
  problems?: Problem[];
  warnings?: string[];
  verifier_key: string;
}

/** The latest signed checkpoint is the one sys/ledger/prove/1 is checked against. */
async function latestCheckpoint(): Promise<{ key: string; checkpoint: { tree_size: number; root_hash: string; checkpoint: string; stored: string } | null }> {
  const key = await read<{ verifier_key: string }>("sys/ledger/checkpoint-key");
  const proof = await read<{ tree_size: number; root_hash: string; checkpoint: string; stored: string }>("sys/ledger/prove/1").catch(() => null);
  return { key: key?.verifier_key ?? "", checkpoint: proof };
}

export function Integrity() {
  const latest = useAsync(latestCheckpoint, []);
  const [run, setRun] = useState<{ started: number; total: number } | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    if (!run) return;
    const t = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(t);
  }, [run]);

  const verify = async () => {
    setReport(null);
    setError(null);
    // The ledger's size, for the progress line: replay's range end.
    const size = await read<{ to: number }>("sys/ledger/replay", { query: { limit: 1 } }).catch(() => null);
    setRun({ started: Date.now(), total: size?.to ?? 0 });
    try {
      setReport(await read<Report>("sys/ledger/verify"));
    } catch (e) {
      setError(e);
    } finally {
      setRun(null);
      latest.reload();
    }
  };

  const cp = latest.value?.checkpoint;
  return (
    <div>
      <h1>Integrity</h1>
      <p class="muted">A checkpointer hashes every ledger message into an RFC 6962 Merkle tree and signs checkpoints (Ed25519). Verifying recomputes the tree and names the first changed, dropped or reordered index.</p>
      <ErrorBox error={latest.error} />
      <Card title="Latest signed checkpoint" id="checkpoint">
        {cp ? (
          <>
            <KeyValues data={{ "messages covered": cp.tree_size, "root hash": cp.root_hash, "checkpoint key": latest.value?.key }} />
            <pre class="note">{cp.checkpoint}</pre>
          </>
        ) : (
          !latest.loading && <p class="muted">No checkpoint has been signed yet.</p>
        )}
      </Card>
      <Card
        title="Verify"
        id="verify"
        actions={
          <button type="button" id="verify-now" onClick={verify} disabled={!!run}>
            Verify now
          </button>
        }
      >
        {run && (
          <div class="progress" id="verify-progress" role="progressbar">
            <div class="bar indeterminate" />
            <span>
              The server is rehashing {run.total ? `${run.total} ledger messages` : "the ledger"}… {((now - run.started) / 1000).toFixed(1)}s
            </span>
          </div>
        )}
        <ErrorBox error={error} />
        {report && <ReportView r={report} />}
        {!run && !report && !error && <p class="muted">Runs sys/ledger/verify (sudo); its cost is linear in the ledger's size.</p>}
      </Card>
    </div>
  );
}

function ReportView({ r }: { r: Report }) {
  const bad = r.first_bad;
  return (
    <div id="verify-result" data-ok={String(r.ok)} class={r.ok ? "verdict passed" : "verdict failed"}>
      <h3>{r.ok ? "✓ Verified: the ledger is what was signed" : "✗ Verification failed"}</h3>
      {bad && (
        <p id="verify-first-bad">
          {bad.index ? (
            <>
              First bad index <b>{bad.index}</b>
              {bad.exact ? "" : `..${bad.through} (not exact)`}: {bad.kind}
            </>
          ) : (
            <>{bad.kind}</>
          )}
          <br />
          <span class="muted">{bad.detail}</span>
        </p>
      )}
      <KeyValues
        data={{
          messages: r.messages,
          "index range": r.first_index ? `${r.first_index}..${r.last_index}` : "",
          "valid checkpoints": r.checkpoints,
          "covered by the latest": r.covered,
          "latest signed": r.latest_checkpoint ? formatTime(r.latest_checkpoint.time) : "",
          "checked against": r.verifier_key,
        }}
      />
      {(r.problems ?? []).slice(1).map((p, i) => (
        <p key={i} class="muted">
          also {p.kind}: {p.detail}
        </p>
      ))}
      {(r.warnings ?? []).map((w, i) => (
        <p key={i} class="warning">
          {w}
        </p>
      ))}
    </div>
  );
}
