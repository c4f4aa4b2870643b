package lambdaprojector_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// workload runs n random commands across the domain — accounts,
// organizations, repositories (deleted and re-created, so purges run),
// forks, stars, issues, pull requests, comments, reactions — as random
// actors. Commands the domain refuses are part of the mix; any other
// failure fails the test. It returns how many commands succeeded.
func workload(t *testing.T, x *events.Executor, seed uint64, n int) int {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	users := []string{"ada", "bob", "cy", "dee", "eve", "fay"}
	owners := append([]string{"acme"}, users...)
	repos := []string{"alpha", "beta", "gamma"}
	seq := map[string]int{} // owner/name → highest issue or pull request number opened
	var comments []entities.CommentID
	pick := func(ss []string) string { return ss[rng.IntN(len(ss))] }
	exec := func(actor string, cmd entities.Command) bool {
		_, err := x.Execute(ctx, actor, cmd)
		var de *entities.Error
		if err != nil && !errors.As(err, &de) {
			t.Fatalf("%T as %s: %v", cmd, actor, err)
		}
		return err == nil
	}
	ok := 0
	for _, u := range users {
		if exec(u, entities.CreateUser{Login: u, Name: "User " + u}) {
			ok++
		}
	}
	if exec("ada", entities.CreateOrganization{Login: "acme", Name: "Acme", Actor: "ada"}) {
		ok++
	}
	for range n {
		actor, owner, name := pick(users), pick(owners), pick(repos)
		repo := entities.NewRepositoryID(owner, name)
		key := owner + "/" + name
		number := 1 + rng.IntN(max(seq[key], 1))
		var cmd entities.Command
		switch r := rng.IntN(100); {
		case r < 6:
			cmd = entities.AddMember{Org: "acme", Login: actor, Role: entities.MemberRole(pick([]string{"MEMBER", "ADMIN"})), Actor: "ada"}
		case r < 16:
			if owner == "acme" {
				actor = "ada"
			} else {
				actor = owner
			}
			cmd = entities.CreateRepository{Owner: owner, Name: name, Description: "repo " + name, IsPrivate: rng.IntN(4) == 0, Actor: actor}
		case r < 19:
			cmd = entities.DeleteRepository{Owner: owner, Name: name, Actor: owner}
			if owner == "acme" {
				cmd = entities.DeleteRepository{Owner: owner, Name: name, Actor: "ada"}
			}
		case r < 23:
			cmd = entities.ForkRepository{Owner: owner, Name: name, Actor: actor}
		case r < 33:
			cmd = entities.StarRepository{Owner: owner, Name: name, Actor: actor}
		case r < 37:
			cmd = entities.UnstarRepository{Owner: owner, Name: name, Actor: actor}
		case r < 50:
			if exec(actor, entities.OpenIssue{Actor: actor, Repository: repo, Title: fmt.Sprintf("issue %d", rng.IntN(1000))}) {
				seq[key]++
				ok++
			}
			continue
		case r < 56:
			if exec(actor, entities.OpenPullRequest{Actor: actor, Repository: repo, Title: "pr", HeadRef: "feature", BaseRef: "main"}) {
				seq[key]++
				ok++
			}
			continue
		case r < 62:
			cmd = entities.CloseIssue{Actor: actor, Repository: repo, Number: number, Reason: entities.ReasonCompleted}
		case r < 65:
			cmd = entities.MergePullRequest{Actor: owner, Repository: repo, Number: number}
		case r < 80:
			var e [10]byte
			for i := range e {
				e[i] = byte(rng.IntN(256))
			}
			id := entities.NewCommentID(repo, number, entities.NewCommentLocalID(time.Now(), e))
			if exec(actor, entities.AddComment{Actor: actor, Repository: repo, Number: number, ID: id.Local(), Body: "a comment"}) {
				comments = append(comments, id)
				ok++
			}
			continue
		case r < 84 && len(comments) > 0:
			cmd = entities.EditComment{Actor: actor, ID: comments[rng.IntN(len(comments))], Body: fmt.Sprintf("edited %d", rng.IntN(1000))}
		case r < 93:
			var subject entities.ID = entities.NewIssueID(repo, number)
			if len(comments) > 0 && rng.IntN(2) == 0 {
				subject = comments[rng.IntN(len(comments))]
			}
			contents := entities.ReactionContents()
			cmd = entities.AddReaction{Actor: actor, Subject: subject, Content: contents[rng.IntN(len(contents))]}
		default:
			bio := fmt.Sprintf("bio %d", rng.IntN(1000))
			actor = pick(users)
			cmd = entities.UpdateProfile{Login: actor, Bio: &bio}
		}
		if cmd != nil && exec(actor, cmd) {
			ok++
		}
	}
	return ok
}

// putPoison writes, with the plain AWS client, the event item and head of
// an account whose first event this build cannot decode (a schema no
// upcaster knows), as a buggy or newer writer would; then a second event
// on the same aggregate, which the projector must hold behind the first.
func putPoison(t *testing.T, db *dynamodb.Client, tbl, login string) {
	t.Helper()
	ctx := context.Background()
	at := time.Now().UTC()
	const legacy = `{"user":{"handle":"poison","displayName":"Poison Ivy"}}`
	p := table.AccountPartition(login)
	s := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberS{Value: v} }
	n := func(v int64) ddb.AttributeValue { return &ddb.AttributeValueMemberN{Value: fmt.Sprint(v)} }
	put := func(v int64, typ, data string, schema int64, envs []events.Envelope) {
		state, _ := json.Marshal(&entities.Account{Login: login, Type: entities.AccountUser, Name: "Poison Ivy", CreatedAt: at, UpdatedAt: at})
		newEvents, _ := json.Marshal(envs)
		ek, hk := table.EventKey(p, v), table.HeadKey(p)
		head := &ddb.Put{TableName: aws.String(tbl), Item: map[string]ddb.AttributeValue{
			"PK": s(hk.PK), "SK": s(hk.SK), "_et": s(table.TypeHead), "kind": s(string(entities.KindAccount)), "agg": s(login),
			"v": n(v), "seq": n(0), "state": s(string(state)), "new": s(string(newEvents)), "at": s(at.Format(time.RFC3339Nano)),
		}}
		if v == 1 {
			head.ConditionExpression = aws.String("attribute_not_exists(PK)")
		}
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddb.TransactWriteItem{
			{Put: &ddb.Put{TableName: aws.String(tbl), Item: map[string]ddb.AttributeValue{
				"PK": s(ek.PK), "SK": s(ek.SK), "_et": s(table.TypeEvent), "kind": s(string(entities.KindAccount)), "agg": s(login),
				"type": s(typ), "v": n(v), "at": s(at.Format(time.RFC3339Nano)), "actor": s(login), "cmd": s(fmt.Sprintf("poison-%d", v)),
				"sv": n(schema), "data": s(data),
			}}},
			{Put: head},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	env := func(v int64, typ, data string, schema int) events.Envelope {
		return events.Envelope{Kind: entities.KindAccount, Aggregate: login, Type: typ, Version: v, At: at, Actor: login, Command: fmt.Sprintf("poison-%d", v), Schema: schema, Data: json.RawMessage(data)}
	}
	put(1, "UserCreated", legacy, 0, []events.Envelope{env(1, "UserCreated", legacy, 0)})
	const update = `{"bio":"still poisoned"}`
	put(2, "ProfileUpdated", update, 1, []events.Envelope{env(2, "ProfileUpdated", update, 1)})
}
