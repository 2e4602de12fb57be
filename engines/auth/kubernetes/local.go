package kubernetes

import (
	"os"
	"strings"
	"sync"
	"time"
)

// In-pod paths of the service account's CA and token.
const (
	LocalCACertPath = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
	LocalJWTPath    = "/var/run/secrets/kubernetes.io/serviceaccount/token"
)

// LocalFiles supplies the CA and reviewer token of the pod Coffer runs in,
// used when the config leaves them out and disable_local_ca_jwt is false
// (Vault's behaviour). The token is re-read every minute (projected tokens
// rotate), the CA every hour.
type LocalFiles struct {
	CAPath  string
	JWTPath string
	Now     func() time.Time

	mu    sync.Mutex
	ca    cached
	token cached
}

type cached struct {
	value string
	at    time.Time
	ok    bool
}

func (l *LocalFiles) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *LocalFiles) read(c *cached, path string, period time.Duration) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if c.ok && now.Sub(c.at) < period {
		return c.value, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	*c = cached{value: strings.TrimSpace(string(b)), at: now, ok: true}
	return c.value, nil
}

// CACert reads the pod's CA bundle.
func (l *LocalFiles) CACert() (string, error) {
	p := l.CAPath
	if p == "" {
		p = LocalCACertPath
	}
	return l.read(&l.ca, p, time.Hour)
}

// JWT reads the pod's service-account token.
func (l *LocalFiles) JWT() (string, error) {
	p := l.JWTPath
	if p == "" {
		p = LocalJWTPath
	}
	return l.read(&l.token, p, time.Minute)
}
