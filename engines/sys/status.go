package sys

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
)

// sys/health and sys/seal-status answer without a token and are not
// audited, as in Vault; their bodies are not enveloped.
func (b *backend) statusPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:         "health",
			Fields:          healthFields,
			Synopsis:        "Checks the health of the node.",
			Operations:      map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.health},
			Unauthenticated: true,
			Unaudited:       true,
		},
		{
			Pattern:         "seal-status",
			Fields:          map[string]*framework.FieldSchema{},
			Synopsis:        "Check the seal status of the node.",
			Operations:      map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.sealStatus},
			Unauthenticated: true,
			Unaudited:       true,
		},
	}
}

// healthFields are sys/health's query parameters. The handler reads them
// from the query itself: an unparsable code is Vault's bare 400, not a
// field validation error.
var healthFields = map[string]*framework.FieldSchema{
	"standbyok":   {Type: framework.TypeString, Query: true, Description: "Specifies if being a standby should still return the active status code."},
	"activecode":  {Type: framework.TypeString, Query: true, Description: "Specifies the status code for an active node."},
	"standbycode": {Type: framework.TypeString, Query: true, Description: "Specifies the status code for a standby node."},
	"uninitcode":  {Type: framework.TypeString, Query: true, Description: "Specifies the status code for an uninitialized node."},
	"sealedcode":  {Type: framework.TypeString, Query: true, Description: "Specifies the status code for a sealed node."},
}

type healthBody struct {
	Initialized                bool   `json:"initialized"`
	Sealed                     bool   `json:"sealed"`
	Standby                    bool   `json:"standby"`
	PerformanceStandby         bool   `json:"performance_standby"`
	ReplicationPerformanceMode string `json:"replication_performance_mode"`
	ReplicationDRMode          string `json:"replication_dr_mode"`
	ServerTimeUTC              int64  `json:"server_time_utc"`
	Version                    string `json:"version"`
	ClusterName                string `json:"cluster_name,omitempty"`
	ClusterID                  string `json:"cluster_id,omitempty"`
	// StorageError says why the node refuses requests while its ledger
	// cannot write (a full disk); Vault has no such field.
	StorageError string `json:"storage_error,omitempty"`
}

// health answers GET/HEAD sys/health with Vault's status codes: 200
// active, 429 standby, 501 not initialised, 503 sealed, each overridable
// by a query parameter (activecode, standbycode, uninitcode, sealedcode;
// standbyok=true makes a standby answer as active). Every node of a
// Coffer cluster serves reads and writes, so none is ever a standby.
// An unsealed node whose ledger cannot write (a full disk) answers every
// audited request with 503, so its health says so too (503, or
// sealedcode, with storage_error): a load balancer takes it out of the
// pool until space returns, when the guard recovers in place.
func (b *backend) health(req *framework.Request) (*framework.Response, error) {
	q := req.Query
	codes := map[string]int{
		"activecode":  http.StatusOK,
		"standbycode": http.StatusTooManyRequests,
		"uninitcode":  http.StatusNotImplemented,
		"sealedcode":  http.StatusServiceUnavailable,
	}
	for name := range codes {
		vs, ok := q[name]
		if !ok {
			continue
		}
		code, err := strconv.Atoi(first(vs))
		if err != nil || code < 100 || code > 599 {
			return badHealthQuery(), nil
		}
		codes[name] = code
	}
	standbyOK := false
	if vs, ok := q["standbyok"]; ok {
		v, err := strconv.ParseBool(first(vs))
		if err != nil {
			return badHealthQuery(), nil
		}
		standbyOK = v
	}
	initialized, sealed, standby := b.opts.Seal.Initialized(), b.opts.Seal.Sealed(), false
	code := codes["activecode"]
	switch {
	case !initialized:
		code = codes["uninitcode"]
	case sealed:
		code = codes["sealedcode"]
	case standby && !standbyOK:
		code = codes["standbycode"]
	}
	storageErr := b.storageError(initialized, sealed)
	if storageErr != "" {
		code = codes["sealedcode"]
	}
	body := healthBody{
		Initialized: initialized, Sealed: sealed, Standby: standby,
		ReplicationPerformanceMode: "disabled", ReplicationDRMode: "disabled",
		ServerTimeUTC: time.Now().UTC().Unix(), Version: b.opts.Version,
		StorageError: storageErr,
	}
	if !sealed {
		body.ClusterName, body.ClusterID = b.cluster()
	}
	return rawJSON(code, body)
}

// storageError is the ledger's refusal of writes, if any, on a node that
// would otherwise serve.
func (b *backend) storageError(initialized, sealed bool) string {
	if !initialized || sealed || b.deps.Ledger == nil {
		return ""
	}
	if err := b.deps.Ledger.StorageError(); err != nil {
		return err.Error()
	}
	return ""
}

// badHealthQuery is Vault's answer to an unparsable code or standbyok.
func badHealthQuery() *framework.Response {
	return &framework.Response{StatusCode: http.StatusBadRequest, Raw: []byte(`{"errors":[]}`), RawContentType: "application/json"}
}

type sealStatusBody struct {
	Type         string `json:"type"`
	Initialized  bool   `json:"initialized"`
	Sealed       bool   `json:"sealed"`
	T            int    `json:"t"`
	N            int    `json:"n"`
	Progress     int    `json:"progress"`
	Nonce        string `json:"nonce"`
	Version      string `json:"version"`
	BuildDate    string `json:"build_date"`
	Migration    bool   `json:"migration"`
	ClusterName  string `json:"cluster_name,omitempty"`
	ClusterID    string `json:"cluster_id,omitempty"`
	RecoverySeal bool   `json:"recovery_seal"`
	StorageType  string `json:"storage_type,omitempty"`
}

// sealStatus answers GET sys/seal-status, with unseal progress when the
// SealState reports it.
func (b *backend) sealStatus(*framework.Request) (*framework.Response, error) {
	s := b.opts.Seal
	t, n := s.Threshold()
	body := sealStatusBody{
		Type: s.SealType(), Initialized: s.Initialized(), Sealed: s.Sealed(), T: t, N: n,
		Version: b.opts.Version, BuildDate: b.opts.BuildDate, StorageType: "ledger",
	}
	if p, ok := s.(SealProgress); ok {
		body.Progress, body.Nonce = p.Progress()
	}
	if r, ok := s.(interface{ RecoverySeal() bool }); ok {
		body.RecoverySeal = r.RecoverySeal()
	}
	if !body.Sealed {
		body.ClusterName, body.ClusterID = b.cluster()
	}
	return rawJSON(http.StatusOK, body)
}

// SealProgress is what a SealState reports while an unseal is under way.
type SealProgress interface {
	Progress() (progress int, nonce string)
}

// StatusPaths is sys/health and sys/seal-status alone: all a sealed node
// serves besides its seal endpoints.
func StatusPaths(deps framework.Deps, opts Options) *framework.Backend {
	b := &backend{deps: deps, opts: opts}
	return &framework.Backend{Paths: b.statusPaths()}
}

// cluster derives the cluster's name and id from the ledger's audit key:
// stable across restarts and the same on every node, with nothing to
// store. Empty while sealed.
func (b *backend) cluster() (name, id string) {
	barrier := b.deps.Ledger.Barrier()
	if barrier == nil {
		return "", ""
	}
	h := barrier.HMAC("sys-cluster", "id")
	id = fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
	return "coffer-cluster-" + hex.EncodeToString(h[:4]), id
}

func rawJSON(status int, body any) (*framework.Response, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("sys: render status: %w", err)
	}
	return &framework.Response{StatusCode: status, Raw: raw, RawContentType: "application/json"}, nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
