package pkistore

import (
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/projections"
)

func registerTidy(p *projections.Projector) {
	p.Handle(pkievent.EventAutoTidyConfigured, decoded(func(tx *projections.Tx, e *pkievent.AutoTidyConfigured) error {
		return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
			c := e.Config
			m.Config.AutoTidy = &c
			return nil
		})
	}))
	p.Handle(pkievent.EventTidyFinished, decoded(func(tx *projections.Tx, e *pkievent.TidyFinished) error {
		if !e.Auto {
			return nil
		}
		return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
			m.Config.LastAutoTidy = e.At
			return nil
		})
	}))
}
