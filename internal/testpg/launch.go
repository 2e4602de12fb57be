package testpg

// Launch starts a throw-away cluster outside tests (the load generator),
// exactly as Start does for a test: initdb into a fresh directory under the
// system temp dir, a free loopback port, SuperUser with a random password,
// Database with Table. The caller must Destroy it; a cluster left behind by
// a process that died is removed by the next Start, Shared or Launch.
func Launch() (*Cluster, error) { return start() }

// Destroy stops the server and removes its files.
func (c *Cluster) Destroy() { c.destroy() }
