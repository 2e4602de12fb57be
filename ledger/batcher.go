package ledger

import "context"

// batcher group-commits calls: every call that queued while fn was busy
// goes into fn's next run, and each gets its own error back. It is the
// shape of the ledger writer, for the data-key stream's smaller jobs.
type batcher[T any] struct {
	in   chan *batchItem[T]
	fn   func([]T) []error
	stop <-chan struct{}
	max  int
}

type batchItem[T any] struct {
	v    T
	done chan error
}

func newBatcher[T any](max int, stop <-chan struct{}, fn func([]T) []error) *batcher[T] {
	b := &batcher[T]{in: make(chan *batchItem[T], 1024), fn: fn, stop: stop, max: max}
	go b.run()
	return b
}

func (b *batcher[T]) do(ctx context.Context, v T) error {
	it := &batchItem[T]{v: v, done: make(chan error, 1)}
	select {
	case b.in <- it:
	case <-b.stop:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-it.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// doAll queues every value at once (so they share runs of fn) and
// returns their errors.
func (b *batcher[T]) doAll(ctx context.Context, vs []T) []error {
	items := make([]*batchItem[T], len(vs))
	errs := make([]error, len(vs))
	for i, v := range vs {
		items[i] = &batchItem[T]{v: v, done: make(chan error, 1)}
		select {
		case b.in <- items[i]:
		case <-b.stop:
			errs[i], items[i] = ErrClosed, nil
		case <-ctx.Done():
			errs[i], items[i] = ctx.Err(), nil
		}
	}
	for i, it := range items {
		if it == nil {
			continue
		}
		select {
		case errs[i] = <-it.done:
		case <-ctx.Done():
			errs[i] = ctx.Err()
		}
	}
	return errs
}

func (b *batcher[T]) run() {
	for {
		var first *batchItem[T]
		select {
		case first = <-b.in:
		case <-b.stop:
			for {
				select {
				case it := <-b.in:
					it.done <- ErrClosed
				default:
					return
				}
			}
		}
		items := []*batchItem[T]{first}
	drain:
		for len(items) < b.max {
			select {
			case it := <-b.in:
				items = append(items, it)
			default:
				break drain
			}
		}
		vals := make([]T, len(items))
		for i, it := range items {
			vals[i] = it.v
		}
		errs := b.fn(vals)
		for i, it := range items {
			it.done <- errs[i]
		}
	}
}
