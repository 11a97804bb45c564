//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package auth

import "golang.org/x/sys/unix"

// echoOff turns the terminal's echo off, keeping line editing and Ctrl-C
// (ICANON, ISIG), as term.ReadPassword does, and returns what turns it back.
func echoOff(fd uintptr) (func(), error) {
	old, err := unix.IoctlGetTermios(int(fd), ioctlGetTermios)
	if err != nil {
		return nil, err
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	quiet.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(int(fd), ioctlSetTermios, &quiet); err != nil {
		return nil, err
	}
	return func() { _ = unix.IoctlSetTermios(int(fd), ioctlSetTermios, old) }, nil
}
