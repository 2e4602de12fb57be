package deploycheck

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"

	"github.com/cofferhq/coffer/cmd/coffer/internal/config"
	"github.com/cofferhq/coffer/ledger/kmsseal/kmstest"
)

// root is the repository's root (this package is three levels down).
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../../..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(dir, "go.mod"))
	return dir
}

// load loads docker-compose.yml as `docker compose config` would, with
// env as the only environment (nothing from the test's own).
func load(t *testing.T, env ...string) (*types.Project, error) {
	t.Helper()
	dir := root(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "docker-compose.yml")},
		cli.WithWorkingDirectory(dir), cli.WithEnv(env), cli.WithResolvedPaths(true))
	require.NoError(t, err)
	return opts.LoadProject(t.Context())
}

var cofferNodes = []string{"coffer-1", "coffer-2", "coffer-3"}

// hostPort splits an http(s) URL's host and port.
func hostPort(t *testing.T, raw string) (string, int) {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	port, err := strconv.Atoi(u.Port())
	require.NoError(t, err, "%s names no port", raw)
	return u.Hostname(), port
}

// node is one Coffer service with the config it mounts.
type node struct {
	svc types.ServiceConfig
	cfg *config.Config
	api int // the listener's port in the container
}

func TestComposeFile(t *testing.T) {
	p, err := load(t, "POSTGRES_PASSWORD=from-the-environment")
	require.NoError(t, err)
	require.Equal(t, "coffer", p.Name)
	require.ElementsMatch(t, []string{"coffer-1", "coffer-2", "coffer-3", "postgres", "kms", "kms-seed"}, p.ServiceNames())

	for name, svc := range p.Services {
		require.Contains(t, svc.Networks, "cluster", "%s is not on the cluster network", name)
		for _, v := range svc.Volumes {
			switch v.Type {
			case types.VolumeTypeVolume:
				require.Contains(t, p.Volumes, v.Source, "%s mounts an undeclared volume", name)
			case types.VolumeTypeBind:
				require.FileExists(t, v.Source, "%s mounts a file the repository lacks", name)
				require.True(t, v.ReadOnly, "%s mounts %s writable", name, v.Source)
			}
		}
		if name != "kms-seed" { // a one-shot job
			require.NotNil(t, svc.HealthCheck, "%s has no healthcheck", name)
			require.NotEmpty(t, svc.HealthCheck.Test, "%s has an empty healthcheck", name)
		}
		for _, port := range svc.Ports {
			require.Equal(t, "127.0.0.1", port.HostIP, "%s publishes port %s beyond the host", name, port.Published)
		}
	}

	nodes := map[string]node{}
	published := map[string]string{}
	for _, name := range cofferNodes {
		svc := p.Services[name]
		n := node{svc: svc, cfg: mountedConfig(t, svc)}
		_, port, err := net.SplitHostPort(n.cfg.Listeners[0].Address)
		require.NoError(t, err)
		n.api, err = strconv.Atoi(port)
		require.NoError(t, err)
		nodes[name] = n

		// Build and health.
		require.NotNil(t, svc.Build, name)
		require.Equal(t, root(t), svc.Build.Context, name)
		require.FileExists(t, filepath.Join(svc.Build.Context, svc.Build.Dockerfile))
		require.Contains(t, strings.Join(svc.HealthCheck.Test, " "), "coffer status", name)
		require.Equal(t, types.ServiceConditionHealthy, svc.DependsOn["kms"].Condition, "%s starts before KMS", name)

		// The data dir on a named volume of its own.
		data := mountAt(svc, n.cfg.Storage.Path)
		require.NotNil(t, data, "%s: storage path %s is not on a volume", name, n.cfg.Storage.Path)
		require.Equal(t, types.VolumeTypeVolume, data.Type, name)
		require.Equal(t, name+"-data", data.Source, name)

		// One published port, onto the listener.
		require.Len(t, svc.Ports, 1, name)
		require.EqualValues(t, n.api, svc.Ports[0].Target, "%s publishes a port its listener does not use", name)
		require.NotContains(t, published, svc.Ports[0].Published, "%s and %s publish the same port", name, published[svc.Ports[0].Published])
		published[svc.Ports[0].Published] = name

		// Its names are the compose service's.
		require.Equal(t, name, svc.Hostname)
		require.Equal(t, name, n.cfg.Storage.NodeID)
		host, port2 := hostPort(t, n.cfg.APIAddr)
		require.Equal(t, name, host, "%s api_addr", name)
		require.Equal(t, n.api, port2, "%s api_addr's port is not its listener's", name)
		host, _ = hostPort(t, n.cfg.ClusterAddr)
		require.Equal(t, name, host, "%s cluster_addr", name)

		// Auto-unseal through the compose file's KMS.
		require.Equal(t, config.SealAWSKMS, n.cfg.Seal.Type, name)
		host, port2 = hostPort(t, n.cfg.Seal.AWSKMS.Endpoint)
		require.Contains(t, p.Services, host, "%s: the KMS endpoint is no service", name)
		require.Equal(t, kmsPort(t, p), port2, "%s: the KMS endpoint's port is not the one local-kms listens on", name)
		require.Contains(t, svc.Environment, "AWS_ACCESS_KEY_ID", name)
	}

	// Every node joins exactly the other two, at their listeners and routes.
	for name, n := range nodes {
		var peers []string
		for _, r := range n.cfg.Storage.RetryJoin {
			host, port := hostPort(t, r.LeaderAPIAddr)
			peer, ok := nodes[host]
			require.True(t, ok, "%s joins %s, which is no coffer service", name, host)
			require.Equal(t, peer.api, port, "%s joins %s on a port its listener does not use", name, host)
			routes, err := r.ClusterHostPort()
			require.NoError(t, err)
			_, want := hostPort(t, peer.cfg.ClusterAddr)
			require.Equal(t, net.JoinHostPort(host, strconv.Itoa(want)), routes, "%s looks for %s's routes elsewhere than its cluster_addr", name, host)
			peers = append(peers, host)
		}
		want := slices.DeleteFunc(slices.Clone(cofferNodes), func(s string) bool { return s == name })
		require.ElementsMatch(t, want, peers, "%s's retry_join", name)
	}

	// PostgreSQL takes its password from the environment only.
	pg := p.Services["postgres"]
	require.Equal(t, "from-the-environment", *pg.Environment["POSTGRES_PASSWORD"])
	require.Contains(t, strings.Join(pg.HealthCheck.Test, " "), "pg_isready")
	require.NotNil(t, mountAt(pg, "/var/lib/postgresql/data"), "postgres keeps its data on no volume")

	// local-kms starts on the seed the seed job writes.
	kms, seed := p.Services["kms"], p.Services["kms-seed"]
	require.Equal(t, types.ServiceConditionCompletedSuccessfully, kms.DependsOn["kms-seed"].Condition)
	require.Equal(t, mountAt(seed, "/init").Source, mountAt(kms, "/init").Source, "the seed job and local-kms share no /init volume")
	require.Contains(t, dockerfile(t, kms), "KMS_SEED_PATH=/init/seed.yaml")
}

