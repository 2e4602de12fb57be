package node

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testkit"
)

// TestClusterRemovePeerWithoutReplacement: JetStream keeps each stream's
// replica count, so with three servers a stopped one cannot be removed
// (nowhere to move its replicas): remove-peer answers 409 with the reason
// rather than shrinking the cluster, and the other two keep serving.
func TestClusterRemovePeerWithoutReplacement(t *testing.T) {
	if testing.Short() {
		t.Skip("three nodes")
	}
	c := newTestCluster(t)
	ctx := context.Background()
	require.NoError(t, c.client(0).Sys().Mount("secret", &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}))
	c.stop(2)
	_, err := c.client(0).Logical().Write("sys/storage/raft/remove-peer", map[string]any{"server_id": "node-3"})
	var re *vault.ResponseError
	require.ErrorAs(t, err, &re)
	require.Equal(t, http.StatusConflict, re.StatusCode)
	require.Contains(t, strings.Join(re.Errors, " "), "start the node that replaces it first")
	// The stream may be electing a new leader (node 3 may have led it).
	testkit.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		s, err := c.client(0).Logical().Read("sys/storage/raft/configuration")
		if err != nil {
			return err
		}
		if n := len(s.Data["config"].(map[string]any)["servers"].([]any)); n != 3 {
			return fmt.Errorf("%d servers listed, want all 3: nothing was shrunk", n)
		}
		return nil
	})
	_, err = c.client(1).KVv2("secret").Put(ctx, "after-remove", map[string]any{"v": "1"})
	require.NoError(t, err)
}
