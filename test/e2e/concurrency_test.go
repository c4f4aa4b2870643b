package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// TestConcurrentUpdatesOfOneUser: concurrent writers of one aggregate all
// succeed through the Executor's conflict retries, and every write lands
// exactly once: the head version equals the number of event items, and
// each writer's bio is in exactly one event.
func TestConcurrentUpdatesOfOneUser(t *testing.T) {
	const writers = 20
	srv := testkit.Start(t, testkit.Options{})
	createUser(t, srv, map[string]any{"login": "contended"})

	client := srv.As(t, "contended")
	results := make([]*testkit.Response, writers)
	errs := make([]error, writers)
	testkit.Concurrently(writers, func(i int) {
		results[i], errs[i] = client.Do(context.Background(), updateProfileMutation,
			map[string]any{"in": map[string]any{"login": "contended", "bio": fmt.Sprintf("bio from writer %02d", i)}})
	})
	for i := range writers {
		if errs[i] != nil {
			t.Fatalf("writer %d: %v", i, errs[i])
		}
		if len(results[i].Errors) > 0 {
			t.Errorf("writer %d: errors %+v", i, results[i].Errors)
			continue
		}
		var out struct{ UpdateProfile struct{ User user } }
		if err := results[i].Decode(&out); err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
		// Each payload is the state right after that writer's own event.
		if want := fmt.Sprintf("bio from writer %02d", i); deref(out.UpdateProfile.User.Bio) != strconv.Quote(want) {
			t.Errorf("writer %d payload bio = %s, want %q", i, deref(out.UpdateProfile.User.Bio), want)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	const want = 1 + writers
	if v := headVersion(t, srv, "contended"); v != want {
		t.Errorf("head v = %d, want %d", v, want)
	}
	if n := eventCount(t, srv, "contended"); n != want {
		t.Errorf("%d event items, want %d", n, want)
	}

	// Every writer's bio appears in exactly one event, versions 2..21.
	res, err := srv.DB().Query(context.Background(), &dynamodb.QueryInput{
		TableName:              aws.String(srv.Table()),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :ev)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: string(table.AccountPartition("contended"))},
			":ev": &types.AttributeValueMemberS{Value: table.EventSKPrefix},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, it := range res.Items {
		var data struct{ Bio *string }
		if err := json.Unmarshal([]byte(testkit.S(it, "data")), &data); err != nil {
			t.Fatalf("event %s: %v", testkit.S(it, table.AttrSK), err)
		}
		if data.Bio != nil {
			seen[*data.Bio]++
		}
	}
	for i := range writers {
		if b := fmt.Sprintf("bio from writer %02d", i); seen[b] != 1 {
			t.Errorf("%q is in %d events, want 1", b, seen[b])
		}
	}

	// The read model converges on the head's state.
	var st struct{ Bio string }
	if err := json.Unmarshal([]byte(testkit.S(head(t, srv, "contended"), "state")), &st); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, projectionDeadline, func() bool {
		u := queryUser(t, srv, "contended")
		return u != nil && deref(u.Bio) == strconv.Quote(st.Bio)
	}, "read model of contended at the head's bio %q", st.Bio)
}

// TestConcurrentCreatesOfOneLogin: racing creations of one login (in any
// case) leave exactly one user; every loser gets ALREADY_EXISTS, not
// CONFLICT or INTERNAL.
func TestConcurrentCreatesOfOneLogin(t *testing.T) {
	const racers = 10
	srv := testkit.Start(t, testkit.Options{})
	logins := []string{"racer", "RACER", "Racer", "rAcEr", "RaCeR"}
	clients := make([]*testkit.Client, racers)
	for i := range racers {
		clients[i] = srv.As(t, logins[i%len(logins)])
	}
	results := make([]*testkit.Response, racers)
	errs := make([]error, racers)
	testkit.Concurrently(racers, func(i int) {
		results[i], errs[i] = clients[i].Do(context.Background(), createUserMutation,
			map[string]any{"in": map[string]any{"login": logins[i%len(logins)], "name": fmt.Sprint("racer ", i)}})
	})
	won := -1
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		switch {
		case len(results[i].Errors) == 0:
			if won >= 0 {
				t.Errorf("racers %d and %d both created the user", won, i)
			}
			won = i
		case results[i].Code() != "ALREADY_EXISTS":
			t.Errorf("racer %d: errors %+v, want ALREADY_EXISTS", i, results[i].Errors)
		}
	}
	if won < 0 {
		t.Fatalf("no racer created the user")
	}
	if v, n := headVersion(t, srv, "racer"), eventCount(t, srv, "racer"); v != 1 || n != 1 {
		t.Errorf("head v = %d, %d events; want 1 and 1", v, n)
	}
	var out struct{ CreateUser struct{ User user } }
	if err := results[won].Decode(&out); err != nil {
		t.Fatal(err)
	}
	awaitUser(t, srv, "racer", out.CreateUser.User)
}
