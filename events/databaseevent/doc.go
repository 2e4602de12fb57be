// Package databaseevent is the event schema of the database secrets
// engine: connection configurations (root passwords travel only inside the
// encrypted ledger and are sealed again by the read model), root password
// rotations and roles.
package databaseevent
