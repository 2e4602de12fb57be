package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// arith is consul-template's arithmetic: arguments in pipe order, so
// `{{ subtract 2 10 }}` and `{{ 10 | subtract 2 }}` are 10 - 2. Whole
// numbers stay whole; a float on either side makes a float.
func arith(op string) func(b, a any) (any, error) {
	return func(b, a any) (any, error) {
		ai, aInt := intOf(a)
		bi, bInt := intOf(b)
		if aInt && bInt {
			switch op {
			case "add":
				return ai + bi, nil
			case "subtract":
				return ai - bi, nil
			case "multiply":
				return ai * bi, nil
			case "divide":
				if bi == 0 {
					return nil, errors.New("template: divide by zero")
				}
				return ai / bi, nil
			case "modulo":
				if bi == 0 {
					return nil, errors.New("template: modulo by zero")
				}
				return ai % bi, nil
			case "minimum":
				return min(ai, bi), nil
			case "maximum":
				return max(ai, bi), nil
			}
		}
		af, err := toFloat(a)
		if err != nil {
			return nil, fmt.Errorf("template: %s: %w", op, err)
		}
		bf, err := toFloat(b)
		if err != nil {
			return nil, fmt.Errorf("template: %s: %w", op, err)
		}
		switch op {
		case "add":
			return af + bf, nil
		case "subtract":
			return af - bf, nil
		case "multiply":
			return af * bf, nil
		case "divide":
			if bf == 0 {
				return nil, errors.New("template: divide by zero")
			}
			return af / bf, nil
		case "modulo":
			if bf == 0 {
				return nil, errors.New("template: modulo by zero")
			}
			return math.Mod(af, bf), nil
		case "minimum":
			return math.Min(af, bf), nil
		case "maximum":
			return math.Max(af, bf), nil
		}
		return nil, fmt.Errorf("template: unknown operation %s", op)
	}
}

func intOf(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

func toInt(v any) (int64, error) {
	if i, ok := intOf(v); ok {
		return i, nil
	}
	return 0, fmt.Errorf("%v (%T) is not a whole number", v, v)
}

func toFloat(v any) (float64, error) {
	if i, ok := intOf(v); ok {
		return float64(i), nil
	}
	switch n := v.(type) {
	case float32:
		return float64(n), nil
	case float64:
		return n, nil
	case json.Number:
		return n.Float64()
	case string:
		return strconv.ParseFloat(n, 64)
	}
	return 0, fmt.Errorf("%v (%T) is not a number", v, v)
}
