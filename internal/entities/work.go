package entities

import (
	"strings"
	"time"
	"unicode"
)

// The work area: issues, pull requests, comments and reactions. Every
// work aggregate hangs off a repository: its commands load the repository
// (through the visibility and authority rules of repository.go), record
// the repository's life in their creation events, and treat numbers of
// earlier lives as missing. Commands carry their actor because Targets
// must name the actor's membership of the repository owner; Decide checks
// it is the executing actor (signedIn).

// Limits of the work area: GitHub's in characters.
const (
	MaxTitleLen = 256
	MaxBodyLen  = 65536
	MaxRefLen   = 255
)

// MaxBodyBytes is the byte limit of bodies (issues, pull requests,
// comments), which GitHub does not need but an item store does: a body
// is stored twice in its aggregate's head (the state and the appended
// event) and twice in an idempotency record, as JSON, whose escapes at
// most double a text's size (a quote or a line break becomes two bytes,
// U+2028 six instead of three). 96 KiB doubled twice, with the title, the
// refs and the item's other attributes, stays under DynamoDB's 400 KB
// item limit (events' TestLargestInputsAreStored writes the worst case).
// 65,536 characters of ASCII, or of any text up to 1.5 bytes per
// character, fit.
const MaxBodyBytes = 96 << 10

// validateWorkTitle checks an issue or pull request title: 1–256
// characters, not blank.
func validateWorkTitle(title string) error {
	if strings.TrimSpace(title) == "" {
		return BadInput("title", "title must not be blank")
	}
	return validateText("title", title, TitleLimit)
}

// validateWorkBody checks an issue, pull request or comment body; required
// bodies (comments) must not be blank.
func validateWorkBody(body string, required bool) error {
	if required && strings.TrimSpace(body) == "" {
		return BadInput("body", "body must not be blank")
	}
	return validateText("body", body, BodyLimit)
}

// validateWorkRef checks a branch name of a pull request: non-empty, at
// most 255 characters, no spaces or control characters (git forbids them).
func validateWorkRef(field, ref string) error {
	if ref == "" {
		return BadInput(field, "must not be empty")
	}
	if err := validateText(field, ref, RefLimit); err != nil {
		return err
	}
	for _, r := range ref {
		if unicode.IsSpace(r) {
			return BadInput(field, "must not contain spaces or control characters")
		}
	}
	return nil
}

// validateWorkRepository checks the repository a work command names (the input
// fields owner and repository).
func validateWorkRepository(repo RepositoryID) error {
	return validateRepositoryRef("owner", "repository", repo.Owner(), repo.Name())
}

// validateWorkItem checks the repository and number of a command on an
// existing issue or pull request.
func validateWorkItem(repo RepositoryID, n int) error {
	if err := validateWorkRepository(repo); err != nil {
		return err
	}
	return validateWorkNumber(n)
}

// validateNodeRef checks an issue, pull request or comment ID that a
// client sent as a node ID in the input field field: every part must be
// one the domain could have made (a login, a repository name, a positive
// number, a comment id), so a forged ID never reaches a key.
func validateNodeRef(field string, id ID) error {
	bad := BadInput(field, "malformed id")
	var repo RepositoryID
	var n int
	switch id := id.(type) {
	case IssueID:
		repo, n = id.Repository(), id.Number()
	case PullRequestID:
		repo, n = id.Repository(), id.Number()
	case CommentID:
		if validateCommentLocalID(field, id.Local()) != nil {
			return bad
		}
		repo, n = id.Repository(), id.Number()
	default:
		return BadInput(field, "only issues, pull requests and comments take reactions")
	}
	if validateRepositoryRef(field, field, repo.Owner(), repo.Name()) != nil || n < 1 {
		return bad
	}
	return nil
}

// validateWorkNumber checks an issue or pull request number.
func validateWorkNumber(n int) error {
	if n < 1 {
		return BadInput("number", "must be a positive number (got %d)", n)
	}
	return nil
}

// workTargets names what every work command needs besides its own
// aggregates: the repository, and the actor's membership of its owner
// (for private organization repositories and organization admins).
func workTargets(repo RepositoryID, actor string) []ID {
	ids := []ID{repo}
	if actor != "" && !EqualFoldASCII(actor, repo.Owner()) {
		ids = append(ids, NewMembershipID(repo.Owner(), actor))
	}
	return ids
}

// workAccess is what a work command knows about its repository: the
// live repository and the actor's standing toward it (policy.go).
type workAccess struct {
	repositoryAccess
}

