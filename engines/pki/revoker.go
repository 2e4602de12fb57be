package pki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/projections/pkistore"
)

// leaseRevoker revokes the certificates of generate_lease roles when
// their leases are revoked (by hand, with their token, or by the reaper
// at expiry).
type leaseRevoker struct {
	deps framework.Deps
	now  func() time.Time
}

// Revoke revokes the lease's certificate; a certificate that is gone
// (tidied) counts as revoked.
func (r *leaseRevoker) Revoke(ctx context.Context, st *leaseevent.State) error {
	var d leaseData
	if err := json.Unmarshal(st.RevokeData, &d); err != nil || d.Serial == "" {
		return fmt.Errorf("pki: lease %s has no certificate to revoke", st.ID)
	}
	mount := d.Mount
	if mount == "" {
		mount = st.MountAccessor
	}
	run := &cmdpki.Runner{Bus: r.deps.Bus, Reader: pkistore.Reader{Store: r.deps.Store, Ledger: r.deps.Ledger}, Mount: mount, Now: r.now}
	_, err := run.Revoke(ctx, d.Serial, st.ID)
	if errors.Is(err, cmdpki.ErrNotFound) {
		return nil
	}
	return err
}

// Renew refuses: a certificate's lease is its validity, which cannot
// grow (Vault's PKI leases are not renewable).
func (r *leaseRevoker) Renew(context.Context, *leaseevent.State, time.Time) error {
	return framework.BadRequest("lease is not renewable")
}
