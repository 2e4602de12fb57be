package cubbyhole

import (
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands"
	cubbycmd "github.com/cofferhq/coffer/commands/cubbyhole"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/internal/apierror"
)

// ErrWrapRequired refuses sys/wrapping/wrap without a wrap TTL.
var ErrWrapRequired = apierror.NewFixed(3104, http.StatusBadRequest, "cubbyhole", "endpoint requires response wrapping to be used")

var tokenField = map[string]*framework.FieldSchema{
	"token": {Type: framework.TypeString, Description: "The wrapping token; the request's token when not given."},
}

// wrappingBackend serves sys/wrapping/* (patterns relative to sys/).
func wrappingBackend(deps framework.Deps) *framework.Backend {
	w := &wrapping{bus: deps.Bus}
	return &framework.Backend{Paths: []*framework.Path{
		{Pattern: "wrapping/wrap", TakesArbitraryInput: true, Synopsis: "Response-wraps an arbitrary JSON object.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: w.wrap}},
		{Pattern: "wrapping/unwrap", Fields: tokenField, Unauthenticated: true, Synopsis: "Unwraps a response-wrapped token.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: w.unwrap}},
		{Pattern: "wrapping/lookup", Fields: tokenField, Unauthenticated: true, Synopsis: "Looks up the properties of a response-wrapped token.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: w.lookup, framework.ReadOperation: w.lookup}},
		{Pattern: "wrapping/rewrap", Fields: tokenField, Synopsis: "Rotates a response-wrapped token.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: w.rewrap}},
	}}
}

type wrapping struct {
	bus *commands.Bus
}

// wrap answers with the request's own data; the gateway wraps it.
func (w *wrapping) wrap(req *framework.Request) (*framework.Response, error) {
	if req.WrapTTL <= 0 {
		return nil, ErrWrapRequired
	}
	data := maps.Clone(req.Data)
	if data == nil {
		data = map[string]any{}
	}
	return &framework.Response{Data: data}, nil
}

// wrappingToken is the token a wrapping path acts on: the "token" field,
// else the request's own token.
func wrappingToken(req *framework.Request) string {
	if t := strings.TrimSpace(req.String("token")); t != "" {
		return t
	}
	if req.Auth != nil && req.Auth.ClientToken != "" {
		return req.Auth.ClientToken
	}
	if t := req.Headers.Get("X-Vault-Token"); t != "" {
		return t
	}
	if a := req.Headers.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// unwrap answers with the wrapped response exactly as it was stored.
func (w *wrapping) unwrap(req *framework.Request) (*framework.Response, error) {
	body, err := cubbycmd.Unwrap(req.Context(), w.bus, wrappingToken(req))
	if err != nil {
		return nil, err
	}
	return &framework.Response{Raw: body, RawContentType: "application/json"}, nil
}

func (w *wrapping) lookup(req *framework.Request) (*framework.Response, error) {
	info, err := cubbycmd.Lookup(w.bus, wrappingToken(req))
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{
		"creation_ttl":  int64(info.TTL / time.Second),
		"creation_time": info.CreationTime.Format(time.RFC3339Nano),
		"creation_path": info.CreationPath,
	}}, nil
}

func (w *wrapping) rewrap(req *framework.Request) (*framework.Response, error) {
	raw := strings.TrimSpace(req.String("token"))
	if raw == "" {
		return nil, framework.BadRequest("missing token")
	}
	nw, err := cubbycmd.Rewrap(req.Context(), w.bus, raw)
	if err != nil {
		return nil, err
	}
	return &framework.Response{WrapInfo: &framework.WrapInfo{
		Token: nw.Token, Accessor: nw.Accessor, TTL: nw.TTL, CreationTime: nw.CreationTime, CreationPath: nw.CreationPath,
	}}, nil
}
