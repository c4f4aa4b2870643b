package entities

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Labels, GitHub's model. A repository's labels are part of the repository
// aggregate (Repository.Labels): a name is unique in its repository,
// case-insensitively, and only one aggregate can decide that. A label has
// a stable ID (time-sortable, like a comment's), so renaming it changes
// nothing that points at it. Issues and pull requests carry the IDs of
// their labels (Work.Labels); a deleted label's ID may stay there, and
// every reader treats an ID that names no label as absent.

// Label limits: GitHub's name and description lengths, and a bound on the
// labels of one issue or pull request: each is a link item its events
// write, and an event's writes must fit one transaction.
const (
	MaxLabelNameLen        = 50
	MaxLabelDescriptionLen = 100
	MaxLabelsPerItem       = 20
)

// The limits of a label's texts.
var (
	LabelNameLimit        = TextLimit{Chars: MaxLabelNameLen, Bytes: 4 * MaxLabelNameLen}
	LabelDescriptionLimit = TextLimit{Chars: MaxLabelDescriptionLen, Bytes: 4 * MaxLabelDescriptionLen}
)

// Label is one label of a repository.
type Label struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Color       string    `json:"color"` // rrggbb, lower case
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// LabelByID returns the repository's label id, or nil.
func (r *Repository) LabelByID(id string) *Label {
	for i := range r.Labels {
		if r.Labels[i].ID == id {
			return &r.Labels[i]
		}
	}
	return nil
}

// labelByName returns the repository's label called name
// (case-insensitively), or nil.
func (r *Repository) labelByName(name string) *Label {
	for i := range r.Labels {
		if strings.EqualFold(r.Labels[i].Name, name) {
			return &r.Labels[i]
		}
	}
	return nil
}

// LabelCreated records a new label of a repository.
type LabelCreated struct {
	Label Label `json:"label"`
}

// EventType returns "LabelCreated".
func (*LabelCreated) EventType() string { return "LabelCreated" }

func (e *LabelCreated) evolve(s State, at time.Time) (State, error) {
	absent := func(r *Repository) bool { return r.LabelByID(e.Label.ID) == nil }
	return evolveState(e, s, absent, func(next *Repository) {
		l := e.Label
		l.CreatedAt, l.UpdatedAt = at, at
		next.Labels = append(slices.Clone(next.Labels), l)
	})
}

// LabelUpdated records a changed name, color or description of a label;
// nil fields are unchanged.
type LabelUpdated struct {
	ID          string  `json:"id"`
	Name        *string `json:"name,omitempty"`
	Color       *string `json:"color,omitempty"`
	Description *string `json:"description,omitempty"`
}

// EventType returns "LabelUpdated".
func (*LabelUpdated) EventType() string { return "LabelUpdated" }

func (e *LabelUpdated) evolve(s State, at time.Time) (State, error) {
	return evolveState(e, s, hasLabel(e.ID), func(next *Repository) {
		next.Labels = slices.Clone(next.Labels)
		l := next.LabelByID(e.ID)
		patch(&l.Name, e.Name)
		patch(&l.Color, e.Color)
		patch(&l.Description, e.Description)
		l.UpdatedAt = at
	})
}

// LabelDeleted records that a label was deleted: it disappears from every
// issue and pull request.
type LabelDeleted struct {
	ID string `json:"id"`
}

// EventType returns "LabelDeleted".
func (*LabelDeleted) EventType() string { return "LabelDeleted" }

func (e *LabelDeleted) evolve(s State, _ time.Time) (State, error) {
	return evolveState(e, s, hasLabel(e.ID), func(next *Repository) {
		next.Labels = slices.DeleteFunc(slices.Clone(next.Labels), func(l Label) bool { return l.ID == e.ID })
	})
}

// hasLabel is the condition of the events on label id: the repository
// has it.
func hasLabel(id string) func(*Repository) bool {
	return func(r *Repository) bool { return r.LabelByID(id) != nil }
}

// validateLabelID checks a label ID's shape (NewCommentLocalID's: it
// becomes part of keys and node IDs).
func validateLabelID(field, id string) error {
	if validateCommentLocalID(field, id) != nil {
		return BadInput(field, "malformed label id")
	}
	return nil
}

