package scenarios_test

import (
	"testing"

	"github.com/cofferhq/coffer/scenarios/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }
