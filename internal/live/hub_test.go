package live

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// Records as the stream carries them: a head item with the appended
// events inline, and the projector's marker item.

var (
	testRepo  = entities.NewRepositoryID("octo", "hello")
	testIssue = entities.NewIssueID(testRepo, 1)
)

func headRecord(t *testing.T, id entities.ID, versions ...int64) streams.Record {
	t.Helper()
	p, err := events.Partition(id)
	if err != nil {
		t.Fatal(err)
	}
	var envs []events.Envelope
	for _, v := range versions {
		envs = append(envs, events.Envelope{Kind: id.Kind(), Aggregate: id.String(), Type: "IssueEdited", Version: v, At: time.Now().UTC(), Actor: "octo", Data: json.RawMessage(`{}`)})
	}
	raw, _ := json.Marshal(envs)
	last := versions[len(versions)-1]
	k := table.HeadKey(p)
	img := map[string]streams.AttributeValue{
		table.AttrPK:   &streams.AttributeValueMemberS{Value: k.PK},
		table.AttrSK:   &streams.AttributeValueMemberS{Value: k.SK},
		table.AttrType: &streams.AttributeValueMemberS{Value: table.TypeHead},
		"kind":         &streams.AttributeValueMemberS{Value: string(id.Kind())},
		"agg":          &streams.AttributeValueMemberS{Value: id.String()},
		"v":            &streams.AttributeValueMemberN{Value: strconv.FormatInt(last, 10)},
		"state":        &streams.AttributeValueMemberS{Value: `{}`},
		"new":          &streams.AttributeValueMemberS{Value: string(raw)},
		"atMs":         &streams.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().UnixMilli(), 10)},
	}
	return streams.Record{Dynamodb: &streams.StreamRecord{NewImage: img, SequenceNumber: aws.String("1")}}
}

func markerRecord(t *testing.T, id entities.ID, v int64) streams.Record {
	t.Helper()
	p, _ := events.Partition(id)
	k := table.MarkerKey(p)
	return streams.Record{Dynamodb: &streams.StreamRecord{NewImage: map[string]streams.AttributeValue{
		table.AttrPK:      &streams.AttributeValueMemberS{Value: k.PK},
		table.AttrSK:      &streams.AttributeValueMemberS{Value: k.SK},
		table.AttrType:    &streams.AttributeValueMemberS{Value: table.TypeMarker},
		table.AttrVersion: &streams.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)},
	}}}
}

