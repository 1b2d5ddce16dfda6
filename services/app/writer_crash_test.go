package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/services/platform/testenv"
	"mall/services/seckill"
)

// writerProcesses runs `mall writer` processes joined to the test's mall.
type writerProcesses struct {
	t    *testing.T
	bin  string
	env  []string
	cmds []*exec.Cmd
}

func (w *writerProcesses) start() *exec.Cmd {
	w.t.Helper()
	cmd := exec.Command(w.bin, "writer")
	cmd.Env = w.env
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.cmds = append(w.cmds, cmd)
	return cmd
}

func (w *writerProcesses) kill(cmd *exec.Cmd) {
	w.t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		w.t.Fatal(err)
	}
	_, _ = cmd.Process.Wait()
}

func (w *writerProcesses) stopAll() {
	for _, cmd := range w.cmds {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
	}
	w.cmds = nil
}

// purchaseRecords are n accepted purchases of distinct buyers in one event,
// as Purchase produces them (well-formed tickets), plus every tenth again.
func purchaseRecords(eventID string, n int) ([]*kgo.Record, int) {
	var records []*kgo.Record
	for i := range n {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		user := fmt.Sprintf("u-%s-%05d", eventID, i)
		value, _ := proto.Marshal(&seckillv1.PurchaseRecord{
			Ticket: eventID + "." + hex.EncodeToString(b) + "." + fmt.Sprintf("%06d", i), EventId: eventID, UserId: user,
			ProductId: "p0120", PriceCents: 100, Quantity: 1, AcceptedAt: timestamppb.Now(), Title: "crash test"})
		r := &kgo.Record{Topic: seckill.PurchasesTopic, Key: []byte(user), Value: value}
		records = append(records, r)
		if i%10 == 0 {
			records = append(records, &kgo.Record{Topic: seckill.PurchasesTopic, Key: []byte(user), Value: value})
		}
	}
	return records, n
}

// TestWritersSurviveKills: accepted purchases stream into Kafka while
// `mall writer` processes are SIGKILLed: (a) one writer killed twice and
// restarted; (b) three writers in the group, one killed and not replaced.
// Every purchase ends as exactly one order and every ticket has its result.
func TestWritersSurviveKills(t *testing.T) {
	bin := buildMall(t)
	url, deps := startApp(t)
	ctx := context.Background()
	producer, err := deps.Kafka.NewClient(kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	orderDB, err := deps.Database(ctx, "order")
	if err != nil {
		t.Fatal(err)
	}
	seckillDB, err := deps.Database(ctx, "seckill")
	if err != nil {
		t.Fatal(err)
	}
	writers := &writerProcesses{t: t, bin: bin, env: childEnv(url, deps)}
	t.Cleanup(writers.stopAll)

	written := func(t *testing.T, eventID string) int {
		n, err := orderDB.NewSelect().Table("orders").Where("seckill_event_id = ?", eventID).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitWritten := func(t *testing.T, eventID string, atLeast int, within time.Duration) {
		t.Helper()
		n := 0
		defer func() {
			if n < atLeast { // the wait gave up
				t.Logf("%s: %d of %d orders after %v", eventID, n, atLeast, within)
			}
		}()
		testenv.Eventually(t, within, fmt.Sprintf("%d orders of %s written", atLeast, eventID), func() bool {
			n = written(t, eventID)
			return n >= atLeast
		})
	}
	// produce sends the records in slices, slowly enough that the kills land mid-stream.
	produce := func(records []*kgo.Record) <-chan error {
		done := make(chan error, 1)
		go func() {
			for i := 0; i < len(records); i += 200 {
				if err := producer.ProduceSync(ctx, records[i:min(i+200, len(records))]...).FirstErr(); err != nil {
					done <- err
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
			done <- nil
		}()
		return done
	}
	results := func(t *testing.T, eventID string) int {
		n, err := seckillDB.NewSelect().Table("purchase_results").Where("event_id = ?", eventID).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// check waits for the writers to settle — a batch's ticket results are
	// recorded after its orders, so they can trail them — then holds them
	// to exactly one order and one result per buyer.
	check := func(t *testing.T, eventID string, want int) {
		t.Helper()
		waitWritten(t, eventID, want, 2*time.Minute)
		testenv.Eventually(t, 2*time.Minute, fmt.Sprintf("%d ticket results of %s recorded", want, eventID), func() bool {
			return results(t, eventID) >= want
		})
		var rows []struct {
			UserID string `bun:"user_id"`
			N      int    `bun:"n"`
		}
		if err := orderDB.NewSelect().Table("orders").ColumnExpr("user_id, COUNT(*) AS n").Where("seckill_event_id = ?", eventID).
			Group("user_id").Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.N != 1 {
				t.Fatalf("%s has %d orders", r.UserID, r.N)
			}
		}
		if recorded := results(t, eventID); len(rows) != want || recorded != want {
			t.Fatalf("%s: %d buyers with orders, %d ticket results, want %d", eventID, len(rows), recorded, want)
		}
	}

	t.Run("one writer killed twice", func(t *testing.T) {
		records, want := purchaseRecords("ev-crash-a", 6000)
		writer := writers.start()
		done := produce(records)
		for _, at := range []int{1500, 3500} {
			waitWritten(t, "ev-crash-a", at, 2*time.Minute)
			writers.kill(writer)
			writer = writers.start()
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		check(t, "ev-crash-a", want)
		writers.stopAll()
	})

	t.Run("three writers, one killed", func(t *testing.T) {
		records, want := purchaseRecords("ev-crash-b", 6000)
		victim := writers.start()
		writers.start()
		writers.start()
		done := produce(records)
		waitWritten(t, "ev-crash-b", 2000, 2*time.Minute)
		writers.kill(victim)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		check(t, "ev-crash-b", want)
	})
}
