package ledger

// StatsData is the writer's and the data-key store's counters as a flat
// map, for the node's sys/ledger/stats path (make bench reads it around
// each scenario to print the commit budget). Counters only ever grow;
// nothing in it names a secret.
func (s *Store) StatsData() map[string]any {
	out := map[string]any{}
	if w := s.Writer(); w != nil {
		st := w.Stats()
		out["messages"] = st.Messages
		out["events"] = st.Events
		out["requests"] = st.Requests
		out["conflicts"] = st.Conflicts
		out["resyncs"] = st.Resyncs
		out["bytes"] = st.Bytes
		out["commit_nanos"] = st.CommitNanos
		out["wait_nanos"] = st.WaitNanos
		out["refused"] = st.Refused
		out["retried"] = st.Retried
		out["forwarded"] = st.Forwarded
		out["forward_fallbacks"] = st.ForwardFallbacks
	}
	dk := s.dataKeys.Stats()
	out["data_key_blocks"] = dk.Blocks
	out["data_keys_created"] = dk.Created
	out["data_keys_handed"] = dk.Handed
	out["data_key_rewrites"] = dk.Rewrites
	out["data_keys_erased"] = dk.Erased
	out["data_key_secure_deletes"] = dk.SecureDeletes
	out["erase_jobs"] = dk.Jobs
	if err := s.StorageError(); err != nil {
		out["storage_error"] = err.Error()
	}
	return out
}
