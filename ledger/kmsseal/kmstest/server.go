package kmstest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// Credentials local-kms accepts (it checks none) and the identity its keys
// are created under.
const (
	AccessKey = "coffer-test"
	SecretKey = "coffer-test-secret"
	Region    = "us-east-1"
	AccountID = "111122223333"
)

// startTimeout bounds how long local-kms may take to announce its port.
const startTimeout = 30 * time.Second

var startedLine = regexp.MustCompile(`started on 0\.0\.0\.0:(\d+)`)

// Server is a running local-kms.
type Server struct {
	// Endpoint is the base URL to configure as the KMS endpoint.
	Endpoint string

	bin     string
	dataDir string
	port    string

	mu   sync.Mutex // guards port, cmd, done
	cmd  *exec.Cmd
	done chan struct{}

	logMu sync.Mutex
	logs  bytes.Buffer
}

// Start runs local-kms for the duration of the test (stopped at cleanup).
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{bin: Binary(t), dataDir: t.TempDir(), port: "0"}
	if err := s.start(); err != nil {
		t.Fatalf("kmstest: %v", err)
	}
	// The port is fixed from here on, so Restart comes back where clients
	// already point.
	s.Endpoint = "http://127.0.0.1:" + s.port
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("local-kms output:\n%s", s.Logs())
		}
	})
	return s
}

func (s *Server) start() error {
	s.mu.Lock()
	running, port := s.cmd != nil, s.port
	s.mu.Unlock()
	if running {
		return fmt.Errorf("local-kms already running")
	}
	cmd := exec.Command(s.bin)
	cmd.Env = append(os.Environ(),
		"PORT="+port,
		"KMS_ACCOUNT_ID="+AccountID,
		"KMS_REGION="+Region,
		"KMS_DATA_PATH="+filepath.Join(s.dataDir, "data"),
		// No seeding: keys are made through the API by each test.
		"KMS_SEED_PATH="+filepath.Join(s.dataDir, "no-seed.yaml"),
	)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start local-kms: %w", err)
	}
	ports := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			s.logMu.Lock()
			s.logs.WriteString(line + "\n")
			s.logMu.Unlock()
			if m := startedLine.FindStringSubmatch(line); m != nil {
				select {
				case ports <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	// done closes once the process has exited and all its output is in
	// the log buffer.
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = pw.Close()
		<-scanned
		close(done)
	}()
	select {
	case p := <-ports:
		s.mu.Lock()
		s.port, s.cmd, s.done = p, cmd, done
		s.mu.Unlock()
		return nil
	case <-done:
		return fmt.Errorf("local-kms exited before it listened:\n%s", s.Logs())
	case <-time.After(startTimeout):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("local-kms did not announce its port within %s:\n%s", startTimeout, s.Logs())
	}
}

// Logs returns what local-kms printed so far.
func (s *Server) Logs() string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.logs.String()
}

// Stop kills local-kms (if it runs) and waits for it to exit. Its data
// directory and port are kept for Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd, s.done = nil, nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Restart starts local-kms again on the same port with the same data, after
// Stop.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Fatalf("kmstest: restart: %v", err)
	}
}

// Client returns a KMS client for this server.
func (s *Server) Client() *kms.Client {
	return kms.New(kms.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

// CreateKey creates a symmetric encryption key and, if alias is not empty,
// points the alias ("alias/coffer-unseal") at it. It returns the key id
// and ARN.
func (s *Server) CreateKey(t testing.TB, alias string) (keyID, arn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := s.Client()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("coffer test key")})
	if err != nil {
		t.Fatalf("kmstest: create key: %v", err)
	}
	keyID, arn = aws.ToString(out.KeyMetadata.KeyId), aws.ToString(out.KeyMetadata.Arn)
	if alias != "" {
		if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: aws.String(keyID)}); err != nil {
			t.Fatalf("kmstest: create alias %s: %v", alias, err)
		}
	}
	return keyID, arn
}

// DisableKey disables a key, so that using it fails with DisabledException.
func (s *Server) DisableKey(t testing.TB, keyID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client().DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatalf("kmstest: disable key: %v", err)
	}
}
