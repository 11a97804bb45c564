// Command palwiz links a partner's dedicated account to its Partner ID in a
// customer's directory (Partner Admin Link) and checks that the account gets
// the credit: a Bubble Tea wizard, and plain commands for scripts.
//
// The commands live in internal/cmd, one package each, in the shape of
// cli/cli: an Options struct, a NewCmd function taking a Factory, and a run.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmd/root"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/cmdutil"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/config"
	"github.com/palwiz/palwiz/cmd/palwiz/internal/iostreams"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=...
// -X main.date=..." (make build); the binary's build information fills the rest.
var version, commit, date = "dev", "", ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := root.Run(ctx, os.Args[1:], iostreams.System(), config.FromEnv(os.Getenv), nil, cmdutil.ReadBuildInfo(version, commit, date))
	stop()
	os.Exit(code)
}
