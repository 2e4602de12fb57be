package leasestore

import (
	"encoding/json"

	"github.com/cofferhq/coffer/projections"
)

// CountByState counts the leases the projection holds in each state
// (metrics read it at each scrape). It reads every lease record but
// decodes only its state, never the sealed revoke data: O(leases) per
// call, without a decryption.
func CountByState(s *projections.Store) (map[string]int, error) {
	counts := map[string]int{}
	var bad error
	err := s.Scan(prefixLease, func(_, v []byte) bool {
		var st struct {
			State string `json:"state"`
		}
		if err := json.Unmarshal(v, &st); err != nil {
			bad = err
			return false
		}
		counts[st.State]++
		return true
	})
	if err == nil {
		err = bad
	}
	return counts, err
}
