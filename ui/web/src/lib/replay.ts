// Newest-first paging over sys/ledger/replay. The endpoint reads forward
// from an index and pages by an "after" cursor; reading a large ledger
// backwards is done here by index windows: read [hi-w+1, hi] forward,
// show it reversed, move hi below it. Windows grow while they come back
// empty (a rare path) and shrink when they hold far more than a page, so
// neither a sparse filter nor a busy stretch loads the whole ledger.

import type { Query } from "./api";

export interface ReplayEntry {
  cursor: string;
  ledger_index: number;
  time: string;
  type: string;
  ledger_type: string;
  actor?: string;
  request_id?: string;
  path?: string;
  operation?: string;
  error?: string;
  audit?: Record<string, unknown>;
  event?: Record<string, unknown>;
}

export interface ReplayPage {
  entries: ReplayEntry[];
  next?: string;
  from: number;
  to: number;
}

export interface ReplayFilter {
  /** RFC 3339 time or ledger index; empty for the whole ledger. */
  since?: string;
  until?: string;
  path?: string;
  actor?: string;
  type?: string;
  /** Operation is matched here: the endpoint has no such filter. */
  operation?: string;
}

export type ReplayFetch = (q: Query) => Promise<ReplayPage>;

const serverLimit = 1000;
const maxWindow = 1 << 20;

export class NewestFirst {
  private from = 1;
  private hi = 0;
  private window: number;
  private started = false;
  /** Ledger messages read so far, for the progress line. */
  scanned = 0;
  total = 0;

  constructor(
    private readonly fetch: ReplayFetch,
    private readonly filter: ReplayFilter,
    private readonly pageSize = 50,
    initialWindow = 64,
  ) {
    this.window = initialWindow;
  }

  get done(): boolean {
    return this.started && this.hi < this.from;
  }

  private serverFilter(): Query {
    const f = this.filter;
    return { path: f.path?.replace(/^\/+/, ""), actor: f.actor, type: f.type };
  }

  /** start resolves the time range to ledger indexes (one tiny request). */
  private async start(): Promise<void> {
    const first = await this.fetch({ since: this.filter.since, until: this.filter.until, limit: 1 });
    this.from = Math.max(1, first.from);
    this.hi = first.to;
    this.total = Math.max(0, this.hi - this.from + 1);
    this.started = true;
  }

  /** next returns the next page of matches, newest first. */
  async next(): Promise<ReplayEntry[]> {
    if (!this.started) await this.start();
    const out: ReplayEntry[] = [];
    const op = this.filter.operation?.trim();
    while (out.length < this.pageSize && this.hi >= this.from) {
      const lo = Math.max(this.from, this.hi - this.window + 1);
      const got: ReplayEntry[] = [];
      let after: string | undefined;
      do {
        const page = await this.fetch({ ...this.serverFilter(), since: lo, until: this.hi, after, limit: serverLimit });
        got.push(...page.entries);
        after = page.next;
      } while (after);
      this.scanned += this.hi - lo + 1;
      this.hi = lo - 1;
      const kept = op ? got.filter((e) => e.operation === op) : got;
      out.push(...kept.reverse());
      if (kept.length === 0) this.window = Math.min(this.window * 4, maxWindow);
      else if (got.length > 4 * this.pageSize) this.window = Math.max(1, Math.floor(this.window / 2));
      else if (kept.length < this.pageSize / 4) this.window = Math.min(this.window * 2, maxWindow);
    }
    return out;
  }
}

/** toRFC3339 turns a datetime-local value (local time) into UTC RFC 3339. */
export function toRFC3339(local: string): string {
  if (!local) return "";
  if (/^\d+$/.test(local)) return local; // a ledger index
  const d = new Date(local);
  return isNaN(d.getTime()) ? local : d.toISOString();
}
