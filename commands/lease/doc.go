// Package lease holds the lease aggregate's pure decide functions; its
// events, states and fold are in events/leaseevent.
package lease
