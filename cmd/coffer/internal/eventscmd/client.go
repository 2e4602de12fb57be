package eventscmd

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// defaultAddress is a local dev server.
const defaultAddress = "http://127.0.0.1:8200"

// ErrServer reports an error answer from the server; its messages follow.
var ErrServer = errors.New("eventscmd: server error")

// connection holds the flags every command here accepts.
type connection struct {
	address    string
	caCert     string
	skipVerify bool
}

func (c *connection) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.address, "address", "", "Address of the Coffer server (env COFFER_ADDR, VAULT_ADDR)")
	fs.StringVar(&c.caCert, "ca-cert", "", "PEM CA certificate file to verify the server (env COFFER_CACERT, VAULT_CACERT)")
	fs.BoolVar(&c.skipVerify, "tls-skip-verify", false, "Skip TLS certificate verification (insecure)")
}

// client is what a command needs to call the server.
type client struct {
	addr  string
	token string
	http  *http.Client
}

func (c *connection) client() (*client, error) {
	addr := firstNonEmpty(c.address, os.Getenv("COFFER_ADDR"), os.Getenv("VAULT_ADDR"), defaultAddress)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	skip := c.skipVerify
	if v := firstNonEmpty(os.Getenv("COFFER_SKIP_VERIFY"), os.Getenv("VAULT_SKIP_VERIFY")); v != "" && !skip {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("could not parse skip-verify setting %q", v)
		}
		skip = b
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skip} //nolint:gosec // only when asked
	if ca := firstNonEmpty(c.caCert, os.Getenv("COFFER_CACERT"), os.Getenv("VAULT_CACERT")); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("reading CA certificate: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", ca)
		}
		tlsCfg.RootCAs = pool
	}
	tr.TLSClientConfig = tlsCfg
	return &client{addr: strings.TrimSuffix(addr, "/"), token: token(), http: &http.Client{Transport: tr}}, nil
}

// token is COFFER_TOKEN, VAULT_TOKEN, or what `vault login` stored.
func token() string {
	if t := firstNonEmpty(os.Getenv("COFFER_TOKEN"), os.Getenv("VAULT_TOKEN")); t != "" {
		return t
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(home, ".vault-token"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (c *client) newRequest(path string, q url.Values) (*http.Request, error) {
	u := c.addr + "/v1/" + strings.TrimPrefix(path, "/")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("X-Vault-Token", c.token)
	}
	return req, nil
}

// read GETs path and decodes the envelope's data into out.
func (c *client) read(req *http.Request, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return serverError(resp.StatusCode, body)
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("eventscmd: decoding answer: %w", err)
	}
	return json.Unmarshal(env.Data, out)
}

// serverError renders Vault's {"errors": [...]} as the Vault CLI does.
func serverError(status int, body []byte) error {
	var e struct {
		Errors []string `json:"errors"`
	}
	_ = json.Unmarshal(body, &e)
	msg := "* " + http.StatusText(status)
	if len(e.Errors) > 0 {
		msg = "* " + strings.Join(e.Errors, "\n* ")
	}
	return &statusError{status: status, msg: msg}
}

type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("Error making API request.\n\nCode: %d. Errors:\n\n%s", e.status, e.msg)
}

func (e *statusError) Unwrap() error { return ErrServer }

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
