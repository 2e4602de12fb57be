package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testauth"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/internal/testpg"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/auditstore"
	"github.com/cofferhq/coffer/projections/databasestore"
	"github.com/cofferhq/coffer/projections/kvstore"
	"github.com/cofferhq/coffer/projections/leasestore"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
	"github.com/cofferhq/coffer/projections/tokenstore"
	"github.com/cofferhq/coffer/projections/transitstore"
)

// Events stay in the ledger forever, so their encoding is a contract. A
// ledger recorded from a scripted session (testdata/recorded-ledger.jsonl,
// made with -record) is replayed into fresh projections with every
// module's read models, and what the read models then hold is compared
// with testdata/recorded-ledger.golden (rewritten with -update). A change
// to a payload's encoding or to an apply function that reads old events
// differently fails it. -record also writes the per-type fixtures of
// events/testdata that are missing (events/golden_test.go checks them).
var (
	recordLedger = flag.Bool("record", false, "re-record testdata/recorded-ledger.jsonl from a scripted session (needs PostgreSQL)")
	updateGolden = flag.Bool("update", false, "rewrite testdata/recorded-ledger.golden from the recorded ledger")
)

const (
	recordingFile = "testdata/recorded-ledger.jsonl"
	goldenFile    = "testdata/recorded-ledger.golden"
	fixturesDir   = "../events/testdata"
	// fixturePassword replaces every root password in the recording.
	fixturePassword = "fixture-password"
)

// recordedMessage is one ledger message of the recording.
type recordedMessage struct {
	Seq    uint64         `json:"seq"`
	Events []ledger.Event `json:"events"`
}

func TestRecordedLedgerReplaysIdentically(t *testing.T) {
	if *recordLedger {
		recordSession(t)
	}
	msgs := loadRecording(t)
	env := ledgertest.Start(t, ledgertest.Options{Register: allReadModels()})
	ctx := context.Background()
	for _, m := range msgs {
		seq, err := env.Ledger.Writer().Append(ctx, m.Events...)
		require.NoError(t, err, "append recorded message %d", m.Seq)
		require.NoError(t, env.Store.WaitApplied(ctx, seq))
	}
	got := dumpReadModels(t, env.Store, env.Ledger)
	if *updateGolden || *recordLedger {
		require.NoError(t, os.WriteFile(goldenFile, got, 0o644))
	}
	want, err := os.ReadFile(goldenFile)
	require.NoError(t, err, "run with -update to write the golden file")
	require.Equal(t, string(want), string(got), "the recorded ledger no longer projects to the same read models")

	// A rebuild from zero projects the same.
	env.ResetProjections(t)
	require.Equal(t, string(got), string(dumpReadModels(t, env.Store, env.Ledger)), "a rebuild projects differently")
}

// allReadModels are every module's read models, as the node registers them.
func allReadModels() []func(*projections.Projector) {
	var out []func(*projections.Projector)
	for _, m := range (&Node{}).modules() {
		for _, rm := range m.ReadModels {
			out = append(out, rm.Register)
		}
	}
	return out
}

func loadRecording(t *testing.T) []recordedMessage {
	t.Helper()
	f, err := os.Open(recordingFile)
	require.NoError(t, err, "run with -record to make the recording")
	defer f.Close()
	var out []recordedMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var m recordedMessage
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		out = append(out, m)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out
}

