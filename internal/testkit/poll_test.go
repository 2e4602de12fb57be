package testkit

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCheckFor(t *testing.T) {
	n := 0
	CheckFor(t, 5*time.Second, time.Millisecond, func() error {
		if n++; n < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	require.Equal(t, 3, n)
}

func TestMarkIsStrictlyEarlier(t *testing.T) {
	m := Mark(t)
	require.True(t, time.Now().After(m))
}
