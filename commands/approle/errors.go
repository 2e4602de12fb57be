package approle

import "errors"

// ErrSecretIDState reports secret ID events that do not fit the state
// they were decided on (a programming error or a stale decision).
var ErrSecretIDState = errors.New("approle: secret ID events do not fit its state")