// TestComposeNeedsThePostgresPassword: the password is never in the file,
// and the file does not load without it.
func TestComposeNeedsThePostgresPassword(t *testing.T) {
	_, err := load(t)
	require.ErrorContains(t, err, "POSTGRES_PASSWORD")
}

// TestDockerfilesPinWhatTheTestsUse: the images build with go.mod's Go,
// and local-kms at the version the seal tests run.
func TestDockerfilesPinWhatTheTestsUse(t *testing.T) {
	dir := root(t)
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	mf, err := modfile.ParseLax("go.mod", mod, nil)
	require.NoError(t, err)
	p, err := load(t, "POSTGRES_PASSWORD=x")
	require.NoError(t, err)
	from := regexp.MustCompile(`(?m)^FROM golang:(\S+?)-alpine\b`)
	for _, name := range []string{"coffer-1", "kms"} {
		text := dockerfile(t, p.Services[name])
		m := from.FindAllStringSubmatch(text, -1)
		require.NotEmpty(t, m, "%s's Dockerfile builds with no golang image", name)
		for _, v := range m {
			require.Equal(t, mf.Go.Version, v[1], "%s's Dockerfile builds with another Go than go.mod's", name)
		}
	}
	require.Contains(t, dockerfile(t, p.Services["kms"]), fmt.Sprintf("go install %s@%s", kmstest.Module, kmstest.Version))
	coffer := dockerfile(t, p.Services["coffer-1"])
	require.Contains(t, coffer, "./cmd/coffer")
	require.Regexp(t, `(?m)^EXPOSE 8200 8201$`, coffer)
	require.Regexp(t, `(?m)^VOLUME /var/lib/coffer$`, coffer)
}

// mountedConfig parses the config mounted where the service's command
// reads it, with Coffer's own loader.
func mountedConfig(t *testing.T, svc types.ServiceConfig) *config.Config {
	t.Helper()
	i := slices.Index(svc.Command, "-config")
	require.True(t, i >= 0 && i+1 < len(svc.Command), "%s: no -config in %v", svc.Name, svc.Command)
	m := mountAt(svc, svc.Command[i+1])
	require.NotNil(t, m, "%s: nothing is mounted at %s", svc.Name, svc.Command[i+1])
	require.Equal(t, types.VolumeTypeBind, m.Type)
	cfg, err := config.Load(m.Source, nil)
	require.NoError(t, err, "%s: %s", svc.Name, m.Source)
	return cfg
}

// mountAt is the service's mount at target, or nil.
func mountAt(svc types.ServiceConfig, target string) *types.ServiceVolumeConfig {
	for i, v := range svc.Volumes {
		if v.Target == target {
			return &svc.Volumes[i]
		}
	}
	return nil
}

// dockerfile is the text of the Dockerfile the service builds from.
func dockerfile(t *testing.T, svc types.ServiceConfig) string {
	t.Helper()
	require.NotNil(t, svc.Build, "%s is not built", svc.Name)
	b, err := os.ReadFile(filepath.Join(svc.Build.Context, svc.Build.Dockerfile))
	require.NoError(t, err)
	return string(b)
}

// kmsPort is the port local-kms listens on: its image's PORT.
func kmsPort(t *testing.T, p *types.Project) int {
	t.Helper()
	m := regexp.MustCompile(`\bPORT=(\d+)`).FindStringSubmatch(dockerfile(t, p.Services["kms"]))
	require.NotNil(t, m, "local-kms's Dockerfile sets no PORT")
	port, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	require.Contains(t, strings.Join(p.Services["kms"].HealthCheck.Test, " "), fmt.Sprintf(":%d/", port), "local-kms's healthcheck probes another port")
	return port
}
