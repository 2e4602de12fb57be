// Package events documents the event schemas: one leaf package per
// aggregate (kvevent, leaseevent, tokenevent, mountevent, policyevent,
// auditevent, transitevent, databaseevent), each holding its event types
// and payloads, the schema version they are written with (registered with
// ledger.RegisterEventType), the aggregate's identity and its pure fold.
// Command packages and read models import them; they import only the
// ledger and internal/apierror.
//
// testdata holds one JSON payload per event type and schema version;
// golden_test.go decodes each through the upcasters into the registered
// payload type and encodes it again, so a change of encoding fails it.
// node/golden_test.go replays a recorded ledger into the read models.
package events
