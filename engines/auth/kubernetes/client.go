package kubernetes

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	kubeerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ClientOptions tune the HTTP client. Zero values take the defaults.
type ClientOptions struct {
	// Timeout bounds one apiserver call end to end. Default 10 s.
	Timeout time.Duration
	// DialTimeout bounds the TCP connect. Default 5 s.
	DialTimeout time.Duration
	// Local supplies the pod's CA and token when the config leaves them out
	// and disable_local_ca_jwt is false. Nil: not running in a pod.
	Local *LocalFiles
	// MaxIdleConns kept to the apiserver. Default 32.
	MaxIdleConns int
}

// Client calls the apiserver for one config. It is safe for concurrent use
// and keeps connections alive.
type Client struct {
	host        string
	reviewerJWT string
	local       *LocalFiles
	http        *http.Client
}

// ReviewResult is the service account a TokenReview vouched for.
type ReviewResult struct {
	Name      string
	Namespace string
	UID       string
}

// NewClient builds a client: TLS 1.2+ verified against the configured CA
// (or the pod's CA); with no CA at all, verification fails, as Vault's does
// (the system roots are never trusted for the apiserver).
func NewClient(cfg *Config, opts ClientOptions) (*Client, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.MaxIdleConns <= 0 {
		opts.MaxIdleConns = 32
	}
	host := strings.TrimSuffix(strings.TrimSpace(cfg.Host), "/")
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	if _, err := url.Parse(host); err != nil {
		return nil, fmt.Errorf("kubernetes: invalid kubernetes_host: %w", err)
	}
	caPEM := cfg.CACert
	local := opts.Local
	if cfg.DisableLocalCAJWT {
		local = nil
	}
	if caPEM == "" && local != nil {
		ca, err := local.CACert()
		if err != nil {
			return nil, fmt.Errorf("kubernetes: reading the pod's CA certificate: %w", err)
		}
		caPEM = ca
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(caPEM))
	dialer := &net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   opts.DialTimeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          opts.MaxIdleConns,
		MaxIdleConnsPerHost:   opts.MaxIdleConns,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	c := &Client{host: host, reviewerJWT: cfg.TokenReviewerJWT, http: &http.Client{Transport: tr, Timeout: opts.Timeout}}
	if cfg.TokenReviewerJWT == "" {
		c.local = local
	}
	return c, nil
}

// Close drops idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// bearer is the reviewer JWT, the pod's own token, or else the client's JWT
// (Vault's order).
func (c *Client) bearer(clientJWT string) string {
	if c.reviewerJWT != "" {
		return c.reviewerJWT
	}
	if c.local != nil {
		if t, err := c.local.JWT(); err == nil && t != "" {
			return t
		}
	}
	return clientJWT
}

// Review asks the TokenReview API about jwt. Errors carry Vault's lookup
// messages; none of them holds the token.
func (c *Client) Review(ctx context.Context, jwt string, audiences []string) (*ReviewResult, error) {
	body, err := json.Marshal(&authv1.TokenReview{
		TypeMeta: metav1.TypeMeta{Kind: "TokenReview", APIVersion: "authentication.k8s.io/v1"},
		Spec:     authv1.TokenReviewSpec{Token: jwt, Audiences: audiences},
	})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.host+"/apis/authentication.k8s.io/v1/tokenreviews", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	c.setHeaders(req, jwt)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: token review: %w", redactURLError(err))
	}
	raw, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	var tr authv1.TokenReview
	switch err := statusError(resp, raw); {
	case kubeerrors.IsUnauthorized(err):
		return nil, lookupFailed("service account unauthorized; this could mean it has been deleted or recreated with a new token")
	case err != nil:
		return nil, err
	}
	if err := json.Unmarshal(raw, &tr); err != nil {
		return nil, fmt.Errorf("kubernetes: decoding token review: %w", err)
	}
	if tr.Status.Error != "" {
		return nil, lookupFailed("%s", tr.Status.Error)
	}
	if !tr.Status.Authenticated {
		return nil, lookupFailed("service account jwt not valid")
	}
	if len(audiences) > 0 {
		found := false
		for _, a := range audiences {
			if slices.Contains(tr.Status.Audiences, a) {
				found = true
				break
			}
		}
		if !found {
			return nil, lookupFailed("service account jwt valid for audience(s) %v, but wanted %v", tr.Status.Audiences, audiences)
		}
	}
	parts := strings.Split(tr.Status.User.Username, ":")
	if len(parts) != 4 {
		return nil, lookupFailed("unexpected username format")
	}
	if parts[0] != "system" || parts[1] != "serviceaccount" {
		return nil, lookupFailed("username returned is not a service account")
	}
	return &ReviewResult{Namespace: parts[2], Name: parts[3], UID: tr.Status.User.UID}, nil
}

