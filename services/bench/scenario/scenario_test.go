package scenario

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	productv1 "mall/gen/mall/product/v1"
	storefrontv1 "mall/gen/mall/storefront/v1"
	"mall/services/bench"
	"mall/services/platform/config"
)

func TestShallowCodecReadsDegradedPartsAndRejectsBrokenFraming(t *testing.T) {
	full := &storefrontv1.GetHomeResponse{
		Banners:       []*productv1.Banner{{BannerId: "b1", Title: "标题 title"}},
		Ranking:       []*productv1.RankingEntry{{Rank: 1, Product: &productv1.Product{ProductId: "p1"}}},
		DegradedParts: []storefrontv1.HomePart{storefrontv1.HomePart_HOME_PART_FLASH_SALES, storefrontv1.HomePart_HOME_PART_CATEGORIES},
	}
	data, err := proto.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	var got storefrontv1.GetHomeResponse
	if err := (shallowCodec{}).Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.GetDegradedParts(), full.GetDegradedParts()) || len(got.GetBanners()) != 0 {
		t.Fatalf("decoded %v", &got)
	}
	// Unpacked encoding of the same field is read too.
	unpacked := []byte{6<<3 | byte(protowire.VarintType), 2, 6<<3 | byte(protowire.VarintType), 4}
	got.Reset()
	if err := (shallowCodec{}).Unmarshal(unpacked, &got); err != nil || len(got.GetDegradedParts()) != 2 {
		t.Fatalf("unpacked: %v %v", &got, err)
	}
	// Other messages: framing only.
	var product productv1.GetProductResponse
	if err := (shallowCodec{}).Unmarshal(data, &product); err != nil {
		t.Fatal(err)
	}
	if err := (shallowCodec{}).Unmarshal(data[:len(data)-3], &got); err == nil {
		t.Fatal("a truncated answer was accepted")
	}
}

// A benchmark seeds development data (the demo admin among it): it must
// never do so into the databases or keys of the deployment it is run
// beside, whatever prefixes that deployment uses.
func TestBenchmarksUseDatabasesAndKeysOfTheirOwn(t *testing.T) {
	var deployment config.Config
	deployment.DBPrefix, deployment.CachePrefix = "mall_", "mall:"
	bench := benchConfig(deployment)
	if !bench.Dev || bench.DBPrefix == deployment.DBPrefix || bench.CachePrefix == deployment.CachePrefix ||
		!strings.HasPrefix(bench.DBPrefix, deployment.DBPrefix) || !strings.HasPrefix(bench.CachePrefix, deployment.CachePrefix) {
		t.Fatalf("bench prefixes %q %q next to the deployment's %q %q", bench.DBPrefix, bench.CachePrefix, deployment.DBPrefix, deployment.CachePrefix)
	}
}

// A phase passes only when the server's own counts show it did what it
// says; what wrk did not see answered (in flight when it stopped, at most
// one per connection) may have ended otherwise.
func TestPhaseOutcomesAreCheckedAgainstTheServersCounts(t *testing.T) {
	phase := func(requests, nonOK int64, outcomes bench.Counts) *seckillPhase {
		return &seckillPhase{summary: bench.Summary{Name: "p", Requests: requests, NonOK: nonOK}, outcomes: outcomes}
	}
	for name, c := range map[string]struct {
		p       *seckillPhase
		want    string
		refused bool
		ok      bool
	}{
		"all sold out":                        {phase(100, 100, bench.Counts{"sold_out": 100}), "sold_out", true, true},
		"in-flight ones cut off":              {phase(100, 100, bench.Counts{"sold_out": 103, "error": 5}), "sold_out", true, true},
		"accepted, none refused":              {phase(100, 0, bench.Counts{"accepted": 100}), "accepted", false, true},
		"an answer refused":                   {phase(100, 1, bench.Counts{"accepted": 100}), "accepted", false, false},
		"answered otherwise":                  {phase(100, 100, bench.Counts{"sold_out": 90, "address_refused": 10}), "sold_out", true, false},
		"more cut off than connections":       {phase(100, 100, bench.Counts{"sold_out": 100, "error": 11}), "sold_out", true, false},
		"fewer counted than answered":         {phase(100, 0, bench.Counts{"accepted": 99}), "accepted", false, false},
		"nothing answered":                    {phase(0, 0, bench.Counts{}), "accepted", false, false},
		"refusals where acceptance was meant": {phase(100, 100, bench.Counts{"accepted": 100}), "accepted", false, false},
	} {
		err := c.p.expectOnly(c.want, c.refused, 10)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", name, err)
		}
		if c.p.verified == "" && c.p.summary.Requests > 0 {
			t.Errorf("%s: nothing to report", name)
		}
	}
}

