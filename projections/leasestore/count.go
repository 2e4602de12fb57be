package leasestore

import (
	"encoding/binary"
	"time"

	"github.com/cofferhq/coffer/projections"
)

// CountByState counts the leases the projection holds in each state
// (metrics read it at each scrape). It opens every lease record (sealed
// by the barrier, one AES-GCM open each) and decodes only its state,
// never the revoke data sealed inside: O(leases) per call.
func CountByState(s *projections.Store) (map[string]int, error) {
	states, err := projections.ScanJSON[struct {
		State string `json:"state"`
	}](s, prefixLease)
	counts := map[string]int{}
	for _, st := range states {
		counts[st.State]++
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
