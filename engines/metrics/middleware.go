package metrics

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cofferhq/coffer/projections/mountstore"
)

// subscribePrefix is the event stream's path: its requests in flight are
// the event subscribers.
const subscribePrefix = "sys/events/subscribe"

// Wrap counts and times every API request h answers, labelled with the
// mount the path falls under in mounts (nil while sealed), and serves
// sys/metrics itself, without a token, when the configuration allows
// unauthenticated access. Every other request, sys/metrics with a token
// included, goes to h (the gateway: ACL and audit as usual).
func (r *Registry) Wrap(h http.Handler, mounts *mountstore.Table) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rel, ok := strings.CutPrefix(req.URL.Path, "/v1/")
		if !ok {
			h.ServeHTTP(w, req)
			return
		}
		if r.cfg.Unauthenticated && rel == "sys/metrics" && req.Method == http.MethodGet {
			r.serveUnauthenticated(w, req)
			return
		}
		mount := mountOf(rel, mounts)
		op := operation(req.Method, req.URL.RawQuery)
		gauge := r.requests.inFlight.WithLabelValues(mount)
		gauge.Inc()
		if strings.HasPrefix(rel, subscribePrefix) {
			r.subscribers.Inc()
			defer r.subscribers.Dec()
		}
		rw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			gauge.Dec()
			r.requests.observe(mount, op, rw.code(), time.Since(start))
		}()
		h.ServeHTTP(rw, req)
	})
}

// serveUnauthenticated answers sys/metrics as the gateway's path would,
// in either format.
func (r *Registry) serveUnauthenticated(w http.ResponseWriter, req *http.Request) {
	body, ct, err := r.render(req.URL.Query().Get("format"))
	if err != nil {
		code, msg := http.StatusInternalServerError, "internal error"
		if errors.Is(err, ErrPrometheusDisabled) {
			code, msg = http.StatusBadRequest, "prometheus is not enabled"
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"errors":["` + msg + `"]}` + "\n"))
		return
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write(body)
}

// render returns the metrics in format ("prometheus", or JSON).
func (r *Registry) render(format string) ([]byte, string, error) {
	if format == "prometheus" {
		return r.Prometheus()
	}
	b, err := r.JSON()
	return b, "application/json", err
}

// mountOf names the mount a request path falls under; never the path
// itself, so the label's values are bounded by the mount table.
func mountOf(rel string, mounts *mountstore.Table) string {
	switch {
	case strings.HasPrefix(rel, mountSys) || rel == "sys":
		return mountSys
	case strings.HasPrefix(rel, mountTokenAuth):
		return mountTokenAuth
	}
	if mounts != nil {
		if m, _, ok := mounts.Match(rel); ok {
			return m.Path
		}
	}
	return mountUnmatched
}

// statusWriter records the status code, and keeps the flushing and
// hijacking event streams need.
type statusWriter struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) code() int {
	switch {
	case s.hijacked:
		return http.StatusSwitchingProtocols
	case s.status == 0:
		return http.StatusOK
	}
	return s.status
}

// Flush implements http.Flusher (server-sent events, the seal's streamed
// answers).
func (s *statusWriter) Flush() {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

// Hijack implements http.Hijacker (WebSocket subscriptions).
func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err == nil {
		s.hijacked = true
	}
	return c, rw, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
