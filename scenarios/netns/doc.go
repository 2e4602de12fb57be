// Package netns builds a private network out of Linux network namespaces
// for the cluster fault tests, and runs processes inside it.
//
// New creates one namespace per node plus a hub namespace holding a
// bridge; each node's namespace has its loopback and one veth whose peer
// sits on the hub's bridge, addressed 10.<net>.0.<i+1>/24. Nothing of it
// touches the host's own network namespace: traffic between the nodes
// stays on the veths, and the test process reaches a node through the
// node's own loopback, dialling from inside its namespace (Dialer), so a
// partition cut on the hub never hides a node from the test.
//
// Cut and Heal take a node's veth down and up on the hub (a pulled cable:
// both ends lose carrier and nothing crosses). Start runs a command in a
// node's namespace with `ip netns exec`. Everything is removed by
// t.Cleanup, also when the test fails; New skips the test, saying why,
// when it is not root or there is no `ip` binary.
package netns
