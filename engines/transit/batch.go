package transit

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/cofferhq/coffer/engines/framework"
)

// nameRegex is the key name segment of every key path.
var nameRegex = framework.GenericNameRegex("name")

// optionalParam matches an optional trailing path segment, as Vault's
// OptionalParamRegex.
func optionalParam(name string) string { return "(/(?P<" + name + ">.+))?" }

// decodeBase64Field decodes a standard-base64 request value; the error is
// the decoder's, as Vault reports it.
func decodeBase64Field(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, userErrorf("%v", err)
	}
	return b, nil
}

// MaxBatchItems bounds batch_input: a larger batch is refused whole (400)
// before any item is processed. A thousand items of the largest plaintext
// the gateway's body limit allows keep one request's work bounded; clients
// split bigger jobs.
const MaxBatchItems = 1000

// batchItem is one element of batch_input.
type batchItem struct {
	index  int
	fields map[string]any
}

// batchInput returns the items of batch_input and whether the request has
// one. A malformed batch is refused whole.
func batchInput(req *framework.Request) ([]batchItem, bool, error) {
	raw, ok := req.Data["batch_input"]
	if !ok || raw == nil {
		return nil, false, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, true, framework.BadRequest("failed to parse batch input: batch_input must be a list of objects, got %T", raw)
	}
	if len(list) == 0 {
		return nil, true, framework.BadRequest("missing batch input to process")
	}
	if len(list) > MaxBatchItems {
		return nil, true, framework.BadRequest("batch_input has %d items; at most %d are allowed in one request", len(list), MaxBatchItems)
	}
	items := make([]batchItem, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, true, framework.BadRequest("failed to parse batch input: [%d] expected a map, got '%T'", i, e)
		}
		items[i] = batchItem{index: i, fields: m}
	}
	return items, true, nil
}

// str reads a string field of the item; a value of another type refuses
// the whole batch, as Vault's decoder does.
func (it batchItem) str(key string) (string, bool, error) {
	v, ok := it.fields[key]
	if !ok || v == nil {
		return "", false, nil
	}
	s, isString := v.(string)
	if !isString {
		return "", true, framework.BadRequest("failed to parse batch input: '[%d].%s' expected type 'string', got unconvertible type '%T'", it.index, key, v)
	}
	return s, true, nil
}

func (it batchItem) integer(key string) (int, error) {
	v, ok := it.fields[key]
	if !ok || v == nil {
		return 0, nil
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = t
	case float64:
		return int(t), nil
	default:
		return 0, framework.BadRequest("failed to parse batch input: '[%d].%s' expected type 'int', got unconvertible type '%T'", it.index, key, v)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, framework.BadRequest("failed to parse batch input: '[%d].%s': %q is not an integer", it.index, key, s)
	}
	return n, nil
}

// batchOutcome tallies a batch for its status code, as Vault computes it:
// any user error makes it 400 (internal errors 500), unless
// partial_failure_response_code asks otherwise and some item succeeded.
type batchOutcome struct {
	success, userErr, internalErr bool
}

func (o *batchOutcome) record(err error) {
	switch {
	case err == nil:
		o.success = true
	case isUserError(err):
		o.userErr = true
	default:
		o.internalErr = true
	}
}

func (o batchOutcome) respond(req *framework.Request, resp *framework.Response) (*framework.Response, error) {
	if !o.userErr && !o.internalErr {
		return resp, nil
	}
	code := 400
	if !o.userErr {
		code = 500
	}
	if override, ok := req.IntOk("partial_failure_response_code"); ok && o.success {
		if override < 1 || override > 599 {
			resp.Warnings = append(resp.Warnings, "invalid HTTP response code override from partial_failure_response_code, reverting to "+strconv.Itoa(code))
		} else {
			code = override
		}
	}
	resp.StatusCode = code
	return resp, nil
}

// referencedItem is an item of a request that can come as batch_input; its
// reference is echoed in its batch result.
type referencedItem interface{ batchReference() string }

func (it *cryptItem) batchReference() string { return it.reference }
func (it *signItem) batchReference() string  { return it.reference }

// runItems is the per-item loop every batch endpoint shares, so that all of
// them answer an item the way Vault does. Each result starts from base's
// fields (plus the reference, in a batch); op adds the item's output to res
// and only on success. A single request fails with its item's error; a batch
// keeps the error in that item's result and goes on. The outcome tallies
// the items for the endpoints whose status code depends on it.
func runItems[T referencedItem](items []T, isBatch bool, base map[string]any, op func(i int, it T, res map[string]any) error) ([]map[string]any, batchOutcome, error) {
	results := make([]map[string]any, len(items))
	var outcome batchOutcome
	for i, it := range items {
		res := make(map[string]any, len(base)+2)
		for k, v := range base {
			res[k] = v
		}
		if isBatch {
			res["reference"] = it.batchReference()
		}
		results[i] = res
		err := op(i, it, res)
		outcome.record(err)
		if err != nil {
			if !isBatch {
				return nil, outcome, asResponseError(err)
			}
			res["error"] = itemError(err)
		}
	}
	return results, outcome, nil
}

// itemsResponse puts the results in resp: all of them under batch_results
// for a batch, the one item's fields as the whole answer otherwise.
func itemsResponse(resp *framework.Response, results []map[string]any, isBatch bool) *framework.Response {
	if isBatch {
		resp.Data = map[string]any{"batch_results": results}
	} else {
		resp.Data = results[0]
	}
	return resp
}
