package revocation

import (
	"math/big"
	"slices"
	"testing"
	"time"
)

func TestTidy(t *testing.T) {
	now := time.Date(2030, 1, 10, 0, 0, 0, 0, time.UTC)
	s := func(n int64) *big.Int { return big.NewInt(n) }
	stored := []StoredCert{
		{Serial: s(1), NotAfter: now.Add(-73 * time.Hour)},                 // expired past the buffer
		{Serial: s(2), NotAfter: now.Add(-71 * time.Hour)},                 // expired, within the buffer
		{Serial: s(3), NotAfter: now.Add(time.Hour)},                       // valid
		{Serial: s(4), NotAfter: now.Add(-100 * time.Hour), Revoked: true}, // revoked, long expired
		{Serial: s(5), NotAfter: now.Add(-10 * time.Hour), Revoked: true},  // revoked, recently expired
		{Serial: s(6), NotAfter: now.Add(time.Hour), Revoked: true},        // revoked, valid: stays on the CRL
	}
	ints := func(l []*big.Int) []int64 {
		var out []int64
		for _, x := range l {
			out = append(out, x.Int64())
		}
		return out
	}
	p := Tidy(stored, now, TidyOptions{CertStore: true, RevokedCerts: true})
	if !slices.Equal(ints(p.Certs), []int64{1, 4}) || !slices.Equal(ints(p.Revoked), []int64{4}) {
		t.Fatalf("default buffer: %v %v", ints(p.Certs), ints(p.Revoked))
	}
	p = Tidy(stored, now, TidyOptions{CertStore: true})
	if !slices.Equal(ints(p.Certs), []int64{1}) || len(p.Revoked) != 0 {
		t.Fatalf("cert store only: %v %v", ints(p.Certs), ints(p.Revoked))
	}
	short := time.Hour
	p = Tidy(stored, now, TidyOptions{RevokedCerts: true, RevokedSafetyBuffer: &short})
	if !slices.Equal(ints(p.Revoked), []int64{4, 5}) {
		t.Fatalf("revoked_safety_buffer=1h: %v", ints(p.Revoked))
	}
	if p := Tidy(stored, now, TidyOptions{}); len(p.Certs)+len(p.Revoked) != 0 {
		t.Fatal("tidy with nothing enabled removed something")
	}
}
