package lease

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/ledger"
)

// Leases: an issue by the database engine is Vault's
// database/creds-create; everything else about leases is Coffer's own
// lease/<what>. The data path is the path the lease was issued from (the
// lease id without its random last segment), so whoever may read the
// credential's path may follow its lease.
var eventMap = framework.EventMap{
	Types: []string{leaseevent.EventIssued, leaseevent.EventRenewed, leaseevent.EventExpired,
		leaseevent.EventRevoked, leaseevent.EventForgotten, leaseevent.EventRevocationFailed},
	Map: mapEvent,
}

func mapEvent(ec framework.EventContext, rec *ledger.Record) (framework.PublicEvent, bool) {
	var e struct {
		Engine        string    `json:"engine"`
		MountAccessor string    `json:"mount_accessor"`
		TTL           int64     `json:"ttl"` // nanoseconds (time.Duration)
		ExpireAt      time.Time `json:"expire_at"`
		Renewable     bool      `json:"renewable"`
		Reason        string    `json:"reason"`
		Attempt       int       `json:"attempt"`
		TokenAccessor string    `json:"token_accessor"`
	}
	if json.Unmarshal(rec.Data, &e) != nil {
		return framework.PublicEvent{}, false
	}
	id := rec.Aggregate
	issuedFrom := id
	if i := strings.LastIndexByte(id, '/'); i > 0 {
		issuedFrom = id[:i]
	}
	var mi framework.MountRef
	ok := false
	if e.MountAccessor != "" {
		mi, ok = ec.MountByAccessor(e.MountAccessor)
	}
	if !ok {
		mi, _ = ec.MountByPath(issuedFrom + "/")
	}
	// The holder receives its lease's events (an agent renews and
	// re-fetches on them); the id is bearer material (issue 10, item 6).
	owner := e.TokenAccessor
	if owner == "" {
		owner = ec.LeaseOwner(id)
	}
	d := framework.PublicEvent{Path: issuedFrom, DataPath: issuedFrom, Mount: mi, Metadata: map[string]string{"lease_id": id},
		Owner: owner, Bearer: []string{id}}
	switch rec.Type {
	case leaseevent.EventIssued:
		d.Type = "lease/issued"
		if e.Engine == "database" || mi.Type == "database" {
			d.Type = "database/creds-create"
		}
		d.Metadata["ttl"] = strconv.FormatInt(int64(time.Duration(e.TTL)/time.Second), 10)
		d.Metadata["expire_time"] = e.ExpireAt.UTC().Format(time.RFC3339)
		d.Metadata["renewable"] = strconv.FormatBool(e.Renewable)
	case leaseevent.EventRenewed:
		d.Type = "lease/renewed"
		d.Metadata["expire_time"] = e.ExpireAt.UTC().Format(time.RFC3339)
	case leaseevent.EventExpired:
		d.Type = "lease/expired"
	case leaseevent.EventRevoked:
		d.Type = "lease/revoked"
		d.Metadata["reason"] = e.Reason
	case leaseevent.EventForgotten:
		d.Type = "lease/forgotten"
		d.Metadata["reason"] = e.Reason
	case leaseevent.EventRevocationFailed:
		d.Type = "lease/revocation-failed"
		d.Metadata["attempt"] = strconv.Itoa(e.Attempt)
	}
	return d, true
}
