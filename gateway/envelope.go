package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/cofferhq/coffer/engines/framework"
)

// envelope is Vault's response body.
type envelope struct {
	RequestID     string         `json:"request_id"`
	LeaseID       string         `json:"lease_id"`
	Renewable     bool           `json:"renewable"`
	LeaseDuration int64          `json:"lease_duration"`
	Data          map[string]any `json:"data"`
	WrapInfo      any            `json:"wrap_info"`
	Warnings      []string       `json:"warnings"`
	Auth          *authBlock     `json:"auth"`
	MountType     string         `json:"mount_type"`
}

// authBlock is the "auth" member of the envelope.
type authBlock struct {
	ClientToken   string            `json:"client_token"`
	Accessor      string            `json:"accessor"`
	Policies      []string          `json:"policies"`
	TokenPolicies []string          `json:"token_policies"`
	Metadata      map[string]string `json:"metadata"`
	LeaseDuration int64             `json:"lease_duration"`
	Renewable     bool              `json:"renewable"`
	EntityID      string            `json:"entity_id"`
	TokenType     string            `json:"token_type"`
	Orphan        bool              `json:"orphan"`
	NumUses       int               `json:"num_uses"`
}

func renderAuth(a *framework.Auth) *authBlock {
	if a == nil {
		return nil
	}
	tokenPolicies := a.TokenPolicies
	if tokenPolicies == nil {
		tokenPolicies = a.Policies
	}
	return &authBlock{
		ClientToken: a.ClientToken, Accessor: a.Accessor, Policies: a.Policies, TokenPolicies: tokenPolicies,
		Metadata: a.Metadata, LeaseDuration: int64(a.TTL.Seconds()), Renewable: a.Renewable, EntityID: a.EntityID,
		TokenType: a.TokenType, Orphan: a.Orphan, NumUses: a.NumUses,
	}
}

type errorBody struct {
	Errors []string `json:"errors"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":["internal error"]}`)
	}
	writeBody(w, status, b)
}

func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msgs ...string) {
	if msgs == nil {
		msgs = []string{}
	}
	writeJSON(w, status, errorBody{Errors: msgs})
}

// isEmpty reports whether a response has nothing to put in an envelope,
// which Vault answers with 204.
func isEmpty(r *framework.Response) bool {
	return r == nil || (r.Data == nil && r.Auth == nil && r.Secret == nil && len(r.Warnings) == 0 && r.Raw == nil && r.WrapInfo == nil)
}

func buildEnvelope(requestID, mountType string, r *framework.Response) envelope {
	env := envelope{RequestID: requestID, Data: r.Data, Warnings: r.Warnings, Auth: renderAuth(r.Auth), MountType: mountType}
	if r.WrapInfo != nil {
		env.WrapInfo = renderWrapInfo(r.WrapInfo)
	}
	if r.Secret != nil {
		env.LeaseID = r.Secret.LeaseID
		env.Renewable = r.Secret.Renewable
		env.LeaseDuration = int64(r.Secret.LeaseDuration.Seconds())
	}
	return env
}

func writeResponse(w http.ResponseWriter, requestID, mountType string, r *framework.Response) {
	if r != nil {
		for k, vs := range r.Headers {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
	}
	switch {
	case r != nil && r.Raw != nil:
		ct := r.RawContentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		status := r.StatusCode
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write(r.Raw)
	case isEmpty(r):
		status := http.StatusNoContent
		if r != nil && r.StatusCode != 0 {
			status = r.StatusCode
		}
		w.WriteHeader(status)
	default:
		status := r.StatusCode
		if status == 0 {
			status = http.StatusOK
		}
		env := buildEnvelope(requestID, mountType, r)
		b, err := appendEnvelope(make([]byte, 0, 512), &env)
		if err != nil {
			writeJSON(w, status, env) // json.Marshal decides, as before
			return
		}
		writeBody(w, status, b)
	}
}

// appendEnvelope writes the bytes json.Marshal writes for env (checked by
// TestEnvelopeJSONIsEncodingJSONs), by hand for its own fields and the
// data a handler returns, through json.Marshal for the rest (auth and
// wrap info, values of types appendAny does not know): every response
// has one, and reflection over it was a few percent of a request's CPU
// (issue 16).
func appendEnvelope(dst []byte, env *envelope) ([]byte, error) {
	var err error
	dst = append(dst, `{"request_id":`...)
	dst = appendString(dst, env.RequestID)
	dst = append(dst, `,"lease_id":`...)
	dst = appendString(dst, env.LeaseID)
	dst = append(dst, `,"renewable":`...)
	dst = strconv.AppendBool(dst, env.Renewable)
	dst = append(dst, `,"lease_duration":`...)
	dst = strconv.AppendInt(dst, env.LeaseDuration, 10)
	dst = append(dst, `,"data":`...)
	if env.Data == nil {
		dst = append(dst, "null"...)
	} else if dst, err = appendMap(dst, env.Data, appendAny); err != nil {
		return nil, err
	}
	dst = append(dst, `,"wrap_info":`...)
	if dst, err = appendAny(dst, env.WrapInfo); err != nil {
		return nil, err
	}
	dst = append(dst, `,"warnings":`...)
	dst = appendStrings(dst, env.Warnings)
	dst = append(dst, `,"auth":`...)
	if env.Auth == nil {
		dst = append(dst, "null"...)
	} else if dst, err = appendMarshal(dst, env.Auth); err != nil {
		return nil, err
	}
	dst = append(dst, `,"mount_type":`...)
	dst = appendString(dst, env.MountType)
	return append(dst, '}'), nil
}
