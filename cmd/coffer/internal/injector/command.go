package injector

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// ErrNoTLS reports a start without a certificate: the API server calls
// webhooks over TLS only.
var ErrNoTLS = errors.New("injector: -tls-cert-file and -tls-key-file are required")

// New returns the `agent-injector` command.
func New(stdout, stderr io.Writer) *cobra.Command {
	s := DefaultSettings()
	var listen, certFile, keyFile string
	cmd := &cobra.Command{
		Use:   "agent-injector",
		Short: "Run the Kubernetes mutating webhook that injects Coffer Agent into annotated pods (vault-k8s compatible)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd.Flags()); err != nil {
				return err
			}
			if certFile == "" || keyFile == "" {
				return ErrNoTLS
			}
			log := slog.New(slog.NewTextHandler(stderr, nil))
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return Serve(ctx, listen, certFile, keyFile, &Handler{Settings: s, Log: log}, log, nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", ":8080", "Address to serve the webhook on")
	f.StringVar(&certFile, "tls-cert-file", "", "PEM certificate for the webhook's TLS")
	f.StringVar(&keyFile, "tls-key-file", "", "PEM key for the webhook's TLS")
	f.StringVar(&s.VaultAddress, "vault-address", "", "Address of the Coffer server the agents talk to")
	f.StringVar(&s.AuthType, "vault-auth-type", s.AuthType, "Auth method the agents log in with")
	f.StringVar(&s.AuthPath, "vault-auth-path", s.AuthPath, "Mount path of that auth method")
	f.StringVar(&s.CACertBytes, "vault-cacert-bytes", "", "CA certificate (PEM) the agents trust; prefer the ca-cert annotation")
	f.StringVar(&s.Image, "agent-image", s.Image, "Image of the agent containers")
	f.StringVar(&s.LogLevel, "log-level", s.LogLevel, "The agents' log level")
	f.Int64Var(&s.RunAsUser, "run-as-user", s.RunAsUser, "User id the agent containers run as")
	f.Int64Var(&s.RunAsGroup, "run-as-group", s.RunAsGroup, "Group id the agent containers run as")
	f.BoolVar(&s.RunAsSameUser, "run-as-same-user", false, "Accepted for vault-k8s compatibility; the agent runs as -run-as-user")
	f.BoolVar(&s.SetSecurityContext, "set-security-context", s.SetSecurityContext, "Give the agent containers a restricted security context")
	f.StringVar(&s.CPURequest, "cpu-request", s.CPURequest, "CPU request of the agent containers")
	f.StringVar(&s.CPULimit, "cpu-limit", s.CPULimit, "CPU limit of the agent containers")
	f.StringVar(&s.MemRequest, "memory-request", s.MemRequest, "Memory request of the agent containers")
	f.StringVar(&s.MemLimit, "memory-limit", s.MemLimit, "Memory limit of the agent containers")
	f.StringVar(&s.DefaultTemplate, "default-template", s.DefaultTemplate, `Template for secrets without one: "map" or "json"`)
	f.BoolVar(&s.ExitOnRetryFailure, "template-config-exit-on-retry-failure", s.ExitOnRetryFailure, "The agents exit when a template keeps failing")
	f.StringVar(&s.StaticSecretRenderInterval, "template-static-secret-render-interval", "", "Polling interval for static secrets when events are unavailable")
	return cmd
}

// envNames maps vault-k8s's environment variables to flags; a flag set on
// the command line wins.
var envNames = map[string]string{
	"AGENT_INJECT_LISTEN":                                 "listen",
	"AGENT_INJECT_TLS_CERT_FILE":                          "tls-cert-file",
	"AGENT_INJECT_TLS_KEY_FILE":                           "tls-key-file",
	"AGENT_INJECT_VAULT_ADDR":                             "vault-address",
	"AGENT_INJECT_VAULT_AUTH_TYPE":                        "vault-auth-type",
	"AGENT_INJECT_VAULT_AUTH_PATH":                        "vault-auth-path",
	"AGENT_INJECT_VAULT_CACERT_BYTES":                     "vault-cacert-bytes",
	"AGENT_INJECT_VAULT_IMAGE":                            "agent-image",
	"AGENT_INJECT_LOG_LEVEL":                              "log-level",
	"AGENT_INJECT_RUN_AS_USER":                            "run-as-user",
	"AGENT_INJECT_RUN_AS_GROUP":                           "run-as-group",
	"AGENT_INJECT_RUN_AS_SAME_USER":                       "run-as-same-user",
	"AGENT_INJECT_SET_SECURITY_CONTEXT":                   "set-security-context",
	"AGENT_INJECT_CPU_REQUEST":                            "cpu-request",
	"AGENT_INJECT_CPU_LIMIT":                              "cpu-limit",
	"AGENT_INJECT_MEM_REQUEST":                            "memory-request",
	"AGENT_INJECT_MEM_LIMIT":                              "memory-limit",
	"AGENT_INJECT_DEFAULT_TEMPLATE":                       "default-template",
	"AGENT_INJECT_TEMPLATE_CONFIG_EXIT_ON_RETRY_FAILURE":  "template-config-exit-on-retry-failure",
	"AGENT_INJECT_TEMPLATE_STATIC_SECRET_RENDER_INTERVAL": "template-static-secret-render-interval",
}

func applyEnv(f *pflag.FlagSet) error {
	for env, flag := range envNames {
		v, ok := os.LookupEnv(env)
		if !ok || f.Changed(flag) {
			continue
		}
		if err := f.Set(flag, v); err != nil {
			return fmt.Errorf("injector: %s=%q: %w", env, v, err)
		}
	}
	return nil
}

// Serve runs the webhook over TLS until ctx ends. ready, when not nil,
// receives the bound address.
func Serve(ctx context.Context, addr, certFile, keyFile string, h *Handler, log *slog.Logger, ready chan<- string) error {
	certs := &certReloader{certFile: certFile, keyFile: keyFile}
	if _, err := certs.get(nil); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/mutate", h)
	mux.HandleFunc("/health/ready", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: certs.get}}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("injector: listen: %w", err)
	}
	log.Info("agent injector listening", "address", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-errc:
		return err
	}
}

// certReloader loads the key pair again when the files change.
type certReloader struct {
	certFile, keyFile string
	mu                sync.Mutex
	cert              *tls.Certificate
	stamp             string
}

func (c *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	stamp := fileStamp(c.certFile) + "|" + fileStamp(c.keyFile)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cert != nil && stamp == c.stamp {
		return c.cert, nil
	}
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		if c.cert != nil {
			return c.cert, nil // mid-rotation: keep serving the old one
		}
		return nil, fmt.Errorf("injector: TLS key pair: %w", err)
	}
	c.cert, c.stamp = &pair, stamp
	return c.cert, nil
}

func fileStamp(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fi.ModTime().String() + strconv.FormatInt(fi.Size(), 10)
}
