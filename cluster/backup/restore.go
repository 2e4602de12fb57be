package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cofferhq/coffer/ledger"
)

// finishTimeout bounds the wait for JetStream to finish restoring one
// stream once it has every chunk (it unpacks and indexes the store).
const finishTimeout = 10 * time.Minute

// abandonWait outlasts JetStream's 5 s wait for a restore's next chunk.
const abandonWait = 7 * time.Second

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Replicas is every restored stream's replica count: the target
	// deployment's, whatever the backup's was.
	Replicas int
	Log      *slog.Logger
}

// Restore restores a backup read from r into a deployment whose streams
// hold nothing (ErrNotEmpty otherwise). Each stream's digest is checked
// before JetStream is let finish that stream, and the trailer after the
// last; on any failure what was restored is deleted and the empty streams
// that were there are put back (see the package doc).
func Restore(ctx context.Context, nc *nats.Conn, r io.Reader, o RestoreOptions) (Manifest, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: jetstream: %w", err)
	}
	rs := &restorer{nc: nc, js: js, replicas: max(o.Replicas, 1), previous: map[string]jetstream.StreamConfig{}}
	m, err := walk(r, visitor{header: func(h Header) error { return rs.preflight(ctx, h) }, start: func(s StreamInfo) error { return rs.start(ctx, s) }, chunk: func(p []byte) error { return rs.chunk(ctx, p) }, end: func(s StreamInfo) error { return rs.finish(ctx, s) }})
	if err != nil {
		if rerr := rs.rollback(); rerr != nil {
			log := o.Log
			if log == nil {
				log = slog.Default()
			}
			log.Error("backup: putting the deployment back as it was after a failed restore failed", "err", rerr)
			return m, fmt.Errorf("%w; and putting the deployment back as it was failed: %v", err, rerr)
		}
		return m, err
	}
	return m, nil
}

type restorer struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	replicas int
	// previous holds the configs of the empty streams the restore
	// replaces, to put back if it fails.
	previous map[string]jetstream.StreamConfig
	// touched are the streams deleted or (partly) restored so far.
	touched []string
	// deliver is the current stream's chunk subject.
	deliver string
}

// preflight refuses a deployment that holds data, before anything is
// changed, and notes the empty streams the restore will replace.
func (rs *restorer) preflight(ctx context.Context, h Header) error {
	if !slices.Contains(h.Streams, ledger.StreamName) {
		return fmt.Errorf("%w: it holds no %s stream", ErrCorrupt, ledger.StreamName)
	}
	for _, name := range h.Streams {
		s, err := rs.js.Stream(ctx, name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("backup: stream %s: %w", name, err)
		}
		info := s.CachedInfo()
		if info.State.Msgs > 0 || info.State.LastSeq > 0 {
			return fmt.Errorf("%w: stream %s holds %d messages (last sequence %d). A backup is restored only into a new deployment: "+
				"fresh nodes with empty data dirs, started and not initialised; a ledger is never rewound in place",
				ErrNotEmpty, name, info.State.Msgs, info.State.LastSeq)
		}
		rs.previous[name] = info.Config
	}
	return nil
}

// start replaces one empty stream by the backup's, at the target's
// replica count, and opens its restore.
func (rs *restorer) start(ctx context.Context, s StreamInfo) error {
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(s.Config, &cfg); err != nil {
		return fmt.Errorf("%w: stream %s: config: %v", ErrCorrupt, s.Name, err)
	}
	cfg["num_replicas"], _ = json.Marshal(rs.replicas)
	rs.touched = append(rs.touched, s.Name)
	if _, ok := rs.previous[s.Name]; ok {
		if err := rs.js.DeleteStream(ctx, s.Name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("backup: restore of %s: delete the empty stream: %w", s.Name, err)
		}
	}
	req, _ := json.Marshal(map[string]any{"config": cfg, "state": s.State})
	var resp struct {
		DeliverSubject string    `json:"deliver_subject"`
		Error          *apiError `json:"error"`
	}
	if err := request(ctx, rs.nc, apiRestore+s.Name, req, apiTimeout, &resp); err != nil {
		return fmt.Errorf("backup: restore of %s: %w", s.Name, err)
	}
	if resp.Error != nil {
		return fmt.Errorf("backup: restore of %s: %w", s.Name, resp.Error)
	}
	if resp.DeliverSubject == "" {
		return fmt.Errorf("backup: restore of %s: JetStream named no subject for the chunks", s.Name)
	}
	rs.deliver = resp.DeliverSubject
	return nil
}

