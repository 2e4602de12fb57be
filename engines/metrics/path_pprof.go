package metrics

import (
	"bytes"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
)

// Profiles Lookup knows, served at sys/pprof/<name>.
var lookupProfiles = []string{"goroutine", "heap", "allocs", "threadcreate", "block", "mutex"}

// maxProfileSeconds bounds a CPU profile or trace (Vault's default is 30).
const maxProfileSeconds = 300

const (
	contentBinary = "application/octet-stream"
	contentText   = "text/plain; charset=utf-8"
)

// pprofPaths serve Go's profiles, all behind sudo: stricter than Vault
// (read), because a heap profile shows memory and memory holds secrets.
func pprofPaths() *framework.Backend {
	seconds := map[string]*framework.FieldSchema{
		"seconds": {Type: framework.TypeInt, Query: true, Default: 30, Description: "How long to record, in seconds (at most 300)."},
	}
	return &framework.Backend{Paths: []*framework.Path{
		{Pattern: `pprof/?`, Sudo: true, Fields: map[string]*framework.FieldSchema{},
			Synopsis:   "The profiles sys/pprof serves.",
			Operations: readOnly(pprofIndex)},
		{Pattern: `pprof/(?P<name>` + strings.Join(lookupProfiles, "|") + `)`, Sudo: true,
			Synopsis: "A runtime profile: pprof's protobuf, or text with debug=1 or 2.",
			Fields: map[string]*framework.FieldSchema{
				"name":  {Type: framework.TypeString, Description: "The profile."},
				"debug": {Type: framework.TypeInt, Query: true, Description: "0 for pprof's protobuf, 1 or 2 for text."},
				"gc":    {Type: framework.TypeBool, Query: true, Description: "Run a garbage collection before a heap profile."},
			},
			Operations: readOnly(pprofLookup)},
		{Pattern: `pprof/cmdline`, Sudo: true, Fields: map[string]*framework.FieldSchema{},
			Synopsis: "The server's command line, arguments separated by NUL bytes.",
			Operations: readOnly(func(*framework.Request) (*framework.Response, error) {
				return &framework.Response{Raw: []byte(strings.Join(os.Args, "\x00")), RawContentType: contentText}, nil
			})},
		{Pattern: `pprof/profile`, Sudo: true, Fields: seconds, Synopsis: "A CPU profile over the given seconds.",
			Operations: readOnly(pprofCPU)},
		{Pattern: `pprof/trace`, Sudo: true, Fields: seconds, Synopsis: "An execution trace over the given seconds.",
			Operations: readOnly(pprofTrace)},
	}}
}

// readOnly is the operations of a path that only reads.
func readOnly(h framework.HandlerFunc) map[framework.Operation]framework.HandlerFunc {
	return map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: h}
}

func pprofIndex(*framework.Request) (*framework.Response, error) {
	names := append([]string{"cmdline", "profile", "trace"}, lookupProfiles...)
	return &framework.Response{Data: map[string]any{"profiles": names}}, nil
}

func pprofLookup(req *framework.Request) (*framework.Response, error) {
	name := req.String("name")
	p := pprof.Lookup(name)
	if p == nil {
		return nil, framework.Errorf(http.StatusNotFound, "unknown profile %q", name)
	}
	debug := req.Int("debug")
	if debug < 0 || debug > 2 {
		return nil, framework.BadRequest("debug must be 0, 1 or 2")
	}
	if name == "heap" && req.Bool("gc") {
		runtime.GC()
	}
	var buf bytes.Buffer
	if err := p.WriteTo(&buf, debug); err != nil {
		return nil, err
	}
	ct := contentBinary
	if debug > 0 {
		ct = contentText
	}
	return &framework.Response{Raw: buf.Bytes(), RawContentType: ct}, nil
}

// profileSeconds reads seconds, refusing what no one means.
func profileSeconds(req *framework.Request) (time.Duration, error) {
	s := req.Int("seconds")
	if s < 1 || s > maxProfileSeconds {
		return 0, framework.BadRequest("seconds must be between 1 and %d", maxProfileSeconds)
	}
	return time.Duration(s) * time.Second, nil
}

// record runs start, waits d (or until the client goes away), then stop.
func record(req *framework.Request, d time.Duration, start func(*bytes.Buffer) error, stop func()) (*framework.Response, error) {
	var buf bytes.Buffer
	if err := start(&buf); err != nil {
		return nil, framework.Errorf(http.StatusConflict, "%v", err)
	}
	t := time.NewTimer(d)
	select {
	case <-t.C:
	case <-req.Context().Done():
	}
	t.Stop()
	stop()
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	return &framework.Response{Raw: buf.Bytes(), RawContentType: contentBinary}, nil
}

func pprofCPU(req *framework.Request) (*framework.Response, error) {
	d, err := profileSeconds(req)
	if err != nil {
		return nil, err
	}
	return record(req, d, func(b *bytes.Buffer) error { return pprof.StartCPUProfile(b) }, pprof.StopCPUProfile)
}

func pprofTrace(req *framework.Request) (*framework.Response, error) {
	d, err := profileSeconds(req)
	if err != nil {
		return nil, err
	}
	return record(req, d, func(b *bytes.Buffer) error { return trace.Start(b) }, trace.Stop)
}
