package tests3

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cofferhq/coffer/internal/testkit"
)

// WeedEnv names a SeaweedFS `weed` binary (Apache-2.0; a real
// S3-compatible server, built outside the repository) to run the S3
// tests against instead of gofakes3. It is opt-in: the binary is a large
// build the test machines do not have. Unlike gofakes3, SeaweedFS is
// started with one identity (AccessKey/SecretKey) and checks the SigV4
// signature of every request.
const WeedEnv = "COFFER_S3_WEED"

// startWeed runs `weed server -s3` on loopback ports, in a temporary
// directory, with an identity; it returns once the bucket is created
// through S3 (which proves the signature check lets our key in).
func startWeed(t testing.TB, weed, bucket string) *Server {
	t.Helper()
	dir := t.TempDir()
	ident, err := json.Marshal(map[string]any{"identities": []map[string]any{{
		"name":        "coffer-test",
		"credentials": []map[string]string{{"accessKey": AccessKey, "secretKey": SecretKey}},
		"actions":     []string{"Admin", "Read", "List", "Tagging", "Write"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "s3.json")
	if err := os.WriteFile(conf, ident, 0o600); err != nil {
		t.Fatal(err)
	}
	addrs := testkit.FreeLoopbackAddrs(t, 8)
	port := func(i int) string {
		_, p, _ := net.SplitHostPort(addrs[i])
		return p
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir="+data,
		"-master.port="+port(0), "-master.port.grpc="+port(1), "-volume.port="+port(2), "-volume.port.grpc="+port(3),
		"-filer", "-filer.port="+port(4), "-filer.port.grpc="+port(5),
		"-s3", "-s3.port="+port(6), "-s3.port.grpc="+port(7), "-s3.config="+conf,
		"-master.volumeSizeLimitMB=64", "-volume.max=4")
	logf, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("tests3: start %s: %v", weed, err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		logf.Close()
	})
	s := &Server{Endpoint: "http://127.0.0.1:" + port(6), Bucket: bucket}
	deadline := time.Now().Add(90 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
		cancel()
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "weed.log"))
			t.Fatalf("tests3: SeaweedFS did not create bucket %s within 90 s: %v\n%s", bucket, err, tail(b, 4000))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// tail is the last n bytes of a log.
func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
