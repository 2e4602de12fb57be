package leasestore

import (
	"encoding/binary"
	"encoding/json"
	"time"

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

// ExpiringWithin counts the active leases due to expire within each of
// horizons from now (sorted ascending; counts are cumulative). It reads
// the expiry index only up to the longest horizon.
func ExpiringWithin(s *projections.Store, now time.Time, horizons []time.Duration) ([]int, error) {
	counts := make([]int, len(horizons))
	if len(horizons) == 0 {
		return counts, nil
	}
	last := uint64(now.Add(horizons[len(horizons)-1]).UnixNano())
	err := s.Scan(prefixExpiry, func(k, _ []byte) bool {
		rest := k[len(prefixExpiry):]
		if len(rest) < 8 {
			return true
		}
		at := binary.BigEndian.Uint64(rest[:8])
		if at > last {
			return false
		}
		for i, h := range horizons {
			if at <= uint64(now.Add(h).UnixNano()) {
				counts[i]++
			}
		}
		return true
	})
	return counts, err
}
