package pki

import (
	"context"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
)

// DecideACMEPut records an ACME object's new state on its own aggregate.
func DecideACMEPut(mount string, version uint64, e pkievent.ACMEObjectPut) ([]ledger.Event, error) {
	if e.Kind == "" || e.ID == "" || len(e.Object) == 0 {
		return nil, Invalid("acme object without kind, id or content")
	}
	e.Mount = mount
	return commands.Sequence(pkievent.KindACME, pkievent.ACMEID(mount, e.Kind, e.ID), version, ledger.MakeEvent(pkievent.EventACMEObjectPut, e)), nil
}

// DecideACMEConfig records config/acme.
func DecideACMEConfig(st MountState, c pkievent.ACMEConfig) ([]ledger.Event, error) {
	return st.sequence(ledger.MakeEvent(pkievent.EventACMEConfigured, pkievent.ACMEConfigured{Mount: st.Mount, Config: c})), nil
}

// DecideCluster records config/cluster.
func DecideCluster(st MountState, path, aiaPath string) ([]ledger.Event, error) {
	return st.sequence(ledger.MakeEvent(pkievent.EventClusterConfigured, pkievent.ClusterConfigured{Mount: st.Mount, Path: path, AIAPath: aiaPath})), nil
}

// PutACME stores an ACME object (last writer wins: the ACME state
// machine itself orders a client's requests).
func (r *Runner) PutACME(ctx context.Context, e pkievent.ACMEObjectPut) error {
	_, err := r.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		v, err := r.Bus.Version(pkievent.KindACME, pkievent.ACMEID(r.Mount, e.Kind, e.ID))
		if err != nil {
			return nil, err
		}
		return DecideACMEPut(r.Mount, v, e)
	})
	return err
}
