package bench

import (
	"encoding/json"
	"fmt"
)

// Query is one GraphQL query the benchmark drives.
type Query struct {
	// Key selects it on the command line (hubbench --queries).
	Key string
	// Name labels it in the report.
	Name string
	// Text is the GraphQL document.
	Text string
	// Check validates the data of its first answer (the answers under
	// load are only checked for errors): a benchmark of wrong answers
	// measures nothing.
	Check func(data json.RawMessage, issues int) error
}

// The login and repository the seed writes and the queries read.
const (
	benchLogin = "alice"
	benchName  = "Alice Liddell"
	benchRepo  = "hello"
)

// DefaultQueries are the queries of issue 14: the ceiling
// (`{__typename}`, no resolver), a user by login (one entity read by key)
// and a repository page (the repository by key, its issues by Query, their
// authors by key: three levels).
func DefaultQueries() []Query {
	return []Query{
		{
			Key:  "typename",
			Name: "{__typename}",
			Text: `{ __typename }`,
			Check: func(data json.RawMessage, _ int) error {
				var d struct {
					Typename string `json:"__typename"`
				}
				if err := json.Unmarshal(data, &d); err != nil || d.Typename != "Query" {
					return fmt.Errorf("got %s, want __typename Query", data)
				}
				return nil
			},
		},
		{
			Key:  "user",
			Name: "user(login)",
			Text: `{ user(login: "` + benchLogin + `") { login name } }`,
			Check: func(data json.RawMessage, _ int) error {
				var d struct{ User *struct{ Login, Name string } }
				if err := json.Unmarshal(data, &d); err != nil || d.User == nil || d.User.Login != benchLogin || d.User.Name != benchName {
					return fmt.Errorf("got %s, want user %s named %q", data, benchLogin, benchName)
				}
				return nil
			},
		},
		{
			Key:  "repository",
			Name: "repository page",
			Text: `{ repository(owner: "` + benchLogin + `", name: "` + benchRepo + `") { name stargazerCount
	issues(first: 20) { totalCount nodes { number title author { login } } } } }`,
			Check: checkRepositoryPage,
		},
	}
}

// checkRepositoryPage checks a repository page: every seeded issue
// counted, the first 20 listed, each with its author.
func checkRepositoryPage(data json.RawMessage, issues int) error {
	var d struct {
		Repository *struct {
			Name   string
			Issues struct {
				TotalCount int
				Nodes      []struct {
					Number int
					Title  string
					Author *struct{ Login string }
				}
			}
		}
	}
	if err := json.Unmarshal(data, &d); err != nil || d.Repository == nil {
		return fmt.Errorf("got %s, want the repository", data)
	}
	is := d.Repository.Issues
	if is.TotalCount != issues || len(is.Nodes) != min(issues, 20) {
		return fmt.Errorf("totalCount %d with %d nodes, want %d and %d", is.TotalCount, len(is.Nodes), issues, min(issues, 20))
	}
	for _, n := range is.Nodes {
		if n.Author == nil || n.Author.Login == "" || n.Title == "" {
			return fmt.Errorf("issue %d without author or title: %s", n.Number, data)
		}
	}
	return nil
}

// SelectQueries returns the default queries whose keys are listed (the
// ceiling, `{__typename}`, always first), or an error naming an unknown
// key.
func SelectQueries(keys []string) ([]Query, error) {
	all := DefaultQueries()
	out := []Query{all[0]}
	for _, k := range keys {
		found := false
		for _, q := range all {
			if q.Key == k {
				found = true
				if q.Key != all[0].Key {
					out = append(out, q)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown query %q (want typename, user or repository)", k)
		}
	}
	return out, nil
}
