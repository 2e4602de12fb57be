package testk8s

import (
	"errors"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512, jose.PS256}

// verify checks a token's signature against the trusted signers and
// returns its claims.
func verify(token string, signers []*Signer) (map[string]any, error) {
	tok, err := jwt.ParseSigned(token, algorithms)
	if err != nil {
		return nil, errors.New("token could not be parsed")
	}
	for _, s := range signers {
		claims := map[string]any{}
		if err := tok.Claims(s.PublicKey(), &claims); err == nil {
			return claims, nil
		}
	}
	return nil, errors.New("token signature is not valid")
}
