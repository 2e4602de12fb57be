package runner

import (
	"strings"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/events"
	tmpl "github.com/cofferhq/coffer/cmd/coffer/internal/agent/template"
)

// affects reports whether ev means e must be fetched again. Pure: it is
// the whole push policy.
//
//   - A lease that ended (revoked, expired, forgotten, or its revocation
//     failing) replaces the secret that holds it.
//   - A change at a static secret's path (a KV write, delete, destroy,
//     metadata change) fetches it again; a list follows changes below it.
//   - Leased secrets are not fetched again because of events at their
//     path: another client's database/creds read is not a change of ours.
//   - A policy change retries whatever failed (the token may now read it).
func affects(ev events.Event, e *entry) bool {
	switch {
	case strings.HasPrefix(ev.Type, "lease/"):
		if e.secret == nil || e.secret.LeaseID == "" || ev.LeaseID != e.secret.LeaseID {
			return false
		}
		switch ev.Type {
		case "lease/revoked", "lease/expired", "lease/forgotten", "lease/revocation-failed":
			return true
		}
		return false
	case strings.HasPrefix(ev.Type, "policy/"):
		return e.err != nil
	}
	if e.secret != nil && e.secret.LeaseID != "" {
		return false
	}
	if e.dep.Kind != tmpl.Read && e.dep.Kind != tmpl.List {
		return false
	}
	path := e.apiPath
	if path == "" {
		path = stripQuery(e.dep.Path)
	}
	if e.dep.Kind == tmpl.List {
		under := path + "/"
		return strings.HasPrefix(ev.Path, under) || strings.HasPrefix(ev.DataPath, under) ||
			strings.HasPrefix(ev.DataPath, metadataToData(path)+"/")
	}
	return ev.DataPath == path || ev.Path == path
}

// metadataToData maps a KV v2 list path (mount/metadata/x) to the data
// path events carry (mount/data/x).
func metadataToData(p string) string {
	if i := strings.Index(p, "/metadata/"); i >= 0 {
		return p[:i] + "/data/" + p[i+len("/metadata/"):]
	}
	if strings.HasSuffix(p, "/metadata") {
		return strings.TrimSuffix(p, "/metadata") + "/data"
	}
	return p
}
