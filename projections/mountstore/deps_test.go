package mountstore_test

import "github.com/cofferhq/coffer/engines/framework"

func depsOf(e env) framework.Deps {
	return framework.Deps{Bus: e.bus, Store: e.store}
}
