package events

import "time"

// Event is one public event: a CloudEvents 1.0 envelope shaped like
// Vault's event notifications, plus Coffer's ledger index, cursor and
// actor. It never carries a secret value, password, key, token or
// ciphertext: mappers copy names, versions and times only.
type Event struct {
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	SpecVersion     string    `json:"specversion"`
	Type            string    `json:"type"`
	DataContentType string    `json:"datacontenttype"`
	Time            time.Time `json:"time"`
	Data            EventData `json:"data"`
}

// EventData is the CloudEvents data member, as Vault fills it.
type EventData struct {
	Event      EventBody  `json:"event"`
	EventType  string     `json:"event_type"`
	PluginInfo PluginInfo `json:"plugin_info"`
	// LedgerIndex is the index of the ledger message holding the event.
	LedgerIndex uint64 `json:"ledger_index"`
	// Cursor is "<ledger_index>.<position>": give it back as Last-Event-ID
	// to resume right after this event.
	Cursor string `json:"cursor"`
	// Actor is the accessor of the token that caused the event, or
	// "system".
	Actor string `json:"actor,omitempty"`
}

// EventBody is Vault's event: an id and string metadata (Vault reports
// every metadata value as a string).
type EventBody struct {
	ID       string            `json:"id"`
	Metadata map[string]string `json:"metadata"`
}

// PluginInfo names the mount the event happened in.
type PluginInfo struct {
	MountClass    string `json:"mount_class,omitempty"`
	MountAccessor string `json:"mount_accessor,omitempty"`
	MountPath     string `json:"mount_path"`
	Plugin        string `json:"plugin"`
}

// published is an event mapped once and marshalled once, shared by every
// subscriber it is delivered to.
type published struct {
	cursor   Cursor
	typ      string
	path     string
	dataPath string
	event    *Event
	json     []byte
	// owner is the accessor of the token the event is about: it receives
	// the event whatever its policies (framework.PublicEvent.Owner).
	owner string
	// redacted is the event as a subscriber without sudo sees it (bearer
	// values HMAC'd), and redactedJSON its JSON; the same as event and
	// json when there is nothing to hide.
	redacted     *Event
	redactedJSON []byte
}

// view is what one subscriber receives: the whole event with sudo, the
// redacted one otherwise.
func (p *published) view(raw bool) []byte {
	if raw {
		return p.json
	}
	return p.redactedJSON
}

// matchesPrefix reports whether the event's path or data path starts with
// prefix.
func (p *published) matchesPrefix(prefix string) bool {
	return prefix == "" || hasPathPrefix(p.path, prefix) || hasPathPrefix(p.dataPath, prefix)
}

func hasPathPrefix(path, prefix string) bool {
	return len(path) >= len(prefix) && path[:len(prefix)] == prefix
}
