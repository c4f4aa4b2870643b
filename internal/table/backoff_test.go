package table

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond}
	cases := []struct {
		name    string
		b       Backoff
		attempt int
		nominal time.Duration
	}{
		{"first retry waits about Base", b, 0, 10 * time.Millisecond},
		{"doubles", b, 2, 40 * time.Millisecond},
		{"capped at Max", b, 5, 100 * time.Millisecond},
		{"huge attempts stay capped", b, 1000, 100 * time.Millisecond},
		{"negative attempts count as the first", b, -3, 10 * time.Millisecond},
		{"no Max means no cap below overflow", Backoff{Base: time.Millisecond}, 4, 16 * time.Millisecond},
		{"zero Backoff does not wait", Backoff{}, 3, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lo, hi := c.nominal-c.nominal/4, c.nominal+c.nominal/4
			for i := 0; i < 200; i++ {
				if d := c.b.Delay(c.attempt); d < lo || d > hi {
					t.Fatalf("Delay(%d) = %v, want within [%v, %v]", c.attempt, d, lo, hi)
				}
			}
		})
	}
}

func TestBackoffSleepStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Backoff{Base: time.Hour, Max: time.Hour}).Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a cancelled context = %v, want context.Canceled", err)
	}
	if err := SleepContext(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("SleepContext = %v", err)
	}
}
