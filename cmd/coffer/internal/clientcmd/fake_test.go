package clientcmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/cmd/coffer/internal/cliargs"
)

// request is what the fake server saw: method, path (plus query), body and
// the token header.
type request struct {
	Method, Path, Body, Token string
}

// fakeServer records requests and answers like a Vault-compatible server
// just enough for the client to finish: the mounts preflight knows three
// mounts, canned bodies answer specific routes, other GETs get a generic
// secret and everything else 204 No Content.
type fakeServer struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []request
	canned map[string]cannedResp // "METHOD /v1/path"
}

type cannedResp struct {
	code int
	body string
}

// fakeMounts maps mount paths to their preflight answer.
var fakeMounts = map[string]string{
	"secret/":    `{"data":{"path":"secret/","type":"kv","options":{"version":"2"}}}`,
	"team/apps/": `{"data":{"path":"team/apps/","type":"kv","options":{"version":"2"}}}`,
	"kv1/":       `{"data":{"path":"kv1/","type":"kv","options":null}}`,
}

const genericSecret = `{"request_id":"r","data":{` +
	`"keys":["b/","a"],"policy":"path \"x\" {}",` +
	`"data":{"a":"b"},"metadata":{"version":1},` +
	`"versions":{"1":{"destroyed":false}}}}`

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{canned: map[string]cannedResp{
		"GET /v1/sys/mounts": {200, `{"data":{"secret/":{"type":"kv","accessor":"kv_1","options":{"version":"2"},"config":{}}}}`},
	}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(f.Close)

	// Isolate the client from the developer's environment and token file.
	for _, v := range []string{"VAULT_ADDR", "VAULT_AGENT_ADDR", "COFFER_TOKEN", "COFFER_FORMAT", "VAULT_FORMAT",
		"COFFER_CACERT", "VAULT_CACERT", "VAULT_NAMESPACE", "VAULT_SKIP_VERIFY", "COFFER_SKIP_VERIFY"} {
		t.Setenv(v, "")
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("COFFER_ADDR", f.URL)
	t.Setenv("VAULT_TOKEN", "test-token")
	t.Setenv("VAULT_MAX_RETRIES", "0")
	return f
}

func (f *fakeServer) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p := r.URL.Path
	if r.URL.RawQuery != "" && !strings.HasPrefix(p, "/v1/sys/health") {
		p += "?" + r.URL.RawQuery
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, request{Method: r.Method, Path: p, Body: string(body), Token: r.Header.Get("X-Vault-Token")})
	canned, ok := f.canned[r.Method+" "+p]
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if ok {
		w.WriteHeader(canned.code)
		io.WriteString(w, canned.body)
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/v1/sys/internal/ui/mounts/"); ok {
		for m, resp := range fakeMounts {
			if strings.HasPrefix(rest+"/", m) {
				io.WriteString(w, resp)
				return
			}
		}
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"errors":["no mount"]}`)
		return
	}
	if r.Method == http.MethodGet {
		io.WriteString(w, genericSecret)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeServer) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// runCLI runs one coffer invocation the way cmd/coffer/main.go does: a
// silenced root, non-empty error messages printed once, ExitCode() honoured.
func runCLI(stdin string, args ...string) (stdout, stderr string, code int) {
	root := &cobra.Command{Use: "coffer", SilenceUsage: true, SilenceErrors: true}
	var out, errb bytes.Buffer
	Register(root, &out, &errb)
	root.SetOut(&errb)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(cliargs.Normalize(args))
	err := root.Execute()
	if err == nil {
		return out.String(), errb.String(), 0
	}
	var exit interface{ ExitCode() int }
	if errors.As(err, &exit) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(&errb, msg)
		}
		return out.String(), errb.String(), exit.ExitCode()
	}
	fmt.Fprintln(&errb, "Error:", err)
	return out.String(), errb.String(), ExitCode(err)
}
