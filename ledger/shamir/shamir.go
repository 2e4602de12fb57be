package shamir

import (
	"crypto/rand"
	mrand "math/rand/v2"
)

// MaxParts is the largest number of shares: x-coordinates are the non-zero
// bytes.
const MaxParts = 255

// ShareOverhead is how many bytes longer than the secret each share is: the
// trailing x-coordinate.
const ShareOverhead = 1

// Split divides secret into parts shares, any threshold of which recombine
// into it. parts runs from 1 to 255 and threshold from 2 to parts, or both
// are 1 (a single share that is the secret itself, as Vault allows). Each
// share is len(secret)+1 bytes, the last one its x-coordinate.
func Split(secret []byte, parts, threshold int) ([][]byte, error) {
	switch {
	case parts < 1 || parts > MaxParts:
		return nil, ErrInvalidParams
	case threshold < 1 || threshold > parts:
		return nil, ErrInvalidParams
	case threshold == 1 && parts != 1:
		// Every share would be the secret itself: refuse rather than
		// hand out copies that look like shares.
		return nil, ErrInvalidParams
	case len(secret) == 0:
		return nil, ErrEmptySecret
	}

	xs := randomXCoordinates(parts)
	out := make([][]byte, parts)
	for i := range out {
		out[i] = make([]byte, len(secret)+ShareOverhead)
		out[i][len(secret)] = xs[i]
	}

	// One random polynomial of degree threshold-1 per secret byte, with the
	// byte as its constant term. The other coefficients are uniform,
	// including zero for the leading one: forcing it non-zero would exclude
	// some polynomials and so leak a little about the secret.
	degree := threshold - 1
	coeffs := make([]byte, degree)
	defer clear(coeffs)
	for k, s := range secret {
		randomBytes(coeffs)
		for i, x := range xs {
			// Horner: ((c_d*x + c_{d-1})*x + ...)*x + s
			var y byte
			for c := degree - 1; c >= 0; c-- {
				y = gfMul(y, x) ^ coeffs[c]
			}
			out[i][k] = gfMul(y, x) ^ s
		}
	}
	return out, nil
}

// Combine recovers the secret from shares made by Split. It cannot know the
// threshold: given fewer shares than the threshold it returns bytes that are
// not the secret, and verifying the result is the caller's job (the
// Unsealer opens the stored root key with it).
func Combine(parts [][]byte) ([]byte, error) {
	if len(parts) == 0 {
		return nil, ErrNoShares
	}
	size := len(parts[0])
	if size < 1+ShareOverhead {
		return nil, ErrShareLength
	}
	xs := make([]byte, len(parts))
	var seen [256]bool
	for i, p := range parts {
		if len(p) != size {
			return nil, ErrShareLength
		}
		x := p[size-1]
		if x == 0 {
			// x = 0 is where the secret itself lives; Split never
			// produces it.
			return nil, ErrMalformedShare
		}
		if seen[x] {
			return nil, ErrDuplicateShare
		}
		seen[x] = true
		xs[i] = x
	}

	// Lagrange interpolation at x = 0. The basis weights depend only on the
	// x-coordinates, so they are computed once for all secret bytes:
	// w_i = prod_{j != i} x_j / (x_i - x_j), and subtraction is XOR.
	weights := make([]byte, len(xs))
	for i, xi := range xs {
		w := byte(1)
		for j, xj := range xs {
			if i != j {
				w = gfMul(w, gfDiv(xj, xi^xj))
			}
		}
		weights[i] = w
	}
	secret := make([]byte, size-ShareOverhead)
	for k := range secret {
		var s byte
		for i, p := range parts {
			s ^= gfMul(p[k], weights[i])
		}
		secret[k] = s
	}
	return secret, nil
}

// randomXCoordinates returns n distinct x-coordinates in 1..255 in random
// order, so a share's position in the list says nothing about its
// coordinate (Vault randomises them too). They are not secret; the shuffle
// is seeded from crypto/rand so they are not predictable either.
func randomXCoordinates(n int) []byte {
	var seed [32]byte
	randomBytes(seed[:])
	perm := mrand.New(mrand.NewChaCha8(seed)).Perm(MaxParts)
	xs := make([]byte, n)
	for i := range xs {
		xs[i] = byte(perm[i] + 1)
	}
	return xs
}

// randomBytes fills b from crypto/rand, which never fails on supported
// platforms (it aborts the program instead).
func randomBytes(b []byte) {
	_, _ = rand.Read(b)
}
