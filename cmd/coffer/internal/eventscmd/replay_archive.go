package eventscmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cofferhq/coffer/engines/events"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/archive"
	"github.com/cofferhq/coffer/ledger/shamir"
	"github.com/cofferhq/coffer/ledger/transparency"
)

// replayArchive prints the audit records of an archive, offline, as the
// server's replay entries (events.ReplayEntry) so both print alike: the
// segments hold them sealed, and the keyring that opens them is in the
// data dir's ledger (read from a copy, as verify does).
func (a *app) replayArchive(ctx context.Context, f *replayFlags) error {
	if f.archive.Location == "" || f.dataDir == "" {
		return errors.New("-archive and -data-dir go together: the archive's records open with the data dir's keyring")
	}
	from, to, since, until, err := archiveRange(f.since, f.until)
	if err != nil {
		return err
	}
	seal, err := offlineSeal(f)
	if err != nil {
		return err
	}
	o, err := transparency.OpenOffline(f.dataDir)
	if err != nil {
		return err
	}
	defer o.Close()
	st, err := ledger.Open(ctx, o.Conn(), 1)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Unseal(ctx, seal); err != nil {
		return fmt.Errorf("unseal the data dir's ledger: %w", err)
	}
	arch, err := f.archive.Open(ctx)
	if err != nil {
		return err
	}
	msgs, err := archive.NewReader(arch).Archived(from, to)
	if err != nil {
		return err
	}
	actor := f.actor
	if actor != "" && !strings.HasPrefix(actor, "hmac-sha256:") {
		actor = st.Barrier().AuditHMAC(actor)
	}
	var tw *tabwriter.Writer
	if f.format == "table" {
		tw = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CURSOR\tTIME\tTYPE\tACTOR\tPATH\tOPERATION\tERROR")
		defer tw.Flush()
	}
	printed := 0
	for _, m := range msgs {
		if (!since.IsZero() && m.Stored.Before(since)) || (!until.IsZero() && m.Stored.After(until)) {
			continue
		}
		recs, err := st.Decode(m)
		if err != nil {
			return fmt.Errorf("archived index %d: %w", m.Seq, err)
		}
		for _, rec := range recs {
			e := events.ReplayEntry{Cursor: fmt.Sprintf("%d.%d", rec.Seq, rec.Pos), LedgerIndex: rec.Seq, Time: rec.At,
				Type: rec.Type, LedgerType: rec.Type, Actor: rec.Actor, RequestID: rec.RequestID, Audit: rec.Data}
			if rec.Type == auditevent.EventRequest || rec.Type == auditevent.EventResponse {
				var v struct {
					Error   string `json:"error"`
					Request struct {
						Path      string `json:"path"`
						Operation string `json:"operation"`
					} `json:"request"`
				}
				if json.Unmarshal(rec.Data, &v) == nil {
					e.Path, e.Operation, e.Error = v.Request.Path, v.Request.Operation, v.Error
				}
			}
			if !f.keeps(&e, actor) {
				continue
			}
			raw, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if err := a.printEntry(tw, raw); err != nil {
				return err
			}
			if printed++; f.limit > 0 && printed >= f.limit {
				return nil
			}
		}
	}
	return nil
}

func (f *replayFlags) keeps(e *events.ReplayEntry, actorHMAC string) bool {
	if f.typ != "" {
		if ok, _ := path.Match(f.typ, e.Type); !ok {
			return false
		}
	}
	if f.path != "" && !strings.HasPrefix(e.Path, f.path) {
		return false
	}
	return actorHMAC == "" || e.Actor == actorHMAC || e.Actor == f.actor
}

// archiveRange reads -since and -until: a ledger index bounds the
// archive read, a time the stored time of its messages.
func archiveRange(sinceFlag, untilFlag string) (from, to uint64, since, until time.Time, err error) {
	from, to = 1, ^uint64(0)
	parse := func(s string, idx *uint64, at *time.Time) error {
		if s == "" {
			return nil
		}
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			*idx = n
			return nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("%q is neither a ledger index nor an RFC 3339 time", s)
		}
		*at = t
		return nil
	}
	if err := parse(sinceFlag, &from, &since); err != nil {
		return 0, 0, since, until, err
	}
	err = parse(untilFlag, &to, &until)
	return from, to, since, until, err
}

// offlineSeal is what unseals the data dir's copy: the unseal key shares
// in -unseal-keys-file, or the data dir's dev key file.
func offlineSeal(f *replayFlags) (ledger.Seal, error) {
	if f.unsealKeys == "" {
		if _, err := os.Stat(filepath.Join(f.dataDir, ledger.DevKeyFile)); err != nil {
			return nil, fmt.Errorf("%s has no dev key file: give the unseal key shares with -unseal-keys-file", f.dataDir)
		}
		return ledger.OpenDevSeal(f.dataDir)
	}
	file, err := os.Open(f.unsealKeys)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	var shares [][]byte
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		share, err := shamir.ParseShare(line)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", f.unsealKeys, len(shares)+1, err)
		}
		shares = append(shares, share)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	key, err := shamir.Combine(shares)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.unsealKeys, err)
	}
	defer clear(key)
	return shamir.NewSeal(key)
}
