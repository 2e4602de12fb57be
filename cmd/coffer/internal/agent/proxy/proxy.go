package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
)

// maxBody bounds a request body the proxy reads to key its cache.
const maxBody = 32 << 20

// Options configure a Proxy.
type Options struct {
	Config *config.Config
	// Client gives the server's address and transport (TLS, pool).
	Client     *vault.Client
	Log        *slog.Logger
	Invalidate func(token string)
}

// Proxy serves the listeners.
type Proxy struct {
	opts      Options
	target    *url.URL
	rp        *httputil.ReverseProxy
	listeners []net.Listener
	cache     *cache // nil without cache {}

	mu    sync.RWMutex
	token string
}

// New opens the listeners (so a taken port fails at start).
func New(opts Options) (*Proxy, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Invalidate == nil {
		opts.Invalidate = func(string) {}
	}
	target, err := url.Parse(opts.Client.Address())
	if err != nil {
		return nil, fmt.Errorf("proxy: server address: %w", err)
	}
	p := &Proxy{opts: opts, target: target}
	if opts.Config.Cache != nil {
		p.cache = newCache()
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = target.Host
		},
		Transport: opts.Client.CloneConfig().HttpClient.Transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			opts.Log.Warn("api_proxy: server unreachable", "path", r.URL.Path, "error", err)
			writeErrors(w, http.StatusBadGateway, "agent: the server is unreachable")
		},
	}
	for _, l := range opts.Config.Listeners {
		ln, err := listen(l)
		if err != nil {
			p.closeListeners()
			return nil, err
		}
		p.listeners = append(p.listeners, ln)
	}
	return p, nil
}

func listen(l config.Listener) (net.Listener, error) {
	var ln net.Listener
	var err error
	if l.Type == "unix" {
		_ = os.Remove(l.Address) // a socket left by a previous run
		ln, err = net.Listen("unix", l.Address)
		if err == nil && l.SocketMode != 0 {
			err = os.Chmod(l.Address, l.SocketMode)
		}
	} else {
		ln, err = net.Listen("tcp", l.Address)
	}
	if err != nil {
		return nil, fmt.Errorf("proxy: listener %s %s: %w", l.Type, l.Address, err)
	}
	if !l.TLSDisable {
		cert, err := tls.LoadX509KeyPair(l.TLSCertFile, l.TLSKeyFile)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("proxy: listener %s: %w", l.Address, err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	return ln, nil
}

// Addrs are the listeners' addresses (tests use port 0).
func (p *Proxy) Addrs() []net.Addr {
	out := make([]net.Addr, len(p.listeners))
	for i, l := range p.listeners {
		out[i] = l.Addr()
	}
	return out
}

// SetToken sets the auto-auth token.
func (p *Proxy) SetToken(tok string) {
	p.mu.Lock()
	p.token = tok
	p.mu.Unlock()
}

func (p *Proxy) autoToken() string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.token
}

// Serve serves every listener until ctx ends.
func (p *Proxy) Serve(ctx context.Context) error {
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, len(p.listeners))
	for _, l := range p.listeners {
		go func(l net.Listener) { errc <- srv.Serve(l) }(l)
	}
	p.opts.Log.Info("api_proxy listening", "listeners", len(p.listeners), "cache", p.cache != nil)
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		return nil
	case err := <-errc:
		_ = srv.Close()
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

func (p *Proxy) closeListeners() {
	for _, l := range p.listeners {
		l.Close()
	}
}

// ServeHTTP forwards one request, adding the auto-auth token and using
// the cache as configured.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/agent/v1/cache-clear" {
		p.cacheClear(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		writeErrors(w, http.StatusNotFound)
		return
	}
	token := requestToken(r)
	if px := p.opts.Config.APIProxy; px != nil && px.UseAutoAuthToken {
		if auto := p.autoToken(); auto != "" && (token == "" || px.ForceAutoAuthToken) {
			r.Header.Del("Authorization")
			r.Header.Set("X-Vault-Token", auto)
			token = auto
		}
	}
	if p.cache == nil || r.Header.Get("X-Vault-Wrap-TTL") != "" || (r.Method != http.MethodGet && r.Method != http.MethodPut && r.Method != http.MethodPost) {
		p.forward(w, r, token)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeErrors(w, http.StatusRequestEntityTooLarge, "agent: request body too large")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	key := cacheKey(r, body, token)
	if resp, ok := p.cache.get(key); ok {
		resp.write(w)
		return
	}
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	p.forward(rec, r, token)
	p.cache.observe(r, body, token, key, rec)
}

func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, token string) {
	rec, ok := w.(*recorder)
	if !ok {
		rec = &recorder{ResponseWriter: w, status: http.StatusOK, passthrough: true}
	}
	p.rp.ServeHTTP(rec, r)
	if rec.status == http.StatusForbidden && token != "" && token == p.autoToken() {
		go p.checkToken(token)
	}
}

// checkToken tells auto-auth when the server refuses its token itself
// (and not just this request).
func (p *Proxy) checkToken(token string) {
	c, err := p.opts.Client.Clone()
	if err != nil {
		return
	}
	c.SetToken(token)
	if _, err := c.Auth().Token().LookupSelf(); err != nil {
		var re *vault.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusForbidden {
			p.opts.Invalidate(token)
		}
	}
}

func requestToken(r *http.Request) string {
	if t := r.Header.Get("X-Vault-Token"); t != "" {
		return t
	}
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		return strings.TrimPrefix(a, "Bearer ")
	}
	return ""
}

func writeErrors(w http.ResponseWriter, status int, msgs ...string) {
	if msgs == nil {
		msgs = []string{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b := []byte(`{"errors":[`)
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, fmt.Sprintf("%q", m)...)
	}
	b = append(b, "]}\n"...)
	_, _ = w.Write(b)
}
