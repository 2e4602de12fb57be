package scenarios_test

import (
	"errors"

	vault "github.com/hashicorp/vault/api"
)

// statusOf is the HTTP status of a Vault client error (0 when the request
// got no answer at all: a refused connection, a timeout).
func statusOf(err error) int {
	var re *vault.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}
