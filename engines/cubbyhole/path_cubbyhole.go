package cubbyhole

import (
	"errors"
	"strings"

	"github.com/cofferhq/coffer/commands"
	cubbycmd "github.com/cofferhq/coffer/commands/cubbyhole"
	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/cubbyholestore"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

const help = `The cubbyhole secrets engine stores secrets for the token that writes
them: no other token, whatever its policies, can read them, and they are
erased when the token is revoked or expires.`

type backend struct {
	bus *commands.Bus
}

func newBackend(deps framework.Deps) *framework.Backend {
	b := &backend{bus: deps.Bus}
	return &framework.Backend{Help: help, Paths: []*framework.Path{{
		Pattern:             `(?P<path>.*)`,
		Fields:              map[string]*framework.FieldSchema{"path": {Type: framework.TypeString, Description: "Specifies the path of the secret."}},
		TakesArbitraryInput: true,
		Synopsis:            "Pass-through secret storage to a token-specific cubbyhole in the storage backend, allowing you to read/write arbitrary data into secret storage.",
		Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation:   b.read,
			framework.CreateOperation: b.write,
			framework.UpdateOperation: b.write,
			framework.DeleteOperation: b.delete,
			framework.ListOperation:   b.list,
		},
		ExistenceCheck: b.exists,
	}}}
}

// owner is the hash of the caller's token: the cubbyhole a request sees.
func (b *backend) owner(req *framework.Request) (string, error) {
	if req.Auth == nil || req.Auth.ClientToken == "" {
		return "", framework.ErrPermissionDenied
	}
	if tokencmd.IsBatch(req.Auth.ClientToken) {
		return "", cubbycmd.ErrBatchToken
	}
	br := b.bus.Ledger.Barrier()
	if br == nil {
		return "", ledger.ErrSealed
	}
	return tokenstore.Hash(br, req.Auth.ClientToken), nil
}

func (b *backend) exists(req *framework.Request) (bool, error) {
	token, err := b.owner(req)
	if err != nil {
		return false, nil // the handler refuses it
	}
	br := b.bus.Ledger.Barrier()
	_, err = cubbyholestore.Entry(b.bus.Projections, token, cubbycmd.EntryID(br, token, req.Vars["path"]))
	if errors.Is(err, cubbyholestore.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (b *backend) read(req *framework.Request) (*framework.Response, error) {
	token, err := b.owner(req)
	if err != nil {
		return nil, err
	}
	data, err := cubbycmd.Read(req.Context(), b.bus, token, req.Vars["path"])
	if errors.Is(err, cubbycmd.ErrNotFound) {
		return nil, framework.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if data == nil {
		data = map[string]any{}
	}
	return &framework.Response{Data: data}, nil
}

func (b *backend) write(req *framework.Request) (*framework.Response, error) {
	token, err := b.owner(req)
	if err != nil {
		return nil, err
	}
	path := req.Vars["path"]
	if path == "" || strings.HasSuffix(path, "/") {
		return nil, framework.BadRequest("missing path or path ends in /")
	}
	if len(req.Data) == 0 {
		return nil, framework.BadRequest("missing data fields")
	}
	return nil, cubbycmd.Write(req.Context(), b.bus, token, path, req.Data)
}

func (b *backend) delete(req *framework.Request) (*framework.Response, error) {
	token, err := b.owner(req)
	if err != nil {
		return nil, err
	}
	return nil, cubbycmd.Delete(req.Context(), b.bus, token, req.Vars["path"])
}

// list answers LIST <prefix>/ with the names under it; nothing is 404, as
// in Vault.
func (b *backend) list(req *framework.Request) (*framework.Response, error) {
	token, err := b.owner(req)
	if err != nil {
		return nil, err
	}
	prefix := req.Vars["path"]
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	keys, err := cubbycmd.List(req.Context(), b.bus, token, prefix)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, framework.ErrNotFound
	}
	return &framework.Response{Data: map[string]any{"keys": keys}}, nil
}