// versionsWithin returns the versions received on s within d.
func versionsWithin(s *Subscription, d time.Duration) []int64 {
	var out []int64
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				return out
			}
			out = append(out, ev.Envelope.Version)
		case <-t.C:
			return out
		}
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// startHub runs a hub's dispatch (without a follower) for the test.
func startHub(t *testing.T, opts HubOptions) *Hub {
	t.Helper()
	h := NewHub(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.dispatch(ctx); h.stop(); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func TestHubReleasesAfterTheMarker(t *testing.T) {
	tests := []struct {
		name    string
		records func(t *testing.T) []streams.Record
		want    []int64
	}{
		{"head then marker", func(t *testing.T) []streams.Record {
			return []streams.Record{headRecord(t, testIssue, 1), markerRecord(t, testIssue, 1)}
		}, []int64{1}},
		{"no marker yet: nothing", func(t *testing.T) []streams.Record {
			return []streams.Record{headRecord(t, testIssue, 1)}
		}, nil},
		{"a marker covering part of an append releases that part, in order", func(t *testing.T) []streams.Record {
			return []streams.Record{headRecord(t, testIssue, 1, 2), headRecord(t, testIssue, 3), markerRecord(t, testIssue, 2)}
		}, []int64{1, 2}},
		{"marker before head (another shard)", func(t *testing.T) []streams.Record {
			return []streams.Record{markerRecord(t, testIssue, 1), headRecord(t, testIssue, 1)}
		}, []int64{1}},
		{"an older marker does not release a newer event", func(t *testing.T) []streams.Record {
			return []streams.Record{headRecord(t, testIssue, 4), markerRecord(t, testIssue, 3)}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHub(t, HubOptions{ProjectionWait: time.Hour})
			s, err := h.Subscribe("v", AggregateTopic(testIssue))
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Feed(context.Background(), tt.records(t)); err != nil {
				t.Fatal(err)
			}
			if got := versionsWithin(s, 200*time.Millisecond); !equal(got, tt.want) {
				t.Fatalf("delivered %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHubProjectionWaitIsBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	h := startHub(t, HubOptions{ProjectionWait: 50 * time.Millisecond, Metrics: m})
	s, _ := h.Subscribe("v", AggregateTopic(testIssue))
	if err := h.Feed(context.Background(), []streams.Record{headRecord(t, testIssue, 1, 2)}); err != nil {
		t.Fatal(err)
	}
	got := versionsWithin(s, 2*time.Second)
	if !equal(got, []int64{1, 2}) {
		t.Fatalf("without a marker delivered %v, want [1 2] after the wait", got)
	}
	if n := testutil.ToFloat64(m.ProjectionTimeouts); n != 2 {
		t.Fatalf("projection_wait_timeouts_total = %v, want 2", n)
	}
}

func TestHubTopics(t *testing.T) {
	other := entities.NewIssueID(entities.NewRepositoryID("octo", "other"), 1)
	h := startHub(t, HubOptions{ProjectionWait: time.Hour})
	repoSub, _ := h.Subscribe("a", RepositoryTopic("OCTO", "Hello"), OwnerTopic("octo"))
	otherSub, _ := h.Subscribe("b", RepositoryTopic("octo", "other"))
	all, _ := h.Subscribe("c", AllRepositories)
	err := h.Feed(context.Background(), []streams.Record{
		headRecord(t, testIssue, 1), markerRecord(t, testIssue, 1),
		headRecord(t, other, 7), markerRecord(t, other, 7),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		s    *Subscription
		want []int64
	}{
		{"repository (case-insensitive), once though on two topics", repoSub, []int64{1}},
		{"another repository", otherSub, []int64{7}},
		{"all repositories", all, []int64{1, 7}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := versionsWithin(c.s, 200*time.Millisecond); !equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestHubDropsSlowConsumer(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	h := startHub(t, HubOptions{ProjectionWait: time.Hour, Buffer: 2, Metrics: m})
	slow, _ := h.Subscribe("slow", AggregateTopic(testIssue))
	fast, _ := h.Subscribe("fast", AggregateTopic(testIssue))
	for v := int64(1); v <= 5; v++ {
		if err := h.Feed(context.Background(), []streams.Record{headRecord(t, testIssue, v), markerRecord(t, testIssue, v)}); err != nil {
			t.Fatal(err)
		}
		// The fast one reads each event before the next comes.
		select {
		case ev := <-fast.Events():
			if ev == nil || ev.Envelope.Version != v {
				t.Fatalf("the fast subscriber got %+v, want v%d", ev, v)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the fast subscriber did not get v%d", v)
		}
	}
	if g := versionsWithin(slow, 200*time.Millisecond); !equal(g, []int64{1, 2}) {
		t.Fatalf("the slow subscriber got %v, want its buffer of 2 and then the end", g)
	}
	if err := slow.Err(); !errors.Is(err, ErrSlowConsumer) {
		t.Fatalf("slow.Err() = %v", err)
	}
	if n := testutil.ToFloat64(m.Dropped.WithLabelValues("slow_consumer")); n != 1 {
		t.Fatalf("dropped{slow_consumer} = %v", n)
	}
	if n := testutil.ToFloat64(m.Active); n != 1 {
		t.Fatalf("active = %v after the drop, want 1", n)
	}
}

func TestHubLimits(t *testing.T) {
	tests := []struct {
		name    string
		opts    HubOptions
		viewers []string
		wantErr int // index of the first refused subscription (-1: none)
	}{
		{"per viewer", HubOptions{MaxPerViewer: 2}, []string{"a", "a", "b", "a"}, 3},
		{"per process", HubOptions{MaxSubscriptions: 3}, []string{"a", "b", "c", "d"}, 3},
		{"closing frees a place", HubOptions{MaxPerViewer: 1}, []string{"a", "close", "a"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHub(tt.opts)
			var last *Subscription
			for i, v := range tt.viewers {
				if v == "close" {
					last.Close()
					last.Close() // idempotent
					continue
				}
				s, err := h.Subscribe(v, AllRepositories)
				if i == tt.wantErr {
					var de *entities.Error
					if !errors.As(err, &de) || de.Code != entities.CodeLimitExceeded {
						t.Fatalf("subscription %d: err = %v, want LIMIT_EXCEEDED", i, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("subscription %d: %v", i, err)
				}
				last = s
			}
			if tt.wantErr >= 0 {
				t.Fatal("no subscription was refused")
			}
		})
	}
}

func TestHubStopEndsSubscriptions(t *testing.T) {
	h := NewHub(HubOptions{})
	s, _ := h.Subscribe("v", AllRepositories)
	h.stop()
	if _, ok := <-s.Events(); ok {
		t.Fatal("an event after stop")
	}
	if err := s.Err(); err != nil {
		t.Fatalf("stop ended the subscription with %v, want a plain end", err)
	}
	late, err := h.Subscribe("v", AllRepositories)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := <-late.Events(); ok {
		t.Fatal("a subscription after stop is open")
	}
}

func TestEventTopicsOfAFork(t *testing.T) {
	fork := entities.NewRepositoryID("alice", "hello")
	ev := &Event{ID: fork, Data: &entities.RepositoryForked{Owner: "alice", Name: "hello", ParentOwner: "Octo", ParentName: "Hello"}}
	got := map[Topic]bool{}
	for _, tp := range EventTopics(ev) {
		got[tp] = true
	}
	for _, want := range []Topic{RepositoryTopic("alice", "hello"), RepositoryTopic("octo", "hello"), AllRepositories, AggregateTopic(fork)} {
		if !got[want] {
			t.Errorf("a fork is not published to %s (topics %v)", want, got)
		}
	}
}
