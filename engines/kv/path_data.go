package kv

import (
	"encoding/json"
	"errors"
	"time"

	kvcmd "github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// dataPath is data/<path>: read, write, patch and soft-delete versions.
// Like Vault, the path may not end in "/".
func (b *backend) dataPath() *framework.Path {
	return &framework.Path{
		Pattern: `data/(?P<path>.*[^/])`,
		Fields: map[string]*framework.FieldSchema{
			"path":    pathField,
			"version": versionField,
			"data":    {Type: framework.TypeMap, Description: "The contents of the data map will be stored and returned on read."},
			"options": {Type: framework.TypeMap, Description: "Options for writing a KV entry. Set the \"cas\" value to use a Check-And-Set operation."},
		},
		Synopsis: "Write, Patch, Read, and Delete data in the Key-Value Store.",
		Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation:   b.readData,
			framework.CreateOperation: b.writeData,
			framework.UpdateOperation: b.writeData,
			framework.PatchOperation:  b.patchData,
			framework.DeleteOperation: b.deleteData,
		},
		ExistenceCheck: b.secretExists,
	}
}

// secretExists makes a write to a new secret need "create" and to an
// existing one "update", as in Vault.
func (b *backend) secretExists(req *framework.Request) (bool, error) {
	return b.reader.Exists(req.MountAccessor, req.Vars["path"])
}

// readVersion loads version n (0: current) of a secret: its value and its
// metadata. A deleted or destroyed version has metadata but no value; a
// missing secret or version is framework.ErrNotFound.
//
// The metadata and the value are read at two moments. A version pruned
// past max_versions in between has lost its data key though it was
// current (or present) when the metadata was read; it was never
// destroyed, so the read starts again from fresh metadata instead of
// answering "destroyed" (the cluster's linearizability check found this).
func (b *backend) readVersion(req *framework.Request, n uint64) (data, md map[string]any, err error) {
	for attempt := 0; ; attempt++ {
		data, md, pruned, err := b.readVersionOnce(req, n)
		if !pruned || attempt == readVersionAttempts-1 {
			return data, md, err
		}
	}
}

// readVersionAttempts bounds the re-reads of a version pruned under a
// read: each needs max_versions writes to the secret in between.
const readVersionAttempts = 5

func (b *backend) readVersionOnce(req *framework.Request, n uint64) (data, md map[string]any, pruned bool, err error) {
	mount, path := req.MountAccessor, req.Vars["path"]
	meta, err := b.reader.Metadata(mount, path)
	if err != nil {
		return nil, nil, false, err
	}
	want := n
	if want == 0 {
		want = meta.CurrentVersion
	}
	vm, ok := meta.Versions[want]
	if !ok {
		return nil, nil, false, framework.ErrNotFound
	}
	if !vm.Readable(time.Now()) {
		return nil, versionMetadata(want, vm, meta.CustomMetadata), false, nil
	}
	plain, err := b.reader.Value(req.Context(), mount, path, want)
	if errors.Is(err, kvstore.ErrErased) || errors.Is(err, kvstore.ErrNotFound) {
		if b.prunedSince(req, want) {
			// Pruned, not destroyed: read again (the current version
			// has moved on; an explicit one is now not found).
			return nil, nil, true, framework.ErrNotFound
		}
		// The data key is gone though the destroy event has not been
		// applied here yet: it is destroyed all the same.
		vm.Destroyed = true
		return nil, versionMetadata(want, vm, meta.CustomMetadata), false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	data, err = decodeObject(plain)
	if err != nil {
		return nil, nil, false, err
	}
	return data, versionMetadata(want, vm, meta.CustomMetadata), false, nil
}

func (b *backend) readData(req *framework.Request) (*framework.Response, error) {
	data, md, err := b.readVersion(req, versionParam(req))
	if err != nil {
		return nil, err
	}
	if data == nil {
		return notFoundWith(map[string]any{"data": nil, "metadata": md}), nil
	}
	return &framework.Response{Data: map[string]any{"data": data, "metadata": md}}, nil
}

// dataObject reads the "data" object of a write or patch.
func dataObject(req *framework.Request) (map[string]any, error) {
	if raw, ok := req.Data["data"]; !ok || raw == nil {
		return nil, framework.BadRequest("no data provided")
	}
	return req.Map("data"), nil
}

func writtenResponse(w kvcmd.Written) *framework.Response {
	return &framework.Response{Data: versionMetadata(w.Version, w.Meta, w.CustomMetadata), Warnings: w.Warnings}
}

func (b *backend) writeData(req *framework.Request) (*framework.Response, error) {
	obj, err := dataObject(req)
	if err != nil {
		return nil, err
	}
	cas, err := casOption(req)
	if err != nil {
		return nil, err
	}
	value, err := json.Marshal(obj)
	if err != nil {
		return nil, framework.BadRequest("field \"data\": %v", err)
	}
	w, err := b.runner.Write(req.Context(), req.MountAccessor, req.Vars["path"], value, cas)
	if err != nil {
		return nil, err
	}
	return writtenResponse(w), nil
}

func (b *backend) patchData(req *framework.Request) (*framework.Response, error) {
	if err := requireMergePatch(req); err != nil {
		return nil, err
	}
	patch, err := dataObject(req)
	if err != nil {
		return nil, err
	}
	cas, err := casOption(req)
	if err != nil {
		return nil, err
	}
	w, err := b.runner.Patch(req.Context(), req.MountAccessor, req.Vars["path"], patch, cas)
	var gone *kvcmd.UnavailableError
	if errors.As(err, &gone) {
		return notFoundWith(versionMetadata(gone.Version, gone.Meta, gone.CustomMetadata)), nil
	}
	if err != nil {
		return nil, err
	}
	return writtenResponse(w), nil
}

func (b *backend) deleteData(req *framework.Request) (*framework.Response, error) {
	return nil, b.runner.DeleteLatest(req.Context(), req.MountAccessor, req.Vars["path"])
}

// prunedWait bounds how long a read whose data key is gone waits for this
// node's projection to say why: the erasure can come from another node
// (the eraser runs where the singletons do) before this node has applied
// the write that pruned the version.
const prunedWait = 2 * time.Second

// prunedSince tells whether version n left the secret's metadata (pruned
// by max_versions) after its data key was found erased. It polls the
// projection until the version is gone (true), is marked destroyed or the
// wait ends (false).
func (b *backend) prunedSince(req *framework.Request, n uint64) bool {
	deadline := time.Now().Add(prunedWait)
	for {
		meta, err := b.reader.Metadata(req.MountAccessor, req.Vars["path"])
		if err != nil {
			return errors.Is(err, framework.ErrNotFound) || errors.Is(err, kvstore.ErrNotFound)
		}
		vm, ok := meta.Versions[n]
		if !ok {
			return true
		}
		if vm.Destroyed || time.Now().After(deadline) {
			return false
		}
		select {
		case <-req.Context().Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}
