//go:build !linux

package testenv

import "os/exec"

// dieWithTest: only Linux can tie a child's life to its parent's; elsewhere
// a test binary that panics leaves its servers running.
func dieWithTest(*exec.Cmd) {}
