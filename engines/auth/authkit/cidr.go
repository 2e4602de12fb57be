package authkit

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ParseAddrs parses token_bound_cidrs as Vault's parseutil.ParseAddrs
// does: each item is an IP address or a CIDR block. The canonical form is
// kept: a bare address stays bare ("10.0.0.1"), a block keeps the address
// it was written with ("10.1.2.3/8").
func ParseAddrs(items []string) ([]string, error) {
	out := make([]string, 0, len(items))
	for _, raw := range items {
		s := strings.TrimSpace(raw)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			if p.Bits() == p.Addr().BitLen() {
				out = append(out, p.Addr().String())
			} else {
				out = append(out, p.String())
			}
			continue
		}
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a.Unmap().String())
			continue
		}
		return nil, fmt.Errorf("error parsing address %q: Unable to convert %q to an IPv4 or IPv6 address, or a UNIX Socket", s, s)
	}
	return out, nil
}

// prefixOf reads an address or block written by ParseAddrs.
func prefixOf(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// remoteIP reads a request's remote address: "ip", "ip:port" or
// "[ip]:port".
func remoteIP(remoteAddr string) (netip.Addr, bool) {
	s := strings.TrimSpace(remoteAddr)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// RemoteAddrIsOk reports whether remoteAddr lies in one of bound (as
// Vault's cidrutil.RemoteAddrIsOk). No bound list allows every address; an
// address that cannot be read is refused.
func RemoteAddrIsOk(remoteAddr string, bound []string) bool {
	if len(bound) == 0 {
		return true
	}
	ip, ok := remoteIP(remoteAddr)
	if !ok {
		return false
	}
	for _, b := range bound {
		if p, ok := prefixOf(b); ok && p.Contains(ip) {
			return true
		}
	}
	return false
}

// ValidateCIDRList checks that every item is a CIDR block (a bare address
// is not one), as Vault's cidrutil.ValidateCIDRListSlice. The error text is
// Go's, which is what Vault shows after its own prefix.
func ValidateCIDRList(blocks []string) error {
	for _, b := range blocks {
		if _, _, err := net.ParseCIDR(strings.TrimSpace(b)); err != nil {
			return err
		}
	}
	return nil
}

// IPBelongsToCIDRs reports whether remoteAddr lies in one of the CIDR
// blocks, as Vault's cidrutil.IPBelongsToCIDRBlocksSlice; an unreadable
// address or block is an error.
func IPBelongsToCIDRs(remoteAddr string, blocks []string) (bool, error) {
	if remoteAddr == "" {
		return false, fmt.Errorf("missing IP address")
	}
	if len(blocks) == 0 {
		return false, fmt.Errorf("missing CIDR blocks to be checked against")
	}
	ip, ok := remoteIP(remoteAddr)
	if !ok {
		return false, fmt.Errorf("invalid IP address")
	}
	for _, b := range blocks {
		p, err := netip.ParsePrefix(strings.TrimSpace(b))
		if err != nil {
			return false, err
		}
		if p.Masked().Contains(ip) {
			return true, nil
		}
	}
	return false, nil
}

// CIDRSubset reports whether every block of inner lies inside some block of
// outer, as Vault's cidrutil.SubsetBlocks; a bare address in outer counts
// as a single-host block. An empty inner is always a subset, and so is any
// inner when outer is empty (no restriction to stay inside).
func CIDRSubset(outer, inner []string) (bool, error) {
	if len(inner) == 0 || len(outer) == 0 {
		return true, nil
	}
	outs := make([]netip.Prefix, 0, len(outer))
	for _, o := range outer {
		p, ok := prefixOf(strings.TrimSpace(o))
		if !ok {
			return false, fmt.Errorf("failed to parse the CIDR to be checked against: invalid CIDR address: %s", o)
		}
		outs = append(outs, p)
	}
	for _, i := range inner {
		p, ok := prefixOf(strings.TrimSpace(i))
		if !ok {
			return false, fmt.Errorf("failed to parse the CIDR that needs to be checked: invalid CIDR address: %s", i)
		}
		found := false
		for _, o := range outs {
			if o.Addr().BitLen() == p.Addr().BitLen() && p.Bits() >= o.Bits() && o.Contains(p.Addr()) {
				found = true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}
