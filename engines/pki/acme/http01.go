package acme

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HTTP01 validates http-01 challenges: it fetches
// http://<domain>/.well-known/acme-challenge/<token> and compares the body
// with the key authorization (RFC 8555 8.3).
type HTTP01 struct {
	// Client makes the request. Its transport decides where the domain
	// resolves; tests point it at a loopback responder. Redirects are
	// followed up to 10 times, to http or https on any port.
	Client *http.Client
	// Timeout bounds one validation.
	Timeout time.Duration
}

// maxChallengeBody bounds what is read from a responder.
const maxChallengeBody = 4096

// Validate fetches the challenge response for domain and token and checks
// it against keyAuth; the returned problem says why it failed.
func (h HTTP01) Validate(ctx context.Context, domain, token, keyAuth string) *Problem {
	if strings.ContainsAny(domain, "/?#@:") || domain == "" {
		return errRejectedIdentifier(fmt.Sprintf("identifier %q cannot be validated over http-01", domain))
	}
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := url.URL{Scheme: "http", Host: domain, Path: "/.well-known/acme-challenge/" + token}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return errServerInternal("cannot build the validation request")
	}
	client := h.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		var ne net.Error
		if ok := errorsAs(err, &ne); ok && ne.Timeout() {
			return errConnection(fmt.Sprintf("timeout fetching %s", u.String()))
		}
		return errConnection(fmt.Sprintf("error fetching %s: %v", u.String(), err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errIncorrectResponse(fmt.Sprintf("%s answered HTTP %d", u.String(), resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxChallengeBody+1))
	if err != nil || len(body) > maxChallengeBody {
		return errIncorrectResponse("challenge response too large or unreadable")
	}
	if strings.TrimSpace(string(body)) != keyAuth {
		return errIncorrectResponse("the key authorization served does not match the expected value")
	}
	return nil
}