// validateLabelName checks a label name: 1–50 characters, not blank, no
// comma (GitHub's label lists are comma-separated).
func validateLabelName(name string) error {
	if strings.TrimSpace(name) == "" {
		return BadInput("name", "name must not be blank")
	}
	if strings.Contains(name, ",") {
		return BadInput("name", "name must not contain a comma")
	}
	return validateText("name", name, LabelNameLimit)
}

// validateLabelColor checks a color: six hexadecimal digits, no "#".
func validateLabelColor(color string) error {
	if len(color) != 6 || strings.Trim(strings.ToLower(color), "0123456789abcdef") != "" {
		return BadInput("color", "color must be six hexadecimal digits (rrggbb)")
	}
	return nil
}

// validateLabelDescription checks a description: at most 100 characters.
func validateLabelDescription(d string) error {
	return validateText("description", d, LabelDescriptionLimit)
}

// labelAdmin loads the repository of a label command for an administrator:
// UNAUTHENTICATED, NOT_FOUND for a missing, deleted or invisible
// repository, FORBIDDEN unless the actor is the owner or an organization
// admin. It returns the membership checks the decision relied on.
func labelAdmin(in Input, actor string, id RepositoryID) (*Repository, []Change, error) {
	if err := signedIn(in, actor); err != nil {
		return nil, nil, err
	}
	a, err := accessRepository(in, id)
	if err != nil {
		return nil, nil, err
	}
	if !CanAdministerRepository(a.rel) {
		return nil, nil, Forbidden("only the owner or an organization admin can change the labels of %s/%s", a.repo.Owner, a.repo.Name)
	}
	return a.repo, membershipChecks(a.seenVia(), a.adminVia()), nil
}

// CreateLabel creates a label in a repository. ID is the new label's ID
// (NewCommentLocalID), chosen by the caller so a retry creates nothing
// twice.
type CreateLabel struct {
	Repository  RepositoryID
	ID          string
	Name        string
	Color       string
	Description string
	Actor       string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c CreateLabel) Validate() error {
	if err := validateWorkRepository(c.Repository); err != nil {
		return err
	}
	if err := validateLabelID("id", c.ID); err != nil {
		return err
	}
	if err := validateLabelName(c.Name); err != nil {
		return err
	}
	if err := validateLabelColor(c.Color); err != nil {
		return err
	}
	return validateLabelDescription(c.Description)
}

// Targets names the repository and the actor's membership of its owner.
func (c CreateLabel) Targets() []ID { return workTargets(c.Repository, c.Actor) }

// Decide returns LabelCreated; ALREADY_EXISTS when the repository has a
// label of that name (case-insensitively) or that ID, and the errors of
// labelAdmin.
func (c CreateLabel) Decide(in Input) ([]Change, error) {
	r, checks, err := labelAdmin(in, c.Actor, c.Repository)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if r.labelByName(c.Name) != nil || r.LabelByID(c.ID) != nil {
		return nil, AlreadyExists("%s/%s already has a label named %q", r.Owner, r.Name, c.Name)
	}
	l := Label{ID: c.ID, Name: c.Name, Color: strings.ToLower(c.Color), Description: c.Description}
	return append([]Change{{ID: c.Repository, Events: []Event{&LabelCreated{Label: l}}}}, checks...), nil
}

// UpdateLabel changes a label's name, color or description; nil fields
// stay as they are.
type UpdateLabel struct {
	Repository  RepositoryID
	ID          string
	Name        *string
	Color       *string
	Description *string
	Actor       string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c UpdateLabel) Validate() error {
	if err := validateWorkRepository(c.Repository); err != nil {
		return err
	}
	if err := validateLabelID("id", c.ID); err != nil {
		return err
	}
	if c.Name != nil {
		if err := validateLabelName(*c.Name); err != nil {
			return err
		}
	}
	if c.Color != nil {
		if err := validateLabelColor(*c.Color); err != nil {
			return err
		}
	}
	if c.Description != nil {
		return validateLabelDescription(*c.Description)
	}
	return nil
}

// Targets names the repository and the actor's membership of its owner.
func (c UpdateLabel) Targets() []ID { return workTargets(c.Repository, c.Actor) }

