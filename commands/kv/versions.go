package kv

import (
	"slices"

	"github.com/cofferhq/coffer/events/kvevent"
)

// sortedVersions lists the versions in the metadata, oldest first.
func sortedVersions(m *kvevent.Metadata) []uint64 {
	if m == nil {
		return nil
	}
	out := make([]uint64, 0, len(m.Versions))
	for v := range m.Versions {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// uniqueVersions drops repeats, keeping the first occurrence's order.
func uniqueVersions(vs []uint64) []uint64 {
	seen := make(map[uint64]bool, len(vs))
	out := vs[:0:0]
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