// chunk hands JetStream one chunk; its empty answer is the flow control.
func (rs *restorer) chunk(ctx context.Context, p []byte) error {
	var resp struct {
		Error *apiError `json:"error"`
	}
	if err := rs.send(ctx, p, chunkTimeout, &resp); err != nil {
		return fmt.Errorf("backup: restore: sending a chunk: %w", err)
	}
	if resp.Error != nil {
		return fmt.Errorf("backup: restore refused by JetStream: %w", resp.Error)
	}
	return nil
}

// finish tells JetStream the stream is whole (walk calls it only once the
// stream's digest matched) and waits for the restored stream.
func (rs *restorer) finish(ctx context.Context, s StreamInfo) error {
	var resp struct {
		Error *apiError `json:"error"`
	}
	if err := rs.send(ctx, nil, finishTimeout, &resp); err != nil {
		return fmt.Errorf("backup: restore of %s: finishing: %w", s.Name, err)
	}
	if resp.Error != nil {
		return fmt.Errorf("backup: restore of %s refused by JetStream: %w", s.Name, resp.Error)
	}
	rs.deliver = ""
	return nil
}

// interestWait bounds how long a chunk waits for the restoring server's
// subscription to be known here.
const interestWait = 10 * time.Second

// send sends to the current stream's chunk subject. In a cluster the
// server that takes the restore is the one JetStream placed the stream's
// leader on, and its subscription reaches this server over the routes a
// moment after the subject was named: until then a request finds no
// responder, which delivered nothing and is sent again.
func (rs *restorer) send(ctx context.Context, p []byte, timeout time.Duration, v any) error {
	deadline := time.Now().Add(interestWait)
	for {
		err := request(ctx, rs.nc, rs.deliver, p, timeout, v)
		if !errors.Is(err, nats.ErrNoResponders) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rollback deletes what the restore created and puts back the empty
// streams it replaced. It runs even when the restore's context is gone.
func (rs *restorer) rollback() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*apiTimeout+abandonWait)
	defer cancel()
	var errs []error
	if rs.deliver != "" {
		// A stream's restore was left without its end: JetStream may
		// still create the stream from what it has unpacked, until it
		// gives up on the silent sender (5 s). Delete it if it appears.
		name := rs.touched[len(rs.touched)-1]
		for end := time.Now().Add(abandonWait); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
			if err := rs.js.DeleteStream(ctx, name); err == nil {
				break
			}
		}
	}
	for _, name := range rs.touched {
		if err := rs.putBack(ctx, name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// putBackRetry spaces the tries of putBack.
const putBackRetry = 250 * time.Millisecond

// putBack deletes what the restore made of one stream and recreates the
// empty stream that was there, if there was one, until the stream is as
// it was. One try is not enough: nats-server moves a deleted stream's
// files aside and removes them in the background, and deleting a stream
// of the same name again before that removal ends fails to move its
// files, which a stream created under the name then recovers (seen on a
// loaded CI machine: the restored data keys came back after a rollback).
func (rs *restorer) putBack(ctx context.Context, name string) error {
	cfg, recreate := rs.previous[name]
	var last error
	for {
		last = rs.putBackOnce(ctx, name, cfg, recreate)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("put back %s: %w", name, last)
		case <-time.After(putBackRetry):
		}
	}
}

func (rs *restorer) putBackOnce(ctx context.Context, name string, cfg jetstream.StreamConfig, recreate bool) error {
	if err := rs.js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("delete: %w", err)
	}
	if !recreate {
		if _, err := rs.js.Stream(ctx, name); !errors.Is(err, jetstream.ErrStreamNotFound) {
			return fmt.Errorf("still there after its delete (%v)", err)
		}
		return nil
	}
	s, err := rs.js.CreateStream(ctx, cfg)
	if err != nil {
		return fmt.Errorf("recreate: %w", err)
	}
	if st := s.CachedInfo().State; st.Msgs > 0 || st.LastSeq > 0 {
		return fmt.Errorf("recreated with %d messages (last sequence %d) left from the restore", st.Msgs, st.LastSeq)
	}
	return nil
}
