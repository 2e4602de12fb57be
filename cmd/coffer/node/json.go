package node

import "encoding/json"

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("node: response does not marshal: " + err.Error())
	}
	return b
}
