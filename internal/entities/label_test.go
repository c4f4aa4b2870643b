package entities

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"
)

const (
	labelBug  = "01hx00000000000000000000bg"
	labelDocs = "01hx00000000000000000000dc"
	labelNew  = "01hx00000000000000000000n1"
)

// labelWorld is the work world with labels "bug" and "docs" on octo/hello
// and "bug" on issue #1.
func labelWorld(t *testing.T) Input {
	t.Helper()
	in := workWorld(t)
	in = workRun(t, in, "octo", CreateLabel{Repository: workHello, ID: labelBug, Name: "bug", Color: "D73A4A", Actor: "octo"})
	in = workRun(t, in, "octo", CreateLabel{Repository: workHello, ID: labelDocs, Name: "docs", Color: "0075ca", Description: "Documentation", Actor: "octo"})
	return workRun(t, in, "alice", ChangeLabels{Subject: NewIssueID(workHello, 1), Labels: []string{labelBug}, Actor: "alice"})
}

func ptrS(s string) *string { return &s }

func TestLabelCommands(t *testing.T) {
	in := labelWorld(t)
	issue1, pull2 := NewIssueID(workHello, 1), NewPullRequestID(workHello, 2)
	repositoryLabels := func(after Input) []Label {
		r, _ := LiveRepository(after.Snapshot(workHello))
		return r.Labels
	}
	workRunCases(t, []workCase{
		{name: "owner creates", in: in, actor: "octo", cmd: CreateLabel{Repository: workHello, ID: labelNew, Name: "Help wanted", Color: "008672", Actor: "octo"}, events: []string{"LabelCreated"},
			check: func(t *testing.T, _ []Change, after Input) {
				if ls := repositoryLabels(after); len(ls) != 3 || ls[2].Name != "Help wanted" || ls[2].Color != "008672" || ls[2].CreatedAt.IsZero() {
					t.Fatalf("labels = %+v", ls)
				}
			}},
		{name: "name taken, other case", in: in, actor: "octo", cmd: CreateLabel{Repository: workHello, ID: labelNew, Name: "BUG", Color: "000000", Actor: "octo"}, code: CodeAlreadyExists},
		{name: "bad color", in: in, actor: "octo", cmd: CreateLabel{Repository: workHello, ID: labelNew, Name: "x", Color: "#fff", Actor: "octo"}, code: CodeBadInput, field: "color"},
		{name: "blank name", in: in, actor: "octo", cmd: CreateLabel{Repository: workHello, ID: labelNew, Name: " ", Color: "ffffff", Actor: "octo"}, code: CodeBadInput, field: "name"},
		{name: "bad id", in: in, actor: "octo", cmd: CreateLabel{Repository: workHello, ID: "x/y", Name: "x", Color: "ffffff", Actor: "octo"}, code: CodeBadInput, field: "id"},
		{name: "not an admin", in: in, actor: "alice", cmd: CreateLabel{Repository: workHello, ID: labelNew, Name: "x", Color: "ffffff", Actor: "alice"}, code: CodeForbidden},
		{name: "private repository, outsider", in: in, actor: "alice", cmd: CreateLabel{Repository: workSecret, ID: labelNew, Name: "x", Color: "ffffff", Actor: "alice"}, code: CodeNotFound},
		{name: "organization admin", in: in, actor: "boss", cmd: CreateLabel{Repository: workSecret, ID: labelNew, Name: "x", Color: "ffffff", Actor: "boss"}, events: []string{"LabelCreated"}},
		{name: "member is no admin", in: in, actor: "member", cmd: CreateLabel{Repository: workSecret, ID: labelNew, Name: "x", Color: "ffffff", Actor: "member"}, code: CodeForbidden},
		{name: "rename keeps the ID", in: in, actor: "octo", cmd: UpdateLabel{Repository: workHello, ID: labelBug, Name: ptrS("defect"), Actor: "octo"}, events: []string{"LabelUpdated"},
			check: func(t *testing.T, _ []Change, after Input) {
				if ls := repositoryLabels(after); ls[0].ID != labelBug || ls[0].Name != "defect" || ls[0].Color != "d73a4a" {
					t.Fatalf("labels = %+v", ls)
				}
				if i := after.Snapshot(issue1).State.(*Issue); !slices.Equal(i.Labels, []string{labelBug}) {
					t.Fatalf("issue labels = %v", i.Labels)
				}
			}},
		{name: "rename onto another label", in: in, actor: "octo", cmd: UpdateLabel{Repository: workHello, ID: labelBug, Name: ptrS("Docs"), Actor: "octo"}, code: CodeAlreadyExists},
		{name: "recase own name", in: in, actor: "octo", cmd: UpdateLabel{Repository: workHello, ID: labelBug, Name: ptrS("Bug"), Actor: "octo"}, events: []string{"LabelUpdated"}},
		{name: "no change", in: in, actor: "octo", cmd: UpdateLabel{Repository: workHello, ID: labelBug, Color: ptrS("d73a4a"), Actor: "octo"}},
		{name: "update missing label", in: in, actor: "octo", cmd: UpdateLabel{Repository: workHello, ID: labelNew, Name: ptrS("x"), Actor: "octo"}, code: CodeNotFound},
		{name: "delete", in: in, actor: "octo", cmd: DeleteLabel{Repository: workHello, ID: labelBug, Actor: "octo"}, events: []string{"LabelDeleted"},
			check: func(t *testing.T, _ []Change, after Input) {
				if ls := repositoryLabels(after); len(ls) != 1 || ls[0].ID != labelDocs {
					t.Fatalf("labels = %+v", ls)
				}
			}},
		{name: "delete, not an admin", in: in, actor: "alice", cmd: DeleteLabel{Repository: workHello, ID: labelBug, Actor: "alice"}, code: CodeForbidden},
		{name: "author labels own pull request", in: in, actor: "bob", cmd: ChangeLabels{Subject: pull2, Labels: []string{labelDocs, labelDocs}, Actor: "bob"}, events: []string{"LabelsAdded"},
			check: func(t *testing.T, _ []Change, after Input) {
				if p := after.Snapshot(pull2).State.(*PullRequest); !slices.Equal(p.Labels, []string{labelDocs}) {
					t.Fatalf("pull request labels = %v", p.Labels)
				}
			}},
		{name: "others may not label", in: in, actor: "bob", cmd: ChangeLabels{Subject: issue1, Labels: []string{labelDocs}, Actor: "bob"}, code: CodeForbidden},
		{name: "admin labels anything", in: in, actor: "octo", cmd: ChangeLabels{Subject: issue1, Labels: []string{labelDocs}, Actor: "octo"}, events: []string{"LabelsAdded"}},
		{name: "already labeled", in: in, actor: "alice", cmd: ChangeLabels{Subject: issue1, Labels: []string{labelBug}, Actor: "alice"}},
		{name: "unknown label", in: in, actor: "alice", cmd: ChangeLabels{Subject: issue1, Labels: []string{labelNew}, Actor: "alice"}, code: CodeNotFound},
		{name: "remove", in: in, actor: "alice", cmd: ChangeLabels{Subject: issue1, Labels: []string{labelBug, labelDocs}, Remove: true, Actor: "alice"}, events: []string{"LabelsRemoved"},
			check: func(t *testing.T, _ []Change, after Input) {
				if i := after.Snapshot(issue1).State.(*Issue); len(i.Labels) != 0 {
					t.Fatalf("issue labels = %v", i.Labels)
				}
			}},
		{name: "not labelable", in: in, actor: "alice", cmd: ChangeLabels{Subject: workHello, Labels: []string{labelBug}, Actor: "alice"}, code: CodeBadInput, field: "labelableId"},
		{name: "no labels", in: in, actor: "alice", cmd: ChangeLabels{Subject: issue1, Actor: "alice"}, code: CodeBadInput, field: "labelIds"},
		{name: "open with labels", in: in, actor: "carol", cmd: OpenIssue{Repository: workHello, Title: "t", Labels: []LabelRef{{workHello, labelDocs}, {workHello, labelBug}, {workHello, labelDocs}}, Actor: "carol"}, events: []string{"IssueOpened"},
			check: func(t *testing.T, _ []Change, after Input) {
				if i := after.Snapshot(NewIssueID(workHello, 3)).State.(*Issue); !slices.Equal(i.Labels, []string{labelDocs, labelBug}) {
					t.Fatalf("issue #3 labels = %v", i.Labels)
				}
			}},
		{name: "open with an unknown label", in: in, actor: "carol", cmd: OpenIssue{Repository: workHello, Title: "t", Labels: []LabelRef{{workHello, labelNew}}, Actor: "carol"}, code: CodeNotFound},
		{name: "open with a label of another repository", in: in, actor: "carol", cmd: OpenIssue{Repository: workHello, Title: "t", Labels: []LabelRef{{NewRepositoryID("octo", "other"), labelBug}}, Actor: "carol"}, code: CodeNotFound},
	})
}

