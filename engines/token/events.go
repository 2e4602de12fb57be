package token

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
)

// eventMap publishes token creations and revocations, naming tokens by
// accessor only; their data path is auth/token/accessors/<accessor>, the
// path state-at accepts. A token minted by a login is an auth/login event.
var eventMap = framework.EventMap{
	Types: []string{tokenevent.EventCreated, tokenevent.EventRevoked},
	Map:   mapEvent,
}

func mapEvent(_ framework.EventContext, rec *ledger.Record) (framework.PublicEvent, bool) {
	var e struct {
		Accessor    string   `json:"accessor"`
		Policies    []string `json:"policies"`
		DisplayName string   `json:"display_name"`
		Path        string   `json:"path"`
		Type        string   `json:"type"`
		TTL         int64    `json:"ttl"`
		Reason      string   `json:"reason"`
		Parent      string   `json:"parent"`
		Mount       string   `json:"mount_accessor"`
		Alias       string   `json:"alias"`
	}
	if json.Unmarshal(rec.Data, &e) != nil || e.Accessor == "" {
		return framework.PublicEvent{}, false
	}
	// The token itself receives its events; its accessor is shown only
	// to subscribers with sudo (issue 10, item 7).
	d := framework.PublicEvent{Mount: framework.TokenMountRef, DataPath: "auth/token/accessors/" + e.Accessor, Metadata: map[string]string{"accessor": e.Accessor},
		Owner: e.Accessor, Bearer: []string{e.Accessor}}
	if rec.Type == tokenevent.EventCreated {
		d.Type, d.Path = "token/created", e.Path
		if d.Path == "" {
			d.Path = "auth/token/create"
		}
		if e.Mount != "" {
			d.Type = "auth/login"
			d.Metadata["mount_accessor"] = e.Mount
			d.Metadata["alias"] = e.Alias
		}
		d.Metadata["policies"] = strings.Join(e.Policies, ",")
		d.Metadata["display_name"] = e.DisplayName
		d.Metadata["token_type"] = e.Type
		d.Metadata["ttl"] = strconv.FormatInt(e.TTL, 10)
		d.Metadata["orphan"] = strconv.FormatBool(e.Parent == "")
		return d, true
	}
	d.Type, d.Path = "token/revoked", "auth/token/revoke-accessor"
	d.Metadata["reason"] = e.Reason
	return d, true
}
