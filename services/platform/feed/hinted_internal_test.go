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
