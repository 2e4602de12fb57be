package ledgercmd

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/ledger/transparency"
)

func TestVerifyOffline(t *testing.T) {
	n := startNode(t, 60)
	key := n.verifierKey()
	n.stop()

	t.Run("intact, recorded key", func(t *testing.T) {
		out, errOut, code := run(t, "ledger", "verify", "--data-dir", n.dir)
		require.Equal(t, 0, code, out+errOut)
		assert.Contains(t, out, "verified 62 messages against ")
		assert.Contains(t, out, "; OK\n")
		assert.Contains(t, out, key)
		assert.Contains(t, errOut, "WARNING! Using the checkpoint key recorded in the ledger itself")
	})
	t.Run("intact, pinned key, json", func(t *testing.T) {
		out, errOut, code := run(t, "ledger", "verify", "--data-dir", n.dir, "--public-key", key, "--format", "json")
		require.Equal(t, 0, code, out+errOut)
		assert.NotContains(t, errOut, "WARNING! Using")
		var rep transparency.Report
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		assert.True(t, rep.OK)
		assert.EqualValues(t, 62, rep.Messages)
		assert.EqualValues(t, 62, rep.Covered)
	})
	t.Run("changed message", func(t *testing.T) {
		cp := copyDir(t, n.dir)
		corruptPayload(t, cp, 33)
		out, errOut, code := run(t, "ledger", "verify", "--data-dir", cp, "--public-key", key)
		require.Equal(t, exitTampered, code, out+errOut)
		assert.True(t, strings.HasPrefix(out, "FIRST BAD INDEX 33: changed\n"), out)
		assert.Contains(t, out, "; FAILED\n")
	})
	t.Run("wrong key", func(t *testing.T) {
		other, _, err := ed25519.GenerateKey(nil)
		require.NoError(t, err)
		out, errOut, code := run(t, "ledger", "verify", "--data-dir", n.dir, "--public-key", base64.StdEncoding.EncodeToString(other))
		require.Equal(t, exitTampered, code, out+errOut)
		assert.True(t, strings.HasPrefix(out, "VERIFICATION FAILED: unverified\n"), out)
	})
	t.Run("not a data dir", func(t *testing.T) {
		_, errOut, code := run(t, "ledger", "verify", "--data-dir", t.TempDir())
		require.Equal(t, exitFailure, code)
		assert.Contains(t, errOut, "is not a data dir")
	})
	t.Run("bad format", func(t *testing.T) {
		_, errOut, code := run(t, "ledger", "verify", "--data-dir", n.dir, "--format", "yaml")
		require.Equal(t, exitFailure, code)
		assert.Contains(t, errOut, "Invalid output format")
	})
	t.Run("the data dir is left untouched", func(t *testing.T) {
		before := copyDir(t, n.dir)
		_, _, code := run(t, "ledger", "verify", "--data-dir", n.dir)
		require.Equal(t, 0, code)
		assertSameTree(t, before, n.dir)
	})
}

func TestProveOffline(t *testing.T) {
	n := startNode(t, 40)
	key := n.verifierKey()
	pub, err := transparency.ParsePublicKey(key)
	require.NoError(t, err)
	n.stop()

	out, errOut, code := run(t, "ledger", "prove", "17", "--data-dir", n.dir, "--public-key", key)
	require.Equal(t, 0, code, out+errOut)
	var p transparency.Proof
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	assert.EqualValues(t, 17, p.Index)
	require.NoError(t, transparency.CheckProof(p, pub))
	assert.Contains(t, errOut, "proof of index 17 checks out")

	for _, bad := range []string{"0", "1.5", "x"} {
		_, errOut, code := run(t, "ledger", "prove", bad, "--data-dir", n.dir)
		assert.Equal(t, exitFailure, code, bad)
		assert.Contains(t, errOut, "INDEX must be a ledger index", bad)
	}
	_, errOut, code = run(t, "ledger", "prove", "100000", "--data-dir", n.dir)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "not found")

	cp := copyDir(t, n.dir)
	corruptPayload(t, cp, 17)
	_, errOut, code = run(t, "ledger", "prove", "17", "--data-dir", cp, "--public-key", key)
	assert.Equal(t, exitTampered, code, errOut)
}

// sysLedger serves the sys/ledger endpoints the CLI expects online, the way
// the gateway will render them (Vault envelope, data = Report/Proof).
func sysLedger(t *testing.T, n *node) *httptest.Server {
	src := transparency.NewSource(n.st.JetStream())
	reply := func(w http.ResponseWriter, data map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/sys/ledger/checkpoint-key", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"verifier_key": n.verifierKey()})
	})
	mux.HandleFunc("GET /v1/sys/ledger/verify", func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Query().Get("public_key")
		if key == "" {
			key = n.verifierKey()
		}
		pub, err := transparency.ParsePublicKey(key)
		require.NoError(t, err)
		rep, err := transparency.Verify(r.Context(), src, pub)
		require.NoError(t, err)
		reply(w, rep.Data())
	})
	mux.HandleFunc("GET /v1/sys/ledger/prove/{index}", func(w http.ResponseWriter, r *http.Request) {
		index, err := strconv.ParseUint(r.PathValue("index"), 10, 64)
		require.NoError(t, err)
		p, err := transparency.Prove(r.Context(), src, index)
		require.NoError(t, err)
		reply(w, p.Data())
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestOnline(t *testing.T) {
	n := startNode(t, 30)
	srv := sysLedger(t, n)
	key := n.verifierKey()

	out, errOut, code := run(t, "ledger", "verify", "--address", srv.URL, "--public-key", key)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "verified 32 messages")

	other, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	out, _, code = run(t, "ledger", "verify", "--address", srv.URL, "--public-key", base64.StdEncoding.EncodeToString(other))
	assert.Equal(t, exitTampered, code, out)

	out, errOut, code = run(t, "ledger", "prove", "9", "--address", srv.URL)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, errOut, "WARNING! Using the checkpoint key recorded")
	var p transparency.Proof
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	assert.EqualValues(t, 9, p.Index)

	// A server without the endpoints answers as Vault does for an unknown
	// path.
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errors":[]}`))
	}))
	defer bare.Close()
	_, errOut, code = run(t, "ledger", "verify", "--address", bare.URL)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "does not serve sys/ledger/verify")
}

func TestRegisterJoinsAnExistingLedgerCommand(t *testing.T) {
	root := &cobra.Command{Use: "coffer"}
	replay := &cobra.Command{Use: "replay"}
	existing := &cobra.Command{Use: "ledger"}
	existing.AddCommand(replay)
	root.AddCommand(existing)
	Register(root, io.Discard, io.Discard)
	require.Len(t, root.Commands(), 1)
	names := []string{}
	for _, c := range existing.Commands() {
		names = append(names, c.Name())
	}
	assert.ElementsMatch(t, []string{"replay", "verify", "prove"}, names)
}
