package harness

import "syscall"

// sysProcAttr kills the server if the test process dies without cleaning up
// (a panic, a -timeout), so no orphan keeps the port and data dir.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
