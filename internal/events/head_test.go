package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/entities"
)

// TestHeadCarriesCommitTime: the head of every append carries the append's
// time to the millisecond (the projector's lag is measured from it), and
// each append moves it.
func TestHeadCarriesCommitTime(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	x := w.executor()
	id := entities.NewAccountID("clocked")
	cases := []struct {
		name string
		cmd  entities.Command
		step time.Duration
	}{
		{"create", entities.CreateUser{Login: "clocked", Name: "C"}, 155*time.Millisecond + 700*time.Microsecond},
		{"update", entities.UpdateProfile{Login: "clocked", Name: ptr("D")}, 2*time.Second + 42*time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w.advance(c.step)
			want := w.clock.Load().Truncate(time.Millisecond)
			if _, err := x.Execute(ctx, "clocked", c.cmd); err != nil {
				t.Fatal(err)
			}
			heads, err := w.store.LoadHeads(ctx, []entities.ID{id})
			if err != nil {
				t.Fatal(err)
			}
			if got := heads[id].At; !got.Equal(want) {
				t.Errorf("head time %v, want %v (the append's time to the millisecond)", got, want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