// The home benchmark turns the caches off once, after every phase that
// needs them on; each phase's requests are calls of the procedure whose
// count it is checked against (GetProduct's walking the given ids in
// order); and every ratio of the report names phases it runs.
func TestHomePhasesRunCachesOffLastAndCallWhatTheyCount(t *testing.T) {
	ids := []string{"p0001", "p0002", "p0003"}
	phases := homePhases("http://mall", "http://sized", ids)
	names := map[string]bool{}
	off := false
	for _, p := range phases {
		names[p.load.Name] = true
		if off && !p.cachesOff {
			t.Fatalf("%s runs with caches on after a phase with caches off", p.load.Name)
		}
		off = p.cachesOff
		paths := p.load.Paths
		if len(paths) == 0 {
			paths = []string{p.load.Path}
		}
		for i, path := range paths {
			u, err := url.Parse(path)
			if err != nil || u.Path != p.procedure || u.Query().Get("connect") != "v1" || u.Query().Get("encoding") != "json" {
				t.Fatalf("%s: request %q is not a Connect GET of %s (%v)", p.load.Name, path, p.procedure, err)
			}
			if len(p.load.Paths) > 0 && u.Query().Get("message") != fmt.Sprintf(`{"productId":%q}`, ids[i]) {
				t.Fatalf("%s: request %d asks %q, want product %s", p.load.Name, i, u.Query().Get("message"), ids[i])
			}
		}
	}
	if !off {
		t.Fatal("no phase with caches off")
	}
	for _, line := range homeReport(bench.Generator{}, &system{}, "", len(ids), nil, nil, nil).Ratios {
		if !names[line.Num] || (line.Den != "" && !names[line.Den]) {
			t.Errorf("ratio %q names a phase that does not run", line.Label)
		}
	}
}

// The accepted phase's note compares the server side's CPU per purchase
// with its health ceiling's per check, from the CPU the generator's run
// measured; without those measurements there is no note.
func TestAcceptedCPUNoteComparesAPurchaseWithAHealthCheck(t *testing.T) {
	health := bench.Summary{Name: "ceiling: health Check", Requests: 100000,
		CPU: bench.CPU{Wall: 2 * time.Second, Server: 2500 * time.Millisecond, Stores: 100 * time.Millisecond}}
	accepted := bench.Summary{Name: phaseAccepted, Requests: 30000, Ceilings: []bench.Summary{health},
		CPU: bench.CPU{Wall: 2 * time.Second, Server: 2400 * time.Millisecond, Stores: 1080 * time.Millisecond}}
	note, ok := acceptedCPUNote([]seckillPhase{{summary: bench.Summary{Name: phaseSoldOut}}, {summary: accepted}})
	want := "spent 116µs of CPU per purchase (the stores 36µs of it), 26µs per health check: 4.5 health checks' worth"
	if !ok || !strings.Contains(note, want) {
		t.Fatalf("note %q, %v; want it to say %q", note, ok, want)
	}
	accepted.CPU = bench.CPU{}
	if note, ok := acceptedCPUNote([]seckillPhase{{summary: accepted}}); ok {
		t.Fatalf("a note without CPU measured: %q", note)
	}
}
