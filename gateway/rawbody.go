package gateway

import (
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/cofferhq/coffer/engines/framework"
)

// rawBody is a write's body whose media type is not JSON. Which it is
// depends on the path it reaches: one that declares the type in
// framework.Path.RawBody takes it as sent (an OCSP request is DER), any
// other decodes it as JSON like every body, as before.
type rawBody struct {
	mediaType string
	body      []byte
}

// nonJSONMediaType returns the request's media type when it names
// something other than JSON, "" otherwise. Clients send Vault's JSON
// bodies as application/json, with no type, or (curl -d) as a form or
// text: all of those stay JSON.
func nonJSONMediaType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	switch {
	case mt == "application/json", strings.HasSuffix(mt, "+json"), mt == "text/plain",
		mt == "application/x-www-form-urlencoded", mt == "multipart/form-data":
		return ""
	}
	return mt
}

// bindRaw resolves a raw body against the path it reached: the bytes as
// sent when the path takes its media type, else its JSON object.
func (s *Server) bindRaw(entry *framework.Path, raw *rawBody) (map[string]any, []byte, error) {
	if slices.Contains(entry.RawBody, raw.mediaType) {
		return nil, raw.body, nil
	}
	data, err := s.cfg.Limits.decodeBody(raw.body)
	if err != nil {
		return nil, nil, framework.BadRequest("%v", err)
	}
	return data, nil, nil
}

// rawBodyPaths take a binary upload rather than a JSON body (Vault's
// `operator raft snapshot restore` posts a snapshot archive). The gateway
// does not decode it: the handler sees no fields and answers for itself
// (Coffer refuses a restore, saying why), after the usual token, ACL and
// audit steps.
var rawBodyPaths = map[string]bool{
	"/v1/sys/storage/raft/snapshot":       true,
	"/v1/sys/storage/raft/snapshot-force": true,
}