// dumpReadModels renders what every read model holds, through the read
// models' own queries, in a stable order. Values sealed under data keys
// (KV versions, transit material) are not opened: their keys stayed in the
// recording's ledger.
func dumpReadModels(t *testing.T, s *projections.Store, l *ledger.Store) []byte {
	t.Helper()
	b := l.Barrier()
	out := map[string]any{}
	mounts, err := mountstore.List(s)
	require.NoError(t, err)
	out["mounts"] = mounts
	names, err := policystore.List(s)
	require.NoError(t, err)
	policies := map[string]string{}
	for _, name := range names {
		p, err := policystore.Get(s, name)
		require.NoError(t, err)
		policies[name] = p.Text
	}
	out["policies"] = policies
	var tokens []any
	require.NoError(t, tokenstore.Each(s, b, func(tok *tokenevent.Token) bool {
		tokens = append(tokens, tok)
		return true
	}))
	sort.Slice(tokens, func(i, j int) bool {
		return tokens[i].(*tokenevent.Token).Accessor < tokens[j].(*tokenevent.Token).Accessor
	})
	out["tokens"] = tokens
	kv := map[string]any{}
	transit := map[string]any{}
	database := map[string]any{}
	for _, m := range mounts {
		switch m.Type {
		case "kv":
			reader := kvstore.Reader{Store: s, Ledger: l}
			secrets := map[string]any{}
			var walk func(prefix string)
			walk = func(prefix string) {
				keys, err := reader.List(m.Accessor, prefix)
				require.NoError(t, err)
				for _, k := range keys {
					if strings.HasSuffix(k, "/") {
						walk(prefix + k)
						continue
					}
					md, err := reader.Metadata(m.Accessor, prefix+k)
					require.NoError(t, err)
					secrets[prefix+k] = md
				}
			}
			walk("")
			cfg, err := reader.Config(m.Accessor)
			require.NoError(t, err)
			kv[m.Path] = map[string]any{"config": cfg, "secrets": secrets}
		case "transit":
			keyNames, err := transitstore.List(s, m.Accessor)
			require.NoError(t, err)
			keys := map[string]any{}
			for _, name := range keyNames {
				k, err := transitstore.Get(s, m.Accessor, name)
				require.NoError(t, err)
				keys[name] = k
			}
			transit[m.Path] = keys
		case "database":
			cfgNames, err := databasestore.ListConfigs(s, m.Accessor)
			require.NoError(t, err)
			configs := map[string]any{}
			for _, name := range cfgNames {
				c, err := databasestore.GetConfig(s, b, m.Accessor, name)
				require.NoError(t, err)
				configs[name] = map[string]any{"settings": c.ConnectionSettings, "version": c.Version,
					"password_set": c.Password != "", "pending_set": c.PendingPassword != ""}
			}
			roleNames, err := databasestore.ListRoles(s, m.Accessor)
			require.NoError(t, err)
			roles := map[string]any{}
			for _, name := range roleNames {
				r, err := databasestore.GetRole(s, m.Accessor, name)
				require.NoError(t, err)
				roles[name] = r
			}
			database[m.Path] = map[string]any{"configs": configs, "roles": roles}
		}
	}
	out["kv"], out["transit"], out["database"] = kv, transit, database
	var leases []any
	require.NoError(t, leasestore.WithPrefix(s, b, "", func(id string) bool {
		st, err := leasestore.Get(s, b, id)
		require.NoError(t, err)
		leases = append(leases, st)
		return true
	}))
	out["leases"] = leases
	devices, err := auditstore.List(s)
	require.NoError(t, err)
	for i := range devices {
		devices[i].StartSeq = 0 // the replay's own ledger index
	}
	out["audit_devices"] = devices
	raw, err := json.MarshalIndent(out, "", "  ")
	require.NoError(t, err)
	return append(raw, '\n')
}

// recordSession runs a scripted session on a dev node (with PostgreSQL for
// the database engine) that makes most kinds of event, and writes its
// ledger to the recording.
func recordSession(t *testing.T) {
	pg := testpg.Shared(t)
	n := startNode(t, t.TempDir(), "root", withTestAuth(testUsers), func(c *Config) { c.Leases, c.Audit.AllowAPI = fastLeases, true })
	c := clientFor(t, n, "root")
	ctx := context.Background()
	write := func(path string, data map[string]any) *vault.Secret {
		t.Helper()
		s, err := c.Logical().Write(path, data)
		require.NoError(t, err, path)
		return s
	}
	del := func(path string) {
		t.Helper()
		_, err := c.Logical().Delete(path)
		require.NoError(t, err, path)
	}

	// KV v2, every path family.
	kv := c.KVv2("secret")
	_, err := kv.Put(ctx, "app/db", map[string]any{"password": "one"})
	require.NoError(t, err)
	_, err = kv.Put(ctx, "app/db", map[string]any{"password": "two"}, vault.WithCheckAndSet(1))
	require.NoError(t, err)
	_, err = kv.Patch(ctx, "app/db", map[string]any{"user": "app"})
	require.NoError(t, err)
	require.NoError(t, kv.Delete(ctx, "app/db"))
	require.NoError(t, kv.Undelete(ctx, "app/db", []int{3}))
	require.NoError(t, kv.DeleteVersions(ctx, "app/db", []int{2}))
	require.NoError(t, kv.Destroy(ctx, "app/db", []int{1}))
	require.NoError(t, kv.PutMetadata(ctx, "app/db", vault.KVMetadataPutInput{MaxVersions: 2, CustomMetadata: map[string]any{"owner": "ops"}}))
	_, err = kv.Put(ctx, "app/db", map[string]any{"password": "four"}) // prunes to max_versions
	require.NoError(t, err)
	write("secret/config", map[string]any{"max_versions": 7, "delete_version_after": "720h"})
	_, err = kv.Put(ctx, "tmp/x", map[string]any{"k": "v"})
	require.NoError(t, err)
	require.NoError(t, kv.DeleteMetadata(ctx, "tmp/x"))

	// Mounts, policies, audit devices.
	require.NoError(t, c.Sys().Mount("team", &vault.MountInput{Type: "kv-v2", Description: "team secrets"}))
	require.NoError(t, c.Sys().TuneMount("team", vault.MountConfigInput{DefaultLeaseTTL: "1h", MaxLeaseTTL: "2h"}))
	require.NoError(t, c.Sys().Unmount("team"))
	require.NoError(t, c.Sys().PutPolicy("app", `path "secret/data/app/*" { capabilities = ["read"] }`))
	require.NoError(t, c.Sys().PutPolicy("gone", `path "x/*" { capabilities = ["read"] }`))
	require.NoError(t, c.Sys().DeletePolicy("gone"))
	require.NoError(t, c.Sys().EnableAuditWithOptions("file", &vault.EnableAuditOptions{Type: "file", Options: map[string]string{"file_path": "discard"}}))
	require.NoError(t, c.Sys().DisableAudit("file"))

	// Tokens: create, renew, a limited use, revoke-orphan, revoke.
	require.NoError(t, c.Sys().PutPolicy("creator", `path "auth/token/create" { capabilities = ["update"] }`))
	parent := write("auth/token/create", map[string]any{"policies": "app,creator", "ttl": "1h"})
	child := clientFor(t, n, parent.Auth.ClientToken)
	grandchild, err := child.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"app"}})
	require.NoError(t, err)
	write("auth/token/renew", map[string]any{"token": parent.Auth.ClientToken, "increment": "2h"})
	limited := write("auth/token/create", map[string]any{"num_uses": 2})
	_, err = clientFor(t, n, limited.Auth.ClientToken).Auth().Token().LookupSelf()
	require.NoError(t, err)
	write("auth/token/revoke-orphan", map[string]any{"token": parent.Auth.ClientToken})
	write("auth/token/revoke", map[string]any{"token": grandchild.Auth.ClientToken})

	// An auth method's login.
	require.NoError(t, c.Sys().EnableAuthWithOptions("static", &vault.EnableAuthOptions{Type: testauth.Type}))
	anon := clientFor(t, n, "")
	anon.ClearToken()
	_, err = anon.Logical().Write("auth/static/login", map[string]any{"name": "alice", "password": "correct horse"})
	require.NoError(t, err)

	// Transit: create, rotate, config, trim, delete.
	require.NoError(t, c.Sys().Mount("transit", &vault.MountInput{Type: "transit"}))
	write("transit/keys/k", map[string]any{"type": "aes256-gcm96"})
	write("transit/keys/k/rotate", nil)
	write("transit/keys/k/rotate", nil)
	write("transit/keys/k/config", map[string]any{"min_decryption_version": 2, "min_encryption_version": 3, "deletion_allowed": true})
	write("transit/keys/k/trim", map[string]any{"min_available_version": 2})
	write("transit/keys/gone", map[string]any{"type": "ed25519"})
	write("transit/keys/gone/config", map[string]any{"deletion_allowed": true})
	del("transit/keys/gone")

	// Database: config, role, credentials on a lease, renew, revoke, an
	// expiry, root rotation, deletions.
	setupDatabase(t, c, pg, "1h", "24h")
	read := func(path string) *vault.Secret {
		t.Helper()
		s, err := c.Logical().Read(path)
		require.NoError(t, err, path)
		return s
	}
	creds := read("database/creds/myapp-readwrite")
	_, err = c.Sys().Renew(creds.LeaseID, 600)
	require.NoError(t, err)
	require.NoError(t, c.Sys().Revoke(creds.LeaseID))
	write("database/roles/short", map[string]any{"db_name": "myapp-db", "creation_statements": tutorialCreation, "default_ttl": "1s", "max_ttl": "1s"})
	write("database/config/myapp-db", map[string]any{"allowed_roles": "myapp-readonly,myapp-readwrite,short"})
	short := read("database/creds/short")
	testkit.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		l, err := c.Logical().Write("sys/leases/lookup", map[string]any{"lease_id": short.LeaseID})
		if err == nil && l != nil {
			return errNotYet
		}
		return nil
	})
	write("database/rotate-root/myapp-db", nil)
	del("database/roles/short")

	// The ledger as it stands, every message that holds events.
	records := readLedger(t, n)
	var msgs []recordedMessage
	for _, r := range records {
		e := scrub(t, r.Event)
		if len(msgs) == 0 || msgs[len(msgs)-1].Seq != r.Seq {
			msgs = append(msgs, recordedMessage{Seq: r.Seq})
		}
		last := &msgs[len(msgs)-1]
		last.Events = append(last.Events, e)
	}
	var buf bytes.Buffer
	for _, m := range msgs {
		line, err := json.Marshal(m)
		require.NoError(t, err)
		buf.Write(line)
		buf.WriteByte('\n')
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(recordingFile), 0o755))
	require.NoError(t, os.WriteFile(recordingFile, buf.Bytes(), 0o644))
	writeMissingFixtures(t, records)
}

