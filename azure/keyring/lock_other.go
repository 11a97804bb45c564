//go:build !unix && !windows

package keyring

import "os"

// tryLock: no file locks on this platform; the in-process lock still holds.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlockFile(*os.File) error { return nil }
