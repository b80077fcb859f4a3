package cli

import (
	"context"
	"errors"

	"github.com/exp-runner/exp/internal/resultdb"
	"github.com/exp-runner/exp/internal/serve"
)

func init() {
	register("serve", &command{
		summary: "a read-only web dashboard of the sweeps that updates live",
		usage: `Usage: exp serve [--db PATH|URL] [--addr HOST:PORT] [--token T]

Serves a web dashboard over the results database: / lists the sweeps,
/sweeps/ID shows a sweep's trials (the table exp table prints, sortable,
?group-by=PATHS) and learning curves, /runs/ID a run's config, epochs and
curve; the same data is JSON under /api/ (see README). Open pages update as
epochs are recorded. The server only reads: the database is opened
read-only and only GET and HEAD are answered. Ctrl-C stops it.

Flags:
	--db PATH|URL   results database (default $EXP_DB, else ./runs.db)
	--addr A        address to listen on (default 127.0.0.1:8080); an
	                address beyond loopback needs a token
	--token T       require T, at least 16 characters (default
	                $EXP_SERVE_TOKEN): open /?token=T once in a browser (it
	                sets a cookie), or send Authorization: Bearer T

Examples:
	exp serve
	exp serve --db sweeps.db --addr 127.0.0.1:9000
	EXP_SERVE_TOKEN=$(openssl rand -hex 16) exp serve --addr 0.0.0.0:8080
	ssh -L 8080:127.0.0.1:8080 trainer   # then open http://127.0.0.1:8080/
`,
		run: (*Main).runServe,
	})
}

func (m *Main) runServe(ctx context.Context, args []string) error {
	fs := m.newFlagSet("serve")
	db := fs.String("db", "", "")
	addr := fs.String("addr", "127.0.0.1:8080", "")
	token := fs.String("token", "", "")
	pos, err := m.parse(fs, "serve", args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError("exp serve: unexpected argument %q; see 'exp help serve'", pos[0])
	}
	tokenFrom := "--token"
	if *token == "" {
		*token, tokenFrom = m.getenv("EXP_SERVE_TOKEN"), "$EXP_SERVE_TOKEN"
	}
	if err := serve.CheckAddr(*addr); err != nil {
		return usageError("exp serve: --addr: %v", err)
	}
	if err := serve.CheckToken(*token); err != nil {
		return usageError("exp serve: %s: %v", tokenFrom, err)
	}
	if !serve.IsLoopback(*addr) && *token == "" {
		return usageError("%v", serve.ErrNeedToken)
	}
	store, err := resultdb.OpenReadOnly(ctx, m.dbPath(*db))
	if err != nil {
		return usageError("exp: %v", err)
	}
	defer store.Close()
	err = serve.Serve(ctx, store, *addr, serve.Options{Token: *token, Now: m.Now}, m.Stdout)
	if errors.Is(err, serve.ErrNeedToken) || errors.Is(err, serve.ErrBadOption) {
		return usageError("%v", err)
	}
	return err
}