// scrub replaces the PostgreSQL root password the session used (a real
// one, of a throw-away cluster) with a fixed placeholder.
func scrub(t *testing.T, e ledger.Event) ledger.Event {
	switch e.Type {
	case databaseevent.EventConfigWritten:
		var c databaseevent.ConfigWritten
		require.NoError(t, json.Unmarshal(e.Data, &c))
		if c.Password != nil {
			pw := fixturePassword
			c.Password = &pw
		}
		e.Data = mustMarshal(t, c)
	case databaseevent.EventRootRotationStarted:
		var c databaseevent.RootRotationStarted
		require.NoError(t, json.Unmarshal(e.Data, &c))
		c.Password = fixturePassword
		e.Data = mustMarshal(t, c)
	case auditevent.EventRequest, auditevent.EventResponse:
		// HMAC'd already.
	}
	return e
}

func mustMarshal(t *testing.T, v any) json.RawMessage {
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}

// writeMissingFixtures writes one payload per event type and schema
// version, from the first record of that type, where events/testdata has
// none yet.
func writeMissingFixtures(t *testing.T, records []ledger.Record) {
	require.NoError(t, os.MkdirAll(fixturesDir, 0o755))
	done := map[string]bool{}
	for _, r := range records {
		name := fmt.Sprintf("%s.v%d.json", r.Type, r.Schema)
		if done[name] {
			continue
		}
		done[name] = true
		path := filepath.Join(fixturesDir, name)
		if _, err := os.Stat(path); err == nil || !errors.Is(err, os.ErrNotExist) {
			continue
		}
		e := scrub(t, r.Event)
		var pretty bytes.Buffer
		require.NoError(t, json.Indent(&pretty, e.Data, "", "  "))
		pretty.WriteByte('\n')
		require.NoError(t, os.WriteFile(path, pretty.Bytes(), 0o644))
	}
}
