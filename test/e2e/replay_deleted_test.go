package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/test/testkit"
)

// The schema-driven deletion test: every mutation that takes an input is
// run once with an idempotency key by a user who keeps every right, with
// texts that carry a marker; then what the payloads show is deleted — a
// comment (marker replayDelComment), then the repository (marker
// replayDelRepository) — and every mutation is replayed with its whole payload
// tree selected. A replay reflects the present: no deleted text may come
// back, and a replay whose payload was the deleted entity is NOT_FOUND, as
// a query finds it missing.

const (
	replayDelComment    = "DELC~"
	replayDelRepository = "DELR~"
)

func TestReplaysShowNothingDeleted(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{Configure: func(c *app.Config) {
		c.GraphQL.ComplexityLimit, c.GraphQL.DepthLimit, c.GraphQL.TokenLimit = -1, -1, -1
	}})
	recipes := map[string]trustRecipe{}
	rec := func(name, actor, selection string, input map[string]any) map[string]any {
		t.Helper()
		input["idempotencyKey"] = "D-" + name
		recipes[name] = trustRecipe{actor: actor, input: input}
		return trustRun(t, srv, actor, fmt.Sprintf("mutation($in: %sInput!) { %s(input: $in) { %s } }", trustInputType(name), name, selection), input)
	}
	do := func(actor, doc string, input map[string]any) map[string]any {
		t.Helper()
		return trustRun(t, srv, actor, doc, input)
	}
	const addComment = `mutation($in: AddCommentInput!) { addComment(input: $in) { comment { id } } }`
	const deleteComment = `mutation($in: DeleteCommentInput!) { deleteComment(input: $in) { deletedCommentId } }`
	const deleteRepository = `mutation($in: DeleteRepositoryInput!) { deleteRepository(input: $in) { deletedRepositoryId } }`

	createUser(t, srv, map[string]any{"login": "pal"})
	rec("createUser", "dora", "user { login }", map[string]any{"login": "dora"})
	rec("updateProfile", "dora", "user { login }", map[string]any{"login": "dora", "bio": "hi"})
	rec("createOrganization", "dora", "organization { login }", map[string]any{"login": "dorg"})
	rec("updateOrganization", "dora", "organization { login }", map[string]any{"login": "dorg", "description": "d"})
	rec("addMember", "dora", "role", map[string]any{"organization": "dorg", "login": "pal", "role": "MEMBER"})
	rec("changeMemberRole", "dora", "role", map[string]any{"organization": "dorg", "login": "pal", "role": "ADMIN"})
	rec("removeMember", "dora", "organization { login }", map[string]any{"organization": "dorg", "login": "pal"})
	rec("createRepository", "dora", "repository { name }", map[string]any{"name": "gone"})
	// Forked before the description is marked: a fork copies it, and
	// the fork is not deleted with its parent.
	rec("forkRepository", "pal", "repository { name }", map[string]any{"owner": "dora", "name": "gone"})
	rec("updateRepository", "dora", "repository { name }", map[string]any{"owner": "dora", "name": "gone", "description": replayDelRepository + "-desc"})
	rec("starRepository", "pal", "repository { name }", map[string]any{"owner": "dora", "name": "gone"})
	rec("unstarRepository", "pal", "repository { name }", map[string]any{"owner": "dora", "name": "gone"})
	issueID := trustPath(rec("openIssue", "dora", "issue { id }", map[string]any{"owner": "dora", "repository": "gone", "title": replayDelRepository + "-issue"}), "openIssue.issue.id")
	rec("editIssue", "dora", "issue { id }", map[string]any{"owner": "dora", "repository": "gone", "number": 1, "body": replayDelRepository + "-issue-body"})
	rec("closeIssue", "dora", "issue { id }", map[string]any{"owner": "dora", "repository": "gone", "number": 1})
	rec("reopenIssue", "dora", "issue { id }", map[string]any{"owner": "dora", "repository": "gone", "number": 1})
	rec("openPullRequest", "dora", "pullRequest { number }", map[string]any{"owner": "dora", "repository": "gone", "title": replayDelRepository + "-pr", "headRef": "f", "baseRef": "main"})
	rec("editPullRequest", "dora", "pullRequest { number }", map[string]any{"owner": "dora", "repository": "gone", "number": 2, "body": replayDelRepository + "-pr-body"})
	rec("closePullRequest", "dora", "pullRequest { number }", map[string]any{"owner": "dora", "repository": "gone", "number": 2})
	rec("reopenPullRequest", "dora", "pullRequest { number }", map[string]any{"owner": "dora", "repository": "gone", "number": 2})
	rec("mergePullRequest", "dora", "pullRequest { number }", map[string]any{"owner": "dora", "repository": "gone", "number": 2})
	labelID := trustPath(rec("createLabel", "dora", "label { id }", map[string]any{"owner": "dora", "repository": "gone", "name": "l", "color": "123456", "description": replayDelRepository + "-label"}), "createLabel.label.id")
	rec("updateLabel", "dora", "label { id }", map[string]any{"id": labelID, "description": replayDelRepository + "-label-desc"})
	rec("addLabelsToLabelable", "dora", "issue { id }", map[string]any{"labelableId": issueID, "labelIds": []string{labelID}})
	rec("removeLabelsFromLabelable", "dora", "issue { id }", map[string]any{"labelableId": issueID, "labelIds": []string{labelID}})
	doomedLabel := do("dora", `mutation($in: CreateLabelInput!) { createLabel(input: $in) { label { id } } }`, map[string]any{"owner": "dora", "repository": "gone", "name": "doomed", "color": "654321"})
	rec("deleteLabel", "dora", "deletedLabelId", map[string]any{"id": trustPath(doomedLabel, "createLabel.label.id")})
	comment := rec("addComment", "dora", "comment { id }", map[string]any{"owner": "dora", "repository": "gone", "number": 1, "body": replayDelComment + "-body"})
	commentID := trustPath(comment, "addComment.comment.id")
	rec("editComment", "dora", "comment { id }", map[string]any{"id": commentID, "body": replayDelComment + "-edited"})
	rec("addReaction", "dora", "subject { id }", map[string]any{"subjectId": commentID, "content": "HEART"})
	do("dora", `mutation($in: ReactionInput!) { addReaction(input: $in) { subject { id } } }`, map[string]any{"subjectId": commentID, "content": "EYES"})
	rec("removeReaction", "dora", "subject { id }", map[string]any{"subjectId": commentID, "content": "EYES"})
	other := do("dora", addComment, map[string]any{"owner": "dora", "repository": "gone", "number": 1, "body": "another"})
	rec("deleteComment", "dora", "deletedCommentId", map[string]any{"id": trustPath(other, "addComment.comment.id")})
	do("dora", `mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { name } } }`, map[string]any{"name": "scrap"})
	rec("deleteRepository", "dora", "deletedRepositoryId", map[string]any{"owner": "dora", "name": "scrap"})
	// The read model has caught up when the issue shows the comment.
	repositoryAwait(t, srv, "dora", `{ repository(owner: "dora", name: "gone") { issue(number: 1) { comments(first: 5) { nodes { body } } } } }`, nil, replayDelComment+"-edited")

	s := introspect(t, srv)
	var b strings.Builder
	replay := func(t *testing.T, m schField) *testkit.Response {
		t.Helper()
		r := recipes[m.Name]
		b.Reset()
		s.selection(t, &b, m.Type.named().Name, "", 4, trustArgs)
		return trustDo(t, srv.As(t, r.actor), mutationDoc(m, b.String()), map[string]any{"in": r.input})
	}
	var mutations []schField
	for _, m := range s.mutations() {
		if len(m.Args) == 0 {
			continue
		}
		if _, ok := recipes[m.Name]; !ok {
			t.Errorf("%s has no recipe: add one so that its replay after deletions is checked", m.Name)
			continue
		}
		mutations = append(mutations, m)
	}
	if len(mutations) < 27 {
		t.Fatalf("only %d mutations replayed", len(mutations))
	}
	// check replays every mutation and refuses the markers in gone.
	check := func(t *testing.T, gone []string, wantNotFound map[string]bool) {
		for _, m := range mutations {
			t.Run(m.Name, func(t *testing.T) {
				res := replay(t, m)
				if res.Status >= 500 || res.Code() == "INTERNAL" || res.Code() == "BAD_USER_INPUT" {
					t.Fatalf("replay: status %d, code %q: %.300s", res.Status, res.Code(), res.Body)
				}
				for _, marker := range gone {
					if i := strings.Index(string(res.Body), marker); i >= 0 {
						t.Errorf("the replay shows deleted data: …%.300s", res.Body[max(0, i-200):])
					}
				}
				if wantNotFound[m.Name] && res.Code() != "NOT_FOUND" {
					t.Errorf("replay: code %q, want NOT_FOUND (its payload was deleted); body %.300s", res.Code(), res.Body)
				}
				trustRootErrorsOnly(t, "the replay", res)
			})
		}
	}

	t.Run("before any deletion, replays reach the marked texts", func(t *testing.T) {
		m := map[string]schField{}
		for _, x := range mutations {
			m[x.Name] = x
		}
		for name, marker := range map[string]string{"addComment": replayDelComment, "openIssue": replayDelRepository, "editPullRequest": replayDelRepository} {
			if res := replay(t, m[name]); !strings.Contains(string(res.Body), marker) {
				t.Fatalf("the %s replay does not show %s: the check below would prove nothing; %.300s", name, marker, res.Body)
			}
		}
	})

	do("dora", deleteComment, map[string]any{"id": commentID})
	t.Run("after the comment was deleted", func(t *testing.T) {
		check(t, []string{replayDelComment}, map[string]bool{"addComment": true, "editComment": true, "addReaction": true, "removeReaction": true})
	})

	do("dora", deleteRepository, map[string]any{"owner": "dora", "name": "gone"})
	t.Run("after the repository was deleted", func(t *testing.T) {
		repositoryShown := map[string]bool{}
		for _, n := range []string{"createRepository", "updateRepository", "starRepository", "unstarRepository", "openIssue", "editIssue", "closeIssue",
			"reopenIssue", "openPullRequest", "editPullRequest", "closePullRequest", "reopenPullRequest", "mergePullRequest", "addComment", "editComment",
			"addReaction", "removeReaction", "createLabel", "updateLabel", "addLabelsToLabelable", "removeLabelsFromLabelable"} {
			repositoryShown[n] = true
		}
		check(t, []string{replayDelComment, replayDelRepository}, repositoryShown)
	})
}
