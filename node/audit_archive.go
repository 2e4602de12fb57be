package node

import (
	"cmp"
	"context"
	"path/filepath"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger/archive"
)

// AuditArchiveDir is where the node archives audit records that leave the
// ledger (Config.AuditArchiveDir, default <data dir>/audit-archive): a
// directory, or s3://bucket/prefix reached with Config.AuditArchiveS3.
func (n *Node) AuditArchiveDir() string {
	return cmp.Or(n.cfg.AuditArchiveDir, filepath.Join(n.cfg.DataDir, archive.DefaultDirName))
}

// auditArchiveService is the archiver, a singleton, when audit records
// age out of the ledger (Config.AuditRetention); without a retention
// there is nothing to archive.
func (n *Node) auditArchiveService() (framework.Service, bool) {
	if n.cfg.AuditRetention <= 0 {
		return framework.Service{}, false
	}
	a := archive.New(n.ledger, archive.Options{Store: n.auditArchive, Retention: n.cfg.AuditRetention, Log: n.cfg.Log})
	return framework.Service{Name: "audit archiver", Singleton: true, Run: func(ctx context.Context) error {
		for {
			err := a.Run(ctx)
			if ctx.Err() != nil {
				return nil
			}
			n.cfg.Log.Error("audit archiver stopped; restarting", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(5 * time.Second):
			}
		}
	}}, true
}