// workRepository checks the actor and loads the repository of a work command:
// UNAUTHENTICATED without an actor, NOT_FOUND for a missing, deleted or
// invisible repository (so private names do not leak).
func workRepository(in Input, actor string, id RepositoryID) (workAccess, error) {
	if err := signedIn(in, actor); err != nil {
		return workAccess{}, err
	}
	a, err := accessRepository(in, id)
	if err != nil {
		return workAccess{}, err
	}
	return workAccess{repositoryAccess: a}, nil
}

// hasNumber returns NOT_FOUND unless number n belongs to the repository's
// current life (numbers continue across lives; earlier ones are gone).
func (a workAccess) hasNumber(n int, what string) error {
	if !a.repo.HasNumber(n) {
		return NotFound("%s #%d not found in %s/%s", what, n, a.repo.Owner, a.repo.Name)
	}
	return nil
}

// canModify reports whether the actor may change something written by
// author (CanModifyWork: its author or a repository admin), and whether
// that relied on admin rights.
func (a workAccess) canModify(in Input, author string) (ok, asAdmin bool) {
	return CanModifyWork(in.Actor, author, a.rel)
}

// checks returns condition checks asserting that what the decision relied
// on is unchanged when it is written: the repository's events (it is
// still alive, in the same life, with the same visibility: a repository
// deleted, made private or re-created concurrently fails the write, which
// the Executor retries against the new head and then refuses), and the
// memberships, so a member removed or an admin demoted concurrently cannot
// act on stale rights. Its sequence counter may move: issues opened
// concurrently do not conflict.
func (a workAccess) checks(asAdmin bool) []Change {
	return append([]Change{{ID: a.id, VersionOnly: true}}, a.memberChecks(asAdmin)...)
}

// memberChecks is checks without the repository's, for commands that
// write the repository's head themselves (conditioned on it entirely).
func (a workAccess) memberChecks(asAdmin bool) []Change {
	if asAdmin {
		return membershipChecks(a.seenVia(), a.adminVia())
	}
	return membershipChecks(a.seenVia())
}

// workTimePtr returns a pointer to a copy of t.
func workTimePtr(t time.Time) *time.Time { return &t }

// Work is the state issues and pull requests share (each embeds it): the
// repository and life they belong to, their number (one sequence per
// repository for both), text, author and times. ClosedAt is set while
// closed (for a pull request also when merged: a merge closes it, as on
// GitHub).
type Work struct {
	Owner      string     `json:"owner"`
	Repository string     `json:"repo"`
	Number     int        `json:"number"`
	Title      string     `json:"title"`
	Body       string     `json:"body,omitempty"`
	Author     string     `json:"author"`
	Life       int        `json:"life,omitempty"` // the repository's life the item belongs to
	CreatedAt  time.Time  `json:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt"`
	ClosedAt   *time.Time `json:"closedAt,omitempty"`
	// Labels are the IDs of the item's labels, in the order added; an ID
	// whose label was deleted may stay (label.go).
	Labels []string `json:"labels,omitempty"`
}

// work returns the shared state.
func (w *Work) work() *Work { return w }

// edit is the change of an Edited event: the title and body that are set,
// at at.
func (w *Work) edit(title, body *string, at time.Time) {
	patch(&w.Title, title)
	patch(&w.Body, body)
	w.UpdatedAt = at
}

// close is what closing (or merging) changes besides the state: the item
// is closed at at.
func (w *Work) close(at time.Time) { w.ClosedAt, w.UpdatedAt = workTimePtr(at), at }

// reopen is what reopening changes besides the state.
func (w *Work) reopen(at time.Time) { w.ClosedAt, w.UpdatedAt = nil, at }

// workItem is an issue or a pull request: what the shared work commands
// below load, check and edit.
type workItem interface {
	*Issue | *PullRequest
	work() *Work
}

// loadWork checks the repository and returns work item n of kind what
// ("issue", "pull request"), stored under id, with the actor's rights in
// the repository: UNAUTHENTICATED, NOT_FOUND for a missing repository or
// item, BAD_USER_INPUT for an invalid number.
func loadWork[T workItem](in Input, actor string, repo RepositoryID, n int, what string, id ID) (T, workAccess, error) {
	acc, err := workRepository(in, actor, repo)
	if err != nil {
		return nil, workAccess{}, err
	}
	if err := validateWorkNumber(n); err != nil {
		return nil, workAccess{}, err
	}
	if err := acc.hasNumber(n, what); err != nil {
		return nil, workAccess{}, err
	}
	w, ok := in.Snapshot(id).State.(T)
	if !ok || w == nil {
		return nil, workAccess{}, NotFound("%s #%d not found in %s/%s", what, n, acc.repo.Owner, acc.repo.Name)
	}
	return w, acc, nil
}

