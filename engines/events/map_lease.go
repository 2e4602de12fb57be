package events

import (
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands/lease"
	"github.com/cofferhq/coffer/ledger"
)

// EventDatabaseRootRotated is the ledger type the database engine is
// expected to append after rotate-root (payload: mount accessor and
// connection name, never the password); it maps to Vault's
// database/rotate-root.
const EventDatabaseRootRotated = "database.root_rotated"

// Leases: an issue by the database engine is Vault's
// database/creds-create; everything else about leases is Coffer's own
// lease/<what>. The data path is the path the lease was issued from (the
// lease id without its random last segment), so whoever may read the
// credential's path may follow its lease.
func init() {
	register(mapLease, lease.EventIssued, lease.EventRenewed, lease.EventExpired,
		lease.EventRevoked, lease.EventForgotten, lease.EventRevocationFailed)
	register(mapRootRotated, EventDatabaseRootRotated)
}

func mapLease(m *mapper, rec *ledger.Record) (draft, bool) {
	var e struct {
		Engine        string    `json:"engine"`
		MountAccessor string    `json:"mount_accessor"`
		TTL           int64     `json:"ttl"` // nanoseconds (time.Duration)
		ExpireAt      time.Time `json:"expire_at"`
		Renewable     bool      `json:"renewable"`
		Reason        string    `json:"reason"`
		Attempt       int       `json:"attempt"`
	}
	if !decode(rec, &e) {
		return draft{}, false
	}
	id := rec.Aggregate
	issuedFrom := id
	if i := strings.LastIndexByte(id, '/'); i > 0 {
		issuedFrom = id[:i]
	}
	var mi mountInfo
	ok := false
	if e.MountAccessor != "" {
		mi, ok = m.mounts.byAccessorOf(e.MountAccessor)
	}
	if !ok {
		mi, _ = m.mounts.byPathPrefix(issuedFrom + "/")
	}
	d := draft{path: issuedFrom, dataPath: issuedFrom, mount: mi, meta: map[string]string{"lease_id": id}}
	switch rec.Type {
	case lease.EventIssued:
		d.typ = "lease/issued"
		if e.Engine == "database" || mi.typ == "database" {
			d.typ = "database/creds-create"
		}
		d.meta["ttl"] = strconv.FormatInt(int64(time.Duration(e.TTL)/time.Second), 10)
		d.meta["expire_time"] = e.ExpireAt.UTC().Format(time.RFC3339)
		d.meta["renewable"] = strconv.FormatBool(e.Renewable)
	case lease.EventRenewed:
		d.typ = "lease/renewed"
		d.meta["expire_time"] = e.ExpireAt.UTC().Format(time.RFC3339)
	case lease.EventExpired:
		d.typ = "lease/expired"
	case lease.EventRevoked:
		d.typ = "lease/revoked"
		d.meta["reason"] = e.Reason
	case lease.EventForgotten:
		d.typ = "lease/forgotten"
		d.meta["reason"] = e.Reason
	case lease.EventRevocationFailed:
		d.typ = "lease/revocation-failed"
		d.meta["attempt"] = strconv.Itoa(e.Attempt)
	}
	return d, true
}

func mapRootRotated(m *mapper, rec *ledger.Record) (draft, bool) {
	var e struct {
		Mount string `json:"mount"`
		Name  string `json:"name"`
	}
	if !decode(rec, &e) {
		return draft{}, false
	}
	mi, ok := m.mounts.byAccessorOf(e.Mount)
	if !ok {
		mi = mountInfo{accessor: e.Mount, typ: "database"}
	}
	p := mi.path + "rotate-root/" + e.Name
	return draft{typ: "database/rotate-root", path: p, dataPath: p, mount: mi, meta: map[string]string{"name": e.Name}}, true
}
