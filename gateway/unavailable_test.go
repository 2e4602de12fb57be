package gateway_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
)

// TestLedgerUnavailableIs503: a write the ledger could not take for now
// (the elected writer gone mid-failover, an outcome unknown) is a 503 with
// Retry-After and the sentinel's text, not a 500 "internal error"; the
// wrapped detail (here a path) stays in the log.
func TestLedgerUnavailableIs503(t *testing.T) {
	fails := func(framework.MountInfo) (*framework.Backend, error) {
		return &framework.Backend{Paths: []*framework.Path{{Pattern: "w", Unauthenticated: true, Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation: func(*framework.Request) (*framework.Response, error) {
				return nil, fmt.Errorf("kv: put secret/data/hidden-name: %w", ledger.ErrWriterUnavailable)
			},
		}}}}, nil
	}
	srv := serveMount(t, "fails", fails)
	resp, err := http.Get(srv.URL + "/v1/raw/w")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s", body)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.JSONEq(t, `{"errors":["`+ledger.ErrWriterUnavailable.Error()+`"]}`, string(body))
	assert.NotContains(t, string(body), "hidden-name")
}
