package testenv

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// KillConnectionNamed closes the test Redis's connection whose client name
// is name (a subscription, say), as a network fault or a restart would, and
// returns its id.
func KillConnectionNamed(t testing.TB, name string) string {
	t.Helper()
	client := Redis(t)
	list, err := client.Do(context.Background(), client.B().ClientList().Build()).ToString()
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for line := range strings.SplitSeq(list, "\n") {
		if strings.Contains(line, " name="+name+" ") {
			id = strings.TrimPrefix(strings.Fields(line)[0], "id=")
		}
	}
	if id == "" {
		t.Fatalf("no connection named %s", name)
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Do(context.Background(), client.B().ClientKill().Id(n).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	return id
}

// HasConnectionNamed reports whether the test Redis has a connection named
// name other than the one with id except.
func HasConnectionNamed(t testing.TB, name, except string) bool {
	t.Helper()
	client := Redis(t)
	list, err := client.Do(context.Background(), client.B().ClientList().Build()).ToString()
	return err == nil && strings.Contains(list, " name="+name+" ") && !strings.Contains(list, "id="+except+" ")
}