// AliasMetadataPrefix marks the service-account annotations that become
// alias metadata with use_annotations_as_alias_metadata.
const AliasMetadataPrefix = "vault.hashicorp.com/alias-metadata-"

// ErrReservedAliasMetadata marks an annotation that would overwrite the
// metadata the method sets itself; msgReservedAliasMetadata is Vault's
// answer.
var ErrReservedAliasMetadata = errors.New("kubernetes: reserved alias metadata keys in annotations")

const msgReservedAliasMetadata = "entity alias metadata keys for only internal use found from the client token's associated service account annotations"

var reservedAliasMetadataKeys = map[string]bool{
	MetaServiceAccountUID: true, MetaServiceAccountName: true,
	MetaServiceAccountNamespace: true, MetaServiceAccountSecretName: true,
}

// AliasMetadata reads the service account and returns its
// vault.hashicorp.com/alias-metadata-* annotations, prefix removed.
func (c *Client) AliasMetadata(ctx context.Context, jwt, namespace, name string) (map[string]string, error) {
	u := fmt.Sprintf("%s/api/v1/namespaces/%s/serviceaccounts/%s", c.host, url.PathEscape(namespace), url.PathEscape(name))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	c.setHeaders(req, jwt)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: service account: %w", redactURLError(err))
	}
	raw, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var st metav1.Status
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, fmt.Errorf("failed to parse error status on service account retrieval failure err=%s", err)
		}
		return nil, fmt.Errorf("failed to get service account (code %d status %s)", resp.StatusCode, kubeerrors.FromObject(&st))
	}
	var sa corev1.ServiceAccount
	if err := json.Unmarshal(raw, &sa); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var reserved []string
	for k, v := range sa.Annotations {
		if !strings.HasPrefix(k, AliasMetadataPrefix) {
			continue
		}
		k = strings.TrimPrefix(k, AliasMetadataPrefix)
		if reservedAliasMetadataKeys[k] {
			reserved = append(reserved, k)
			continue
		}
		out[k] = v
	}
	if len(reserved) > 0 {
		slices.Sort(reserved)
		return nil, fmt.Errorf("%w: keys=%+q", ErrReservedAliasMetadata, reserved)
	}
	return out, nil
}

func (c *Client) setHeaders(req *http.Request, clientJWT string) {
	req.Header.Set("Authorization", "Bearer "+c.bearer(clientJWT))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
}

// readBody reads at most 1 MiB: an apiserver answer is small.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// statusError turns a non-2xx answer or a failure Status into apimachinery's
// error, as Vault's plugin does.
func statusError(resp *http.Response, raw []byte) error {
	if resp.StatusCode < http.StatusOK || resp.StatusCode > http.StatusPartialContent {
		var st metav1.Status
		if json.Unmarshal(raw, &st) == nil && st.Kind == "Status" {
			return kubeerrors.FromObject(&st)
		}
		return kubeerrors.NewGenericServerResponse(resp.StatusCode, http.MethodPost, schema.GroupResource{}, "", strings.TrimSpace(string(raw)), 0, true)
	}
	var st metav1.Status
	if json.Unmarshal(raw, &st) == nil && st.Kind == "Status" && st.Status != metav1.StatusSuccess {
		return kubeerrors.FromObject(&st)
	}
	return nil
}

// redactURLError keeps the cause of a transport error; the URL holds no
// credential, but the error stays short.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// lookupError is the apiserver's verdict on a token ("lookup failed: ..."),
// as opposed to a failure to reach it.
type lookupError struct{ msg string }

func (e *lookupError) Error() string { return "lookup failed: " + e.msg }

func lookupFailed(format string, args ...any) error {
	return &lookupError{msg: fmt.Sprintf(format, args...)}
}
