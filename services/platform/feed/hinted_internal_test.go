package feed

import (
	"math/rand/v2"
	"testing"
	"time"
)

// A key hinted within FreshFor is never taken for unchanged, however the
// hints and the questions fall between the generations; one hinted more
// than twice FreshFor ago is forgotten (the memory stays bounded); and
// nothing is unchanged until the subscription has stood FreshFor.
func TestHintedKeysAreRememberedForFreshFor(t *testing.T) {
	const freshFor = 10 * time.Second
	start := time.Unix(1_700_000_000, 0)
	f := New(nil, nil, Options{Channel: "c", FreshFor: freshFor})
	f.subscribedAt = start
	if f.unchangedAt("k", start.Add(freshFor/2)) {
		t.Fatal("unchanged while the subscription is younger than FreshFor")
	}
	lastHint := map[string]time.Time{}
	now := start.Add(freshFor)
	for range 20_000 {
		now = now.Add(time.Duration(rand.Int64N(int64(freshFor / 4))))
		key := string(rune('a' + rand.IntN(8)))
		if rand.IntN(3) == 0 {
			f.noteHint(key, now)
			lastHint[key] = now
			continue
		}
		unchanged := f.unchangedAt(key, now)
		last, hinted := lastHint[key]
		switch {
		case hinted && now.Sub(last) <= freshFor && unchanged:
			t.Fatalf("%s hinted %v ago taken for unchanged", key, now.Sub(last))
		case (!hinted || now.Sub(last) > 2*freshFor) && !unchanged:
			t.Fatalf("%s hinted %v ago (hinted: %t) still remembered", key, now.Sub(last), hinted)
		}
	}
}

// A watcher is handed the state of the last hint that woke it before it
// looked: a bare hint after a state hint leaves it none (the change the
// bare hint announces may be newer than that state), a later state
// replaces an earlier one, a resubscription leaves none, and a state is
// handed over once. Hint lines round-trip through parseHint.
func TestAWatcherTakesTheStateOfItsLastHint(t *testing.T) {
	f := New(nil, nil, Options{Channel: "c"})
	w, err := f.add("u-1", "k")
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.add("u-2", "other")
	if err != nil {
		t.Fatal(err)
	}
	take := func(want string, wantState bool) {
		t.Helper()
		got := f.takeState(w)
		if (got != nil) != wantState || string(got) != want {
			t.Fatalf("took %q (a state: %t), want %q (a state: %t)", got, got != nil, want, wantState)
		}
	}
	f.wake("k", []byte("first"))
	f.wake("k", []byte("second"))
	take("second", true)
	take("", false)
	f.wake("k", []byte("older"))
	f.wake("k", nil)
	take("", false)
	f.wake("k", []byte("before the break"))
	f.wakeAll()
	take("", false)
	if got := f.takeState(other); got != nil {
		t.Fatalf("another key's watcher took %q", got)
	}

	for _, c := range []struct {
		line, key, state string
		hasState         bool
	}{
		{"purchase:t-1", "purchase:t-1", "", false},
		{"purchase:t-1\t" + "cXVldWVk", "purchase:t-1", "queued", true},
		{"purchase:t-1\t", "purchase:t-1", "", true},
		{"purchase:t-1\t!!not base64", "purchase:t-1", "", false},
	} {
		key, state := parseHint(c.line)
		if key != c.key || string(state) != c.state || (state != nil) != c.hasState {
			t.Errorf("parseHint(%q) = %q, %q (a state: %t), want %q, %q (a state: %t)", c.line, key, state, state != nil, c.key, c.state, c.hasState)
		}
	}
}
