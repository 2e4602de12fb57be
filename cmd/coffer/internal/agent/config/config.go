package config

import (
	"errors"
	"os"
	"time"
)

// ErrInvalid matches every configuration problem (errors.Is).
var ErrInvalid = errors.New("agent config: invalid configuration")

// Defaults Vault Agent uses.
const (
	DefaultStaticSecretRenderInterval = 5 * time.Minute
	DefaultMinBackoff                 = time.Second
	DefaultMaxBackoff                 = 5 * time.Minute
	DefaultNumRetries                 = 12
	DefaultTemplatePerms              = os.FileMode(0o644)
	DefaultSinkMode                   = os.FileMode(0o640)
	DefaultCommandTimeout             = 30 * time.Second
)

// Config is one agent configuration file.
type Config struct {
	PidFile       string
	ExitAfterAuth bool
	Vault         Vault
	AutoAuth      *AutoAuth // nil without auto_auth
	Templates     []Template
	TemplateCfg   TemplateConfig
	APIProxy      *APIProxy // nil without api_proxy (or cache's legacy use_auto_auth_token)
	Cache         *Cache    // nil without cache
	Listeners     []Listener
	// Warnings name the Vault settings accepted without effect.
	Warnings []string
}

// Vault is the vault {} (or coffer {}) stanza: how to reach the server.
type Vault struct {
	Address       string
	CACert        string
	CAPath        string
	ClientCert    string
	ClientKey     string
	TLSSkipVerify bool
	TLSServerName string
	// NumRetries is retry { num_retries }: how many times a failed request
	// is retried (-1: never), Vault's default 12.
	NumRetries int
}

// AutoAuth is auto_auth {}: one login method and its sinks.
type AutoAuth struct {
	Method Method
	Sinks  []Sink
}

// Method is auto_auth's method block.
type Method struct {
	Type       string // token_file, approle, kubernetes
	MountPath  string // e.g. auth/kubernetes, without a trailing slash
	MinBackoff time.Duration
	MaxBackoff time.Duration
	ExitOnErr  bool
	// Config is the method's config map, values as HCL gave them
	// (string, int64, float64, bool, lists and maps).
	Config map[string]any
}

// Sink is a sink "file" block.
type Sink struct {
	Type string // file
	Path string
	Mode os.FileMode
}

// TemplateConfig is template_config {}.
type TemplateConfig struct {
	StaticSecretRenderInterval time.Duration
	ExitOnRetryFailure         bool
	// LeaseRenewalThreshold is the fraction of a non-renewable lease's
	// duration after which its secret is fetched again (Vault's 0.9).
	LeaseRenewalThreshold float64
}

// Template is one template block.
type Template struct {
	Source            string
	Contents          string
	Destination       string
	Perms             os.FileMode
	Command           []string // argv; a single string is run by /bin/sh -c
	CommandTimeout    time.Duration
	ErrorOnMissingKey bool
	CreateDestDirs    bool
	LeftDelim         string
	RightDelim        string
	Backup            bool
}

// APIProxy is api_proxy {}.
type APIProxy struct {
	// UseAutoAuthToken adds the auto-auth token to requests that carry
	// none; ForceAutoAuthToken replaces any token the client sent.
	UseAutoAuthToken   bool
	ForceAutoAuthToken bool
}

// Cache is cache {}: leased responses served through the proxy are cached.
type Cache struct{}

// Listener is a listener "tcp" or "unix" block.
type Listener struct {
	Type        string // tcp or unix
	Address     string
	TLSDisable  bool
	TLSCertFile string
	TLSKeyFile  string
	SocketMode  os.FileMode
}
