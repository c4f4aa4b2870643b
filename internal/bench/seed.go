package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/hubstream/hubstream/internal/app"
)

// seedAuthors is how many users write the seeded issues (round robin), so
// that the repository page's authors are several keys of one batch.
const seedAuthors = 10

// seed writes, through GraphQL mutations as their own users, the user
// alice (named benchName), seedAuthors more users, alice's repository
// benchRepo and issues issues on it, then waits (at most a minute) until
// the projector has made all of it readable.
func seed(ctx context.Context, a *app.App, c *client, issues int) error {
	token := func(login string) (string, error) { return a.DevToken(login) }
	createUser := `mutation($in: CreateUserInput!) { createUser(input: $in) { user { login } } }`
	logins := []string{benchLogin}
	for i := 1; i <= seedAuthors; i++ {
		logins = append(logins, fmt.Sprintf("author-%02d", i))
	}
	for _, login := range logins {
		tok, err := token(login)
		if err != nil {
			return err
		}
		name := "Author " + login
		if login == benchLogin {
			name = benchName
		}
		if _, err := c.do(ctx, tok, createUser, map[string]any{"in": map[string]any{"login": login, "name": name}}); err != nil {
			return fmt.Errorf("createUser %s: %w", login, err)
		}
	}
	owner, err := token(benchLogin)
	if err != nil {
		return err
	}
	createRepo := `mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { name } } }`
	if _, err := c.do(ctx, owner, createRepo, map[string]any{"in": map[string]any{"name": benchRepo, "description": "benchmark"}}); err != nil {
		return fmt.Errorf("createRepository: %w", err)
	}
	openIssue := `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { number } } }`
	for n := 1; n <= issues; n++ {
		tok, err := token(logins[1+n%seedAuthors])
		if err != nil {
			return err
		}
		in := map[string]any{"owner": benchLogin, "repository": benchRepo, "title": fmt.Sprintf("Issue %d", n), "body": "seeded by hubbench"}
		if _, err := c.do(ctx, tok, openIssue, map[string]any{"in": in}); err != nil {
			return fmt.Errorf("openIssue %d: %w", n, err)
		}
	}
	// The projector applies the writes asynchronously: wait until the
	// repository page reads all of them and every author is readable.
	page := DefaultQueries()[2]
	deadline := time.Now().Add(time.Minute)
	for {
		data, err := c.do(ctx, "", page.Text, nil)
		if err == nil {
			if err = page.Check(data, issues); err == nil {
				if data, err = c.do(ctx, "", DefaultQueries()[1].Text, nil); err == nil {
					if err = DefaultQueries()[1].Check(data, issues); err == nil {
						return nil
					}
				}
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the seed was not projected within a minute: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
