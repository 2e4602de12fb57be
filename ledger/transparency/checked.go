package transparency

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// checked grows one tree and compares it with each checkpoint as it
// reaches the checkpoint's size.
type checked struct {
	t   *tree
	cps []Checkpoint
	// next is the first checkpoint not yet reached.
	next int
	// match[i]: the tree's root at cps[i].Size equals cps[i].Root.
	match []bool
	// inconsistent lists i where the consistency proof from cps[i-1] to
	// cps[i] failed on this tree although cps[i] matched.
	inconsistent []int
	sinceMark    int
}

func newChecked(cps []Checkpoint) *checked {
	return &checked{t: newTree(), cps: cps, match: make([]bool, len(cps))}
}

func (c *checked) add(h tlog.Hash) error {
	if err := c.t.add(h); err != nil {
		return err
	}
	c.sinceMark++
	reached := false
	for c.next < len(c.cps) && c.cps[c.next].Size == c.t.n {
		reached = true
		root, err := c.t.root()
		if err != nil {
			return err
		}
		i := c.next
		c.match[i] = root == c.cps[i].Root
		if i > 0 && c.match[i] {
			prev := c.cps[i-1]
			proof, err := tlog.ProveTree(c.t.n, prev.Size, c.t)
			if err != nil {
				return fmt.Errorf("transparency: consistency proof %d->%d: %w", prev.Size, c.t.n, err)
			}
			if tlog.CheckTree(proof, c.t.n, c.cps[i].Root, prev.Size, prev.Root) != nil {
				c.inconsistent = append(c.inconsistent, i)
			}
		}
		c.next++
	}
	if reached || (c.next == len(c.cps) && c.sinceMark >= markEvery) {
		c.t.mark()
		c.sinceMark = 0
	}
	return nil
}

// firstFailure is the first checkpoint the tree reached and did not match,
// or -1.
func (c *checked) firstFailure() int {
	for i := 0; i < c.next; i++ {
		if !c.match[i] {
			return i
		}
	}
	return -1
}

// authentic is how many leading leaves of the tree a signed root vouches
// for: the largest matching checkpoint size.
func (c *checked) authentic() int64 {
	for i := c.next - 1; i >= 0; i-- {
		if c.match[i] {
			return c.cps[i].Size
		}
	}
	return 0
}
