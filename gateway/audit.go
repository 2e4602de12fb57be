package gateway

import (
	"encoding/json"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
)

// Audit records follow the layout of Vault's file audit device, so tools
// that read Vault's audit log can read ours. Every string value that could
// hold a secret (tokens, accessors, request and response data) is replaced
// by its HMAC under the ledger's audit key; sys/audit-hash computes the same
// HMAC for a value an investigator already knows.

type auditor struct {
	barrier func() *ledger.Barrier
}

func (a auditor) hash(s string) string {
	if s == "" {
		return ""
	}
	return a.barrier().AuditHMAC(s)
}

// hashValue replaces every string inside v with its HMAC; numbers, bools
// and structure stay, as in Vault.
func (a auditor) hashValue(v any) any {
	switch t := v.(type) {
	case string:
		return a.hash(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = a.hashValue(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = a.hashValue(e)
		}
		return out
	case []string:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = a.hash(e)
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = a.hash(e)
		}
		return out
	case nil, bool, json.Number, float64, int, int64, uint64:
		return v
	}
	// Anything else (structs from handlers): round-trip through JSON so no
	// string escapes hashing.
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return nil
	}
	return a.hashValue(generic)
}

func (a auditor) authOf(auth *framework.Caller) *auditevent.Auth {
	if auth == nil {
		return nil
	}
	return &auditevent.Auth{
		ClientToken:   a.hash(auth.ClientToken),
		Accessor:      a.hash(auth.Accessor),
		DisplayName:   auth.DisplayName,
		Policies:      auth.Policies,
		TokenPolicies: auth.Policies,
		Metadata:      auth.Meta,
		EntityID:      auth.EntityID,
		TokenType:     auth.TokenType,
	}
}

func (a auditor) request(req *framework.Request, fullPath, remote string) auditevent.Record {
	r := auditevent.Record{Time: time.Now().UTC(), Type: "request", Auth: a.authOf(req.Auth)}
	r.Request = auditevent.Request{
		ID: req.ID, Operation: string(req.Operation), MountType: req.MountType,
		MountAccessor: req.MountAccessor, MountPoint: req.MountPath,
		Namespace: auditevent.RootNamespace, Path: fullPath, RemoteAddress: remote,
	}
	if r.Auth != nil {
		// The same hashes as the auth block's: each is an HMAC per
		// request, not worth computing twice.
		r.Request.ClientToken = r.Auth.ClientToken
		r.Request.ClientTokenAccessor = r.Auth.Accessor
	}
	if req.Data != nil {
		r.Request.Data = a.hashValue(req.Data)
	}
	return r
}

func (a auditor) response(reqRec auditevent.Record, resp *framework.Response, errMsg string) auditevent.Record {
	r := reqRec
	r.Time = time.Now().UTC()
	r.Type = "response"
	r.Error = errMsg
	if resp != nil {
		out := &auditevent.Response{MountType: reqRec.Request.MountType, Warnings: resp.Warnings}
		if resp.Data != nil {
			out.Data = a.hashValue(resp.Data)
		}
		if resp.Auth != nil {
			out.Auth = &auditevent.Auth{
				ClientToken: a.hash(resp.Auth.ClientToken), Accessor: a.hash(resp.Auth.Accessor),
				Policies: resp.Auth.Policies, TokenPolicies: resp.Auth.TokenPolicies,
				Metadata: resp.Auth.Metadata, EntityID: resp.Auth.EntityID, TokenType: resp.Auth.TokenType,
			}
		}
		if resp.Secret != nil {
			out.Secret = map[string]any{"lease_id": resp.Secret.LeaseID}
		}
		if w := resp.WrapInfo; w != nil {
			out.WrapInfo = &auditevent.WrapInfo{
				Token: a.hash(w.Token), Accessor: a.hash(w.Accessor), TTL: int64(w.TTL.Seconds()),
				CreationTime: w.CreationTime, CreationPath: w.CreationPath,
			}
			if w.WrappedAccessor != "" {
				out.WrapInfo.WrappedAccessor = a.hash(w.WrappedAccessor)
			}
		}
		r.Response = out
	}
	return r
}
