package testenv

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel kill cmd when the test binary exits: one that
// panics runs no cleanup, and its servers would outlive it.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
