// Package searchattrtest records the search attributes a workflow upserts
// in the SDK's test environment, for the sagas' tests.
package searchattrtest

import (
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"mall/workflows/searchattr"
)

// Upserts are the attributes a workflow set, in the order it set them.
type Upserts struct {
	mu       sync.Mutex
	values   map[string]any
	statuses []string
}

// Record makes env record every UpsertTypedSearchAttributes of the
// workflow it runs.
func Record(env *testsuite.TestWorkflowEnvironment) *Upserts {
	u := &Upserts{values: map[string]any{}}
	env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil).Run(func(args mock.Arguments) {
		attrs, ok := args.Get(0).(temporal.SearchAttributes)
		if !ok {
			panic("UpsertTypedSearchAttributes mocked with something else than SearchAttributes")
		}
		u.mu.Lock()
		defer u.mu.Unlock()
		for key, value := range attrs.GetUntypedValues() {
			u.values[key.GetName()] = value
			if key.GetName() == searchattr.OrderStatus.GetName() {
				status, _ := value.(string)
				u.statuses = append(u.statuses, status)
			}
		}
	})
	return u
}

// Statuses are the values OrderStatus was set to, in order.
func (u *Upserts) Statuses() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.statuses)
}

// Keyword is the last value of a keyword attribute, and whether it was set.
func (u *Upserts) Keyword(key temporal.SearchAttributeKeyKeyword) (string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	value, ok := u.values[key.GetName()].(string)
	return value, ok
}

// Int64 is the last value of an integer attribute, and whether it was set.
func (u *Upserts) Int64(key temporal.SearchAttributeKeyInt64) (int64, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	value, ok := u.values[key.GetName()].(int64)
	return value, ok
}

// Want is what a saga should have set: the buyer, the kind, the amount
// (0: never set) and the order statuses in the order they were set.
type Want struct {
	UserID      string
	Kind        string
	AmountCents int64
	Statuses    []string
}

// Expect reports on t every attribute that differs from want.
func (u *Upserts) Expect(t testing.TB, want Want) {
	t.Helper()
	if user, ok := u.Keyword(searchattr.UserID); !ok || user != want.UserID {
		t.Errorf("UserId %q (set: %v), want %q", user, ok, want.UserID)
	}
	if kind, ok := u.Keyword(searchattr.OrderKind); !ok || kind != want.Kind {
		t.Errorf("OrderKind %q (set: %v), want %q", kind, ok, want.Kind)
	}
	if amount, ok := u.Int64(searchattr.AmountCents); amount != want.AmountCents || ok != (want.AmountCents != 0) {
		t.Errorf("AmountCents %d (set: %v), want %d", amount, ok, want.AmountCents)
	}
	if got := u.Statuses(); !slices.Equal(got, want.Statuses) {
		t.Errorf("OrderStatus set to %v, want %v", got, want.Statuses)
	}
}
