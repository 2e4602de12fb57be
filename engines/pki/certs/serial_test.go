package certs

import (
	"crypto/rand"
	"math/big"
	"testing"
)

func TestSerialFormats(t *testing.T) {
	n, _ := new(big.Int).SetString("1f0a00ff", 16)
	if got := FormatSerial(n); got != "1f:0a:00:ff" {
		t.Fatalf("FormatSerial = %q", got)
	}
	if got := StorageSerial(n); got != "1f-0a-00-ff" {
		t.Fatalf("StorageSerial = %q", got)
	}
	for _, in := range []string{"1f:0a:00:ff", "1F-0A-00-FF", "1f0a00ff", " 1f:0a:00:ff "} {
		got, err := ParseSerial(in)
		if err != nil || got.Cmp(n) != 0 {
			t.Errorf("ParseSerial(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "zz:01", "abc"} {
		if _, err := ParseSerial(bad); !IsRefusal(err) {
			t.Errorf("ParseSerial(%q) err = %v", bad, err)
		}
	}
}

func TestNewSerialRange(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		s, err := NewSerial(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if s.Sign() < 0 || s.BitLen() > 159 {
			t.Fatalf("serial %v out of range", s)
		}
		if seen[s.String()] {
			t.Fatal("repeated serial")
		}
		seen[s.String()] = true
	}
}