// modifyWork is loadWork for changes the item's author or a repository
// admin may make (FORBIDDEN otherwise); it also returns the membership
// checks the decision relies on.
func modifyWork[T workItem](in Input, actor string, repo RepositoryID, n int, what string, id ID) (T, []Change, error) {
	w, acc, err := loadWork[T](in, actor, repo, n, what, id)
	if err != nil {
		return nil, nil, err
	}
	ok, asAdmin := acc.canModify(in, w.work().Author)
	if !ok {
		return nil, nil, Forbidden("only the author or a repository admin can change %s #%d", what, n)
	}
	return w, acc.checks(asAdmin), nil
}

// workEdit validates the new title and body of an edit (nil: unchanged)
// and returns those that differ from the current ones; both nil means the
// edit changes nothing. Errors are BAD_USER_INPUT.
func workEdit(title, body *string, curTitle, curBody string) (newTitle, newBody *string, err error) {
	if title != nil {
		if err := validateWorkTitle(*title); err != nil {
			return nil, nil, err
		}
		if *title != curTitle {
			newTitle = title
		}
	}
	if body != nil {
		if err := validateWorkBody(*body, false); err != nil {
			return nil, nil, err
		}
		if *body != curBody {
			newBody = body
		}
	}
	return newTitle, newBody, nil
}

// workRef is the shape of the commands on an existing issue or pull
// request (each converts to it): who acts on which item.
type workRef struct {
	Actor      string
	Repository RepositoryID
	Number     int
}

// workEditCommand is the shape of EditIssue and EditPullRequest (both
// convert to it).
type workEditCommand struct {
	Actor      string
	Repository RepositoryID
	Number     int
	Title      *string
	Body       *string
}

// validate is the Validate of both edit commands.
func (c workEditCommand) validate() error {
	if err := validateWorkItem(c.Repository, c.Number); err != nil {
		return err
	}
	_, _, err := workEdit(c.Title, c.Body, "", "")
	return err
}

// workKind is what the commands that issues and pull requests share need
// to know of one of the two: its name in messages and its aggregate ID.
type workKind[T workItem] struct {
	what string
	id   func(RepositoryID, int) ID
}

// issues is the workKind of issues.
func issues() workKind[*Issue] {
	return workKind[*Issue]{what: "issue", id: func(r RepositoryID, n int) ID { return NewIssueID(r, n) }}
}

// pullRequests is the workKind of pull requests.
func pullRequests() workKind[*PullRequest] {
	return workKind[*PullRequest]{what: "pull request", id: func(r RepositoryID, n int) ID { return NewPullRequestID(r, n) }}
}

// targets names the item, its repository and the actor's membership.
func (k workKind[T]) targets(c workRef) []ID {
	return append([]ID{k.id(c.Repository, c.Number)}, workTargets(c.Repository, c.Actor)...)
}

// load returns the item the actor wants to act on, with the actor's
// rights in the repository (loadWork).
func (k workKind[T]) load(in Input, c workRef) (T, workAccess, error) {
	return loadWork[T](in, c.Actor, c.Repository, c.Number, k.what, k.id(c.Repository, c.Number))
}

// decide is the Decide of a change that the item's author or a repository
// admin may make (modifyWork): decide returns the event of the change, or
// none when the item is already as asked.
func (k workKind[T]) decide(in Input, c workRef, decide func(T) (Event, error)) ([]Change, error) {
	w, checks, err := modifyWork[T](in, c.Actor, c.Repository, c.Number, k.what, k.id(c.Repository, c.Number))
	if err != nil {
		return nil, err
	}
	ev, err := decide(w)
	if ev == nil || err != nil {
		return nil, err
	}
	return append([]Change{{ID: k.id(c.Repository, c.Number), Events: []Event{ev}}}, checks...), nil
}

// decideEdit is the Decide of both edit commands: the event made by
// edited with the fields that change, none if nothing does.
func (k workKind[T]) decideEdit(in Input, c workEditCommand, edited func(title, body *string) Event) ([]Change, error) {
	return k.decide(in, workRef{c.Actor, c.Repository, c.Number}, func(w T) (Event, error) {
		title, body, err := workEdit(c.Title, c.Body, w.work().Title, w.work().Body)
		if err != nil || (title == nil && body == nil) {
			return nil, err
		}
		return edited(title, body), nil
	})
}
