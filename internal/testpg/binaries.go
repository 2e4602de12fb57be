package testpg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrNoPostgres means the PostgreSQL server binaries are not installed.
var ErrNoPostgres = errors.New("testpg: PostgreSQL binaries (initdb, pg_ctl) not found; install the postgresql-15 package")

// defaultBinDir is where Debian and Ubuntu's postgresql-15 package puts the
// server binaries; they are not on PATH there.
const defaultBinDir = "/usr/lib/postgresql/15/bin"

// findBinDir returns the directory holding initdb and pg_ctl:
// $COFFER_PG_BINDIR when set (and only it), else the Debian location,
// `pg_config --bindir`, or initdb's directory on PATH.
func findBinDir() (string, error) {
	if dir := os.Getenv("COFFER_PG_BINDIR"); dir != "" {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
		return "", fmt.Errorf("%w (COFFER_PG_BINDIR=%s)", ErrNoPostgres, dir)
	}
	candidates := []string{defaultBinDir}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, dir := range candidates {
		if dir == "" {
			continue
		}
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "pg_ctl")) {
			return dir, nil
		}
	}
	return "", ErrNoPostgres
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// owner is the system user the PostgreSQL binaries run as: the current user,
// or "postgres" when the tests run as root (initdb and postgres refuse root).
type owner struct {
	cred *syscall.Credential // nil: run as the current user
	uid  int
	gid  int
}

func lookupOwner() (owner, error) {
	if os.Geteuid() != 0 {
		return owner{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return owner{}, fmt.Errorf("testpg: running as root needs the postgres system user: %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return owner{}, fmt.Errorf("testpg: uid of postgres: %w", err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return owner{}, fmt.Errorf("testpg: gid of postgres: %w", err)
	}
	return owner{
		cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}},
		uid:  uid,
		gid:  gid,
	}, nil
}

// command prepares a PostgreSQL binary to run as the owner, from a working
// directory the owner can enter (the test's package directory may not be).
func (o owner) command(dir, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C", "PGTZ=UTC")
	if o.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: o.cred}
		cmd.Env = append(cmd.Env, "HOME="+dir, "USER=postgres", "LOGNAME=postgres")
	}
	return cmd
}

// chown gives path to the owner (a no-op when not running as root).
func (o owner) chown(path string) error {
	if o.cred == nil {
		return nil
	}
	return os.Chown(path, o.uid, o.gid)
}