// Decide returns LabelUpdated with the fields that change (nothing if
// none do); NOT_FOUND for a missing label, ALREADY_EXISTS when the new
// name is another label's, and the errors of labelAdmin. Renaming keeps
// the label on every issue and pull request: they hold its ID.
func (c UpdateLabel) Decide(in Input) ([]Change, error) {
	r, checks, err := labelAdmin(in, c.Actor, c.Repository)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	l := r.LabelByID(c.ID)
	if l == nil {
		return nil, NotFound("label %s not found in %s/%s", c.ID, r.Owner, r.Name)
	}
	ev := &LabelUpdated{ID: c.ID}
	changed := false
	if c.Name != nil && *c.Name != l.Name {
		if other := r.labelByName(*c.Name); other != nil && other.ID != l.ID {
			return nil, AlreadyExists("%s/%s already has a label named %q", r.Owner, r.Name, *c.Name)
		}
		ev.Name, changed = c.Name, true
	}
	if c.Color != nil && !strings.EqualFold(*c.Color, l.Color) {
		color := strings.ToLower(*c.Color)
		ev.Color, changed = &color, true
	}
	if c.Description != nil && *c.Description != l.Description {
		ev.Description, changed = c.Description, true
	}
	if !changed {
		return nil, nil
	}
	return append([]Change{{ID: c.Repository, Events: []Event{ev}}}, checks...), nil
}

// DeleteLabel deletes a label: it disappears from every issue and pull
// request of the repository.
type DeleteLabel struct {
	Repository RepositoryID
	ID         string
	Actor      string
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c DeleteLabel) Validate() error {
	if err := validateWorkRepository(c.Repository); err != nil {
		return err
	}
	return validateLabelID("id", c.ID)
}

// Targets names the repository and the actor's membership of its owner.
func (c DeleteLabel) Targets() []ID { return workTargets(c.Repository, c.Actor) }

// Decide returns LabelDeleted; NOT_FOUND for a missing label, and the
// errors of labelAdmin.
func (c DeleteLabel) Decide(in Input) ([]Change, error) {
	r, checks, err := labelAdmin(in, c.Actor, c.Repository)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if r.LabelByID(c.ID) == nil {
		return nil, NotFound("label %s not found in %s/%s", c.ID, r.Owner, r.Name)
	}
	return append([]Change{{ID: c.Repository, Events: []Event{&LabelDeleted{ID: c.ID}}}}, checks...), nil
}

// Labeling issues and pull requests.

// LabelsAdded records labels added to an issue or pull request.
type LabelsAdded struct {
	Labels []string `json:"labels"`
}

// EventType returns "LabelsAdded".
func (*LabelsAdded) EventType() string { return "LabelsAdded" }

func (e *LabelsAdded) evolve(s State, at time.Time) (State, error) {
	return evolveWork(e, s, func(w *Work) {
		for _, id := range e.Labels {
			if !slices.Contains(w.Labels, id) {
				w.Labels = append(w.Labels, id)
			}
		}
		w.UpdatedAt = at
	})
}

// LabelsRemoved records labels removed from an issue or pull request.
type LabelsRemoved struct {
	Labels []string `json:"labels"`
}

// EventType returns "LabelsRemoved".
func (*LabelsRemoved) EventType() string { return "LabelsRemoved" }

func (e *LabelsRemoved) evolve(s State, at time.Time) (State, error) {
	return evolveWork(e, s, func(w *Work) {
		w.Labels = slices.DeleteFunc(w.Labels, func(id string) bool { return slices.Contains(e.Labels, id) })
		w.UpdatedAt = at
	})
}

// evolveWork applies change to a copy of the Work of an issue or pull
// request state.
func evolveWork(e Event, s State, change func(*Work)) (State, error) {
	switch st := s.(type) {
	case *Issue:
		if st != nil {
			next := *st
			next.Labels = slices.Clone(st.Labels)
			change(&next.Work)
			return &next, nil
		}
	case *PullRequest:
		if st != nil {
			next := *st
			next.Labels = slices.Clone(st.Labels)
			change(&next.Work)
			return &next, nil
		}
	}
	return nil, errWrongState(e, s)
}

// ChangeLabels adds labels to (or, with Remove, removes them from) an
// issue or pull request — Subject, an IssueID or PullRequestID. Labels
// are label IDs of the subject's repository.
type ChangeLabels struct {
	Subject ID
	Labels  []string
	Remove  bool
	Actor   string
}