// TestIssueOpenedV1 decodes IssueOpened events stored before labels
// existed (schema 1, testdata/issue_opened_v1.json) through the
// registered upcaster: the same state as the version 2 event.
func TestIssueOpenedV1(t *testing.T) {
	raw, err := os.ReadFile("testdata/issue_opened_v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var stored []json.RawMessage
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	var up *Upcaster
	for _, u := range Upcasters() {
		if u.EventType == "IssueOpened" && u.From == 1 {
			up = &u
		}
	}
	if up == nil || SchemaVersion("IssueOpened") != 2 || SchemaVersion("IssueEdited") != 1 {
		t.Fatalf("IssueOpened: upcaster %v, version %d", up, SchemaVersion("IssueOpened"))
	}
	want := []IssueOpened{
		{Owner: "Octo", Repository: "Hello", Number: 1, Title: "Crash on start", Body: "It crashes.", Author: "alice", Life: 1},
		{Owner: "octo", Repository: "hello", Number: 7, Title: "No body", Author: "bob"},
	}
	if len(stored) != len(want) {
		t.Fatalf("%d fixtures, want %d", len(stored), len(want))
	}
	for i, data := range stored {
		v2, err := up.Up(data)
		if err != nil {
			t.Fatal(err)
		}
		e, err := DecodeEvent("IssueOpened", v2)
		if err != nil {
			t.Fatal(err)
		}
		if got := *e.(*IssueOpened); !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("fixture %d = %+v, want %+v", i, got, want[i])
		}
	}
	if _, err := up.Up(json.RawMessage(`[`)); err == nil {
		t.Fatal("upcasting malformed data succeeded")
	}
}
