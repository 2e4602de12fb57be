package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cofferhq/coffer/ledger"
)

// ledgerCollector reads the ledger writer's and data-key store's counters
// (the same ones sys/ledger/stats shows) and the seal status at each
// scrape. The writer keeps sums, not distributions, so its latencies are
// summaries without quantiles: rate(_sum)/rate(_count) is the mean.
type ledgerCollector struct{ l *ledger.Store }

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	descUnsealed     = desc("coffer_core_unsealed", "1 while the node is unsealed, 0 while sealed.")
	descStorageFull  = desc("coffer_ledger_storage_full", "1 while the storage guard refuses appends (full disk).")
	descMessages     = desc("coffer_ledger_messages_total", "Messages the ledger writer stored (each one fsync).")
	descEvents       = desc("coffer_ledger_events_total", "Events the ledger writer stored.")
	descAppends      = desc("coffer_ledger_append_requests_total", "Append requests the ledger writer served.")
	descConflicts    = desc("coffer_ledger_conflicts_total", "Appends refused for a stale aggregate version.")
	descResyncs      = desc("coffer_ledger_resyncs_total", "Times the writer re-read the stream after losing track of it.")
	descBytes        = desc("coffer_ledger_stored_bytes_total", "Bytes of sealed messages the writer stored.")
	descRefused      = desc("coffer_ledger_refused_total", "Appends refused by the storage guard (full disk).")
	descRetried      = desc("coffer_ledger_retried_total", "Append requests republished after a publish certainly not stored.")
	descCommit       = desc("coffer_ledger_commit_duration_seconds", "Time from publishing a message to its acknowledgement, the fsync included.")
	descWait         = desc("coffer_ledger_append_wait_seconds", "Time an append request queued before its message was published.")
	descBatch        = desc("coffer_ledger_batch_events", "Events per stored message (group commit's batch size).")
	descKeysCreated  = desc("coffer_ledger_data_keys_created_total", "Erasable data keys created.")
	descKeysErased   = desc("coffer_ledger_data_keys_erased_total", "Erasable data keys erased (crypto-shredding).")
	descSecureDelete = desc("coffer_ledger_data_key_secure_deletes_total", "Data-key messages overwritten by secure delete.")
	descEraseJobs    = desc("coffer_ledger_erase_jobs_total", "Erase jobs queued.")
)

func (c *ledgerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descUnsealed, descStorageFull, descMessages, descEvents, descAppends, descConflicts,
		descResyncs, descBytes, descRefused, descRetried, descCommit, descWait, descBatch,
		descKeysCreated, descKeysErased, descSecureDelete, descEraseJobs} {
		ch <- d
	}
}

func (c *ledgerCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	gauge(descUnsealed, boolFloat(!c.l.Sealed()))
	gauge(descStorageFull, boolFloat(c.l.StorageError() != nil))
	if w := c.l.Writer(); w != nil {
		st := w.Stats()
		counter(descMessages, st.Messages)
		counter(descEvents, st.Events)
		counter(descAppends, st.Requests)
		counter(descConflicts, st.Conflicts)
		counter(descResyncs, st.Resyncs)
		counter(descBytes, st.Bytes)
		counter(descRefused, st.Refused)
		counter(descRetried, st.Retried)
		ch <- prometheus.MustNewConstSummary(descCommit, st.Messages, float64(st.CommitNanos)/1e9, nil)
		ch <- prometheus.MustNewConstSummary(descWait, st.Requests, float64(st.WaitNanos)/1e9, nil)
		ch <- prometheus.MustNewConstSummary(descBatch, st.Messages, float64(st.Events), nil)
	}
	if dk := c.l.DataKeys(); dk != nil {
		st := dk.Stats()
		counter(descKeysCreated, st.Created)
		counter(descKeysErased, st.Erased)
		counter(descSecureDelete, st.SecureDeletes)
		counter(descEraseJobs, st.Jobs)
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
