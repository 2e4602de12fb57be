package shamir

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Unseal keys printed by real `vault init` / `vault operator init` runs
// (5 shares, threshold 3) and published in public READMEs and tutorials.
// Nobody published the unseal keys themselves, but Shamir gives a check
// that needs none: every 3-subset of a genuine set interpolates the same
// degree-2 polynomials, so all ten must combine to one key (and 4 or 5
// shares to that key too). Another field, another share layout or a wrong
// interpolation makes the subsets disagree. The first set is hex from an
// old Vault with sequential x-coordinates; the others are base64 from
// versions that randomise them.
var vaultPublishedShares = [][]string{
	{
		"c146f038e3e6017807d2643fa46d03dde98a2a2070d0fceaef8217c350e973bb01",
		"bae9c63fe2e137f41d1894d8f41a73fc768589ab1f210b1175967942e5e648bd02",
		"9fd330a62f754d904014e0551ac9c4e4e520bac42297f7480c3d651ad8516da703",
		"08e4416c82f935570d1ca8d1d289df93a6a1d77449289bac0fa9dc8d832c213904",
		"2ddeb7f54f6d4f335010dc5c3c5a688b3504e41b749e67f57602c0d5be9b042305",
	},
	{
		"VkIjRyHvji0L8/koxZeWBf/Qj/juOALbnKHupvhqF+CD",
		"u1MJHqqjdxTD1xKSNj5PYPT115RG1x2TuJEuVA+AzpaJ",
		"FQsQutRXJLNKAjTiqBZ2QkqJoDi9cdPwrxsjGl04Ciy3",
		"zIoHzTETnFkdEhjjqFfiIcxTw+boQicPNgxDZLLWNMpa",
		"VhG4D3k/ZvW3DXmV5OtIjT4k6y2+Xu/KZ66PBVA64pHS",
	},
	{
		"Jh5JroURGXNPk1TPuPXGuVsccL76oar/wEB7OUTMyNth",
		"UDg4/5+5F1IygNebq/EQLyCr8LitpTSn2+U6OqLMmi0J",
		"P379cN17JY+uuGTub6nsUY0+Z2hP0TcPC+zXxq28YUpF",
		"ECX0q/W1iEIFSE9G6b+oAFoC6p28iIznSeph1jqnDVpr",
		"tjZYK3EWsIey2z9U9oCc7r0H6ILKqEzwmgVGHFce6veB",
	},
	{
		"zmocsW1BNxscgy6QauyvJ3cWHyj+rMkgnEw4F/CjqmsC",
		"wkU887b9SZ7ftwvCrUO7svVMPXXu2Lho2StfOQbRR9fo",
		"GZRLclX+PW4mh5xd0Ll1Rl9JIyOi4KjrJxhZnc0W6/g4",
		"5CA4YzhfLiZ3nCjD/DQXBhInEFwKMQAv2Fa5bQ/SL6bE",
		"zNBV4800O+Pu2Lg6j4Dl3+7KPCUJaczmak3hS3VgjGvV",
	},
}

func TestCombineVaultPublishedShares(t *testing.T) {
	for n, set := range vaultPublishedShares {
		shares := make([][]byte, len(set))
		for i, s := range set {
			b, err := ParseShare(s)
			require.NoError(t, err)
			require.Len(t, b, 33, "set %d share %d", n, i)
			shares[i] = b
		}

		var key []byte
		for _, subset := range subsets(len(shares), 3) {
			got, err := Combine(pick(shares, subset))
			require.NoError(t, err)
			require.Len(t, got, 32)
			if key == nil {
				key = got
				continue
			}
			require.Equalf(t, key, got, "set %d: subset %v combines to another key", n, subset)
		}
		for _, subset := range subsets(len(shares), 4) {
			got, err := Combine(pick(shares, subset))
			require.NoError(t, err)
			require.Equalf(t, key, got, "set %d: subset %v", n, subset)
		}
		all, err := Combine(shares)
		require.NoError(t, err)
		require.Equal(t, key, all)

		// Below the threshold the pairs interpolate lines, not the
		// polynomial: they must not agree with the key. This is what makes
		// the agreement above mean something.
		for _, subset := range subsets(len(shares), 2) {
			got, err := Combine(pick(shares, subset))
			require.NoError(t, err)
			require.NotEqualf(t, key, got, "set %d: pair %v", n, subset)
		}
	}
}

// subsets lists every k-element subset of 0..n-1 as index slices.
func subsets(n, k int) [][]int {
	var out [][]int
	var rec func(start int, cur []int)
	rec = func(start int, cur []int) {
		if len(cur) == k {
			out = append(out, append([]int(nil), cur...))
			return
		}
		for i := start; i < n; i++ {
			rec(i+1, append(cur, i))
		}
	}
	rec(0, nil)
	return out
}

func pick(shares [][]byte, idx []int) [][]byte {
	out := make([][]byte, len(idx))
	for i, j := range idx {
		out[i] = shares[j]
	}
	return out
}
