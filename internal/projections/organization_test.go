package projections_test

import "testing"

// TestOrganizationGolden replays testdata/organization.events.json (users,
// two organizations, members added, promoted, demoted, removed and
// re-added) and compares the read model — organization account items
// with description and memberCount, membership items, users'
// organizationCount — with testdata/organization.golden.json.
func TestOrganizationGolden(t *testing.T) {
	goldenReplay(t, "organization")
}
