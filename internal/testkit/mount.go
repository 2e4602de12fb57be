package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
)

// Mount calls a backend's paths the way the gateway does, without HTTP:
// the body goes through JSON (numbers as json.Number), the path is
// matched, a write to a path with an existence check becomes a create
// when the item is missing, and framework.Handle validates the declared
// fields and runs the handler. Authentication and the ACL are the
// gateway's and are not applied: Auth and Sudo are what the caller says.
type Mount struct {
	Backend  *framework.Backend
	Path     string // "secret/"
	Type     string
	Accessor string
	Config   framework.MountConfig
	// Auth is the caller of every request (nil: none); Sudo whether it
	// holds sudo.
	Auth *framework.Caller
	Sudo bool
}

// Option changes one request.
type Option func(*framework.Request)

// WithAuth makes the request as caller.
func WithAuth(caller *framework.Caller) Option {
	return func(r *framework.Request) { r.Auth = caller }
}

// WithSudo sets whether the caller holds sudo.
func WithSudo(sudo bool) Option { return func(r *framework.Request) { r.Sudo = sudo } }

// WithContentType sets the request's content type.
func WithContentType(ct string) Option { return func(r *framework.Request) { r.ContentType = ct } }

// WithQuery sets the request's URL query (a read's data comes from it too,
// as the gateway does).
func WithQuery(q url.Values) Option { return func(r *framework.Request) { r.Query = q } }

// WithHeaders sets the request's headers.
func WithHeaders(h http.Header) Option { return func(r *framework.Request) { r.Headers = h } }

// Call runs one request on the mount and returns what the handler
// returned.
func (m *Mount) Call(t testing.TB, op framework.Operation, path string, data map[string]any, opts ...Option) (*framework.Response, error) {
	t.Helper()
	resp, _, err := m.call(t, op, path, data, opts...)
	return resp, err
}

func (m *Mount) call(t testing.TB, op framework.Operation, path string, data map[string]any, opts ...Option) (*framework.Response, framework.Operation, error) {
	t.Helper()
	entry, vars, err := m.Backend.Match(path)
	if err != nil {
		return nil, op, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	id := ledger.NewID()
	req := &framework.Request{
		ID: id, Operation: op, Path: path, MountPath: m.Path, MountType: m.Type, MountAccessor: m.Accessor,
		MountConfig: m.Config, Vars: vars, Data: AsJSON(t, data), Auth: m.Auth, Sudo: m.Sudo, Query: url.Values{},
		Headers: http.Header{}, RemoteAddr: "127.0.0.1:1",
		Ctx: commands.WithMeta(ctx, commands.Meta{Actor: "test", RequestID: id}),
	}
	if op == framework.PatchOperation {
		req.ContentType = "application/merge-patch+json"
	}
	for _, o := range opts {
		o(req)
	}
	framework.Bind(entry, req)
	if req.Operation == framework.UpdateOperation && entry.ExistenceCheck != nil {
		exists, err := entry.ExistenceCheck(req)
		if err != nil {
			return nil, req.Operation, err
		}
		if !exists {
			req.Operation = framework.CreateOperation
		}
	}
	resp, err := framework.Handle(entry, req)
	return resp, req.Operation, err
}

// Result is a handler's answer as the gateway renders it.
type Result struct {
	Status int
	// Operation is the request's after the existence check (a write to a
	// missing item is a create).
	Operation framework.Operation
	Data      map[string]any // the envelope's data, decoded from JSON
	Raw       string         // the data (or the raw body) as JSON
	Errors    []string
	Warnings  []string
	Response  *framework.Response
}

// Do runs one request and renders its answer (status, data through JSON,
// errors as the gateway words them).
func (m *Mount) Do(t testing.TB, op framework.Operation, path string, data map[string]any, opts ...Option) Result {
	t.Helper()
	resp, final, err := m.call(t, op, path, data, opts...)
	if err != nil {
		status, msgs := framework.StatusOf(err)
		return Result{Status: status, Operation: final, Errors: msgs}
	}
	res := Render(t, resp)
	res.Operation = final
	return res
}

// Render renders a response as the gateway would.
func Render(t testing.TB, resp *framework.Response) Result {
	t.Helper()
	res := Result{Status: http.StatusNoContent, Response: resp}
	if resp == nil {
		return res
	}
	res.Warnings = resp.Warnings
	res.Status = resp.StatusCode
	if res.Status == 0 {
		res.Status = http.StatusOK
	}
	switch {
	case resp.Raw != nil:
		res.Raw = string(resp.Raw)
		_ = json.Unmarshal(resp.Raw, &res.Data)
	case resp.Data != nil:
		b, err := json.Marshal(resp.Data)
		if err != nil {
			t.Fatalf("testkit: response data does not marshal: %v", err)
		}
		res.Raw = string(b)
		if err := json.Unmarshal(b, &res.Data); err != nil {
			t.Fatalf("testkit: response data does not unmarshal: %v", err)
		}
	case len(resp.Warnings) == 0 && resp.StatusCode == 0 && resp.Auth == nil && resp.Secret == nil:
		res.Status = http.StatusNoContent
	}
	return res
}

// AsJSON gives data the shape the gateway's decoder gives a body (objects
// as maps, numbers as json.Number); nil stays nil.
func AsJSON(t testing.TB, data map[string]any) map[string]any {
	t.Helper()
	if data == nil {
		return nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatalf("testkit: request data does not marshal: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("testkit: request data does not decode: %v", err)
	}
	return out
}

// Observe wires a backend's Invalidate to a projector-style observer, as
// the node does for live mounts.
func Observe(b *framework.Backend) func([]ledger.Record) {
	return func(recs []ledger.Record) {
		for i := range recs {
			if recs[i].Kind != "" {
				b.InvalidateKey(context.Background(), recs[i].Kind, recs[i].Aggregate)
			}
		}
	}
}
