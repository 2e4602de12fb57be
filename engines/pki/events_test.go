package pki

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
)

var recordFixtures = flag.Bool("record-fixtures", false, "write the missing events/testdata fixtures of PKI event types")

// pkiEvents returns every PKI event in the ledger, in order.
func (e *env) pkiEvents() []ledger.Record {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	last, err := e.le.Ledger.LastSeq(ctx)
	require.NoError(e.t, err)
	var out []ledger.Record
	stop := errors.New("stop")
	err = e.le.Ledger.Consume(ctx, 1, func(m ledger.Message) error {
		recs, err := e.le.Ledger.Decode(m)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.Kind == pkievent.KindMount || r.Kind == pkievent.KindRole || r.Kind == pkievent.KindCert || r.Kind == pkievent.KindACME {
				out = append(out, r)
			}
		}
		if m.Seq >= last {
			return stop
		}
		return nil
	})
	require.ErrorIs(e.t, err, stop)
	return out
}

// TestEveryEventTypeIsRecorded drives every PKI command once and checks
// that each event type reached the ledger, that no private key is in any
// payload in the clear, and (with -record-fixtures) writes the missing
// golden fixtures from the first event of each type.
func TestEveryEventTypeIsRecorded(t *testing.T) {
	e := newEnv(t)
	pkiM, intM, _, _ := e.tutorial()
	exported := e.write(pkiM, "root/generate/exported", map[string]any{"common_name": "Second Root", "key_type": "ec", "issuer_name": "second"})
	keyPEM := exported.Data["private_key"].(string)
	issued := e.write(intM, "issue/myapp-service", map[string]any{"common_name": "a.internal.example.com", "ttl": "1h"})
	leafKey := issued.Data["private_key"].(string)
	e.write(intM, "revoke", map[string]any{"serial_number": issued.Data["serial_number"]})
	e.read(intM, "crl/rotate")
	e.write(intM, "config/crl", map[string]any{"expiry": "48h"})
	e.write(intM, "config/urls", map[string]any{"ocsp_servers": "http://127.0.0.1:8200/v1/pki_int/ocsp"})
	e.write(intM, "config/cluster", map[string]any{"path": "http://127.0.0.1:8200/v1/pki_int"})
	e.write(intM, "config/acme", map[string]any{"enabled": true})
	e.write(intM, "config/auto-tidy", map[string]any{"enabled": true, "tidy_cert_store": true})
	e.write(pkiM, "issuer/second", map[string]any{"leaf_not_after_behavior": "truncate"})
	e.write(pkiM, "keys/generate/internal", map[string]any{"key_type": "ec", "key_name": "spare"})
	e.write(pkiM, "key/spare", map[string]any{"key_name": "spare2"})
	_, err := pkiM.Call(t, framework.DeleteOperation, "key/spare2", nil)
	require.NoError(t, err)
	_, err = pkiM.Call(t, framework.DeleteOperation, "issuer/second", nil)
	require.NoError(t, err)
	e.write(intM, "roles/short", map[string]any{"allow_any_name": true, "key_type": "ec"})
	e.write(intM, "issue/short", map[string]any{"common_name": "x.example", "ttl": "1m"})
	_, err = intM.Call(t, framework.DeleteOperation, "roles/short", nil)
	require.NoError(t, err)
	// A mount whose clock runs two days ahead tidies the 1-minute
	// certificate.
	ahead := New(e.le.Deps, framework.MountInfo{Path: "pki_int/", Type: "pki", Accessor: "pki_pki_int"}, func() time.Time { return time.Now().Add(48 * time.Hour) }).Framework()
	tm := *intM
	tm.Backend = ahead
	resp := e.write(&tm, "tidy", map[string]any{"tidy_cert_store": true, "safety_buffer": "1s"})
	require.GreaterOrEqual(t, resp.Data["cert_store_deleted_count"], 1)

	first := map[string]ledger.Record{}
	for _, r := range e.pkiEvents() {
		for _, secret := range []string{keyPEM, leafKey} {
			require.NotContains(t, string(r.Data), secret[40:80], "a private key is in %s in the clear", r.Type)
		}
		if _, ok := first[r.Type]; !ok {
			first[r.Type] = r
		}
	}
	for _, typ := range []string{
		pkievent.EventKeyCreated, pkievent.EventKeyUpdated, pkievent.EventKeyDeleted,
		pkievent.EventIssuerCreated, pkievent.EventIssuerUpdated, pkievent.EventIssuerDeleted,
		pkievent.EventDefaultsSet, pkievent.EventURLsConfigured, pkievent.EventCRLConfigured, pkievent.EventCRLRotated,
		pkievent.EventRoleWritten, pkievent.EventRoleDeleted, pkievent.EventCertIssued, pkievent.EventCertRevoked, pkievent.EventCertTidied,
		pkievent.EventClusterConfigured, pkievent.EventACMEConfigured, pkievent.EventAutoTidyConfigured, pkievent.EventTidyFinished,
	} {
		r, ok := first[typ]
		require.True(t, ok, "no %s event was recorded", typ)
		writeFixture(t, r)
	}
}

// writeFixture writes r as its type's golden fixture when
// -record-fixtures is set and the fixture is missing.
func writeFixture(t *testing.T, r ledger.Record) {
	t.Helper()
	if !*recordFixtures {
		return
	}
	path := filepath.Join("..", "..", "events", "testdata", r.Type+".v"+strconv.Itoa(pkievent.Schema)+".json")
	if _, err := os.Stat(path); err == nil {
		return
	}
	var buf bytes.Buffer
	require.NoError(t, json.Indent(&buf, r.Data, "", "  "))
	require.NoError(t, os.WriteFile(path, append(buf.Bytes(), '\n'), 0o644))
}
