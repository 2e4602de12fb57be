package sys

import (
	"encoding/json"
	"fmt"

	"github.com/cofferhq/coffer/engines/framework"
)

// withTopLevel renders a response the way Vault's HTTP layer renders the
// sys routes in its injectDataIntoTopRoutes: the envelope, plus every data
// key copied to the top level of the body (older clients read
// "capabilities" or "secret/" there). Envelope fields win a name clash,
// as they do in Vault, where they are written last. Data stays set for the
// audit record.
func withTopLevel(req *framework.Request, data map[string]any, warnings ...string) (*framework.Response, error) {
	mountType := req.MountType
	if mountType == "" {
		mountType = "system"
	}
	body := make(map[string]any, len(data)+9)
	for k, v := range data {
		body[k] = v
	}
	var warn any
	if len(warnings) > 0 {
		warn = warnings
	}
	for k, v := range map[string]any{
		"request_id": req.ID, "lease_id": "", "renewable": false, "lease_duration": 0,
		"data": data, "wrap_info": nil, "warnings": warn, "auth": nil, "mount_type": mountType,
	} {
		body[k] = v
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("sys: render response: %w", err)
	}
	return &framework.Response{Data: data, Warnings: warnings, Raw: raw, RawContentType: "application/json"}, nil
}
