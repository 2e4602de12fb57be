package acme

import (
	"encoding/json"
	"net/http"
)

// Problem is an RFC 7807 problem document with an ACME error type.
type Problem struct {
	Type   string `json:"type"`
	Detail string `json:"detail"`
	Status int    `json:"status"`
}

func (p *Problem) Error() string { return p.Type + ": " + p.Detail }

const errNS = "urn:ietf:params:acme:error:"

func problem(status int, kind, detail string) *Problem {
	return &Problem{Type: errNS + kind, Detail: detail, Status: status}
}

// The ACME error types this server returns.
func errMalformed(d string) *Problem { return problem(http.StatusBadRequest, "malformed", d) }
func errBadNonce(d string) *Problem  { return problem(http.StatusBadRequest, "badNonce", d) }
func errUnauthorized(d string) *Problem {
	return problem(http.StatusForbidden, "unauthorized", d)
}
func errAccountDoesNotExist(d string) *Problem {
	return problem(http.StatusBadRequest, "accountDoesNotExist", d)
}
func errBadSignatureAlgorithm(d string) *Problem {
	return problem(http.StatusBadRequest, "badSignatureAlgorithm", d)
}
func errOrderNotReady(d string) *Problem { return problem(http.StatusForbidden, "orderNotReady", d) }
func errBadCSR(d string) *Problem        { return problem(http.StatusBadRequest, "badCSR", d) }
func errRejectedIdentifier(d string) *Problem {
	return problem(http.StatusBadRequest, "rejectedIdentifier", d)
}
func errUnsupportedIdentifier(d string) *Problem {
	return problem(http.StatusBadRequest, "unsupportedIdentifier", d)
}
func errIncorrectResponse(d string) *Problem {
	return problem(http.StatusForbidden, "incorrectResponse", d)
}
func errConnection(d string) *Problem { return problem(http.StatusBadRequest, "connection", d) }
func errServerInternal(d string) *Problem {
	return problem(http.StatusInternalServerError, "serverInternal", d)
}
func errNotFound() *Problem { return problem(http.StatusNotFound, "malformed", "not found") }

func (p *Problem) body() []byte {
	b, _ := json.Marshal(p)
	return b
}
