package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/nats-io/nats.go"
)

// RestorePath is where a restore is sent (PUT or POST, the backup as the
// body). The node serves it ahead of its gateway: the gateway reads a
// whole body into memory under a 32 MiB cap, and a backup is streamed.
const RestorePath = "/v1/sys/storage/ledger/snapshot"

// DefaultMaxRestoreBytes is the largest backup a restore reads unless the
// handler says otherwise.
const DefaultMaxRestoreBytes int64 = 64 << 30

// RestoreHandler serves restores into the deployment behind NC.
type RestoreHandler struct {
	NC *nats.Conn
	// Replicas is the deployment's replica count.
	Replicas int
	// MaxBytes bounds the body (DefaultMaxRestoreBytes when 0).
	MaxBytes int64
	Log      *slog.Logger
	// Restored runs after a restore succeeded (the node reloads its seal
	// record, so it reports itself initialised at once).
	Restored func()

	mu sync.Mutex // one restore at a time
}

// IsRestore reports whether r is a restore request.
func IsRestore(r *http.Request) bool {
	return r.URL.Path == RestorePath && (r.Method == http.MethodPut || r.Method == http.MethodPost)
}

func (h *RestoreHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	limit := h.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxRestoreBytes
	}
	if r.ContentLength > limit {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("%w: %d bytes sent, at most %d", ErrTooLarge, r.ContentLength, limit))
		return
	}
	if !h.mu.TryLock() {
		writeError(w, http.StatusConflict, errors.New("backup: a restore is already running on this node"))
		return
	}
	defer h.mu.Unlock()
	log := h.Log
	if log == nil {
		log = slog.Default()
	}
	m, err := Restore(r.Context(), h.NC, &capReader{r: r.Body, left: limit}, RestoreOptions{Replicas: h.Replicas, Log: log})
	if err != nil {
		log.Warn("ledger restore refused", "err", err)
		writeError(w, statusOf(err), err)
		return
	}
	var streams []map[string]any
	for _, s := range m.Streams {
		streams = append(streams, map[string]any{"name": s.Name, "messages": s.Messages(), "last_seq": s.LastSeq(), "bytes": s.Bytes})
	}
	log.Info("ledger restored from a backup", "created", m.Header.Created, "from_node", m.Header.Node, "streams", len(m.Streams))
	if h.Restored != nil {
		h.Restored()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{
		"created": m.Header.Created, "node": m.Header.Node, "streams": streams,
	}})
}

func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrNotEmpty):
		return http.StatusConflict
	case errors.Is(err, ErrCorrupt), errors.Is(err, ErrTruncated):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// writeError answers in Vault's error shape.
func writeError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []string{err.Error()}})
}

// capReader fails with ErrTooLarge past its limit (a body without a
// length, or a longer one than it said).
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
