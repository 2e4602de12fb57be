package kvstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// TestMetadataCopiesAreTheCallers: metadata read twice (the second time
// from the opened-record cache) is the caller's own copy each time.
func TestMetadataCopiesAreTheCallers(t *testing.T) {
	s := startStack(t)
	ctx := ctxT(t)
	_, err := s.runner.Write(ctx, mount, "app/db", []byte(`{"a":1}`), nil)
	require.NoError(t, err)
	first, err := s.reader.Metadata(mount, "app/db")
	require.NoError(t, err)
	delete(first.Versions, 1)
	first.CustomMetadata = map[string]string{"changed": "by a caller"}
	first.CurrentVersion = 99
	again, err := s.reader.Metadata(mount, "app/db")
	require.NoError(t, err)
	assert.Len(t, again.Versions, 1)
	assert.Nil(t, again.CustomMetadata)
	assert.EqualValues(t, 1, again.CurrentVersion)
}

// BenchmarkMetadata reads one secret's metadata as every KV read does:
// "opened" as before the cache (pebble read, AES-GCM open, JSON decode),
// "remembered" through Reader.Metadata.
func BenchmarkMetadata(b *testing.B) {
	s := startStackIn(b, b.TempDir())
	ctx := b.Context()
	for range 3 {
		_, err := s.runner.Write(ctx, mount, "app/db", []byte(`{"user":"app","pass":"s3cret"}`), nil)
		require.NoError(b, err)
	}
	bar := s.ledger.Barrier()
	b.Run("opened", func(b *testing.B) {
		b.ReportAllocs()
		defer ledgertest.CPUPerOp(b)()
		for b.Loop() {
			if _, err := kvstore.OpenMetadataUncached(s.reader, bar, mount, "app/db"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("remembered", func(b *testing.B) {
		b.ReportAllocs()
		defer ledgertest.CPUPerOp(b)()
		for b.Loop() {
			if _, err := s.reader.Metadata(mount, "app/db"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
