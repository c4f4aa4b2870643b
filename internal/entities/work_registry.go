package entities

// workEvent returns a zero event of the work area's type t, or nil.
func workEvent(t string) Event {
	switch t {
	case "IssueOpened":
		return &IssueOpened{}
	case "IssueEdited":
		return &IssueEdited{}
	case "IssueClosed":
		return &IssueClosed{}
	case "IssueReopened":
		return &IssueReopened{}
	case "PullRequestOpened":
		return &PullRequestOpened{}
	case "PullRequestEdited":
		return &PullRequestEdited{}
	case "PullRequestClosed":
		return &PullRequestClosed{}
	case "PullRequestReopened":
		return &PullRequestReopened{}
	case "PullRequestMerged":
		return &PullRequestMerged{}
	case "CommentAdded":
		return &CommentAdded{}
	case "CommentEdited":
		return &CommentEdited{}
	case "CommentDeleted":
		return &CommentDeleted{}
	case "ReactionAdded":
		return &ReactionAdded{}
	case "ReactionRemoved":
		return &ReactionRemoved{}
	}
	return nil
}

// workEventTypes lists the work area's event type names.
func workEventTypes() []string {
	return []string{
		"IssueOpened", "IssueEdited", "IssueClosed", "IssueReopened",
		"PullRequestOpened", "PullRequestEdited", "PullRequestClosed", "PullRequestReopened", "PullRequestMerged",
		"CommentAdded", "CommentEdited", "CommentDeleted",
		"ReactionAdded", "ReactionRemoved",
	}
}

// workState returns a zero state of kind k if the work area owns it.
func workState(k Kind) State {
	switch k {
	case KindIssue:
		return &Issue{}
	case KindPullRequest:
		return &PullRequest{}
	case KindComment:
		return &Comment{}
	case KindReaction:
		return &Reaction{}
	}
	return nil
}
