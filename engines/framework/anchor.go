package framework

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
)

// ErrUnanchoredPattern is a path pattern whose literal word can run on
// into the next segment: "leases/lookup/?(?P<prefix>.*)" also matches
// "leases/lookupdatabase/creds/", so a policy written for one path
// governs a request the route serves as another (issue 10, item 2).
var ErrUnanchoredPattern = errors.New("framework: route pattern not anchored at a segment boundary")

// CheckAnchored refuses a pattern in which a literal ending in a letter or
// digit may be followed by another letter or digit: a route's literal
// names end at a separator or at the end of the path. compile panics on a
// pattern that fails, so no path table can ship one.
func CheckAnchored(pattern string) error {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return fmt.Errorf("framework: pattern %q: %w", pattern, err)
	}
	if bad := unanchored(re, nil); bad != "" {
		return fmt.Errorf("%w: %q: %q may run on into the next segment", ErrUnanchoredPattern, pattern, bad)
	}
	return nil
}

// unanchored walks re with rest, the nodes that follow it in the whole
// pattern, and returns the first literal that a word character may follow.
func unanchored(re *syntax.Regexp, rest []*syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) > 0 && isWordRune(re.Rune[len(re.Rune)-1]) && mayStartWithWord(rest) {
			return string(re.Rune)
		}
	case syntax.OpConcat:
		for i, sub := range re.Sub {
			follow := append(append([]*syntax.Regexp{}, re.Sub[i+1:]...), rest...)
			if bad := unanchored(sub, follow); bad != "" {
				return bad
			}
		}
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if bad := unanchored(sub, rest); bad != "" {
				return bad
			}
		}
	case syntax.OpCapture, syntax.OpQuest:
		return unanchored(re.Sub[0], rest)
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		// A repeated group is followed by itself as well as by rest.
		return unanchored(re.Sub[0], append([]*syntax.Regexp{re.Sub[0]}, rest...))
	}
	return ""
}

// mayStartWithWord reports whether the sequence of nodes may match a
// string whose first character continues a name (a letter or digit).
func mayStartWithWord(seq []*syntax.Regexp) bool {
	for _, re := range seq {
		word, nullable := firstWord(re)
		if word {
			return true
		}
		if !nullable {
			return false
		}
	}
	return false
}

// firstWord reports whether re may begin with a word character and
// whether it may match the empty string.
func firstWord(re *syntax.Regexp) (word, nullable bool) {
	switch re.Op {
	case syntax.OpLiteral:
		// A literal continuing a literal spells a fixed name: the parser
		// factors "internal|exported|existing" into "internal|ex(?:ported|
		// isting)", whose "ex" is followed by words that cannot run on.
		// Only a class or wildcard lets a name run into the next segment.
		return false, len(re.Rune) == 0
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for _, r := range []rune{'a', 'z', 'A', 'Z', '0', '9'} {
				if re.Rune[i] <= r && r <= re.Rune[i+1] {
					return true, false
				}
			}
		}
		return false, false
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return true, false
	case syntax.OpCapture, syntax.OpPlus:
		return firstWord(re.Sub[0])
	case syntax.OpQuest, syntax.OpStar:
		w, _ := firstWord(re.Sub[0])
		return w, true
	case syntax.OpRepeat:
		w, n := firstWord(re.Sub[0])
		return w, n || re.Min == 0
	case syntax.OpConcat:
		return mayStartWithWord(re.Sub), allNullable(re.Sub)
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			w, n := firstWord(sub)
			word, nullable = word || w, nullable || n
		}
		return word, nullable
	}
	// Empty matches and assertions.
	return false, true
}

func allNullable(seq []*syntax.Regexp) bool {
	for _, re := range seq {
		if _, n := firstWord(re); !n {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// ListWithoutSlash returns the concrete paths of b's list routes that the
// table does not serve as a LIST once their trailing "/" is added. The
// gateway gives every LIST path its trailing slash before routing and the
// ACL check (as Vault's HTTP layer does), so such a route would be
// unreachable, or, worse, reached under another route's rules.
func (b *Backend) ListWithoutSlash() []string {
	var bad []string
	for _, p := range b.Paths {
		if _, ok := p.Operations[ListOperation]; !ok {
			continue
		}
		for _, v := range expandPattern(p.Pattern) {
			concrete := strings.NewReplacer("{", "x", "}", "").Replace(v)
			if !strings.HasSuffix(concrete, "/") {
				concrete += "/"
			}
			got, _, err := b.Match(concrete)
			if err != nil || got.Operations[ListOperation] == nil {
				bad = append(bad, p.Pattern+" as "+concrete)
			}
		}
	}
	return bad
}