// subject returns the repository and number of the subject.
func (c ChangeLabels) subject() (RepositoryID, int, bool) {
	switch id := c.Subject.(type) {
	case IssueID:
		return id.Repository(), id.Number(), true
	case PullRequestID:
		return id.Repository(), id.Number(), true
	}
	return RepositoryID{}, 0, false
}

// Validate checks the command's fields (BAD_USER_INPUT), without
// loading anything.
func (c ChangeLabels) Validate() error {
	repo, n, ok := c.subject()
	if !ok {
		return BadInput("labelableId", "labels apply to issues and pull requests only")
	}
	if err := validateWorkItem(repo, n); err != nil {
		return err
	}
	if len(c.Labels) == 0 || len(c.Labels) > MaxLabelsPerItem {
		return BadInput("labelIds", "give 1 to %d labels", MaxLabelsPerItem)
	}
	for _, id := range c.Labels {
		if err := validateLabelID("labelIds", id); err != nil {
			return err
		}
	}
	return nil
}

// Targets names the subject, its repository and the actor's membership of
// the repository's owner.
func (c ChangeLabels) Targets() []ID {
	repo, _, _ := c.subject()
	return append([]ID{c.Subject}, workTargets(repo, c.Actor)...)
}

// Decide returns LabelsAdded (after LabelsRemoved of the IDs of deleted
// labels, if the item has any) or LabelsRemoved with the labels that
// change (nothing if none do): UNAUTHENTICATED, NOT_FOUND for a missing or
// invisible repository, subject or label, FORBIDDEN unless the actor is
// the subject's author or a repository admin, BAD_USER_INPUT beyond
// MaxLabelsPerItem labels.
func (c ChangeLabels) Decide(in Input) ([]Change, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	repo, n, _ := c.subject()
	var work *Work
	var checks []Change
	var err error
	if _, ok := c.Subject.(IssueID); ok {
		var i *Issue
		i, checks, err = modifyWork[*Issue](in, c.Actor, repo, n, "issue", c.Subject)
		if i != nil {
			work = &i.Work
		}
	} else {
		var p *PullRequest
		p, checks, err = modifyWork[*PullRequest](in, c.Actor, repo, n, "pull request", c.Subject)
		if p != nil {
			work = &p.Work
		}
	}
	if err != nil {
		return nil, err
	}
	r, _ := LiveRepository(in.Snapshot(repo))
	var changed []string
	for _, id := range c.Labels {
		has := slices.Contains(work.Labels, id)
		switch {
		case !c.Remove && r.LabelByID(id) == nil:
			return nil, NotFound("label %s not found in %s/%s", id, r.Owner, r.Name)
		case c.Remove == has && !slices.Contains(changed, id):
			changed = append(changed, id)
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	evs := []Event{&LabelsRemoved{Labels: changed}}
	if !c.Remove {
		// Adding also drops the IDs of labels deleted since (they name
		// nothing), so they neither count against the limit nor stay.
		var stale []string
		for _, id := range work.Labels {
			if r.LabelByID(id) == nil {
				stale = append(stale, id)
			}
		}
		if len(work.Labels)-len(stale)+len(changed) > MaxLabelsPerItem {
			return nil, BadInput("labelIds", "an issue or pull request has at most %d labels", MaxLabelsPerItem)
		}
		evs = []Event{&LabelsAdded{Labels: changed}}
		if len(stale) > 0 {
			evs = []Event{&LabelsRemoved{Labels: stale}, evs[0]}
		}
	}
	// checks assert the repository's events unchanged (modifyWork): a
	// label deleted concurrently is not added.
	return append([]Change{{ID: c.Subject, Events: evs}}, checks...), nil
}

// Schema evolution: IssueOpened version 2 names the repository
// "repository" (version 1 said "repo") and may carry labels.

// SchemaVersion returns 2: the version IssueOpened is written with.
func (*IssueOpened) SchemaVersion() int { return 2 }

// upcastIssueOpenedV1 turns IssueOpened version 1 data into version 2: the
// "repo" field becomes "repository"; version 1 had no labels.
func upcastIssueOpenedV1(data json.RawMessage) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if repo, ok := m["repo"]; ok {
		m["repository"] = repo
		delete(m, "repo")
	}
	return json.Marshal(m)
}
